//! Progress display on a terminal; silent when stderr is not a TTY or with --quiet. Engine
//! runs report to it through [`EngineWatch`], the command line's engine observer.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use walras_core::{Event, Observer};

/// A spinner with a message, or nothing (clones show the same spinner).
#[derive(Clone)]
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A spinner labelled `label`, shown only on a terminal and when not quiet.
    pub fn spinner(label: &str, quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed}]")
                .expect("valid template"),
        );
        bar.set_prefix(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress(Some(bar))
    }

    /// Update the message.
    pub fn message(&self, msg: String) {
        if let Some(bar) = &self.0 {
            bar.set_message(msg);
        }
    }

    /// Remove the spinner.
    pub fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The command line's engine observer: shows rounds (and, if asked, optimiser iterations) on
/// the spinner and, with `-v`, prints a line per round.
pub struct EngineWatch {
    spinner: Progress,
    verbose_rounds: bool,
    iterations: bool,
    started: Instant,
}

impl EngineWatch {
    /// Reporting to `spinner`; `verbose_rounds` prints a stderr line per round;
    /// `iterations` shows the optimiser's iterations on the spinner too.
    pub fn new(spinner: &Progress, verbose_rounds: bool, iterations: bool) -> Self {
        EngineWatch {
            spinner: spinner.clone(),
            verbose_rounds,
            iterations,
            started: Instant::now(),
        }
    }
}

impl Observer for EngineWatch {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::Round(rec) => {
                self.spinner.message(format!(
                    "iteration {}: max FOC residual {:.2e}",
                    rec.round,
                    rec.max_projected_gradient()
                ));
                if self.verbose_rounds {
                    eprintln!(
                        "[{:>7.1} s] iteration {:>4}: max policy change {:.3e}, max FOC residual {:.3e}",
                        self.started.elapsed().as_secs_f64(),
                        rec.round,
                        rec.max_policy_change,
                        rec.max_projected_gradient()
                    );
                }
            }
            Event::Progress { what, done, total } => {
                self.spinner.message(match total {
                    Some(total) => format!("{what} {done} of {total}"),
                    None => format!("{what} {done}"),
                });
            }
            Event::OptimizerIteration {
                iteration,
                projected_gradient_norm,
                ..
            } if self.iterations => {
                self.spinner.message(format!(
                    "iteration {iteration}: projected gradient {projected_gradient_norm:.2e}"
                ));
            }
            _ => {}
        }
    }
}

/// Shows each best-response round's largest policy change on a spinner (the examples' games).
pub struct RoundSpinner(pub Progress);

impl Observer for RoundSpinner {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Round(r) = event {
            self.0.message(format!(
                "round {}, max change {:.1e}",
                r.round, r.max_policy_change
            ));
        }
    }
}
