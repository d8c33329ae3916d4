//! `cargo xtask sim [-p APP] --script FILE [--out DIR]`: runs an app, vitrine's drivers
//! and runtime against the VirtualBox twin with a scenario script (see
//! `hosted/src/scenario.rs` for the commands). Prints the guest's status lines;
//! fails on a failed `expect`, a protocol error, a panic or a hung guest. The demo
//! is linked into `vitrine-sim`; another app runs in its own host binary (`APP
//! serve`), which `vitrine-sim --app` drives (`hosted/src/remote_app.rs`).

use std::path::{Path, PathBuf};

use crate::cli::AppPackage;
use crate::{cargo, run_command, Result};

/// The `vitrine-sim` invocation for a script and output directory (the demo app).
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
    run_app_scenario(&args.app.package, &script, &out)
}

/// Runs scenario `script` with app `package`, host views into `out`.
pub fn run_app_scenario(package: &str, script: &Path, out: &Path) -> Result {
    let mut command = sim_command(&script.to_string_lossy(), &out.to_string_lossy());
    if package != crate::cli::DEFAULT_APP {
        let binary = crate::app_host::binary(package)?;
        command.arg("--app").arg(binary);
    }
    run_command(&mut command)
}
