//! Every scenario script in `hosted/scenarios/` runs against the twin and passes;
//! and the runner itself fails when it should (a false expectation, a protocol
//! error, a bad script).

use std::path::{Path, PathBuf};
use vitrine::hal::PortIo;
use vitrine_hosted::scenario::parse;
use vitrine_hosted::sim::{run_script, Sim, SimError, SimOptions};

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("hosted/scenarios exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sim"))
        .collect();
    files.sort();
    files
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vitrine-sim-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_scenario_passes_and_writes_its_shots() {
    let files = scenarios();
    assert!(files.len() >= 4, "scenarios found: {files:?}");
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let out = out_dir(&name);
        let lines = run_script(&file, &out).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("@vitrine vmmdev version=7.0.14")),
            "{name}: {lines:?}"
        );
        let script = std::fs::read_to_string(&file).unwrap();
        for step in parse(&script).unwrap() {
            if let vitrine_hosted::scenario::Command::Shot(shot) = step.command {
                let png = std::fs::read(out.join(&shot)).unwrap();
                assert_eq!(&png[1..4], b"PNG", "{name}: {shot}");
            }
        }
    }
}

fn run(script: &str) -> Result<Sim, SimError> {
    let mut sim = Sim::boot(SimOptions {
        out_dir: out_dir("inline"),
        ..SimOptions::default()
    })?;
    sim.run(&parse(script).unwrap())?;
    Ok(sim)
}

#[test]
fn a_false_expectation_fails_with_its_line() {
    let Err(error) = run("resize 0 1280 720\nexpect mode 0 1280 721\n") else {
        panic!("a wrong mode passed");
    };
    assert!(
        matches!(&error, SimError::Expectation { line: 2, message } if message.contains("1280x721")),
        "{error}"
    );
    let Err(error) = run("mouse 5 5\nexpect click button1\n") else {
        panic!("a click that did not happen passed");
    };
    assert!(
        matches!(error, SimError::Expectation { line: 2, .. }),
        "{error}"
    );
    assert!(
        run("expect pointer hidden\n").is_err(),
        "the software pointer is drawn at boot"
    );
}

#[test]
fn a_protocol_error_fails_the_run() {
    let mut sim = Sim::boot(SimOptions::default()).unwrap();
    // A request address outside guest RAM: the host would log it.
    let port = (sim.platform.machine.pci_read(0, 4, 0, 0x10) & !3) as u16;
    sim.platform.out32(port, 0x7FFF_F000);
    let error = sim.settle().unwrap_err();
    assert!(matches!(error, SimError::Protocol { .. }), "{error}");
}

#[test]
fn bad_scripts_are_refused_before_the_guest_runs() {
    let dir = out_dir("bad");
    let file = dir.join("bad.sim");
    std::fs::write(&file, "resize 0 800 600\nclick sideways\n").unwrap();
    let error = run_script(&file, &dir).unwrap_err().to_string();
    assert!(error.contains("line 2"), "{error}");
}
