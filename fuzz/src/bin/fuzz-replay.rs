//! Runs saved inputs through a target without AFL++, to debug a finding:
//! `cargo run -p vitrine-fuzz --bin fuzz-replay -- TARGET FILE...`.

fn main() {
    vitrine_fuzz::tune_allocator();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((name, files)) = args.split_first() else {
        eprintln!("usage: fuzz-replay TARGET FILE...");
        std::process::exit(2);
    };
    let Some(target) = vitrine_fuzz::target(name) else {
        eprintln!("no fuzz target `{name}`");
        std::process::exit(2);
    };
    for file in files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        eprintln!("{file} ({} bytes)", data.len());
        let started = std::time::Instant::now();
        (target.run)(&data);
        eprintln!("  done in {:?}", started.elapsed());
    }
}
