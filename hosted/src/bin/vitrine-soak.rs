//! `vitrine-soak --steps N [--seed S] [--trace-from STEP]`: the soak (see `vitrine_hosted::soak`); what
//! `cargo xtask soak` runs. Prints one `soak ...` summary line and every violation;
//! exits non-zero on any.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<u64>()
                    .unwrap_or_else(|_| panic!("{name} needs a number"))
            })
    };
    let steps = value("--steps").unwrap_or(10_000);
    let seed = value("--seed").unwrap_or(1);
    let started = std::time::Instant::now();
    let trace_from = value("--trace-from");
    let report = vitrine_hosted::soak::run_traced(steps, seed, trace_from);
    for violation in report.violations.iter().filter(|v| !v.is_empty()) {
        println!("violation: {violation}");
    }
    println!(
        "soak seed={seed} steps={} guest_steps={} inputs_checked={} hints_valid={} hints_hostile={} frames_compared={} reboots={} vbva_ring_errors={} hgcm_checks={} violations={} seconds={:.0}",
        report.steps,
        report.guest_steps,
        report.inputs_checked,
        report.hints.0,
        report.hints.1,
        report.frames_compared,
        report.reboots,
        report.vbva_ring_errors,
        report.hgcm_checks,
        report.violations.len(),
        started.elapsed().as_secs_f64()
    );
    if !report.violations.is_empty() {
        std::process::exit(1);
    }
}
