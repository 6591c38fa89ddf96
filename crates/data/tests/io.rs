//! Loading, validation and atomic writing: every malformed input is an error that names the
//! file, row, column and value.

use std::io::Write;
use std::path::{Path, PathBuf};

use walras_data::{
    load_table, read_matrix, sha256_file, write_atomic, write_json, write_table, Check, DataError,
    RunManifest, Schema, Table,
};

fn flows_schema() -> Schema {
    Schema::new()
        .str("exporter")
        .str("importer")
        .str("sector")
        .float("value", Check::NonNegative)
        .key(&["exporter", "importer", "sector"])
}

fn write_file(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn load_err(contents: &str) -> (PathBuf, DataError) {
    let dir = tempfile::tempdir().unwrap().keep();
    let path = write_file(&dir, "flows.csv", contents);
    let err = load_table(&path, &flows_schema()).unwrap_err();
    (path, err)
}

#[test]
fn good_csv_loads_with_bom_spaces_and_extra_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "flows.csv",
        "\u{feff}exporter,importer,sector,value,note\nA,B,1, 2.5 ,x\nB,A,1,0,y\n",
    );
    let t = load_table(&path, &flows_schema()).unwrap();
    assert_eq!(t.n_rows(), 2);
    assert_eq!(t.str("exporter").unwrap(), &["A", "B"]);
    assert_eq!(t.str("sector").unwrap(), &["1", "1"]);
    assert_eq!(t.f64("value").unwrap(), &[2.5, 0.0]);
    assert!(
        t.column("note").is_none(),
        "columns outside the schema are dropped"
    );
    assert_eq!(t.source(), Some(path.as_path()));
}

#[test]
fn missing_column_is_named_with_the_columns_found() {
    let (path, err) = load_err("exporter,importer,value\nA,B,1\n");
    let msg = err.to_string();
    assert!(matches!(err, DataError::MissingColumn { ref column, .. } if column == "sector"));
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("exporter, importer, value"),
        "{msg}"
    );
}

#[test]
fn wrong_type_names_row_column_and_value() {
    let (_, err) = load_err("exporter,importer,sector,value\nA,B,1,1.0\nA,C,1,lots\n");
    let msg = err.to_string();
    assert!(
        matches!(err, DataError::BadValue { row: 2, ref column, ref value, .. } if column == "value" && value == "lots"),
        "{msg}"
    );
    assert!(
        msg.contains("row 2") && msg.contains("`lots`") && msg.contains("flows.csv"),
        "{msg}"
    );
}

#[test]
fn nan_and_infinity_are_rejected() {
    for bad in ["NaN", "inf", "-inf"] {
        let (_, err) = load_err(&format!("exporter,importer,sector,value\nA,B,1,{bad}\n"));
        assert!(
            matches!(err, DataError::BadValue { row: 1, ref value, .. } if value == bad),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains("not finite"));
    }
}

#[test]
fn negative_flow_is_rejected() {
    let (_, err) = load_err("exporter,importer,sector,value\nA,B,1,3\nA,B,2,-0.5\n");
    let msg = err.to_string();
    assert!(
        msg.contains("row 2") && msg.contains("`-0.5`") && msg.contains("negative"),
        "{msg}"
    );
}

#[test]
fn empty_cell_is_a_missing_value() {
    let (_, err) = load_err("exporter,importer,sector,value\nA,,1,3\n");
    assert!(
        matches!(err, DataError::MissingValue { row: 1, ref column, .. } if column == "importer"),
        "{err}"
    );
    let (_, err) = load_err("exporter,importer,sector,value\nA,B,1,\n");
    assert!(
        matches!(err, DataError::MissingValue { row: 1, ref column, .. } if column == "value"),
        "{err}"
    );
}

#[test]
fn duplicate_keys_name_both_rows() {
    let (_, err) = load_err("exporter,importer,sector,value\nA,B,1,3\nA,C,1,3\nA,B,1,4\n");
    assert!(
        matches!(
            err,
            DataError::DuplicateKey {
                first_row: 1,
                row: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("exporter=A, importer=B, sector=1"));
}

#[test]
fn ragged_rows_empty_files_and_header_only_files_are_errors() {
    let (_, err) = load_err("exporter,importer,sector,value\nA,B,1,3,9,9\n");
    assert!(
        matches!(err, DataError::Parse { .. } | DataError::Shape { .. }),
        "{err}"
    );
    let (_, err) = load_err("");
    assert!(matches!(err, DataError::Shape { .. }), "{err}");
    let (_, err) = load_err("exporter,importer,sector,value\n");
    assert!(err.to_string().contains("0 data rows"), "{err}");
}

#[test]
fn unsupported_extensions_and_missing_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "flows.xlsx", "x");
    assert!(matches!(
        load_table(&path, &flows_schema()),
        Err(DataError::UnsupportedFormat { .. })
    ));
    let err = load_table(&dir.path().join("absent.csv"), &flows_schema()).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }) && err.to_string().contains("absent.csv"));
}

#[test]
fn range_checks_for_shares_and_positive_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "s.csv",
        "sector,share,theta\n1,0.5,4\n2,1.2,4\n",
    );
    let schema = Schema::new()
        .str("sector")
        .float("share", Check::Fraction)
        .float("theta", Check::Positive);
    let err = load_table(&path, &schema).unwrap_err();
    assert!(
        err.to_string().contains("`1.2` must lie in [0, 1]"),
        "{err}"
    );
    let path = write_file(dir.path(), "t.csv", "sector,share,theta\n1,0.5,0\n");
    let err = load_table(&path, &schema).unwrap_err();
    assert!(
        err.to_string()
            .contains("column `theta`: value `0` must be > 0"),
        "{err}"
    );
}

fn sample_table() -> Table {
    Table::new()
        .with_str("exporter", vec!["A".into(), "A".into(), "B".into()])
        .unwrap()
        .with_str("importer", vec!["A".into(), "B".into(), "A".into()])
        .unwrap()
        .with_str("sector", vec!["1".into(), "1".into(), "1".into()])
        .unwrap()
        .with_f64("value", vec![10.0, 0.125, 3.0e-7])
        .unwrap()
}

#[test]
fn csv_gzip_and_parquet_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let t = sample_table();
    for name in ["flows.csv", "flows.csv.gz", "flows.parquet"] {
        let path = dir.path().join("sub").join(name);
        write_table(&path, &t).unwrap();
        let back = load_table(&path, &flows_schema()).unwrap();
        assert_eq!(
            back.f64("value").unwrap(),
            t.f64("value").unwrap(),
            "{name}"
        );
        assert_eq!(
            back.str("importer").unwrap(),
            t.str("importer").unwrap(),
            "{name}"
        );
    }
}

#[test]
fn parquet_type_errors_name_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.parquet");
    let t = Table::new()
        .with_str("exporter", vec!["A".into()])
        .unwrap()
        .with_str("importer", vec!["B".into()])
        .unwrap()
        .with_str("sector", vec!["1".into()])
        .unwrap()
        .with_str("value", vec!["ten".into()])
        .unwrap();
    write_table(&path, &t).unwrap();
    let err = load_table(&path, &flows_schema()).unwrap_err();
    assert!(err.to_string().contains("`ten` is not a number"), "{err}");
}

#[test]
fn tables_in_memory_must_be_rectangular() {
    let err = Table::new()
        .with_f64("a", vec![1.0])
        .unwrap()
        .with_f64("b", vec![1.0, 2.0])
        .unwrap_err();
    assert!(err.to_string().contains("column `b` has 2 rows"));
    assert!(Table::new()
        .with_f64("a", vec![])
        .unwrap()
        .with_f64("a", vec![])
        .is_err());
}

#[test]
fn failed_atomic_write_leaves_no_file_and_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.json");
    let err = write_atomic(&target, |_| Err(DataError::InvalidTable("boom".into())));
    assert!(err.is_err());
    assert!(!target.exists());
    write_json(&target, &serde_json::json!({"v": 1})).unwrap();
    let _ = write_atomic(&target, |w| {
        w.write_all(b"partial").unwrap();
        Err(DataError::InvalidTable("boom".into()))
    });
    assert_eq!(
        std::fs::read_to_string(&target).unwrap().trim(),
        "{\n  \"v\": 1\n}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "out.json")
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
}

#[test]
fn manifest_records_inputs_with_sha256_parameters_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "in.csv", "abc");
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    assert_eq!(
        sha256_file(&input).unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let mut m = RunManifest::start("9.9.9", vec!["walras".into(), "examples".into()]);
    m.add_input(&input).unwrap();
    m.set_parameters(&serde_json::json!({"tol": 1e-10}))
        .unwrap();
    m.add_report("inner", &serde_json::json!({"iterations": 3}))
        .unwrap();
    m.add_output(Path::new("out.csv"));
    let path = m.finish_and_write(dir.path()).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(v["walras_version"], "9.9.9");
    assert_eq!(v["inputs"][0]["bytes"], 3);
    assert_eq!(v["solve_reports"][0]["report"]["iterations"], 3);
    assert_eq!(v["command_line"][1], "examples");
    assert!(v["finished_at"].as_str().unwrap().ends_with('Z'));
    assert!(m.add_input(&dir.path().join("nope.csv")).is_err());
}

#[test]
fn matrices_check_shape_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write_file(dir.path(), "m.txt", "1 2 3\n\n4 5.5 6e-1\n");
    let m = read_matrix(&ok, Some((2, 3))).unwrap();
    assert_eq!(m.get(1, 2), 0.6);
    let err = read_matrix(&ok, Some((3, 3))).unwrap_err();
    assert!(err.to_string().contains("is 2 x 3, expected 3 x 3"));
    let ragged = write_file(dir.path(), "r.txt", "1 2 3\n4 5\n");
    assert!(read_matrix(&ragged, None)
        .unwrap_err()
        .to_string()
        .contains("line 2 has 2 fields"));
    let bad = write_file(dir.path(), "b.txt", "1 2 x\n");
    let err = read_matrix(&bad, None).unwrap_err();
    assert!(
        matches!(err, DataError::BadValue { row: 1, ref value, .. } if value == "x"),
        "{err}"
    );
    let empty = write_file(dir.path(), "e.txt", "\n\n");
    assert!(read_matrix(&empty, None).is_err());
}

/// The real datasets in `../shared/data` (set WALRAS_DATA_DIR); run with `--ignored`.
#[test]
#[ignore = "needs WALRAS_DATA_DIR pointing at the shared data"]
fn real_data_files_load() {
    let dir = walras_data::shared_data_dir().unwrap_or_else(|e| panic!("{e}"));
    let flows = load_table(&dir.join("wiod2014_44x16/flows.csv.gz"), &flows_schema()).unwrap();
    assert_eq!(flows.n_rows(), 44 * 44 * 16);
    let elasticities = load_table(
        &dir.join("dlopt_7x44_2017/cal_elasticities.csv"),
        &Schema::new()
            .str("industry")
            .float("\\theta", Check::Positive)
            .float("\\psi", Check::NonNegative)
            .key(&["industry"]),
    )
    .unwrap();
    assert_eq!(elasticities.n_rows(), 44);
    let cp = read_matrix(
        &dir.join("cp2015_31x40_1993/xbilat1993.txt"),
        Some((620, 31)),
    )
    .unwrap();
    assert!(cp.values.iter().all(|v| *v >= 0.0));
}

#[test]
fn tables_embedded_as_bytes_load_and_name_their_label_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.csv.gz");
    write_table(&path, &sample_table()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let t = walras_data::load_table_from_bytes("embedded_flows.csv.gz", &bytes, &flows_schema())
        .unwrap();
    assert_eq!(t.n_rows(), 3);
    let err = walras_data::load_table_from_bytes(
        "embedded.csv",
        b"exporter,value\nA,-1\n",
        &flows_schema(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("embedded.csv"), "{err}");
}

#[test]
fn embedded_cps_sample_loads_with_weights() {
    let s = walras_data::tax::cps_sample().unwrap();
    // data/tax/README.md: 146,758 single filers, total weight 94,450,628 tax units.
    assert_eq!(s.incomes.len(), 146_758);
    let w = s.weights.as_ref().unwrap();
    assert!(
        (w.iter().sum::<f64>() - 94_450_628.0).abs() < 1.0,
        "{}",
        w.iter().sum::<f64>()
    );
    assert!(
        s.incomes.iter().any(|z| *z < 0.0),
        "negative business income is kept"
    );
}

#[test]
fn cutoff_files_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write_file(dir.path(), "c.csv", "cutoff\n0\n10\n40\n");
    assert_eq!(
        walras_data::tax::cutoffs_from_spec(ok.to_str().unwrap()).unwrap(),
        vec![0.0, 10.0, 40.0]
    );
    let bad = write_file(dir.path(), "b.csv", "cutoff\n0\n40\n10\n");
    let err = walras_data::tax::cutoffs_from_spec(bad.to_str().unwrap()).unwrap_err();
    assert!(
        err.to_string().contains("b.csv") && err.to_string().contains("strictly increasing"),
        "{err}"
    );
    assert_eq!(
        walras_data::tax::cutoffs_from_spec("aie-us-federal").unwrap()[1],
        9.7
    );
    assert!(walras_data::tax::cutoffs_from_spec("us-federal-1999").is_err());
}

#[test]
fn a_header_naming_a_column_twice_is_an_error_naming_the_file() {
    for (header, row) in [
        ("exporter,importer,sector,value,value", "USA,CHN,1,2,3"),
        ("exporter,importer,sector,value,, ", "USA,CHN,1,2,3,4"),
    ] {
        let (path, err) = load_err(&format!("{header}\n{row}\n"));
        let text = err.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(
            text.contains("twice") || text.contains("more than once"),
            "{text}"
        );
    }
}
