//! All-or-nothing output folders: a run writes into a hidden staging folder beside its target
//! and moves the complete set into place at the end, so the target path only ever holds the
//! previous folder or the new one, never a mix.
//!
//! ```
//! use walras_data::{write_json, OutputFolder};
//! let parent = tempfile::tempdir().unwrap();
//! let target = parent.path().join("results");
//! let folder = OutputFolder::stage(&target, false).unwrap();
//! write_json(&folder.path().join("result.json"), &[1, 2, 3]).unwrap();
//! assert!(!target.exists()); // nothing at the target until the commit
//! folder.commit().unwrap();
//! assert!(target.join("result.json").is_file());
//! ```

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::DataError;
use crate::write::write_json;

/// The part of a staging folder's name after `.NAME`; the process id and a counter follow.
const STAGING_TAG: &str = ".walras-staging-";

/// Distinguishes staging folders of one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// An output folder being written: commands write into [`OutputFolder::path`], a hidden staging
/// folder `.NAME.walras-staging-PID-N` beside the target `NAME`, and [`OutputFolder::commit`]
/// moves the finished set into place.
///
/// - On Linux an existing target is swapped with the staging folder in one atomic
///   `renameat2(RENAME_EXCHANGE)` and the old contents are then deleted; where the exchange is
///   unsupported (and on other systems) the old folder is renamed aside first.
/// - Dropping an `OutputFolder` without committing it (the command failed or panicked) removes
///   the staging folder and leaves the target untouched.
/// - A process killed mid-run leaves its staging folder behind; the next `stage` of the same
///   target removes staging folders whose process is gone (checked through `/proc`, so only
///   on Linux).
#[derive(Debug)]
pub struct OutputFolder {
    /// The target as the caller named it (used to rewrite recorded paths).
    target: PathBuf,
    /// The target actually replaced (the resolved path if the target is a symlink or `.`).
    resolved: PathBuf,
    /// The staging folder.
    staging: PathBuf,
    /// Replace a non-empty target.
    overwrite: bool,
    /// Ancestors of the target that `stage` created, deepest first (removed if abandoned).
    created: Vec<PathBuf>,
    /// Set once the staging folder has been moved into place.
    committed: bool,
}

/// An `Io` error on `path` with a message of our own.
fn refuse(path: &Path, kind: io::ErrorKind, message: String) -> DataError {
    DataError::io(path, io::Error::new(kind, message))
}

/// The entries of an existing folder, sorted by name.
fn entries(dir: &Path) -> Result<Vec<String>, DataError> {
    let mut names = std::fs::read_dir(dir)
        .map_err(|e| DataError::io(dir, e))?
        .map(|e| {
            e.map(|e| e.file_name().to_string_lossy().into_owned())
                .map_err(|e| DataError::io(dir, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    names.sort();
    Ok(names)
}

/// Refuse a target that is a file, or a non-empty folder without `overwrite`.
fn check_target(target: &Path, shown: &Path, overwrite: bool) -> Result<bool, DataError> {
    let meta = match std::fs::metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(DataError::io(shown, e)),
    };
    if !meta.is_dir() {
        return Err(refuse(
            shown,
            io::ErrorKind::AlreadyExists,
            "the output folder is an existing file, not a folder; name another --out".into(),
        ));
    }
    let names = entries(target)?;
    if !names.is_empty() && !overwrite {
        let mut listed = names.iter().take(3).cloned().collect::<Vec<_>>();
        if names.len() > 3 {
            listed.push("...".into());
        }
        return Err(refuse(
            shown,
            io::ErrorKind::DirectoryNotEmpty,
            format!(
                "output folder already holds files ({}); pass --overwrite to replace it",
                listed.join(", ")
            ),
        ));
    }
    Ok(true)
}

/// The parent folder and final name of a target; `.`, `..` and symlinks are resolved so the
/// staging folder sits beside the folder that is really replaced.
fn split_target(target: &Path) -> Result<(PathBuf, String), DataError> {
    let is_link = std::fs::symlink_metadata(target)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    let plain_name = matches!(target.components().next_back(), Some(Component::Normal(_)));
    let path = if is_link || !plain_name {
        std::fs::canonicalize(target).map_err(|e| DataError::io(target, e))?
    } else {
        target.to_path_buf()
    };
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(refuse(
            target,
            io::ErrorKind::InvalidInput,
            "cannot replace this folder; name a folder inside it".into(),
        ));
    };
    Ok((parent.to_path_buf(), name.to_string_lossy().into_owned()))
}

/// Whether process `pid` is running (Linux: `/proc/PID`; elsewhere assumed alive).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Remove staging folders of `name` in `parent` left by processes that no longer run.
fn remove_dead_staging(parent: &Path, name: &str) {
    let prefix = format!(".{name}{STAGING_TAG}");
    let Ok(read) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in read.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Ok(pid) = digits.parse::<u32>() else {
            continue;
        };
        if !alive(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Rewrite every JSON string that is a path inside `from` to the same path inside `to`.
fn rewrite_paths(value: &mut serde_json::Value, from: &Path, to: &Path) -> bool {
    match value {
        serde_json::Value::String(s) => match Path::new(s.as_str()).strip_prefix(from) {
            Ok(rest) => {
                let new = if rest.as_os_str().is_empty() {
                    to.to_path_buf()
                } else {
                    to.join(rest)
                };
                *s = new.to_string_lossy().into_owned();
                true
            }
            Err(_) => false,
        },
        serde_json::Value::Array(items) => {
            // Every item is visited (no short cut at the first rewrite).
            let mut any = false;
            for v in items {
                any |= rewrite_paths(v, from, to);
            }
            any
        }
        serde_json::Value::Object(map) => {
            let mut any = false;
            for v in map.values_mut() {
                any |= rewrite_paths(v, from, to);
            }
            any
        }
        _ => false,
    }
}

/// Flush a folder's entries to disk (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Swap `a` and `b` atomically; `Ok(false)` where the system or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::OPNOTSUPP => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Swap `a` and `b` atomically; `Ok(false)` where the system or file system cannot.
#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Put the folder `new` in place of the existing folder `target`: by an atomic exchange if
/// `try_exchange` and the system can, else by renaming `target` aside first (restored if the
/// second rename fails). Returns where the old contents now are.
fn replace(new: &Path, target: &Path, try_exchange: bool) -> io::Result<PathBuf> {
    if try_exchange && exchange(new, target)? {
        return Ok(new.to_path_buf());
    }
    let mut aside = new.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    std::fs::rename(target, &aside)?;
    if let Err(e) = std::fs::rename(new, target) {
        let _ = std::fs::rename(&aside, target);
        return Err(e);
    }
    Ok(aside)
}

impl OutputFolder {
    /// Prepare to write the output folder `target`: check it, remove dead staging folders of
    /// it, and create an empty staging folder beside it (creating missing parent folders).
    ///
    /// Fails, before anything is written, if `target` is an existing file, or an existing
    /// non-empty folder and `overwrite` is false. An existing empty folder is fine.
    pub fn stage(target: &Path, overwrite: bool) -> Result<OutputFolder, DataError> {
        let (parent, name) = split_target(target)?;
        let resolved = parent.join(&name);
        let existed = check_target(&resolved, target, overwrite)?;
        let mut created = Vec::new();
        let mut ancestor = parent.as_path();
        while !ancestor.as_os_str().is_empty() && !ancestor.exists() {
            created.push(ancestor.to_path_buf());
            match ancestor.parent() {
                Some(p) => ancestor = p,
                None => break,
            }
        }
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(&parent).map_err(|e| DataError::io(&parent, e))?;
        }
        remove_dead_staging(
            if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &parent
            },
            &name,
        );
        let pid = std::process::id();
        let staging = loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let candidate = parent.join(format!(".{name}{STAGING_TAG}{pid}-{n}"));
            match std::fs::create_dir(&candidate) {
                Ok(()) => break candidate,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    for dir in &created {
                        let _ = std::fs::remove_dir(dir);
                    }
                    return Err(DataError::io(&candidate, e));
                }
            }
        };
        if existed {
            // The new folder keeps the old one's permissions.
            if let Ok(meta) = std::fs::metadata(&resolved) {
                let _ = std::fs::set_permissions(&staging, meta.permissions());
            }
        }
        Ok(OutputFolder {
            target: target.to_path_buf(),
            resolved,
            staging,
            overwrite,
            created,
            committed: false,
        })
    }

    /// The staging folder: where the run writes its files.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The target folder, as given to [`OutputFolder::stage`].
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Move the finished set into place: paths inside the staging folder recorded in its
    /// `manifest.json` are rewritten to the target, then the staging folder replaces the target
    /// (atomically where the system allows) and the old contents are deleted.
    pub fn commit(mut self) -> Result<(), DataError> {
        let manifest = self.staging.join("manifest.json");
        if manifest.is_file() {
            let text =
                std::fs::read_to_string(&manifest).map_err(|e| DataError::io(&manifest, e))?;
            if let Ok(mut value) = serde_json::from_str::<serde_json::Value>(&text) {
                if rewrite_paths(&mut value, &self.staging, &self.target) {
                    write_json(&manifest, &value)?;
                }
            }
        }
        sync_dir(&self.staging);
        // Someone may have filled the target since `stage` checked it.
        let exists = check_target(&self.resolved, &self.target, self.overwrite)?;
        let old = if exists {
            Some(
                replace(&self.staging, &self.resolved, true)
                    .map_err(|e| DataError::io(&self.target, e))?,
            )
        } else {
            std::fs::rename(&self.staging, &self.resolved)
                .map_err(|e| DataError::io(&self.target, e))?;
            None
        };
        self.committed = true;
        if let Some(parent) = self.resolved.parent() {
            sync_dir(if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            });
        }
        if let Some(old) = old {
            // Left behind if this fails; the next run removes it (its process is gone by then).
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Drop for OutputFolder {
    /// An uncommitted folder is abandoned: its staging folder and any parent folders `stage`
    /// created are removed; the target is untouched.
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.staging);
        for dir in &self.created {
            // Only if still empty.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        entries(dir).unwrap()
    }

    #[test]
    fn fresh_target_appears_only_at_commit() {
        let parent = tempfile::tempdir().unwrap();
        let target = parent.path().join("out");
        let folder = OutputFolder::stage(&target, false).unwrap();
        assert!(folder.path().starts_with(parent.path()));
        write_json(&folder.path().join("a.json"), &1).unwrap();
        assert!(!target.exists());
        folder.commit().unwrap();
        assert_eq!(listing(&target), ["a.json"]);
        assert_eq!(listing(parent.path()), ["out"]);
    }

    #[test]
    fn non_empty_target_needs_overwrite_and_is_replaced_whole() {
        let parent = tempfile::tempdir().unwrap();
        let target = parent.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("stale.csv"), "x").unwrap();
        let err = OutputFolder::stage(&target, false).unwrap_err().to_string();
        assert!(err.contains("already holds files (stale.csv)"), "{err}");
        assert!(err.contains("--overwrite"), "{err}");
        assert_eq!(listing(parent.path()), ["out"]);

        let folder = OutputFolder::stage(&target, true).unwrap();
        write_json(&folder.path().join("new.json"), &1).unwrap();
        assert_eq!(listing(&target), ["stale.csv"]);
        folder.commit().unwrap();
        assert_eq!(listing(&target), ["new.json"]);
        assert_eq!(listing(parent.path()), ["out"]);
    }

    #[test]
    fn empty_existing_folder_is_fine_and_a_file_is_refused() {
        let parent = tempfile::tempdir().unwrap();
        let target = parent.path().join("out");
        std::fs::create_dir(&target).unwrap();
        let folder = OutputFolder::stage(&target, false).unwrap();
        write_json(&folder.path().join("a.json"), &1).unwrap();
        folder.commit().unwrap();
        assert_eq!(listing(&target), ["a.json"]);

        let file = parent.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let err = OutputFolder::stage(&file, true).unwrap_err().to_string();
        assert!(err.contains("is an existing file"), "{err}");
    }

    #[test]
    fn abandoned_folder_leaves_nothing_behind() {
        let parent = tempfile::tempdir().unwrap();
        let target = parent.path().join("a/b/out");
        let folder = OutputFolder::stage(&target, false).unwrap();
        write_json(&folder.path().join("x.json"), &1).unwrap();
        drop(folder);
        assert!(listing(parent.path()).is_empty());

        // An existing target is untouched.
        let target = parent.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep.csv"), "x").unwrap();
        let folder = OutputFolder::stage(&target, true).unwrap();
        write_json(&folder.path().join("x.json"), &1).unwrap();
        drop(folder);
        assert_eq!(listing(parent.path()), ["out"]);
        assert_eq!(
            std::fs::read_to_string(target.join("keep.csv")).unwrap(),
            "x"
        );
    }

    #[test]
    fn manifest_paths_name_the_target() {
        let parent = tempfile::tempdir().unwrap();
        let target = parent.path().join("out");
        let folder = OutputFolder::stage(&target, false).unwrap();
        let file = folder.path().join("a.json");
        write_json(&file, &1).unwrap();
        let manifest =
            serde_json::json!({"outputs": [file], "inputs": [{"path": "/elsewhere/x.csv"}]});
        write_json(&folder.path().join("manifest.json"), &manifest).unwrap();
        folder.commit().unwrap();
        let text = std::fs::read_to_string(target.join("manifest.json")).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["outputs"][0],
            target.join("a.json").to_string_lossy().as_ref()
        );
        assert_eq!(value["inputs"][0]["path"], "/elsewhere/x.csv");
        assert!(!text.contains(STAGING_TAG));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dead_staging_folders_are_removed_live_ones_kept() {
        let parent = tempfile::tempdir().unwrap();
        let target = parent.path().join("out");
        // No process has this id (above the kernel's pid_max limit).
        let dead = parent.path().join(format!(".out{STAGING_TAG}999999999-0"));
        let dead_aside = parent
            .path()
            .join(format!(".out{STAGING_TAG}999999999-1.old"));
        let live = parent.path().join(format!(".out{STAGING_TAG}1-0"));
        let other = parent
            .path()
            .join(format!(".other{STAGING_TAG}999999999-0"));
        for d in [&dead, &dead_aside, &live, &other] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("partial.csv"), "x").unwrap();
        }
        let folder = OutputFolder::stage(&target, false).unwrap();
        assert!(!dead.exists() && !dead_aside.exists());
        assert!(live.exists() && other.exists());
        folder.commit().unwrap();
    }

    #[test]
    fn replace_by_exchange_and_by_rename_aside() {
        for try_exchange in [true, false] {
            let parent = tempfile::tempdir().unwrap();
            let (new, target) = (parent.path().join(".t.new"), parent.path().join("t"));
            for (dir, file) in [(&new, "new.csv"), (&target, "old.csv")] {
                std::fs::create_dir(dir).unwrap();
                std::fs::write(dir.join(file), "x").unwrap();
            }
            let old = replace(&new, &target, try_exchange).unwrap();
            assert_eq!(listing(&target), ["new.csv"]);
            assert_eq!(listing(&old), ["old.csv"]);
            if !try_exchange {
                assert!(!new.exists());
                assert_eq!(old, parent.path().join(".t.new.old"));
            }
        }
    }

    #[test]
    fn relative_targets_keep_relative_manifest_paths() {
        let mut from = PathBuf::from(".out.walras-staging-1-0");
        let mut v = serde_json::json!({"outputs": [from.join("a.csv")], "n": 1});
        assert!(rewrite_paths(&mut v, &from, Path::new("out/")));
        assert_eq!(v["outputs"][0], "out/a.csv");
        from = PathBuf::from("x/.out.walras-staging-1-0");
        assert!(!rewrite_paths(&mut v, &from, Path::new("out")));
    }
}
