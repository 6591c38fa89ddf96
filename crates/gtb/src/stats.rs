//! Means with 95% confidence intervals over episodes.

use serde::Serialize;

/// Mean of a statistic over episodes with a 95% confidence interval (normal approximation).
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct MetricSummary {
    /// Mean.
    pub mean: f64,
    /// Lower end of the 95% interval.
    pub ci95_low: f64,
    /// Upper end of the 95% interval.
    pub ci95_high: f64,
}

impl MetricSummary {
    /// The summary of `values` (at least one).
    pub fn of(values: &[f64]) -> MetricSummary {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        let half = 1.96 * (var / n).sqrt();
        MetricSummary {
            mean,
            ci95_low: mean - half,
            ci95_high: mean + half,
        }
    }
}
