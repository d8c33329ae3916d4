//! `cargo xtask soak [--steps N] [--seed S] [--machine M]`: the whole hosted kiosk
//! against the twin under random host actions, invariants checked after every step
//! (`hosted/src/soak.rs`). Built with optimisations: a million steps is the goal.

use crate::Result;

/// Steps when `--steps` is not given.
pub const DEFAULT_STEPS: u64 = 10_000;

/// What `cargo xtask test` runs: (machine, steps), 10 000 steps in all.
pub const TEST_SOAKS: [(&str, u64); 3] =
    [("vboxvga", 4_000), ("vboxsvga", 3_000), ("vmsvga", 3_000)];

/// `cargo xtask soak`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct SoakArgs {
    /// Host actions to carry out
    #[arg(long, default_value_t = DEFAULT_STEPS)]
    pub steps: u64,
    /// Seed of the random actions (the same seed replays the same soak)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Graphics controller of the soaked machine: vboxvga (VBE + VBVA), vboxsvga or
    /// vmsvga (SVGA II, with SVGA host faults instead of VBVA ring errors)
    #[arg(long, default_value = "vboxvga", value_parser = ["vboxvga", "vboxsvga", "vmsvga"])]
    pub machine: String,
}

/// `cargo xtask soak ...`.
pub fn run(args: &SoakArgs) -> Result {
    soak(args.steps, args.seed, &args.machine)
}

/// Runs the soak binary (release) for `steps` from `seed` on `machine`.
pub fn soak(steps: u64, seed: u64, machine: &str) -> Result {
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
        "--machine",
        machine,
    ]);
    crate::run_command(&mut command).map_err(|e| {
        format!("the soak found violations (replay with --machine {machine} --seed {seed}): {e}")
            .into()
    })
}
