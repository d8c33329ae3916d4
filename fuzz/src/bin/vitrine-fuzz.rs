//! The AFL++ entry point: runs the target named by `VITRINE_FUZZ_TARGET` in AFL++'s
//! persistent mode (`cargo xtask fuzz` sets it and builds this with `cargo afl`).

fn main() {
    vitrine_fuzz::tune_allocator();
    let name = std::env::var("VITRINE_FUZZ_TARGET").unwrap_or_default();
    let Some(target) = vitrine_fuzz::target(&name) else {
        let names: Vec<&str> = vitrine_fuzz::TARGETS.iter().map(|t| t.name).collect();
        eprintln!("VITRINE_FUZZ_TARGET must be one of: {}", names.join(", "));
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| (target.run)(data));
}
