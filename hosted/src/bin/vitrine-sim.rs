//! `vitrine-sim --script FILE [--out DIR] [--app BINARY]`: runs a scenario against the
//! twin, prints the guest's status lines, exits non-zero with a clear message on
//! failure. The app is the demo kiosk, or with `--app` any app crate's host binary
//! (run in its own process, see `vitrine_hosted::remote_app`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vitrine_hosted::remote_app::RemoteApp;

const USAGE: &str = "usage: vitrine-sim --script FILE [--out DIR] [--app BINARY]";

fn main() -> ExitCode {
    let mut script = None;
    let mut out = PathBuf::from("target/sim");
    let mut app = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--script", Some(path)) => script = Some(PathBuf::from(path)),
            ("--out", Some(dir)) => out = PathBuf::from(dir),
            ("--app", Some(binary)) => app = Some(PathBuf::from(binary)),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(script) = script else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match app {
        None => vitrine_hosted::sim::run_script(&script, &out),
        Some(binary) => run_remote(&script, &out, binary),
    };
    match result {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            println!("sim: {} passed", script.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("sim: FAILED {error}");
            ExitCode::FAILURE
        }
    }
}

fn run_remote(
    script: &Path,
    out: &Path,
    binary: PathBuf,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    // Fails here, with the reason, rather than inside the guest's boot.
    drop(RemoteApp::spawn(&binary)?);
    vitrine_hosted::sim::run_script_with(script, out, move || {
        RemoteApp::spawn(&binary).unwrap_or_else(|e| panic!("{e}"))
    })
}
