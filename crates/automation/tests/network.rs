//! Spillover networks (`walras_automation::network`) through the public API.
//!
//! Topologies, TOML specs, parameter errors, user matrices, normalisations, multi-hop
//! spillovers and statistics.

use nalgebra::DMatrix;
use walras_automation::network::{Network, NetworkSpec, Normalization, StarDirection};

fn build(spec: NetworkSpec, n: usize) -> Network {
    Network::build(&spec, n, 7).unwrap()
}

fn spec(text: &str) -> NetworkSpec {
    toml::from_str(text).unwrap()
}

fn err(spec: NetworkSpec, n: usize) -> String {
    Network::build(&spec, n, 7).unwrap_err().to_string()
}

#[test]
fn identity_is_identity() {
    let net = build(NetworkSpec::Identity, 4);
    assert_eq!(net.omega(), &DMatrix::identity(4, 4));
    assert_eq!(net.spectral_radius(), 0.0);
    assert_eq!(spec("kind = \"identity\""), NetworkSpec::Identity);
}

#[test]
fn complete_and_uniform_alias() {
    let net = build(spec("kind = \"uniform\"\nweight = 0.25"), 4);
    assert_eq!(net, build(NetworkSpec::Complete { weight: 0.25 }, 4));
    for i in 0..4 {
        for j in 0..4 {
            assert_eq!(net.omega()[(i, j)], if i == j { 1.0 } else { 0.25 });
        }
    }
    assert!((net.spectral_radius() - 0.75).abs() < 1e-12);
}

#[test]
fn ring_has_degree_two_k() {
    let net = build(
        NetworkSpec::Ring {
            neighbors: 2,
            weight: 0.5,
        },
        9,
    );
    let s = net.stats(&[0]);
    assert!(s.symmetric);
    assert!(s.in_degree.iter().chain(&s.out_degree).all(|&d| d == 4));
    assert_eq!(s.edges, 9 * 4);
    assert_eq!(net.omega()[(0, 7)], 0.5);
    assert_eq!(net.omega()[(0, 3)], 0.0);
    assert!((s.spectral_radius - 2.0).abs() < 1e-12);
}

#[test]
fn chain_is_subdiagonal_only() {
    let net = build(NetworkSpec::Chain { weight: 0.3 }, 5);
    for i in 0..5 {
        for j in 0..5 {
            let expected = match () {
                _ if i == j => 1.0,
                _ if i == j + 1 => 0.3,
                _ => 0.0,
            };
            assert_eq!(net.omega()[(i, j)], expected, "({i}, {j})");
        }
    }
    assert_eq!(net.spectral_radius(), 0.0);
}

#[test]
fn star_directions() {
    let out = build(spec("kind = \"star\"\ncenter = 2\nweight = 1.0"), 5);
    let s = out.stats(&[]);
    assert_eq!(s.out_degree, vec![0, 0, 4, 0, 0]);
    assert_eq!(s.in_degree, vec![1, 1, 0, 1, 1]);
    let center_max = s.out_degree.iter().enumerate().max_by_key(|&(_, d)| *d);
    assert_eq!(center_max.map(|(i, _)| i), Some(2));
    let inward = build(
        NetworkSpec::Star {
            center: 2,
            weight: 1.0,
            direction: StarDirection::In,
        },
        5,
    );
    let s = inward.stats(&[]);
    assert_eq!(s.in_degree, vec![0, 0, 4, 0, 0]);
    assert_eq!(s.eigenvector_centrality[2], 1.0);
    assert!(s.eigenvector_centrality[0] < 1.0);
    let both = build(
        NetworkSpec::Star {
            center: 0,
            weight: 0.5,
            direction: StarDirection::Both,
        },
        5,
    );
    assert!(both.stats(&[]).symmetric);
    assert!((both.spectral_radius() - 0.5 * 2.0).abs() < 1e-12); // w sqrt(N - 1)
}

#[test]
fn core_periphery_four_blocks() {
    let net = build(
        spec("kind = \"core-periphery\"\ncore = 2\ncc = 0.9\npc = 0.5\ncp = 0.2\npp = 0.1"),
        5,
    );
    let o = net.omega();
    assert_eq!((o[(0, 1)], o[(1, 0)]), (0.9, 0.9));
    assert_eq!((o[(3, 0)], o[(4, 1)]), (0.5, 0.5)); // periphery receives from core
    assert_eq!((o[(0, 3)], o[(1, 4)]), (0.2, 0.2)); // core receives from periphery
    assert_eq!((o[(3, 4)], o[(4, 2)]), (0.1, 0.1));
    assert_eq!((o[(0, 0)], o[(3, 3)]), (1.0, 1.0));
}

#[test]
fn stochastic_block_structure() {
    let net = build(
        spec("kind = \"stochastic-block\"\nsizes = [2, 3]\nprobabilities = [[1.0, 0.0], [0.0, 1.0]]\nweight = 0.4"),
        5,
    );
    let expected = DMatrix::from_fn(5, 5, |i, j| match () {
        _ if i == j => 1.0,
        _ if (i < 2) == (j < 2) => 0.4,
        _ => 0.0,
    });
    assert_eq!(net.omega(), &expected);
    // Asymmetric probabilities: directed, block 1 receives from block 0 only.
    let directed = build(
        NetworkSpec::StochasticBlock {
            sizes: vec![2, 3],
            probabilities: vec![vec![0.0, 0.0], vec![1.0, 0.0]],
            weight: 1.0,
        },
        5,
    );
    let s = directed.stats(&[0]);
    assert_eq!(s.in_degree, vec![0, 0, 2, 2, 2]);
    assert_eq!(s.out_degree, vec![3, 3, 0, 0, 0]);
    assert_eq!(s.reachable_from_seeds, vec![true, false, true, true, true]);
    // A random symmetric SBM is symmetric.
    let random = build(
        NetworkSpec::StochasticBlock {
            sizes: vec![10, 10],
            probabilities: vec![vec![0.6, 0.1], vec![0.1, 0.6]],
            weight: 1.0,
        },
        20,
    );
    assert!(random.stats(&[]).symmetric);
}

#[test]
fn erdos_renyi_extremes_and_direction() {
    for directed in [false, true] {
        let empty = build(
            NetworkSpec::ErdosRenyi {
                probability: 0.0,
                weight: 1.0,
                directed,
            },
            6,
        );
        assert_eq!(empty, build(NetworkSpec::Identity, 6));
        let full = build(
            NetworkSpec::ErdosRenyi {
                probability: 1.0,
                weight: 0.2,
                directed,
            },
            6,
        );
        assert_eq!(full, build(NetworkSpec::Complete { weight: 0.2 }, 6));
    }
    let und = build(
        spec("kind = \"erdos-renyi\"\nprobability = 0.5\nweight = 1.0\ndirected = false"),
        30,
    );
    assert!(und.stats(&[]).symmetric);
    let dir = build(
        spec("kind = \"erdos-renyi\"\nprobability = 0.5\nweight = 1.0\ndirected = true"),
        30,
    );
    let s = dir.stats(&[]);
    assert!(!s.symmetric);
    assert!((s.density - 0.5).abs() < 0.1, "density {}", s.density);
}

#[test]
fn watts_strogatz_without_rewiring_is_the_ring() {
    let ring = build(
        NetworkSpec::Ring {
            neighbors: 2,
            weight: 0.7,
        },
        12,
    );
    let ws = build(
        NetworkSpec::WattsStrogatz {
            neighbors: 2,
            rewire: 0.0,
            weight: 0.7,
        },
        12,
    );
    assert_eq!(ws, ring);
    let rewired = build(
        NetworkSpec::WattsStrogatz {
            neighbors: 2,
            rewire: 0.3,
            weight: 0.7,
        },
        12,
    );
    assert_ne!(rewired, ring);
    let s = rewired.stats(&[]);
    assert!(s.symmetric);
    assert_eq!(s.edges, 12 * 4, "rewiring keeps the number of edges");
}

#[test]
fn barabasi_albert_edge_count() {
    for (n, m) in [(2, 1), (10, 1), (30, 3), (25, 4)] {
        let net = build(
            NetworkSpec::BarabasiAlbert {
                edges_per_node: m,
                weight: 1.0,
            },
            n,
        );
        let s = net.stats(&[0]);
        assert!(s.symmetric);
        assert_eq!(
            s.edges,
            2 * (m * (m - 1) / 2 + m * (n - m)),
            "n = {n}, m = {m}"
        );
        assert!(s.in_degree.iter().all(|&d| d >= m.min(n - 1)));
        assert!(s.reachable_from_seeds.iter().all(|&r| r), "connected");
    }
}

#[test]
fn random_topologies_are_reproducible_from_the_seed() {
    let specs = [
        NetworkSpec::ErdosRenyi {
            probability: 0.3,
            weight: 1.0,
            directed: true,
        },
        NetworkSpec::WattsStrogatz {
            neighbors: 2,
            rewire: 0.5,
            weight: 1.0,
        },
        NetworkSpec::BarabasiAlbert {
            edges_per_node: 2,
            weight: 1.0,
        },
        NetworkSpec::StochasticBlock {
            sizes: vec![10, 10],
            probabilities: vec![vec![0.5, 0.2], vec![0.2, 0.5]],
            weight: 1.0,
        },
    ];
    for spec in &specs {
        let a = Network::build(spec, 20, 1).unwrap();
        assert_eq!(a, Network::build(spec, 20, 1).unwrap(), "{spec:?}");
        assert_ne!(a, Network::build(spec, 20, 2).unwrap(), "{spec:?}");
    }
}

#[test]
fn parameter_errors_name_key_and_value() {
    let cases = [
        (
            NetworkSpec::ErdosRenyi {
                probability: 1.5,
                weight: 1.0,
                directed: false,
            },
            "network: probability = 1.5 is outside [0, 1]",
        ),
        (
            NetworkSpec::Complete { weight: -0.5 },
            "network: weight = -0.5 must be finite and >= 0",
        ),
        (
            NetworkSpec::Chain { weight: f64::NAN },
            "network: weight = NaN must be finite and >= 0",
        ),
        (
            NetworkSpec::Ring {
                neighbors: 5,
                weight: 1.0,
            },
            "network: neighbors = 5 must be < tasks = 5",
        ),
        (
            NetworkSpec::Star {
                center: 7,
                weight: 1.0,
                direction: StarDirection::Out,
            },
            "network: center = 7 must be < tasks = 5",
        ),
        (
            NetworkSpec::CorePeriphery {
                core: 6,
                cc: 1.0,
                pc: 1.0,
                cp: 1.0,
                pp: 1.0,
            },
            "network: core = 6 must be <= tasks = 5",
        ),
        (
            NetworkSpec::CorePeriphery {
                core: 2,
                cc: 1.0,
                pc: -1.0,
                cp: 1.0,
                pp: 1.0,
            },
            "network: pc = -1 must be finite and >= 0",
        ),
        (
            NetworkSpec::StochasticBlock {
                sizes: vec![2, 2],
                probabilities: vec![vec![0.5, 0.5], vec![0.5, 0.5]],
                weight: 1.0,
            },
            "network: sizes = [2, 2] sum to 4, expected tasks = 5",
        ),
        (
            NetworkSpec::StochasticBlock {
                sizes: vec![2, 3],
                probabilities: vec![vec![0.5, 0.5]],
                weight: 1.0,
            },
            "network: probabilities = [[0.5, 0.5]] has 1 rows, expected 2 (one per block)",
        ),
        (
            NetworkSpec::StochasticBlock {
                sizes: vec![2, 3],
                probabilities: vec![vec![0.5, 0.5], vec![0.5]],
                weight: 1.0,
            },
            "network: probabilities[1] = [0.5] has 1 entries, expected 2 (one per block)",
        ),
        (
            NetworkSpec::StochasticBlock {
                sizes: vec![2, 3],
                probabilities: vec![vec![0.5, 0.5], vec![-0.1, 0.5]],
                weight: 1.0,
            },
            "network: probabilities[1][0] = -0.1 is outside [0, 1]",
        ),
        (
            NetworkSpec::WattsStrogatz {
                neighbors: 1,
                rewire: 2.0,
                weight: 1.0,
            },
            "network: rewire = 2 is outside [0, 1]",
        ),
        (
            NetworkSpec::BarabasiAlbert {
                edges_per_node: 5,
                weight: 1.0,
            },
            "network: edges_per_node = 5 must be in 1..5 (1 to tasks - 1)",
        ),
        (
            NetworkSpec::BarabasiAlbert {
                edges_per_node: 0,
                weight: 1.0,
            },
            "network: edges_per_node = 0 must be in 1..5 (1 to tasks - 1)",
        ),
    ];
    for (spec, message) in cases {
        assert_eq!(err(spec, 5), message);
    }
    assert_eq!(
        err(NetworkSpec::Identity, 0),
        "network: tasks = 0 must be >= 1"
    );
    let file = err(
        NetworkSpec::File {
            path: "omega.csv".into(),
        },
        3,
    );
    assert!(
        file.contains("omega.csv") && file.contains("walras-data"),
        "{file}"
    );
}

#[test]
fn toml_specs_parse_and_reject_unknown_keys() {
    assert_eq!(
        spec("kind = \"star\"\ncenter = 1\nweight = 0.5"),
        NetworkSpec::Star {
            center: 1,
            weight: 0.5,
            direction: StarDirection::Out
        }
    );
    assert_eq!(
        spec("kind = \"star\"\ncenter = 1\nweight = 0.5\ndirection = \"both\""),
        NetworkSpec::Star {
            center: 1,
            weight: 0.5,
            direction: StarDirection::Both
        }
    );
    assert_eq!(
        spec("kind = \"barabasi-albert\"\nedges_per_node = 2\nweight = 1.0"),
        NetworkSpec::BarabasiAlbert {
            edges_per_node: 2,
            weight: 1.0
        }
    );
    assert_eq!(
        spec("kind = \"file\"\npath = \"data/omega.csv\""),
        NetworkSpec::File {
            path: "data/omega.csv".into()
        }
    );
    let typo = toml::from_str::<NetworkSpec>("kind = \"chain\"\nweight = 1.0\nwieght = 2.0")
        .unwrap_err()
        .to_string();
    assert!(typo.contains("wieght"), "{typo}");
    assert!(toml::from_str::<NetworkSpec>("kind = \"hypercube\"").is_err());
    assert_eq!(
        spec("kind = \"erdos-renyi\"\nprobability = 0.2\nweight = 1.0"),
        NetworkSpec::ErdosRenyi {
            probability: 0.2,
            weight: 1.0,
            directed: false
        }
    );
    let n: Normalization = serde_json::from_str("\"row-intake\"").unwrap();
    assert_eq!(n, Normalization::RowIntake);
    // Round trip through TOML.
    let ws = NetworkSpec::WattsStrogatz {
        neighbors: 3,
        rewire: 0.1,
        weight: 0.5,
    };
    assert_eq!(spec(&toml::to_string(&ws).unwrap()), ws);
}

#[test]
fn from_matrix_validates_entries() {
    let ok = Network::from_matrix(DMatrix::from_row_slice(2, 2, &[0.0, 0.5, 0.2, 1.0])).unwrap();
    assert_eq!(
        ok.omega(),
        &DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.2, 1.0])
    );
    let e = |m: DMatrix<f64>| Network::from_matrix(m).unwrap_err().to_string();
    assert_eq!(
        e(DMatrix::zeros(2, 3)),
        "network: matrix is 2 x 3; Omega must be N x N with N >= 1"
    );
    assert_eq!(
        e(DMatrix::from_row_slice(2, 2, &[1.0, -0.5, 0.0, 1.0])),
        "network: omega[(0, 1)] = -0.5 is negative; spillovers must be >= 0"
    );
    assert_eq!(
        e(DMatrix::from_row_slice(
            2,
            2,
            &[1.0, 0.0, f64::INFINITY, 1.0]
        )),
        "network: omega[(1, 0)] = inf is not finite"
    );
    assert_eq!(
        e(DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.5])),
        "network: omega[(1, 1)] = 0.5 is on the diagonal, which is fixed at 1 (give 0 or 1)"
    );
}

#[test]
fn row_major_and_edges() {
    let net = Network::from_row_major(2, &[1.0, 0.0, 0.4, 0.0]).unwrap();
    assert_eq!(net.omega()[(1, 0)], 0.4);
    assert_eq!(net.omega()[(1, 1)], 1.0);
    assert_eq!(net.edges(), vec![(1, 0, 0.4)]);
    assert_eq!(
        Network::from_row_major(2, &[1.0; 3])
            .unwrap_err()
            .to_string(),
        "network: values = [3 entries] must hold N x N = 4 entries (N = 2)"
    );
    let star = build(
        NetworkSpec::Star {
            center: 1,
            weight: 0.5,
            direction: StarDirection::Both,
        },
        3,
    );
    assert_eq!(
        star.edges(),
        vec![(0, 1, 0.5), (1, 0, 0.5), (1, 2, 0.5), (2, 1, 0.5)]
    );
}

#[test]
fn normalisations() {
    let m = DMatrix::from_row_slice(3, 3, &[1.0, 1.0, 3.0, 0.0, 1.0, 0.0, 2.0, 2.0, 1.0]);
    let net = Network::from_matrix(m).unwrap();
    let row = net
        .clone()
        .normalized(Normalization::RowIntake, 0.5)
        .unwrap();
    let o = row.omega();
    assert!((o[(0, 1)] - 0.125).abs() < 1e-15 && (o[(0, 2)] - 0.375).abs() < 1e-15);
    assert_eq!(
        (o[(1, 0)], o[(1, 2)]),
        (0.0, 0.0),
        "a row without intake stays zero"
    );
    assert!((o[(2, 0)] + o[(2, 1)] - 0.5).abs() < 1e-15);
    assert!((0..3).all(|i| o[(i, i)] == 1.0));
    let max = net
        .clone()
        .normalized(Normalization::MaxScaled, 0.6)
        .unwrap();
    let o = max.omega();
    assert!((o[(0, 2)] - 0.6).abs() < 1e-15 && (o[(2, 0)] - 0.4).abs() < 1e-15);
    assert!((0..3).all(|i| o[(i, i)] == 1.0));
    assert_eq!(
        net.clone()
            .normalized(Normalization::Raw, f64::NAN)
            .unwrap(),
        net
    );
    assert_eq!(
        net.normalized(Normalization::RowIntake, -1.0)
            .unwrap_err()
            .to_string(),
        "network: intake = -1 must be finite and >= 0"
    );
}

#[test]
fn multi_hop_is_the_neumann_series() {
    let net = build(
        NetworkSpec::ErdosRenyi {
            probability: 0.4,
            weight: 0.3,
            directed: true,
        },
        6,
    );
    let beta = 0.5;
    let w = net.spillovers() * beta;
    let mut term = DMatrix::<f64>::identity(6, 6);
    let mut sum = term.clone();
    for _ in 0..200 {
        term = &term * &w;
        sum += &term;
    }
    let hop = net.multi_hop(beta).unwrap();
    assert!((hop - sum).amax() < 1e-12);
    assert_eq!(net.multi_hop(0.0).unwrap(), DMatrix::identity(6, 6));
}

#[test]
fn multi_hop_rejects_divergent_beta() {
    // Complete graph on 4 tasks with weight 0.5: rho(W) = 1.5.
    let net = build(NetworkSpec::Complete { weight: 0.5 }, 4);
    assert!((net.spectral_radius() - 1.5).abs() < 1e-12);
    assert!(net.multi_hop(0.6).is_ok());
    let e = net.multi_hop(1.0).unwrap_err().to_string();
    assert!(
        e.starts_with("network: multi-hop beta = 1 gives spectral radius"),
        "{e}"
    );
    assert!(net.multi_hop(-0.1).is_err());
    // An acyclic chain has radius 0: any beta works, and the series is finite.
    let chain = build(NetworkSpec::Chain { weight: 2.0 }, 3);
    let hop = chain.multi_hop(10.0).unwrap();
    assert!((hop[(2, 0)] - 400.0).abs() < 1e-9);
}

#[test]
fn spectral_radius_matches_dense_eigenvalues() {
    for (seed, spec) in [
        (
            1,
            NetworkSpec::ErdosRenyi {
                probability: 0.2,
                weight: 0.7,
                directed: true,
            },
        ),
        (
            2,
            NetworkSpec::BarabasiAlbert {
                edges_per_node: 2,
                weight: 0.3,
            },
        ),
        (
            3,
            NetworkSpec::StochasticBlock {
                sizes: vec![5, 10],
                probabilities: vec![vec![0.8, 0.05], vec![0.3, 0.2]],
                weight: 1.0,
            },
        ),
    ] {
        let net = Network::build(&spec, 15, seed).unwrap();
        let dense = net
            .spillovers()
            .complex_eigenvalues()
            .iter()
            .map(|z| z.norm())
            .fold(0.0, f64::max);
        let rho = net.spectral_radius();
        assert!(
            (rho - dense).abs() < 1e-9 * dense.max(1.0),
            "{spec:?}: {rho} vs {dense}"
        );
    }
}

#[test]
fn stats_on_star_chain_and_ring() {
    let star = build(
        NetworkSpec::Star {
            center: 3,
            weight: 0.5,
            direction: StarDirection::Out,
        },
        6,
    );
    let s = star.stats(&[3]);
    let top = (0..6).max_by_key(|&i| s.out_degree[i]).unwrap();
    assert_eq!(top, 3);
    assert_eq!(s.edges, 5);
    assert!((s.density - 5.0 / 30.0).abs() < 1e-15);
    assert!((s.out_strength[3] - 2.5).abs() < 1e-15);
    assert_eq!(s.in_strength[0], 0.5);
    assert_eq!(s.reachable_share, 1.0);
    assert!(!s.symmetric);

    let chain = build(NetworkSpec::Chain { weight: 0.5 }, 5);
    let from_first = chain.stats(&[0]);
    assert!(from_first.reachable_from_seeds.iter().all(|&r| r));
    let from_last = chain.stats(&[4]);
    assert_eq!(
        from_last.reachable_from_seeds,
        vec![false, false, false, false, true]
    );
    assert!((from_last.reachable_share - 0.2).abs() < 1e-15);
    assert!(chain.stats(&[]).reachable_from_seeds.iter().all(|&r| !r));
    // Katz on the chain (radius 0, alpha = 0.85): x_i = sum_{l <= i} (0.425)^l.
    let katz = &from_first.katz_centrality;
    let raw: Vec<f64> = (0..5)
        .map(|i| (0..=i).map(|l| 0.425f64.powi(l)).sum())
        .collect();
    for i in 0..5 {
        assert!((katz[i] - raw[i] / raw[4]).abs() < 1e-12);
    }
    // Receiving centrality increases down the chain.
    let ev = &from_first.eigenvector_centrality;
    assert!(ev.windows(2).all(|w| w[0] < w[1]), "{ev:?}");
    assert_eq!(ev[4], 1.0);

    let ring = build(
        NetworkSpec::Ring {
            neighbors: 2,
            weight: 0.3,
        },
        10,
    );
    let s = ring.stats(&[0]);
    assert!(s.katz_centrality.iter().all(|&k| (k - 1.0).abs() < 1e-12));
    assert!(s
        .eigenvector_centrality
        .iter()
        .all(|&k| (k - 1.0).abs() < 1e-12));
    assert!(s.reachable_from_seeds.iter().all(|&r| r));
}

#[test]
fn katz_matches_the_linear_solve() {
    let net = build(
        NetworkSpec::BarabasiAlbert {
            edges_per_node: 2,
            weight: 0.4,
        },
        12,
    );
    let s = net.stats(&[0]);
    let alpha = 0.85 / s.spectral_radius;
    let a = DMatrix::identity(12, 12) - net.spillovers() * alpha;
    let x = a
        .lu()
        .solve(&nalgebra::DVector::from_element(12, 1.0))
        .unwrap();
    let x = &x / x.max();
    for i in 0..12 {
        assert!((s.katz_centrality[i] - x[i]).abs() < 1e-9);
    }
    // Hubs (highest degree) are the most central.
    let hub = (0..12).max_by_key(|&i| s.in_degree[i]).unwrap();
    assert!(
        s.eigenvector_centrality[hub] > 0.8,
        "{:?}",
        s.eigenvector_centrality
    );
}

#[test]
fn single_task_network() {
    let s = build(NetworkSpec::Complete { weight: 0.5 }, 1).stats(&[0]);
    assert_eq!((s.tasks, s.edges, s.density), (1, 0, 0.0));
    assert_eq!(s.katz_centrality, vec![1.0]);
    assert!(s.symmetric);
}

#[test]
#[should_panic(expected = "seed task 5 is out of range")]
fn stats_reject_out_of_range_seeds() {
    build(NetworkSpec::Identity, 3).stats(&[5]);
}
