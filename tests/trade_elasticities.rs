//! `walras trade estimate-elasticities` on Caliendo and Parro's shipped 1993 data: one estimate
//! per tradable sector beside their theta, the covariance file, trimming, and refusals.

mod common;

use common::{json_of, stderr, walras};

const CP2015: &str = "data/trade/cp2015";

fn read_matrix(path: &str) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect()
}

#[test]
fn every_tradable_sector_is_estimated_beside_the_published_theta() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("est");
    let o = walras(&[
        "trade",
        "estimate-elasticities",
        "--from",
        CP2015,
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json_of(&o);
    let sectors = j["sectors"].as_array().unwrap();
    assert_eq!(sectors.len(), 20);
    let published: Vec<f64> = read_matrix(&format!("{CP2015}/T.txt"))
        .into_iter()
        .flatten()
        .collect();
    // The triples with all six flows positive, counted here from the raw file.
    let x = read_matrix(&format!("{CP2015}/xbilat1993.txt"));
    let n = 31;
    for (k, s) in sectors.iter().enumerate() {
        assert_eq!(s["sector"], (k + 1).to_string());
        assert_eq!(s["theta_data"].as_f64().unwrap(), published[k]);
        let positive = |a: usize, b: usize| x[k * n + a][b] > 0.0;
        let mut usable = 0;
        for a in 0..n {
            for b in a + 1..n {
                for c in b + 1..n {
                    if [(a, b), (b, c), (c, a), (b, a), (c, b), (a, c)]
                        .iter()
                        .all(|&(p, q)| positive(p, q))
                    {
                        usable += 1;
                    }
                }
            }
        }
        assert_eq!(
            s["n_obs"].as_u64().unwrap() as usize,
            usable,
            "sector {}",
            k + 1
        );
        assert_eq!(
            s["zero_flow_triples"].as_u64().unwrap() as usize,
            n * (n - 1) * (n - 2) / 6 - usable
        );
        let (theta, se, r2) = (
            s["theta"].as_f64().unwrap(),
            s["std_err"].as_f64().unwrap(),
            s["r2"].as_f64().unwrap(),
        );
        assert!(theta.is_finite() && se > 0.0 && (0.0..1.0).contains(&r2));
    }
    // The covariance file: the squared standard errors on the diagonal, named theta:<sector>.
    let cov = std::fs::read_to_string(out.join("elasticity_covariance.csv")).unwrap();
    let mut lines = cov.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "parameter");
    assert_eq!(header[1], "theta:1");
    for (k, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], format!("theta:{}", k + 1));
        for (c, cell) in cells[1..].iter().enumerate() {
            let v: f64 = cell.parse().unwrap();
            if c == k {
                let se = sectors[k]["std_err"].as_f64().unwrap();
                assert!((v - se * se).abs() <= 1e-12 * se * se, "{v} vs {se}^2");
            } else {
                assert_eq!(v, 0.0);
            }
        }
    }
    for f in [
        "estimate.json",
        "elasticities.csv",
        "elasticities.svg",
        "manifest.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    // Trimming leaves out the stated share of each sector's triples.
    let t = walras(&[
        "trade",
        "estimate-elasticities",
        "--from",
        CP2015,
        "--trim",
        "0.025",
        "--format",
        "json",
    ]);
    assert!(t.status.success(), "{}", stderr(&t));
    for (a, b) in sectors
        .iter()
        .zip(json_of(&t)["sectors"].as_array().unwrap())
    {
        let all = a["n_obs"].as_u64().unwrap();
        assert_eq!(
            b["trimmed"].as_u64().unwrap(),
            (0.025 * all as f64).floor() as u64
        );
        assert_eq!(
            b["n_obs"].as_u64().unwrap() + b["trimmed"].as_u64().unwrap(),
            all
        );
    }
}

#[test]
fn bad_estimation_inputs_are_refused() {
    let run = |args: &[&str]| {
        let mut all = vec!["trade", "estimate-elasticities"];
        all.extend(args);
        let o = walras(&all);
        assert!(!o.status.success(), "{args:?} accepted");
        assert!(!stderr(&o).contains("panicked"));
        stderr(&o)
    };
    assert!(run(&["--from", CP2015, "--trim", "0.5"]).contains("trim"));
    assert!(run(&["--from", CP2015, "--trim", "NaN"]).contains("trim"));
    assert!(run(&["--from", CP2015, "--layout", "dlopt"]).contains("cp2015"));
    assert!(run(&["--from", CP2015, "--layout", "wiod"]).contains("layout"));
    assert!(run(&["--from", "/nonexistent/cp"]).contains("not found"));
    // A corrupted flow names the file, line and field.
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(CP2015).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
    }
    let path = dir.path().join("xbilat1993.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let bad = text.replacen("2190.315", "-5", 1);
    std::fs::write(&path, bad).unwrap();
    let e = run(&["--from", dir.path().to_str().unwrap()]);
    assert!(e.contains("xbilat1993.txt") && e.contains("-5"), "{e}");
}
