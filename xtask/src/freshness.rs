//! Whether a built artefact (an app's ISO) is older than the sources it is made of.

use std::path::Path;
use std::time::SystemTime;

use crate::Result;

/// True when `artefact` is missing or any source of `package`'s image is newer:
/// the app's crate, the `vitrine` crate (with its linker script), grub.cfg, Cargo.lock and
/// the cargo configuration.
pub fn is_stale(artefact: &Path, package: &str) -> Result<bool> {
    let Ok(built) = std::fs::metadata(artefact).and_then(|m| m.modified()) else {
        return Ok(true);
    };
    let root = crate::project_root();
    let mut sources = vec![
        crate::package_dir(package)?,
        root.join("kernel"),
        root.join("images").join("grub.cfg"),
        root.join("Cargo.lock"),
        root.join(".cargo"),
    ];
    let mut newest = SystemTime::UNIX_EPOCH;
    while let Some(path) = sources.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            let entries = std::fs::read_dir(&path)?;
            sources.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
        } else if let Ok(modified) = meta.modified() {
            newest = newest.max(modified);
        }
    }
    Ok(newest > built)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &std::path::Path) {
        std::fs::write(path, b"x").unwrap();
    }

    #[test]
    fn a_missing_iso_is_stale_and_a_fresh_one_is_not() {
        let dir = std::env::temp_dir().join(format!("vitrine-fresh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let iso = dir.join("a.iso");
        assert!(is_stale(&iso, crate::cli::DEFAULT_APP).unwrap());
        touch(&iso);
        // Written after every source: fresh.
        assert!(!is_stale(&iso, crate::cli::DEFAULT_APP).unwrap());
        // A source newer than the ISO makes it stale again.
        let old = SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&iso)
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert!(is_stale(&iso, crate::cli::DEFAULT_APP).unwrap());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
