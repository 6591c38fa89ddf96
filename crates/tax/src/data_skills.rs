//! Skills from data: inverting agents' first-order condition on observed earnings, the AI
//! Economist's one-step skill draw, and bracket cutoffs at income quantiles.

use crate::agent::{choose, outcome, LaborSupply};
use crate::error::{invalid, Result, TaxError};
use crate::schedule::{taxes_at_cutoffs, BracketSchedule};
use crate::skills::Population;
use crate::utility::Utility;

/// Skills that rationalise observed earnings z under the schedule in force, for quasi-linear
/// utility with elasticity e: n = z^(1/(1+e)) / (1 - T'(z))^(e/(1+e)), with sample weights.
///
/// Incomes <= 0 (non-workers, business losses) cannot be inverted; they are kept as agents with
/// a near-zero skill, 1e-3 times the smallest inverted skill, so they still receive the
/// transfer and count in welfare. Returns the population and how many such agents there are.
pub fn skills_from_earnings(
    incomes: &[f64],
    weights: Option<&[f64]>,
    elasticity: f64,
    schedule: &BracketSchedule,
) -> Result<(Population, usize)> {
    crate::utility::check_elasticity("elasticity", elasticity)?;
    if let Some((i, z)) = incomes.iter().enumerate().find(|(_, z)| !z.is_finite()) {
        return Err(invalid(&format!("income {i}"), z, "incomes must be finite"));
    }
    let skill = |z: f64| {
        let net = 1.0 - schedule.marginal_rate(z);
        z.powf(1.0 / (1.0 + elasticity)) / net.max(1e-12).powf(elasticity / (1.0 + elasticity))
    };
    let positive_min = incomes
        .iter()
        .filter(|z| **z > 0.0)
        .map(|&z| skill(z))
        .fold(f64::INFINITY, f64::min);
    if !positive_min.is_finite() {
        return Err(TaxError::EmptySample(
            "no positive earnings to infer skills from".into(),
        ));
    }
    let floor = 1e-3 * positive_min;
    let skills: Vec<f64> = incomes
        .iter()
        .map(|&z| if z > 0.0 { skill(z) } else { floor })
        .collect();
    let n_floor = incomes.iter().filter(|z| **z <= 0.0).count();
    let weights = weights
        .map(<[f64]>::to_vec)
        .unwrap_or_else(|| vec![1.0; incomes.len()]);
    Ok((Population::new(skills, weights)?, n_floor))
}

/// The AI Economist's one-step skills: for N agents, the element-wise average over `draws`
/// sorted samples of min(3, 2x + 1), x ~ Lomax(shape 4), from a seeded generator.
pub fn aie_one_step_skills(agents: usize, draws: usize, seed: u64) -> Result<Population> {
    if agents == 0 || draws == 0 {
        return Err(invalid(
            "agents/draws",
            format!("{agents}/{draws}"),
            "both must be >= 1",
        ));
    }
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut uniform = move || {
        // xorshift64*: a small, well-mixed generator; reproducible across platforms.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        ((state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut sum = vec![0.0; agents];
    let mut draw = vec![0.0; agents];
    for _ in 0..draws {
        for d in draw.iter_mut() {
            let lomax = (1.0 - uniform()).powf(-1.0 / 4.0) - 1.0;
            *d = (2.0 * lomax + 1.0).min(3.0);
        }
        draw.sort_by(f64::total_cmp);
        for (s, d) in sum.iter_mut().zip(&draw) {
            *s += d;
        }
    }
    Population::equal_weights(sum.into_iter().map(|s| s / draws as f64).collect())
}

/// Cutoffs 0 < m_1 < ... at the weighted quantiles k/B of laissez-faire incomes (no tax, no
/// transfer), for a B-bracket grid that puts equal population shares in each bracket.
pub fn quantile_cutoffs(
    population: &Population,
    utility: &Utility,
    brackets: usize,
) -> Result<Vec<f64>> {
    if brackets == 0 {
        return Err(invalid("brackets", 0, "need at least one bracket"));
    }
    let (cutoffs, rates) = ([0.0], [0.0]);
    let taxes = taxes_at_cutoffs(&cutoffs, &rates);
    let mut incomes: Vec<(f64, f64)> = population
        .skills()
        .iter()
        .zip(population.weights())
        .map(|(&n, &w)| {
            let c = choose(utility, LaborSupply::Continuous, n, 0.0, &cutoffs, &rates);
            (
                outcome(utility, c, n, 0.0, &cutoffs, &rates, &taxes).income,
                w,
            )
        })
        .collect();
    incomes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = population.total_weight();
    let mut out = vec![0.0];
    let mut acc = 0.0;
    let mut k = 1;
    for (z, w) in incomes {
        acc += w;
        while k < brackets && acc >= total * k as f64 / brackets as f64 {
            if z > *out.last().expect("non-empty") {
                out.push(z);
            }
            k += 1;
        }
    }
    Ok(out)
}
