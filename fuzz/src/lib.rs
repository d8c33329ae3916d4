//! Fuzz targets: one per parser of data Vitrine does not control (boot loader,
//! firmware tables, PCI, the VirtualBox host, PS/2 and VMware devices).
//!
//! Each target is a plain `fn(&[u8])` that drives the real kernel code and panics
//! only when an invariant breaks (a crash for the fuzzer). `cargo xtask fuzz` runs them
//! under AFL++ (the `vitrine-fuzz` binary, built with `cargo afl`); `tests/replay.rs`
//! replays the corpus and every saved crash as a plain `cargo test`.

pub mod guarded;
pub mod hostile;
pub mod targets;

/// One fuzz target.
pub struct Target {
    /// The name `cargo xtask fuzz NAME` and the corpus folder use.
    pub name: &'static str,
    /// What it parses, for `cargo xtask fuzz --list`.
    pub about: &'static str,
    /// Runs one input.
    pub run: fn(&[u8]),
    /// Seed inputs built the way the existing tests build valid data.
    pub seeds: fn() -> Vec<Vec<u8>>,
}

/// Every target, in the order `cargo xtask fuzz` runs them.
pub const TARGETS: &[Target] = &[
    targets::multiboot::TARGET,
    targets::cmdline::TARGET,
    targets::memory_map::TARGET,
    targets::acpi::TARGET,
    targets::pci::TARGET,
    targets::vmmdev::TARGET,
    targets::hgsmi::TARGET,
    targets::vbva_ring::TARGET,
    targets::ps2::TARGET,
    targets::vmmouse::TARGET,
    targets::svga::TARGET,
    targets::guest_props::TARGET,
];

/// Keeps glibc from moving the twin's megabyte-sized buffers (RAM, VRAM,
/// VMMDevMemory) from fresh zero pages onto the reused heap after the first frees:
/// there, each `calloc` must clear them again, which made runs 10-50x slower at
/// random. Called once by the fuzz binaries before the first input.
pub fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; called before any thread
    // of ours exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}
