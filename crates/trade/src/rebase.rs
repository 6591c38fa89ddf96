//! Re-basing a calibrated baseline on an exact equilibrium of the model: the purge (zero
//! deficits, Dekle-Eaton-Kortum) and the settle (the data's deficits), both re-solved at the
//! applied policies so that a zero policy change is a zero change.

use std::sync::Arc;

use crate::baseline::Baseline;
use crate::error::Result;
use crate::instruments::InstrumentSet;
use crate::model::{Deficits, TradeModel};

/// The re-based baseline's note after a purge.
const PURGED: &str = "deficits purged (D' = 0 at the applied policies)";
/// The re-based baseline's note after a settle.
const SETTLED: &str =
    "deficits kept; the baseline re-solved at the applied policies (an exact equilibrium)";

impl Baseline {
    /// The purge (Dekle-Eaton-Kortum): solve the counterfactual with zero deficits at the
    /// applied policies (scale economies on) and re-base the economy on it. The result is a
    /// balanced baseline that is an exact equilibrium; its final shares are this one's.
    pub fn purge(&self, options: &walras_core::SolverOptions) -> Result<Baseline> {
        self.purge_observed(options, &walras_core::NoObserver)
    }

    /// [`purge`](Baseline::purge), reporting its solve to `observer`.
    pub fn purge_observed(
        &self,
        options: &walras_core::SolverOptions,
        observer: &dyn walras_core::Observer,
    ) -> Result<Baseline> {
        self.resolved(Deficits::Zero, options, observer, PURGED)
    }

    /// The baseline with deficits as in the data, re-solved at the applied policies and
    /// re-based on that solution, so that changes are measured from an exact equilibrium of the
    /// model. Data that are one already come back unchanged (up to the solver's tolerance);
    /// raw data are often not exactly one (the cp2015 importer, like Caliendo and Parro's
    /// code, sets negative implied final demand to zero), and without this a zero policy
    /// change would show non-zero welfare changes.
    pub fn settle(&self, options: &walras_core::SolverOptions) -> Result<Baseline> {
        self.settle_observed(options, &walras_core::NoObserver)
    }

    /// [`settle`](Baseline::settle), reporting its solve to `observer`.
    pub fn settle_observed(
        &self,
        options: &walras_core::SolverOptions,
        observer: &dyn walras_core::Observer,
    ) -> Result<Baseline> {
        self.resolved(Deficits::Keep, options, observer, SETTLED)
    }

    /// [`purge`](Baseline::purge) (`keep_deficits` false) or [`settle`](Baseline::settle)
    /// (true), its equilibrium solve started from `warm` (the solution of a nearby re-basing,
    /// e.g. of the same data with slightly different elasticities): the new baseline and that
    /// solution.
    pub fn rebased_from(
        &self,
        keep_deficits: bool,
        options: &walras_core::SolverOptions,
        warm: Option<&[f64]>,
    ) -> Result<(Baseline, Vec<f64>)> {
        let (deficits, note) = if keep_deficits {
            (Deficits::Keep, SETTLED)
        } else {
            (Deficits::Zero, PURGED)
        };
        self.solved(deficits, options, &walras_core::NoObserver, note, warm)
    }

    /// The equilibrium at the applied policies with `deficits`, as the new baseline.
    fn resolved(
        &self,
        deficits: Deficits,
        options: &walras_core::SolverOptions,
        observer: &dyn walras_core::Observer,
        note: &str,
    ) -> Result<Baseline> {
        Ok(self.solved(deficits, options, observer, note, None)?.0)
    }

    /// [`resolved`](Self::resolved) from `warm`, with the equilibrium it solved.
    fn solved(
        &self,
        deficits: Deficits,
        options: &walras_core::SolverOptions,
        observer: &dyn walras_core::Observer,
        note: &str,
        warm: Option<&[f64]>,
    ) -> Result<(Baseline, Vec<f64>)> {
        let model =
            TradeModel::new(Arc::new(self.clone()), InstrumentSet::none())?.with_deficits(deficits);
        let policy: Vec<f64> = Vec::new();
        let sol = walras_core::solve_observed(&model, &policy, warm, options, observer)?;
        Ok((model.rebase(&sol.x, &policy, note), sol.x))
    }
}

impl TradeModel {
    /// A new baseline at the solved equilibrium `x` of `policy`: its flows, policies, value
    /// added, revenues and income become the baseline levels.
    pub fn rebase(&self, x: &[f64], policy: &[f64], note: &str) -> Baseline {
        let b = &*self.base;
        let (nc, nj) = (b.n_countries(), b.n_sectors());
        let c = self.compute(x, policy, true);
        let (t, s, ex) = self.map.apply(b, policy);
        let mut next = b.clone();
        next.lambda = c.lambda.clone();
        next.spending = c.spending.clone();
        next.tariff = t.clone();
        next.subsidy = s.clone();
        next.export_tax = ex.clone();
        let mut sales = vec![0.0; nc * nj];
        for i in 0..nc {
            for n in 0..nc {
                for j in 0..nj {
                    let f = b.flow(i, n, j);
                    let value = c.lambda[f] * c.spending[n * nj + j];
                    sales[i * nj + j] +=
                        value * (1.0 + s[i * nj + j]) / ((1.0 + t[f]) * (1.0 + ex[f]));
                }
            }
        }
        next.value_added = (0..nc * nj).map(|k| b.va_share[k] * sales[k]).collect();
        next.wage_bill = (0..nc)
            .map(|i| next.value_added[i * nj..(i + 1) * nj].iter().sum())
            .collect();
        next.tariff_revenue = c.tariff_revenue.clone();
        next.income = c.income.clone();
        let world = next.wage_bill.iter().sum::<f64>() / b.wage_bill.iter().sum::<f64>();
        next.deficit = match self.deficits {
            Deficits::Keep => b.deficit.iter().map(|d| d * world).collect(),
            Deficits::Zero => vec![0.0; nc],
        };
        next.purged = self.deficits == Deficits::Zero;
        next.notes.push(note.to_string());
        next
    }
}
