//! `cargo xtask check`: formatting, clippy (host and bare-metal target) and tidy rules.

use std::fs;
use std::path::{Path, PathBuf};

use crate::setup::KERNEL_TARGET;
use crate::{cargo, run_command, Result};

/// Crates whose sources must not allocate (no heap in the kernel or the app).
const NO_HEAP_DIRS: &[&str] = &["kernel/src", "app/src", "examples"];
/// Source trees whose files must open with a `//!` line saying what they are for.
const SOURCE_DIRS: &[&str] = &["kernel/src", "app/src", "twin/src", "xtask/src", "examples"];

/// `cargo xtask check`: runs everything, then fails if anything failed.
pub fn run() -> Result {
    crate::setup::ensure_rust_target()?;
    let mut failures = Vec::new();

    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    if let Err(e) = run_command(&mut fmt) {
        failures.push(format!("fmt: {e}"));
    }
    let mut clippy_host = cargo();
    clippy_host.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    if let Err(e) = run_command(&mut clippy_host) {
        failures.push(format!("clippy (host): {e}"));
    }
    let mut clippy_metal = cargo();
    clippy_metal
        .args([
            "clippy",
            "--package",
            "vitrine-app",
            "--release",
            "--target",
        ])
        .arg(KERNEL_TARGET)
        .args(
            example_packages()
                .iter()
                .flat_map(|p| ["--package", p.as_str()]),
        )
        .args(["--", "-D", "warnings"])
        .env_remove("RUSTFLAGS");
    if let Err(e) = run_command(&mut clippy_metal) {
        failures.push(format!("clippy ({KERNEL_TARGET}): {e}"));
    }
    for problem in tidy(&crate::project_root()) {
        println!("tidy: {problem}");
        failures.push(problem);
    }

    if failures.is_empty() {
        println!("check: all clean");
        Ok(())
    } else {
        Err(format!("{} check(s) failed", failures.len()).into())
    }
}

/// The example apps (`examples/NAME` holds package NAME).
fn example_packages() -> Vec<String> {
    let Ok(entries) = fs::read_dir(crate::project_root().join("examples")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Words an app crate must not contain: the platform is vitrine's business.
const HARDWARE_WORDS: &[&str] = &[
    "metal",
    "Metal",
    "PcInput",
    "SystemConfig",
    "pci",
    "drivers::",
];

/// The app crates: the demo, the examples, and the template `cargo xtask new` writes.
fn app_crate_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join("app")];
    for parent in ["examples", "apps"] {
        if let Ok(entries) = fs::read_dir(root.join(parent)) {
            dirs.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
        }
    }
    dirs.sort();
    dirs
}

/// Files of an app crate that name hardware, one message per word found. A copied
/// `Cargo.lock` is skipped: it lists vitrine's own dependencies (`pci_types`).
pub fn hardware_names(app_dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let files = all_files(app_dir).into_iter();
    for file in files.filter(|f| f.file_name().is_none_or(|n| n != "Cargo.lock")) {
        let text = fs::read_to_string(&file).unwrap_or_default();
        for word in HARDWARE_WORDS {
            if text.contains(word) {
                problems.push(format!(
                    "{}: an app crate names hardware (`{word}`); that belongs in vitrine",
                    file.display()
                ));
            }
        }
    }
    problems
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "target") {
            continue;
        }
        if path.is_dir() {
            files.extend(all_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Repository rules no compiler checks; returns one message per violation.
pub fn tidy(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for app in app_crate_dirs(root) {
        problems.extend(hardware_names(&app));
    }
    for dir in SOURCE_DIRS {
        for file in rust_files(&root.join(dir)) {
            let text = fs::read_to_string(&file).unwrap_or_default();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            if !first.starts_with("//!") {
                problems.push(format!(
                    "{}: does not open with a `//!` line",
                    file.display()
                ));
            }
            let no_heap = NO_HEAP_DIRS.iter().any(|d| file.starts_with(root.join(d)));
            if no_heap {
                for pattern in ["extern crate alloc", "global_allocator"] {
                    if text.contains(pattern) {
                        problems.push(format!("{}: `{pattern}` (no heap here)", file.display()));
                    }
                }
            }
        }
    }
    problems
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_flags_missing_headers_and_heap_use() {
        let root = std::env::temp_dir().join(format!("xtask-tidy-{}", std::process::id()));
        let kernel = root.join("kernel/src");
        fs::create_dir_all(&kernel).unwrap();
        fs::write(kernel.join("good.rs"), "//! Good.\nfn f() {}\n").unwrap();
        fs::write(kernel.join("bare.rs"), "fn f() {}\n").unwrap();
        fs::write(kernel.join("heap.rs"), "//! Heap.\nextern crate alloc;\n").unwrap();
        let problems = tidy(&root);
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("bare.rs") && problems[0].contains("//!"));
        assert!(problems[1].contains("heap.rs") && problems[1].contains("alloc"));
    }

    #[test]
    fn an_app_naming_hardware_is_flagged() {
        let root = std::env::temp_dir().join(format!("xtask-hw-{}", std::process::id()));
        let src = root.join("examples/bad/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(
            src.join("main.rs"),
            "//! Bad.\nuse vitrine::input::PcInput;\n",
        )
        .unwrap();
        fs::write(root.join("examples/bad/Cargo.toml"), "[package]\n").unwrap();
        let problems = tidy(&root);
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("PcInput"), "{problems:?}");
    }

    #[test]
    fn this_repository_is_tidy() {
        let problems = tidy(&crate::project_root());
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
