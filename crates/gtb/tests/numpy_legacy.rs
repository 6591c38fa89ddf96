//! The numpy-legacy generator reproduces numpy 1.23's `RandomState` bit for bit: every draw
//! of `tests/data/numpy_legacy_draws.json` (written by numpy itself with `np.random.seed(7)`,
//! then the calls in file order) and the final MT19937 position.

use walras_gtb::rng::{GtbRng, NumpyLegacy};

#[test]
fn every_recorded_numpy_draw_is_reproduced_exactly() {
    let text = include_str!("data/numpy_legacy_draws.json");
    let record: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut rng = NumpyLegacy::new(record["seed"].as_u64().unwrap() as u32);
    let mut perm = Vec::new();
    for draw in record["draws"].as_array().unwrap() {
        let args = draw["args"].as_array().unwrap();
        let expected = draw["values"].as_array().unwrap();
        let ours: Vec<f64> = match draw["fn"].as_str().unwrap() {
            "randint" => {
                let (lo, hi) = (args[0].as_u64().unwrap(), args[1].as_u64().unwrap());
                (0..expected.len())
                    .map(|_| rng.randint(lo as usize, hi as usize) as f64)
                    .collect()
            }
            "pareto" => (0..expected.len())
                .map(|_| rng.pareto(args[0].as_f64().unwrap()))
                .collect(),
            "permutation" => {
                rng.permutation(args[0].as_u64().unwrap() as usize, &mut perm);
                perm.iter().map(|&v| v as f64).collect()
            }
            "rand" => (0..expected.len()).map(|_| rng.rand()).collect(),
            "uniform" => rng.uniform(
                args[0].as_f64().unwrap(),
                args[1].as_f64().unwrap(),
                args[2].as_u64().unwrap() as usize,
            ),
            "rand_grid" => {
                let grid: Vec<f64> = (0..625).map(|_| rng.double()).collect();
                let mut shown = grid[..50].to_vec();
                shown.push(grid[624]);
                shown
            }
            other => panic!("unknown draw {other}"),
        };
        let expected: Vec<f64> = expected.iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(
            ours.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            expected.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "{}: {ours:?} vs {expected:?}",
            draw["fn"]
        );
    }
    assert_eq!(rng.position() as u64, record["final_pos"].as_u64().unwrap());
    let head: Vec<u64> = rng.key()[..4].iter().map(|&k| k as u64).collect();
    let expected: Vec<u64> = record["final_key_head"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(head, expected);
}
