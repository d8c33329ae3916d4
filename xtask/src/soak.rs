//! `cargo xtask soak [--steps N] [--seed S]`: the whole hosted kiosk against the
//! twin under random host actions, invariants checked after every step
//! (`hosted/src/soak.rs`). Built with optimisations: a million steps is the goal.

use crate::Result;

/// Steps when `--steps` is not given (what `cargo xtask test` runs).
pub const DEFAULT_STEPS: u64 = 10_000;

/// `cargo xtask soak`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct SoakArgs {
    /// Host actions to carry out
    #[arg(long, default_value_t = DEFAULT_STEPS)]
    pub steps: u64,
    /// Seed of the random actions (the same seed replays the same soak)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `cargo xtask soak ...`.
pub fn run(args: &SoakArgs) -> Result {
    soak(args.steps, args.seed)
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
