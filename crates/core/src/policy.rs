//! Named, bounded policy vectors and the blocks players own.

use serde::Serialize;

use crate::error::{check_len, EngineError, Result};

/// One block of policy parameters owned by a player (a government, a planner).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyBlock {
    /// The player's name.
    pub owner: String,
    /// Indices into the policy vector.
    pub indices: Vec<usize>,
}

/// The space of policies p: a flat vector of named parameters with box bounds, partitioned
/// (possibly partly) into blocks owned by players.
///
/// ```
/// use walras_core::PolicySpace;
/// let mut space = PolicySpace::new();
/// let home = space.push("tariff_home", 0.0, 2.0).unwrap();
/// let foreign = space.push("tariff_foreign", 0.0, 2.0).unwrap();
/// space.add_block("Home", vec![home]).unwrap();
/// space.add_block("Foreign", vec![foreign]).unwrap();
/// assert_eq!(space.len(), 2);
/// assert_eq!(space.project(&[-1.0, 3.0]), vec![0.0, 2.0]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PolicySpace {
    names: Vec<String>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    blocks: Vec<PolicyBlock>,
    /// Index of each name (duplicate checks in O(1)).
    #[serde(skip)]
    index: std::collections::HashMap<String, usize>,
    /// The block owning each parameter, if any.
    #[serde(skip)]
    owner: Vec<Option<usize>>,
}

impl PolicySpace {
    /// An empty policy space.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a parameter with bounds `[lower, upper]` (infinite bounds allowed) and return its index.
    pub fn push(&mut self, name: impl Into<String>, lower: f64, upper: f64) -> Result<usize> {
        let name = name.into();
        if lower.is_nan()
            || upper.is_nan()
            || lower > upper
            || lower == f64::INFINITY
            || upper == f64::NEG_INFINITY
        {
            return Err(EngineError::InvalidPolicySpace(format!(
                "parameter `{name}` has bounds [{lower}, {upper}]; need lower <= upper, not NaN"
            )));
        }
        if self.index.contains_key(&name) {
            return Err(EngineError::InvalidPolicySpace(format!(
                "duplicate parameter name `{name}`"
            )));
        }
        self.index.insert(name.clone(), self.names.len());
        self.owner.push(None);
        self.names.push(name);
        self.lower.push(lower);
        self.upper.push(upper);
        Ok(self.names.len() - 1)
    }

    /// Declare that `owner` controls the parameters at `indices`. Blocks may not overlap.
    pub fn add_block(&mut self, owner: impl Into<String>, indices: Vec<usize>) -> Result<usize> {
        let owner = owner.into();
        if indices.is_empty() {
            return Err(EngineError::InvalidPolicySpace(format!(
                "block of `{owner}` is empty"
            )));
        }
        let block = self.blocks.len();
        let mut seen = std::collections::HashSet::with_capacity(indices.len());
        for &i in &indices {
            if i >= self.len() {
                return Err(EngineError::InvalidPolicySpace(format!(
                    "block of `{owner}` names parameter {i}, but the space has {} parameters",
                    self.len()
                )));
            }
            if let Some(b) = self.owner[i] {
                return Err(EngineError::InvalidPolicySpace(format!(
                    "parameter `{}` is owned by both `{}` and `{owner}`",
                    self.names[i], self.blocks[b].owner
                )));
            }
            if !seen.insert(i) {
                return Err(EngineError::InvalidPolicySpace(format!(
                    "block of `{owner}` lists parameter `{}` twice",
                    self.names[i]
                )));
            }
        }
        for &i in &indices {
            self.owner[i] = Some(block);
        }
        self.blocks.push(PolicyBlock { owner, indices });
        Ok(self.blocks.len() - 1)
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True if there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Parameter names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Lower bounds.
    pub fn lower(&self) -> &[f64] {
        &self.lower
    }

    /// Upper bounds.
    pub fn upper(&self) -> &[f64] {
        &self.upper
    }

    /// Player blocks in declaration order.
    pub fn blocks(&self) -> &[PolicyBlock] {
        &self.blocks
    }

    /// Index of the parameter called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The closest point of the box to `policy`.
    pub fn project(&self, policy: &[f64]) -> Vec<f64> {
        policy
            .iter()
            .zip(self.lower.iter().zip(&self.upper))
            .map(|(&v, (&lo, &hi))| v.clamp(lo, hi))
            .collect()
    }

    /// Check length, finiteness and bounds, naming the first offending parameter.
    pub fn check(&self, policy: &[f64]) -> Result<()> {
        check_len("policy vector", self.len(), policy.len())?;
        for (i, &v) in policy.iter().enumerate() {
            if !(v.is_finite() && v >= self.lower[i] && v <= self.upper[i]) {
                return Err(EngineError::PolicyOutOfBounds {
                    name: self.names[i].clone(),
                    value: v,
                    lower: self.lower[i],
                    upper: self.upper[i],
                });
            }
        }
        Ok(())
    }

    /// Infinity norm of the projected gradient of a function to be MAXIMISED, restricted to
    /// `indices`: components pushing against an active bound do not count.
    pub fn projected_gradient_norm(&self, policy: &[f64], grad: &[f64], indices: &[usize]) -> f64 {
        indices
            .iter()
            .zip(grad)
            .map(|(&i, &g)| {
                let stepped = (policy[i] + g).clamp(self.lower[i], self.upper[i]);
                (stepped - policy[i]).abs()
            })
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_owners_are_checked_in_constant_time_per_parameter() {
        let mut space = PolicySpace::new();
        let n = 20_000;
        let indices: Vec<usize> = (0..n)
            .map(|i| space.push(format!("t{i}"), 0.0, 1.0).unwrap())
            .collect();
        assert_eq!(space.index_of("t19999"), Some(n - 1));
        assert_eq!(space.index_of("nope"), None);
        let err = space.push("t5", 0.0, 1.0).unwrap_err().to_string();
        assert!(err.contains("duplicate parameter name `t5`"), "{err}");
        space.add_block("A", indices[..n / 2].to_vec()).unwrap();
        let err = space
            .add_block("B", vec![n / 2, 3])
            .unwrap_err()
            .to_string();
        assert!(err.contains("`t3` is owned by both `A` and `B`"), "{err}");
        let err = space
            .add_block("B", vec![n / 2, n / 2 + 1, n / 2])
            .unwrap_err()
            .to_string();
        assert!(err.contains("lists parameter `t10000` twice"), "{err}");
        // A failed declaration leaves no trace: the parameters are still free.
        space.add_block("B", indices[n / 2..].to_vec()).unwrap();
        assert_eq!(space.blocks().len(), 2);
    }
}
