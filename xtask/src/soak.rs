//! `cargo xtask soak [--steps N] [--seed S]`: the whole hosted kiosk against the
//! twin under random host actions, invariants checked after every step
//! (`hosted/src/soak.rs`). Built with optimisations: a million steps is the goal.

use crate::cli::Args;
use crate::Result;

/// Steps when `--steps` is not given (what `cargo xtask test` runs).
pub const DEFAULT_STEPS: u64 = 10_000;

/// `cargo xtask soak ...`.
pub fn run(args: &[String]) -> Result {
    let mut args = Args::new(args);
    let steps = args.value("--steps")?.map(|v| v.parse::<u64>()).transpose()?;
    let seed = args.value("--seed")?.map(|v| v.parse::<u64>()).transpose()?;
    args.finish()?;
    soak(steps.unwrap_or(DEFAULT_STEPS), seed.unwrap_or(1))
}

/// Runs the soak binary (release) for `steps` from `seed`.
pub fn soak(steps: u64, seed: u64) -> Result {
    let mut command = crate::cargo();
    command.args([
        "run",
        "--release",
        "-q",
        "-p",
        "vitrine-hosted",
        "--bin",
        "vitrine-soak",
        "--",
        "--steps",
        &steps.to_string(),
        "--seed",
        &seed.to_string(),
    ]);
    crate::run_command(&mut command)
        .map_err(|e| format!("the soak found violations (replay with --seed {seed}): {e}").into())
}
