//! `cargo xtask`: builds the kernel image and the ISO, runs it in QEMU, tests it.
//!
//! One module per subcommand; `main` only dispatches. Every external command is
//! echoed as `$ ...` before it runs.

mod bench;
mod build;
mod check;
mod cli;
mod fuzz;
mod image;
mod iso;
mod preview;
mod qemu;
mod qmp;
mod recovery_tests;
mod run;
mod screenshot;
mod setup;
mod sim;
mod soak;
mod status_line;
mod test;
mod ui_tests;
mod vbox;

use std::path::PathBuf;
use std::process::ExitCode;

/// Errors are reported once, at the top, as text: xtask is a developer tool.
pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  build                    build the kernel image (vitrine-app, x86_64-unknown-none, release)
  iso [--cmdline \"...\"]    build images/vitrine.iso (BIOS + UEFI hybrid)
  run [--uefi] [--memory MiB] [--cmdline \"...\"] [--headless]
                           build the ISO and boot it in QEMU (TCG)
  test [--no-host] [--only NAME]
                           host tests, then QEMU boot tests (SeaBIOS and OVMF)
  check                    cargo fmt --check, clippy -D warnings (host and bare metal), tidy
  preview --size WxH [--out FILE.png]
                           render the kiosk on the host to a PNG, without booting
  check-screenshot FILE.ppm [--png OUT.png] [--size WxH]
                           check that a screendump shows the kiosk
  sim --script FILE [--out DIR]
                           run the kiosk against the VirtualBox twin with a scenario
                           (hosted/scenarios/*.sim); host-view PNGs go to DIR
  fuzz [TARGET...] [--execs N] [--seconds S] [--smoke] [--list] [--seed]
                           AFL++ fuzzing of every parser of untrusted input (fuzz/)
  soak [--steps N] [--seed S]
                           random host actions against the hosted kiosk, invariants
                           checked after every step (default 10000 steps, seed 1)
  vbox [--dry-run] [--name NAME] [--uefi] [--iso PATH]
                           create and start a VirtualBox VM booting the ISO
  bench                    (not yet)

build, iso, run and test install what they need (Rust target, Debian packages).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let result = match command.as_str() {
        "build" => build::run(rest),
        "iso" => iso::run(rest),
        "run" => run::run(rest),
        "test" => test::run(rest),
        "check" => check::run(rest),
        "preview" => preview::run(rest).map_err(Into::into),
        "check-screenshot" => screenshot::run(rest).map_err(Into::into),
        "sim" => sim::run(rest),
        "fuzz" => fuzz::run(rest),
        "soak" => soak::run(rest),
        "bench" => bench::run(rest),
        "vbox" => vbox::run(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}").into()),
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
