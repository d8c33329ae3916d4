//! `vitrine-soak --steps N [--seed S] [--machine vboxvga|vboxsvga|vmsvga] [--trace-from STEP]`:
//! the soak (see `vitrine_hosted::soak`); what `cargo xtask soak` runs. Prints every
//! violation as it happens and one `soak ...` summary line; exits non-zero on any.

use vitrine_hosted::soak::SoakMachine;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let value = |name: &str| {
        text(name).map(|v| {
            v.parse::<u64>()
                .unwrap_or_else(|_| panic!("{name} needs a number"))
        })
    };
    let steps = value("--steps").unwrap_or(10_000);
    let seed = value("--seed").unwrap_or(1);
    let machine = text("--machine").map_or(SoakMachine::default(), |name| {
        SoakMachine::from_name(&name)
            .unwrap_or_else(|| panic!("--machine {name}: not one of vboxvga, vboxsvga, vmsvga"))
    });
    let started = std::time::Instant::now();
    let trace_from = value("--trace-from");
    let report = vitrine_hosted::soak::run_traced(steps, seed, machine, trace_from);
    for violation in report.violations.iter().filter(|v| !v.is_empty()) {
        println!("violation: {violation}");
    }
    println!(
        "soak machine={} seed={seed} steps={} guest_steps={} inputs_checked={} hints_valid={} hints_hostile={} frames_compared={} reboots={} vbva_ring_errors={} svga_faults={} hgcm_checks={} violations={} seconds={:.0}",
        machine.name(),
        report.steps,
        report.guest_steps,
        report.inputs_checked,
        report.hints.0,
        report.hints.1,
        report.frames_compared,
        report.reboots,
        report.vbva_ring_errors,
        report.svga_faults,
        report.hgcm_checks,
        report.violations.len(),
        started.elapsed().as_secs_f64()
    );
    if !report.violations.is_empty() {
        std::process::exit(1);
    }
}
