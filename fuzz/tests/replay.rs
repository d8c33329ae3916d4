//! Replays every input kept in the repository through its target, as a plain test:
//! the seed corpus (`fuzz/corpus/TARGET/`) and every crash or hang the fuzzer found
//! (`fuzz/regressions/TARGET/`, one file per defect, named after it). A regression
//! that comes back fails here without AFL++.

use std::path::Path;
use std::time::{Duration, Instant};

/// A hang found by the fuzzer must now finish well within this (generous for a
/// debug build on a shared machine).
const HANG_LIMIT: Duration = Duration::from_secs(20);

fn replay_folder(folder: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut replayed = 0;
    for target in vitrine_fuzz::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target.name)) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            eprintln!("replaying {}", file.display());
            let started = Instant::now();
            (target.run)(&data);
            assert!(
                started.elapsed() < HANG_LIMIT,
                "{} took {:?}",
                file.display(),
                started.elapsed()
            );
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn seed_corpus_runs_clean() {
    let replayed = replay_folder("corpus");
    assert!(
        replayed >= vitrine_fuzz::TARGETS.len(),
        "the corpus should hold seeds for every target (run `cargo xtask fuzz --seed`)"
    );
}

#[test]
fn found_crashes_and_hangs_stay_fixed() {
    replay_folder("regressions");
}

#[test]
fn built_seeds_run_clean() {
    for target in vitrine_fuzz::TARGETS {
        let seeds = (target.seeds)();
        assert!(!seeds.is_empty(), "{} has no seeds", target.name);
        for seed in seeds {
            eprintln!("seed of {} ({} bytes)", target.name, seed.len());
            (target.run)(&seed);
        }
    }
}
