//! Host CPU of an idle kiosk: the QEMU child's user + system time (the counters its
//! rusage reports, read live from `/proc/PID/stat`) over a quiet stretch, as a
//! fraction of one core. Once with the kiosk's clock redrawing every second, once
//! with `bench=quiet` (no app ticks: the idle floor).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{Goal, Row};
use crate::qemu::{Firmware, QemuOptions, QemuRun};
use crate::Result;

const BOOT_TIMEOUT: Duration = Duration::from_secs(120);
/// Let the boot's tail (the status panel's first seconds) pass before measuring.
const SETTLE: Duration = Duration::from_secs(2);

/// Clock ticks per second of `/proc` times.
pub(super) fn clock_ticks_per_second() -> Result<f64> {
    let output = Command::new("getconf").arg("CLK_TCK").output()?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| "getconf CLK_TCK gave no number".into())
}

/// utime + stime of process `pid`, in clock ticks (all its threads).
pub(super) fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces: fields count from after its closing paren.
    let rest = stat.rsplit_once(')').ok_or("unreadable /proc stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
    let field = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| "short /proc stat".into())
    };
    Ok(field(11)? + field(12)?)
}

/// One idle measurement: the CPU fraction over `span` after the first frame.
fn idle_fraction(elf: &Path, name: &str, cmdline: &str, span: Duration) -> Result<f64> {
    let iso = super::iso_path(name);
    crate::iso::make_iso(elf, cmdline, &iso)?;
    let mut run = QemuRun::start(name, &QemuOptions::new(iso, Firmware::Bios))?;
    run.wait_for("frame", BOOT_TIMEOUT)?;
    std::thread::sleep(SETTLE);
    let pid = run.pid();
    let before = cpu_ticks(pid)?;
    let start = Instant::now();
    std::thread::sleep(span);
    let after = cpu_ticks(pid)?;
    let wall = start.elapsed().as_secs_f64();
    run.kill();
    Ok((after - before) as f64 / clock_ticks_per_second()? / wall)
}

/// Both idle rows.
pub fn measure(elf: &Path, quick: bool) -> Result<Vec<Row>> {
    let span = Duration::from_secs(if quick { 3 } else { 10 });
    let clock = idle_fraction(elf, "bench-idle", "", span)?;
    let quiet = idle_fraction(elf, "bench-idle-quiet", "bench=quiet", span)?;
    let detail = |what: &str| format!("QEMU user+sys / wall over {} s, {what}", span.as_secs());
    Ok(vec![
        Row::new(
            "idle CPU, clock redraw 1/s",
            clock,
            "core",
            Goal::AtMost(0.01),
        )
        .detail(detail("kiosk clock and status panel redrawn every second")),
        Row::new("idle CPU, no redraw", quiet, "core", Goal::AtMost(0.01))
            .detail(detail("bench=quiet: no app ticks")),
    ])
}
