//! The kernel command line (`key=value` words from the boot loader).

use vitrine::boot::cmdline::Cmdline;

pub const TARGET: crate::Target = crate::Target {
    name: "cmdline",
    about: "the kernel command line -> Cmdline (options, warnings)",
    run,
    seeds,
};

fn run(data: &[u8]) {
    // The Multiboot2 reader hands over only valid UTF-8; lossy decoding keeps the
    // fuzzer's bytes meaningful anyway.
    let text = String::from_utf8_lossy(data);
    let cmdline = Cmdline::parse(&text);
    for warning in cmdline.warnings() {
        let _ = format!("{warning:?}");
    }
    let _ = cmdline.dropped_warnings();
    let _ = cmdline.exits_after("ready");
    let _ = format!("{cmdline:?}");
}

fn seeds() -> Vec<Vec<u8>> {
    [
        "test-exit=ready mode=1024x768 log=info",
        "integration=off mode=640x480 test-fault=pagefault",
        "bench=redraw test-exit=bench log=debug",
        "mode=99999x1 log=loud unknown=1 =x a==b test-fault=panic",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}
