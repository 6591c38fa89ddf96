//! The equilibrium in changes (exact hat algebra, spec s.3) with input-output links, external
//! scale economies, tariffs, production subsidies, export taxes and deficits, written once
//! over any scalar so that the core's implicit gradients are exact.
//!
//! Unknowns (in this order): ln what_i (N); ln Lhat_i^j (N J, only with scale economies);
//! ln Phat_n^j (N J, only with IO links; otherwise Phat is explicit); X'_n^j / X_n^j (N J,
//! only with IO links; otherwise X' = alpha Y'); Y'_n / Y_n (N).
//! Equations: labour markets (sectoral, in logs, with scale economies, one adding-up equation replaced
//! by the numeraire; aggregate otherwise, one replaced by the numeraire), price indices,
//! sectoral spending, and income = value added + tariff and export-tax revenue - subsidies +
//! deficit.

use std::sync::Arc;

use serde::Serialize;
use walras_core::{Equilibrium, Parametric, PolicySpace, Scalar, Welfare};

use crate::baseline::Baseline;
use crate::error::{invalid, Result};
use crate::instruments::{InstrumentSet, PolicyMap, Sources};

/// What is held fixed as the unit of account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "country")]
pub enum Numeraire {
    /// World value added (sum_i w_i L_i) stays at its baseline level (the default).
    #[default]
    WorldValueAdded,
    /// Country i's wage stays at its baseline level.
    Wage(usize),
}

/// Deficits in the counterfactual.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deficits {
    /// D' = D as a share of world value added (the default).
    #[default]
    Keep,
    /// D' = 0 (the purge step).
    Zero,
}

/// Where each block of unknowns starts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    pub(crate) labor: Option<usize>,
    pub(crate) price: Option<usize>,
    pub(crate) spending: Option<usize>,
    pub(crate) income: usize,
    pub(crate) len: usize,
}

/// A trade economy with its instruments: implements the core's `Equilibrium` and `Welfare`
/// (objective k = country k's welfare change What_k, a ratio; 1 = no change).
#[derive(Clone, Debug)]
pub struct TradeModel {
    pub(crate) base: Arc<Baseline>,
    pub(crate) map: PolicyMap,
    pub(crate) numeraire: Numeraire,
    pub(crate) deficits: Deficits,
    pub(crate) layout: Layout,
    /// How the policy vector enters each flow's cost wedge.
    pub(crate) wedges: Wedges,
    /// Scale of the spending unknowns.
    pub(crate) spending_scale: Vec<f64>,
    /// Total spending by country (scale of the spending equations).
    pub(crate) country_spending: Vec<f64>,
}

/// How the policy vector enters each flow's cost wedge kappahat^(-theta), kappa = (1 + t)(1 + x)
/// / (1 + s): a product of a baseline constant and at most three policy factors
/// (1 + p_i)^(-+theta_j), each computed once per (instrument, sector) "slot" rather than once
/// per flow (a uniform tariff is one slot per sector, not one per flow).
#[derive(Clone, Debug)]
pub(crate) struct Wedges {
    /// (policy index, exponent) of each slot: factor = (1 + p_i)^exponent.
    slots: Vec<(usize, f64)>,
    /// (sector j, sign) of each slot: its exponent is -sign theta_j.
    slot_sector: Vec<(usize, f64)>,
    /// Per flow: ln of the baseline wedge the slots replace, so that `weight` is
    /// lambda_f exp(theta_j ln_base_f).
    ln_base: Vec<f64>,
    /// Per flow: the slots of its tariff, export tax and exporter's subsidy (`NONE` if that
    /// part stays at the baseline).
    flow_slots: Vec<[u32; 3]>,
    /// Per flow: lambda_f times the baseline factor the slots replace.
    weight: Vec<f64>,
    /// The instrument behind each flow's tariff, export tax and subsidy.
    pub(crate) sources: Sources,
}

const NONE: u32 = u32::MAX;

impl Wedges {
    fn new(base: &Baseline, map: &PolicyMap) -> Self {
        let (nc, nj) = (base.n_countries(), base.n_sectors());
        let sources = map.sources(base);
        let (tariff, export, subsidy) = (&sources.tariff, &sources.export, &sources.subsidy);
        let mut slots = Vec::new();
        let mut slot_sector = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut slot = |i: Option<usize>, j: usize, sign: f64| -> u32 {
            let Some(i) = i else { return NONE };
            *index.entry((i, j)).or_insert_with(|| {
                slots.push((i, -sign * base.sectors[j].theta));
                slot_sector.push((j, sign));
                (slots.len() - 1) as u32
            })
        };
        let mut flow_slots = vec![[NONE; 3]; nc * nc * nj];
        let mut weight = base.lambda.clone();
        let mut ln_base = vec![0.0; nc * nc * nj];
        for h in 0..nc {
            for dest in 0..nc {
                for j in 0..nj {
                    let f = base.flow(h, dest, j);
                    let cell = h * nj + j;
                    flow_slots[f] = [
                        slot(tariff[f], j, 1.0),
                        slot(export[f], j, 1.0),
                        slot(subsidy[cell], j, -1.0),
                    ];
                    // The baseline factor the policy replaces: (1 + p0)^(+-theta).
                    let theta = base.sectors[j].theta;
                    let mut ln0 = 0.0;
                    if tariff[f].is_some() {
                        ln0 += base.tariff[f].ln_1p();
                    }
                    if export[f].is_some() {
                        ln0 += base.export_tax[f].ln_1p();
                    }
                    if subsidy[cell].is_some() {
                        ln0 -= base.subsidy[cell].ln_1p();
                    }
                    weight[f] *= (theta * ln0).exp();
                    ln_base[f] = ln0;
                }
            }
        }
        Wedges {
            slots,
            slot_sector,
            ln_base,
            flow_slots,
            weight,
            sources,
        }
    }
}

/// Everything one evaluation computes (levels, in the scalar D).
pub(crate) struct Computed<D> {
    pub(crate) residual: Vec<D>,
    /// ln Phat_n^j.
    pub(crate) ln_price: Vec<D>,
    /// ln chat_i^j, the change in the cost of the input bundle.
    pub(crate) ln_cost: Vec<D>,
    /// Y'_n.
    pub(crate) income: Vec<D>,
    /// lambda' per flow (only if kept).
    pub(crate) lambda: Vec<D>,
    /// X'_n^j (only if kept).
    pub(crate) spending: Vec<D>,
    /// tariff revenue', export-tax revenue', subsidy outlay' by country (only if kept).
    pub(crate) tariff_revenue: Vec<D>,
    pub(crate) export_revenue: Vec<D>,
    pub(crate) subsidy_outlay: Vec<D>,
    /// Residual of the dropped labour equation (Walras's law check; only if kept).
    pub(crate) dropped: D,
}

impl TradeModel {
    /// The economy with instruments `set` (policy vector: one block per country).
    pub fn new(base: Arc<Baseline>, set: InstrumentSet) -> Result<Self> {
        let map = PolicyMap::new(&base, set)?;
        let (nc, nj) = (base.n_countries(), base.n_sectors());
        let mut len = nc;
        let labor = base.has_scale_economies().then(|| {
            len += nc * nj;
            len - nc * nj
        });
        let (price, spending) = if base.io.is_some() {
            len += 2 * nc * nj;
            (Some(len - 2 * nc * nj), Some(len - nc * nj))
        } else {
            (None, None)
        };
        let income = len;
        len += nc;
        let spending_scale = (0..nc * nj)
            .map(|c| {
                let n = c / nj;
                let total: f64 = base.spending[n * nj..(n + 1) * nj].iter().sum();
                base.spending[c].max(1e-6 * total).max(f64::MIN_POSITIVE)
            })
            .collect();
        let country_spending = (0..nc)
            .map(|n| base.spending[n * nj..(n + 1) * nj].iter().sum())
            .collect();
        Ok(Self {
            country_spending,
            wedges: Wedges::new(&base, &map),
            spending_scale,
            map,
            numeraire: Numeraire::default(),
            deficits: Deficits::default(),
            layout: Layout {
                labor,
                price,
                spending,
                income,
                len,
            },
            base,
        })
    }

    /// Hold another numeraire fixed.
    pub fn with_numeraire(mut self, numeraire: Numeraire) -> Result<Self> {
        if let Numeraire::Wage(i) = numeraire {
            if i >= self.base.n_countries() {
                return Err(invalid("numeraire country", i, "out of range"));
            }
        }
        self.numeraire = numeraire;
        Ok(self)
    }

    /// Set the counterfactual deficits.
    pub fn with_deficits(mut self, deficits: Deficits) -> Self {
        self.deficits = deficits;
        self
    }

    /// The calibrated baseline.
    pub fn baseline(&self) -> &Baseline {
        &self.base
    }

    /// The instruments.
    pub fn policy_map(&self) -> &PolicyMap {
        &self.map
    }

    /// The numeraire.
    pub fn numeraire(&self) -> Numeraire {
        self.numeraire
    }

    /// The policy vector that reproduces the baseline (as closely as the structure allows).
    pub fn baseline_policy(&self) -> Vec<f64> {
        self.map.baseline_policy(&self.base)
    }

    pub(crate) fn compute<D: Scalar>(&self, x: &[D], policy: &[D], keep: bool) -> Computed<D> {
        self.compute_with(x, policy, None, keep)
    }

    /// [`compute`](Self::compute) with the elasticities `parameters` (theta by sector, then psi
    /// by sector with scale economies; see [`Parametric`]) in place of the baseline's.
    pub(crate) fn compute_with<D: Scalar>(
        &self,
        x: &[D],
        policy: &[D],
        parameters: Option<&[D]>,
        keep: bool,
    ) -> Computed<D> {
        let b = &*self.base;
        let (nc, nj) = (b.n_countries(), b.n_sectors());
        let lay = self.layout;
        let (t, s, ex) = self.map.apply(b, policy);
        let one = D::one();
        let ln_wage = &x[..nc];
        let wage: Vec<D> = ln_wage.iter().map(|v| v.exp()).collect();
        let ln_labor = |i: usize, j: usize| lay.labor.map_or(D::zero(), |l| x[l + i * nj + j]);
        // ln chat_i^j = gamma_i^j ln what_i + sum_k gamma_i^{k,j} ln Phat_i^k.
        let mut ln_cost = vec![D::zero(); nc * nj];
        for i in 0..nc {
            for j in 0..nj {
                let mut c = ln_wage[i] * b.va_share[i * nj + j];
                if let (Some(io), Some(p0)) = (&b.io, lay.price) {
                    for k in 0..nj {
                        let g = io[(i * nj + k) * nj + j];
                        if g != 0.0 {
                            c += x[p0 + i * nj + k] * g;
                        }
                    }
                }
                ln_cost[i * nj + j] = c;
            }
        }
        // Unit-cost term A_h^j = Lhat^(theta psi) chat^(-theta) once per (h, j); policy wedge
        // K_hn^j = kappahat^(-theta) once per flow (constant in x-only derivative passes).
        let cost_term: Vec<D> = (0..nc * nj)
            .map(|c| {
                let (i, j) = (c / nj, c % nj);
                let sec = &b.sectors[j];
                match parameters {
                    None => (ln_labor(i, j) * (sec.theta * sec.psi) - ln_cost[c] * sec.theta).exp(),
                    Some(p) => {
                        let psi = self.psi_parameter(p, j);
                        ((ln_labor(i, j) * psi - ln_cost[c]) * p[j]).exp()
                    }
                }
            })
            .collect();
        let slot: Vec<D> = match parameters {
            None => self
                .wedges
                .slots
                .iter()
                .map(|&(i, exponent)| (policy[i].ln_1p() * exponent).exp())
                .collect(),
            Some(p) => self
                .wedges
                .slots
                .iter()
                .zip(&self.wedges.slot_sector)
                .map(|(&(i, _), &(j, sign))| (policy[i].ln_1p() * p[j] * (-sign)).exp())
                .collect(),
        };
        // lambda_f times the baseline wedge the slots replace, when theta varies.
        let weight: Option<Vec<D>> = parameters.map(|p| {
            (0..nc * nc * nj)
                .map(|f| (p[f % nj] * self.wedges.ln_base[f]).exp() * b.lambda[f])
                .collect()
        });
        let mut lambda = vec![D::zero(); nc * nc * nj];
        let mut ln_price_model = vec![D::zero(); nc * nj];
        let mut terms = vec![D::zero(); nc];
        for n in 0..nc {
            for j in 0..nj {
                let mut total = D::zero();
                let mut any = false;
                for h in 0..nc {
                    let f = b.flow(h, n, j);
                    if b.lambda[f] > 0.0 {
                        let mut e = match &weight {
                            None => cost_term[h * nj + j] * self.wedges.weight[f],
                            Some(w) => cost_term[h * nj + j] * w[f],
                        };
                        for &k in &self.wedges.flow_slots[f] {
                            if k != NONE {
                                e *= slot[k as usize];
                            }
                        }
                        terms[h] = e;
                        total += e;
                        any = true;
                    } else {
                        terms[h] = D::zero();
                    }
                }
                if any {
                    ln_price_model[n * nj + j] = match parameters {
                        None => -total.ln() / b.sectors[j].theta,
                        Some(p) => -total.ln() / p[j],
                    };
                    let inv = total.recip();
                    for h in 0..nc {
                        lambda[b.flow(h, n, j)] = terms[h] * inv;
                    }
                }
            }
        }
        let ln_price: Vec<D> = match lay.price {
            Some(p0) => x[p0..p0 + nc * nj].to_vec(),
            None => ln_price_model.clone(),
        };
        let income: Vec<D> = (0..nc).map(|n| x[lay.income + n] * b.income[n]).collect();
        let spending: Vec<D> = match lay.spending {
            Some(x0) => (0..nc * nj)
                .map(|c| x[x0 + c] * self.spending_scale[c])
                .collect(),
            None => (0..nc * nj).map(|c| income[c / nj] * b.alpha[c]).collect(),
        };
        // Revenues, sales, tax revenues.
        let mut sales = vec![D::zero(); nc * nj];
        let mut tariff_revenue = vec![D::zero(); nc];
        let mut export_revenue = vec![D::zero(); nc];
        for i in 0..nc {
            for n in 0..nc {
                for j in 0..nj {
                    let f = b.flow(i, n, j);
                    if b.lambda[f] == 0.0 {
                        continue;
                    }
                    let value = lambda[f] * spending[n * nj + j];
                    let cif = value / (t[f] + 1.0);
                    let fob = cif / (ex[f] + 1.0);
                    sales[i * nj + j] += fob * (s[i * nj + j] + 1.0);
                    tariff_revenue[n] += cif * t[f];
                    export_revenue[i] += fob * ex[f];
                }
            }
        }
        let mut subsidy_outlay = vec![D::zero(); nc];
        for i in 0..nc {
            for j in 0..nj {
                let c = i * nj + j;
                subsidy_outlay[i] += sales[c] * s[c] / (s[c] + 1.0);
            }
        }
        let world0: f64 = b.wage_bill.iter().sum();
        let world = (0..nc).fold(D::zero(), |acc, i| acc + wage[i] * b.wage_bill[i]) / world0;
        let mut r = vec![D::zero(); lay.len];
        let labor_residual = |i: usize| {
            (0..nj).fold(D::zero(), |acc, j| {
                acc + sales[i * nj + j] * b.va_share[i * nj + j]
            }) - wage[i] * b.wage_bill[i]
        };
        let mut dropped = D::zero();
        match lay.labor {
            Some(l0) => {
                for i in 0..nc {
                    let mut adding_up = -one;
                    for j in 0..nj {
                        let c = i * nj + j;
                        let va = b.value_added[c];
                        let lhat = ln_labor(i, j).exp();
                        // In logs: value added from sales = the sector's wage bill. (In levels,
                        // L = 0 with no sales would be a spurious root -- a sector "collapse"
                        // -- because sales vanish like L^(theta psi); in logs it is not a root.)
                        r[l0 + c] = if va > 0.0 {
                            (sales[c] * (b.va_share[c] / va)).ln() - ln_wage[i] - ln_labor(i, j)
                        } else {
                            ln_labor(i, j)
                        };
                        adding_up += lhat * (va / b.wage_bill[i]);
                    }
                    if i + 1 < nc {
                        r[i] = adding_up;
                    } else {
                        dropped = adding_up;
                    }
                }
            }
            None => {
                for i in 0..nc {
                    let v = labor_residual(i) / b.wage_bill[i];
                    if i + 1 < nc {
                        r[i] = v;
                    } else {
                        dropped = v;
                    }
                }
            }
        }
        r[nc - 1] = match self.numeraire {
            Numeraire::WorldValueAdded => world - 1.0,
            Numeraire::Wage(k) => ln_wage[k],
        };
        if let (Some(p0), Some(x0), Some(io)) = (lay.price, lay.spending, &b.io) {
            for n in 0..nc {
                for j in 0..nj {
                    let c = n * nj + j;
                    r[p0 + c] = x[p0 + c] - ln_price_model[c];
                    let mut demand = income[n] * b.alpha[c];
                    for k in 0..nj {
                        let g = io[(n * nj + j) * nj + k];
                        if g != 0.0 {
                            demand += sales[n * nj + k] * g;
                        }
                    }
                    r[x0 + c] = (spending[c] - demand) / self.country_spending[n];
                }
            }
        }
        for n in 0..nc {
            let deficit = match self.deficits {
                Deficits::Keep => world * b.deficit[n],
                Deficits::Zero => D::zero(),
            };
            r[lay.income + n] =
                (income[n] - wage[n] * b.wage_bill[n] - tariff_revenue[n] - export_revenue[n]
                    + subsidy_outlay[n]
                    - deficit)
                    / b.income[n];
        }
        Computed {
            residual: r,
            ln_price,
            ln_cost,
            income,
            lambda: if keep { lambda } else { Vec::new() },
            spending: if keep { spending } else { Vec::new() },
            tariff_revenue,
            export_revenue,
            subsidy_outlay,
            dropped,
        }
    }

    /// psi_j: a parameter with scale economies, the baseline's value otherwise.
    fn psi_parameter<D: Scalar>(&self, parameters: &[D], j: usize) -> D {
        if self.base.has_scale_economies() {
            parameters[self.base.n_sectors() + j]
        } else {
            D::from(self.base.sectors[j].psi)
        }
    }

    pub(crate) fn welfare<D: Scalar>(&self, c: &Computed<D>, n: usize) -> D {
        let b = &*self.base;
        let nj = b.n_sectors();
        let ln_p = (0..nj).fold(D::zero(), |acc, j| {
            acc + c.ln_price[n * nj + j] * b.alpha[n * nj + j]
        });
        ((c.income[n] / b.income[n]).ln() - ln_p).exp()
    }

    /// The counterfactual's outcomes at a solved equilibrium `x` of `policy`.
    pub fn outcome(&self, x: &[f64], policy: &[f64]) -> Outcome {
        let b = &*self.base;
        let (nc, nj) = (b.n_countries(), b.n_sectors());
        let c = self.compute(x, policy, true);
        let welfare: Vec<f64> = (0..nc).map(|n| self.welfare(&c, n)).collect();
        let price_index: Vec<f64> = (0..nc)
            .map(|n| {
                (0..nj)
                    .map(|j| c.ln_price[n * nj + j] * b.alpha[n * nj + j])
                    .sum::<f64>()
                    .exp()
            })
            .collect();
        let flows: Vec<f64> = (0..nc * nc * nj)
            .map(|f| {
                let n = (f / nj) % nc;
                c.lambda[f] * c.spending[n * nj + f % nj]
            })
            .collect();
        let base_flow = |f: usize| b.lambda[f] * b.spending[((f / nj) % nc) * nj + f % nj];
        // Each country's foreign sales (exports) or purchases (imports), all sectors.
        let trade = |fl: &dyn Fn(usize) -> f64, exports: bool| -> Vec<f64> {
            (0..nc)
                .map(|i| {
                    (0..nc)
                        .filter(|&n| n != i)
                        .flat_map(|n| (0..nj).map(move |j| (n, j)))
                        .map(|(n, j)| {
                            fl(if exports {
                                b.flow(i, n, j)
                            } else {
                                b.flow(n, i, j)
                            })
                        })
                        .sum()
                })
                .collect()
        };
        let change_pct = |new: Vec<f64>, old: Vec<f64>| -> Vec<f64> {
            new.iter()
                .zip(&old)
                .map(|(a, o)| if *o > 0.0 { 100.0 * (a / o - 1.0) } else { 0.0 })
                .collect()
        };
        let welfare_decomposition = self.welfare_decomposition(&c, policy);
        let wage: Vec<f64> = x[..nc].iter().map(|v| v.exp()).collect();
        let world_income: f64 = c.income.iter().sum();
        let world_final: f64 = (0..nc * nj).map(|k| c.income[k / nj] * b.alpha[k]).sum();
        Outcome {
            countries: b.countries.clone(),
            welfare_change_pct: welfare.iter().map(|w| 100.0 * (w - 1.0)).collect(),
            welfare,
            wage_change: wage,
            price_index_change: price_index,
            income: c.income.clone(),
            tariff_revenue: c.tariff_revenue.clone(),
            export_tax_revenue: c.export_revenue.clone(),
            subsidy_outlay: c.subsidy_outlay.clone(),
            exports_change_pct: change_pct(trade(&|f| flows[f], true), trade(&base_flow, true)),
            imports_change_pct: change_pct(trade(&|f| flows[f], false), trade(&base_flow, false)),
            flows,
            welfare_decomposition,
            walras_law_residual: c.dropped,
            world_income_minus_final_spending: world_income - world_final,
        }
    }
}

impl TradeModel {
    /// Caliendo and Parro's (2015, s.5) first-order decomposition of the welfare change into
    /// terms of trade, sum_{n,j} [E_in^j (chat_i^j - 1) - M_in^j (chat_n^j - 1)], and volume
    /// of trade, sum_{n,j} t_ni^j (M_ni^j' - M_ni^j chat_n^j), each over baseline income (E and
    /// M: i's exports and imports at pre-tariff prices in the baseline, t the baseline tariff).
    /// Defined for their setting only: no scale economies, subsidies or export taxes (None
    /// otherwise).
    fn welfare_decomposition(
        &self,
        c: &Computed<f64>,
        policy: &[f64],
    ) -> Option<WelfareDecomposition> {
        let b = &*self.base;
        let (nc, nj) = (b.n_countries(), b.n_sectors());
        let (t, s, ex) = self.map.apply(b, policy);
        let zero = |v: &[f64]| v.iter().all(|&a| a == 0.0);
        if b.has_scale_economies()
            || !(zero(&s) && zero(&ex) && zero(&b.subsidy) && zero(&b.export_tax))
        {
            return None;
        }
        let chat: Vec<f64> = c.ln_cost.iter().map(|v| v.exp()).collect();
        // Flow values at pre-tariff prices: baseline and counterfactual.
        let before = |f: usize, n: usize, j: usize| {
            b.lambda[f] * b.spending[n * nj + j] / (1.0 + b.tariff[f])
        };
        let after =
            |f: usize, n: usize, j: usize| c.lambda[f] * c.spending[n * nj + j] / (1.0 + t[f]);
        let mut terms_of_trade = vec![0.0; nc];
        let mut volume_of_trade = vec![0.0; nc];
        for i in 0..nc {
            for n in 0..nc {
                for j in 0..nj {
                    // Flow from i to n: i's export, n's import.
                    let f = b.flow(i, n, j);
                    let m0 = before(f, n, j);
                    terms_of_trade[i] += m0 * (chat[i * nj + j] - 1.0);
                    terms_of_trade[n] -= m0 * (chat[i * nj + j] - 1.0);
                    volume_of_trade[n] += b.tariff[f] * (after(f, n, j) - m0 * chat[i * nj + j]);
                }
            }
        }
        let pct = |v: Vec<f64>| -> Vec<f64> {
            v.iter()
                .zip(&b.income)
                .map(|(a, y)| 100.0 * a / y)
                .collect()
        };
        let (terms_of_trade, volume_of_trade) = (pct(terms_of_trade), pct(volume_of_trade));
        Some(WelfareDecomposition {
            total_pct: terms_of_trade
                .iter()
                .zip(&volume_of_trade)
                .map(|(a, b)| a + b)
                .collect(),
            terms_of_trade_pct: terms_of_trade,
            volume_of_trade_pct: volume_of_trade,
        })
    }
}

/// Caliendo and Parro's (2015) first-order welfare decomposition by country, in percent of
/// baseline income. The exact change is `welfare_change_pct`; the two differ at second order
/// (for large tariff cuts, the volume-of-trade term values extra imports at the old tariff).
#[derive(Clone, Debug, Serialize)]
pub struct WelfareDecomposition {
    /// Terms of trade.
    pub terms_of_trade_pct: Vec<f64>,
    /// Volume of trade.
    pub volume_of_trade_pct: Vec<f64>,
    /// Their sum: the paper's welfare effect.
    pub total_pct: Vec<f64>,
}

/// A counterfactual equilibrium's outcomes by country (levels in the data's currency units;
/// changes as ratios new / baseline unless named `_pct`).
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// Country identifiers.
    pub countries: Vec<String>,
    /// What_n: real income (welfare) change, a ratio.
    pub welfare: Vec<f64>,
    /// 100 (What_n - 1).
    pub welfare_change_pct: Vec<f64>,
    /// what_n: nominal wage change (in the numeraire).
    pub wage_change: Vec<f64>,
    /// Phat_n: consumer price index change.
    pub price_index_change: Vec<f64>,
    /// Y'_n: income (final expenditure).
    pub income: Vec<f64>,
    /// Tariff revenue'.
    pub tariff_revenue: Vec<f64>,
    /// Export-tax revenue'.
    pub export_tax_revenue: Vec<f64>,
    /// Production-subsidy outlay'.
    pub subsidy_outlay: Vec<f64>,
    /// Change in exports (at consumer prices, all sectors), percent.
    pub exports_change_pct: Vec<f64>,
    /// Change in imports (at consumer prices, all sectors), percent.
    pub imports_change_pct: Vec<f64>,
    /// X'_in^j by flow (exporter, importer, sector) at consumer prices.
    #[serde(skip)]
    pub flows: Vec<f64>,
    /// Caliendo and Parro's first-order decomposition, in their setting (no scale economies,
    /// subsidies or export taxes).
    pub welfare_decomposition: Option<WelfareDecomposition>,
    /// The replaced labour equation at the solution (Walras's law: ~0).
    pub walras_law_residual: f64,
    /// World income minus world final spending (~0).
    pub world_income_minus_final_spending: f64,
}

impl Equilibrium for TradeModel {
    fn n_unknowns(&self) -> usize {
        self.layout.len
    }
    fn policy_space(&self) -> &PolicySpace {
        &self.map.space
    }
    fn initial_guess(&self, _policy: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0; self.layout.len];
        if let Some(x0) = self.layout.spending {
            for (c, v) in x[x0..x0 + self.spending_scale.len()].iter_mut().enumerate() {
                *v = self.base.spending[c] / self.spending_scale[c];
            }
        }
        let y0 = self.layout.income;
        x[y0..].iter_mut().for_each(|v| *v = 1.0);
        x
    }
    fn residual<D: Scalar>(&self, x: &[D], policy: &[D], out: &mut [D]) {
        out.copy_from_slice(&self.compute(x, policy, false).residual);
    }
    /// Walras's law: the labour market of the last country, whose equation F replaces by the
    /// numeraire, clears too (relative to its wage bill).
    fn identities(&self, x: &[f64], policy: &[f64]) -> Vec<(String, f64)> {
        let last = self.base.countries.last().map_or("", String::as_str);
        vec![(
            format!("Walras's law (the labour market of {last}, relative to its wage bill)"),
            self.compute(x, policy, false).dropped,
        )]
    }

    fn jacobian_x(&self, x: &[f64], policy: &[f64]) -> Option<nalgebra::DMatrix<f64>> {
        Some(self.derivatives(x, policy, &[], &[]).f_x)
    }
    fn unknown_name(&self, i: usize) -> String {
        let b = &*self.base;
        let (nc, nj) = (b.n_countries(), b.n_sectors());
        let lay = self.layout;
        let cs = |k: usize| format!("{},{}", b.countries[k / nj], b.sectors[k % nj].name);
        if i < nc {
            return format!("ln what[{}]", b.countries[i]);
        }
        for (start, what) in [
            (lay.labor, "ln Lhat"),
            (lay.price, "ln Phat"),
            (lay.spending, "X'/X"),
        ] {
            if let Some(s) = start {
                if (s..s + nc * nj).contains(&i) {
                    return format!("{what}[{}]", cs(i - s));
                }
            }
        }
        format!("Y'/Y[{}]", b.countries[i - lay.income])
    }
}

/// The elasticities as parameters: theta by sector (`theta:<sector>`), then psi by sector
/// (`psi:<sector>`) if the economy has scale economies.
impl Parametric for TradeModel {
    fn n_parameters(&self) -> usize {
        let nj = self.base.n_sectors();
        if self.base.has_scale_economies() {
            2 * nj
        } else {
            nj
        }
    }
    fn parameter_name(&self, k: usize) -> String {
        let nj = self.base.n_sectors();
        let kind = if k < nj { "theta" } else { "psi" };
        format!("{kind}:{}", self.base.sectors[k % nj].name)
    }
    fn parameter_values(&self) -> Vec<f64> {
        let sectors = &self.base.sectors;
        let mut values: Vec<f64> = sectors.iter().map(|s| s.theta).collect();
        if self.base.has_scale_economies() {
            values.extend(sectors.iter().map(|s| s.psi));
        }
        values
    }
    fn residual_with<D: Scalar>(&self, x: &[D], policy: &[D], parameters: &[D], out: &mut [D]) {
        out.copy_from_slice(
            &self
                .compute_with(x, policy, Some(parameters), false)
                .residual,
        );
    }
    fn objective_with<D: Scalar>(&self, k: usize, x: &[D], policy: &[D], parameters: &[D]) -> D {
        self.welfare(&self.compute_with(x, policy, Some(parameters), false), k)
    }
    fn residual_and_objectives_with<D: Scalar>(
        &self,
        x: &[D],
        policy: &[D],
        parameters: &[D],
        objectives: &[usize],
        residual: &mut [D],
        values: &mut [D],
    ) {
        let c = self.compute_with(x, policy, Some(parameters), false);
        residual.copy_from_slice(&c.residual);
        for (v, &k) in values.iter_mut().zip(objectives) {
            *v = self.welfare(&c, k);
        }
    }
}

impl Welfare for TradeModel {
    fn n_objectives(&self) -> usize {
        self.base.n_countries()
    }
    fn objective<D: Scalar>(&self, k: usize, x: &[D], policy: &[D]) -> D {
        self.welfare(&self.compute(x, policy, false), k)
    }
    fn residual_and_objectives<D: Scalar>(
        &self,
        x: &[D],
        policy: &[D],
        objectives: &[usize],
        residual: &mut [D],
        values: &mut [D],
    ) {
        let c = self.compute(x, policy, false);
        residual.copy_from_slice(&c.residual);
        for (v, &k) in values.iter_mut().zip(objectives) {
            *v = self.welfare(&c, k);
        }
    }
    fn analytic_derivatives(
        &self,
        x: &[f64],
        policy: &[f64],
        objectives: &[usize],
        wrt: &[usize],
    ) -> Option<walras_core::autodiff::AllDerivatives> {
        Some(self.derivatives(x, policy, objectives, wrt))
    }
    fn adjoint_operator(
        &self,
        x: &[f64],
        policy: &[f64],
        objectives: &[usize],
        wrt: &[usize],
    ) -> Option<Box<dyn walras_core::AdjointOperator + '_>> {
        Some(Box::new(
            self.adjoint_operator_at(x, policy, objectives, wrt),
        ))
    }
    fn objective_name(&self, k: usize) -> String {
        format!("welfare[{}]", self.base.countries[k])
    }
}
