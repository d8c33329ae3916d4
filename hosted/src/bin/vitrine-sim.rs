//! `vitrine-sim --script FILE [--out DIR]`: runs a scenario against the twin, prints
//! the guest's status lines, exits non-zero with a clear message on failure.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut script = None;
    let mut out = PathBuf::from("target/sim");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--script", Some(path)) => script = Some(PathBuf::from(path)),
            ("--out", Some(dir)) => out = PathBuf::from(dir),
            _ => {
                eprintln!("usage: vitrine-sim --script FILE [--out DIR]");
                return ExitCode::from(2);
            }
        }
    }
    let Some(script) = script else {
        eprintln!("usage: vitrine-sim --script FILE [--out DIR]");
        return ExitCode::from(2);
    };
    match vitrine_hosted::sim::run_script(&script, &out) {
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
