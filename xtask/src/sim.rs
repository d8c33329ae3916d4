//! `cargo xtask sim --script FILE [--out DIR]`: runs the kiosk, vitrine's drivers and
//! runtime against the VirtualBox twin with a scenario script (see
//! `hosted/src/scenario.rs` for the commands). Prints the guest's status lines;
//! fails on a failed `expect`, a protocol error, a panic or a hung guest.

use std::path::PathBuf;

use crate::cli::AppPackage;
use crate::{cargo, run_command, Result};

/// The `vitrine-sim` invocation for a script and output directory.
pub fn sim_command(script: &str, out: &str) -> std::process::Command {
    let mut command = cargo();
    command.args([
        "run",
        "--quiet",
        "-p",
        "vitrine-hosted",
        "--bin",
        "vitrine-sim",
        "--",
        "--script",
        script,
        "--out",
        out,
    ]);
    command
}

/// `cargo xtask sim` options.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    #[command(flatten)]
    pub app: AppPackage,
    /// The scenario (scenarios live in hosted/scenarios/)
    #[arg(long, value_name = "FILE")]
    pub script: String,
    /// Where host-view PNGs go (default target/sim)
    #[arg(long, value_name = "DIR")]
    pub out: Option<String>,
}

/// `cargo xtask sim`.
pub fn run(args: &SimArgs) -> Result {
    if args.app.package != crate::cli::DEFAULT_APP {
        return Err(format!(
            "sim runs the demo `{}` only so far (the hosted runtime links it); \
             `{}` can be previewed (`cargo xtask preview -p {}`) or booted (`cargo xtask run -p {}`)",
            crate::cli::DEFAULT_APP,
            args.app.package,
            args.app.package,
            args.app.package
        )
        .into());
    }
    let script = args.script.clone();
    let out = args.out.clone().unwrap_or_else(|| {
        crate::target_dir()
            .join("sim")
            .to_string_lossy()
            .into_owned()
    });
    // Relative paths are the caller's, not the workspace root's (cargo runs there).
    let absolute = |path: &str| {
        let path = PathBuf::from(path);
        if path.is_absolute() {
            path
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        }
    };
    let script = absolute(&script);
    let out = absolute(&out);
    if !script.is_file() {
        return Err(format!("no scenario at {}", script.display()).into());
    }
    run_command(&mut sim_command(
        &script.to_string_lossy(),
        &out.to_string_lossy(),
    ))
}
