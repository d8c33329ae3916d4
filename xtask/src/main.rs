//! `cargo xtask`: builds the kernel image and the ISO, runs it in QEMU, tests it.
//!
//! One module per subcommand; `main` only dispatches. Every external command is
//! echoed as `$ ...` before it runs.

mod app_host;
mod app_tests;
mod bench;
mod build;
mod check;
mod cli;
mod empty_kernel;
mod freshness;
mod fuzz;
mod image;
mod iso;
mod live;
mod live_test;
mod new_app;
mod pack;
mod preview;
mod qemu;
mod qmp;
mod recovery_tests;
mod rfb;
mod run;
mod screenshot;
mod setup;
mod sim;
mod soak;
mod status_line;
mod svga_tests;
mod symbolize;
mod test;
mod ui_tests;
mod vbox;
mod virtualbox;

use std::path::PathBuf;
use std::process::ExitCode;

/// Errors are reported once, at the top, as text: xtask is a developer tool.
pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    use clap::Parser;
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Build(args) => build::run(&args),
        cli::Command::New(args) => new_app::run(&args),
        cli::Command::Iso(args) => iso::run(&args),
        cli::Command::Run(args) => run::run(&args),
        cli::Command::Boot(args) => run::boot(&args),
        cli::Command::Test(args) => test::run(&args),
        cli::Command::Check => check::run(),
        cli::Command::Preview(args) => preview::run(&args),
        cli::Command::CheckScreenshot(args) => screenshot::run(&args),
        cli::Command::Sim(args) => sim::run(&args),
        cli::Command::Fuzz(args) => fuzz::run(&args),
        cli::Command::Soak(args) => soak::run(&args),
        cli::Command::Symbolize(args) => symbolize::run(&args),
        cli::Command::Bench(args) => bench::run(&args),
        cli::Command::Vbox(args) => vbox::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn project_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// The workspace's `target/` directory; xtask always builds there so every
/// engineer and CI find the image in the same place.
pub fn target_dir() -> PathBuf {
    project_root().join("target")
}

/// The directory of the workspace package `name` (from `cargo metadata`).
pub fn package_dir(name: &str) -> Result<PathBuf> {
    let output = cargo()
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let manifest = packages
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["manifest_path"].as_str())
        .ok_or_else(|| format!("no package `{name}` in the workspace"))?;
    Ok(PathBuf::from(manifest)
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default())
}

/// Runs a command, echoing it first; fails when it exits non-zero.
pub fn run_command(command: &mut std::process::Command) -> Result {
    echo(command);
    let status = command
        .status()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    if !status.success() {
        let program = std::path::Path::new(command.get_program());
        let name = program.file_name().unwrap_or(program.as_os_str());
        let first = command.get_args().next().unwrap_or_default();
        return Err(format!(
            "`{} {}` failed ({status}); its output is above",
            name.to_string_lossy(),
            first.to_string_lossy()
        )
        .into());
    }
    Ok(())
}

/// Prints `$ program args...` for a command about to run.
pub fn echo(command: &std::process::Command) {
    let mut line = format!("$ {}", command.get_program().to_string_lossy());
    for arg in command.get_args() {
        let arg = arg.to_string_lossy();
        if arg.contains(' ') || arg.is_empty() {
            line.push_str(&format!(" '{arg}'"));
        } else {
            line.push(' ');
            line.push_str(&arg);
        }
    }
    eprintln!("{line}");
}

/// A `cargo` command for the workspace: `$CARGO` when run through cargo, target
/// dir pinned to the workspace's `target/`.
pub fn cargo() -> std::process::Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .current_dir(project_root())
        .env("CARGO_TARGET_DIR", target_dir());
    command
}
