//! Resource limits: sizes whose dense storage would not fit in memory are refused up front.
//!
//! The spillover network (Omega) and the effective-data matrix are dense N x N `f64` matrices,
//! so a scenario with N tasks needs about `2 * 8 N^2` bytes. [`check_tasks`] compares that with
//! the machine's total memory (`MemTotal` of `/proc/meminfo`, or [`FALLBACK_MEMORY`] where that
//! cannot be read) before anything is allocated.

use crate::economy::ModelError;

/// Total memory assumed when `/proc/meminfo` cannot be read (8 GiB).
pub const FALLBACK_MEMORY: u64 = 8 << 30;

/// Dense N x N matrices a resolved scenario keeps (Omega and the effective-data matrix).
pub const DENSE_MATRICES: usize = 2;

/// The machine's total memory in bytes: `MemTotal` of `/proc/meminfo`, else
/// [`FALLBACK_MEMORY`].
pub fn total_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| parse_meminfo(&text))
        .unwrap_or(FALLBACK_MEMORY)
}

/// `MemTotal` (kB) of a `/proc/meminfo` text, in bytes.
fn parse_meminfo(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// Bytes of `matrices` dense `n x n` matrices of `f64` (as `f64`, so it cannot overflow).
pub fn dense_bytes(n: usize, matrices: usize) -> f64 {
    8.0 * matrices as f64 * (n as f64) * (n as f64)
}

/// Refuses `key = n` tasks when `matrices` dense N x N matrices need more than `available`
/// bytes; the error (`"needs about ..."`, to follow `N = n`) gives the estimate and the memory.
pub fn check_dense(n: usize, matrices: usize, available: u64) -> Result<(), String> {
    let need = dense_bytes(n, matrices);
    if need > available as f64 {
        return Err(format!(
            "needs about {need:.1e} bytes for the spillover {} ({matrices} dense {n} \
             x {n} of f64); this machine has {:.0} GiB",
            if matrices == 1 { "matrix" } else { "matrices" },
            available as f64 / (1u64 << 30) as f64
        ));
    }
    Ok(())
}

/// [`check_dense`] for a scenario's `tasks` against this machine's memory, as a
/// [`ModelError::InvalidParameter`] naming `key`.
pub fn check_tasks(key: &str, n: usize) -> Result<(), ModelError> {
    check_dense(n, DENSE_MATRICES, total_memory())
        .map_err(|reason| ModelError::invalid(key, n, reason))
}

/// A lower bound on the bytes the results of `runs` growth paths of `tasks` tasks hold at once
/// (Monte Carlo draws and phase-diagram points keep every path until the end): about ten
/// per-task vectors of 8 bytes and 1 kB of aggregates per run.
pub fn results_bytes(runs: usize, tasks: usize) -> f64 {
    runs as f64 * (80.0 * tasks as f64 + 1024.0)
}

/// Refuses `key = runs` growth paths of `tasks` tasks whose results need more than
/// `available` bytes (see [`results_bytes`]).
pub fn check_runs(key: &str, runs: usize, tasks: usize, available: u64) -> Result<(), ModelError> {
    let need = results_bytes(runs, tasks);
    if need > available as f64 {
        return Err(ModelError::invalid(
            key,
            runs,
            format!(
                "{runs} paths of {tasks} tasks need at least {need:.1e} bytes for their results; \
                 this machine has {:.0} GiB",
                available as f64 / (1u64 << 30) as f64
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_is_eight_bytes_per_entry_and_refuses_what_does_not_fit() {
        assert_eq!(dense_bytes(1000, 1), 8e6);
        assert_eq!(dense_bytes(1_000_000_000, 1), 8e18);
        let gib24 = 24u64 << 30;
        assert!(check_dense(1000, 2, gib24).is_ok());
        let err = check_dense(1_000_000_000, 1, gib24).unwrap_err();
        assert!(
            err.starts_with("needs about 8.0e18 bytes for the spillover matrix (")
                && err.contains("24 GiB"),
            "{err}"
        );
        // 50,000 tasks: two matrices of 20 GB do not fit in 24 GiB, one does.
        assert!(check_dense(50_000, 1, gib24).is_ok());
        assert!(check_dense(50_000, 2, gib24).is_err());
    }

    #[test]
    fn meminfo_is_parsed_and_memory_is_positive() {
        let text = "MemTotal:       24576000 kB\nMemFree:         1000 kB\n";
        assert_eq!(parse_meminfo(text), Some(24_576_000 * 1024));
        assert_eq!(parse_meminfo("garbage"), None);
        assert!(total_memory() > 0);
    }

    #[test]
    fn runs_that_cannot_fit_are_refused() {
        let gib24 = 24u64 << 30;
        assert!(check_runs("draws", 1000, 30, gib24).is_ok());
        let err = check_runs("draws", 1_000_000_000, 30, gib24).unwrap_err();
        assert!(err.to_string().starts_with("draws = 1000000000 is invalid: 1000000000 paths of 30 tasks need at least 3.4e12 bytes"), "{err}");
    }
}
