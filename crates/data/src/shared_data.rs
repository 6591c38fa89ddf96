//! The shared real-data folder named by `WALRAS_DATA_DIR`, as tests and benches find it.

use std::path::{Path, PathBuf};

/// The environment variable naming the shared data folder (`../shared/data` beside a checkout).
pub const DATA_DIR_VAR: &str = "WALRAS_DATA_DIR";

/// The folder named by `WALRAS_DATA_DIR`. A relative path is taken from the workspace root (the
/// nearest folder above the running package that holds `Cargo.lock`), because cargo runs each
/// package's tests in that package's own folder; so `WALRAS_DATA_DIR=../shared/data cargo test`
/// from the repository root works for every crate. Errors say what is unset or missing.
pub fn shared_data_dir() -> Result<PathBuf, String> {
    let value = std::env::var_os(DATA_DIR_VAR).ok_or_else(|| {
        format!(
            "{DATA_DIR_VAR} is not set: set it to the shared data folder \
             (e.g. {DATA_DIR_VAR}=../shared/data)"
        )
    })?;
    let given = PathBuf::from(&value);
    let dir = if given.is_absolute() {
        given
    } else {
        let start = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        workspace_root(&start).unwrap_or(start).join(given)
    };
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "{DATA_DIR_VAR}={} resolves to {}, which is not a folder",
            Path::new(&value).display(),
            dir.display()
        ))
    }
}

/// The nearest folder at or above `start` holding `Cargo.lock`.
fn workspace_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_root_is_the_folder_with_the_lock_file() {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = workspace_root(&here).unwrap();
        assert!(root.join("Cargo.lock").is_file());
        assert!(here.starts_with(&root));
        assert_ne!(root, here, "walras-data is a member below the root");
    }
}
