//! Boot time against the floor: wall time from starting QEMU to the kiosk's first
//! frame (`@vitrine frame` on the serial port), divided by the wall time of a bare
//! GRUB ISO from the same GRUB packages that boots, prints a line on the serial port
//! and powers off (`halt`), with the same QEMU flags. SeaBIOS and OVMF; the median of the rounds, kiosk and
//! bare boots alternating so both see the same host load. The same ratio of the QEMU
//! process's CPU time (user + system) up to the same end points is recorded beside
//! it: on a loaded machine wall times swing, CPU times much less. It is summed over
//! QEMU's threads from `/proc/PID/task/*/schedstat` (nanoseconds): the user + system
//! ticks of `/proc/PID/stat` come in 10 ms steps, coarse beside a 0.3 s boot.
//!
//! Under SeaBIOS a third ISO boots in the same rounds: ours with the kernel replaced
//! by one that only prints a line (`crate::empty_kernel`). Its ratio is what GRUB's
//! Multiboot2 path (our `grub.cfg`, the loader's modules, `boot`) costs by itself:
//! the part of the goal row no kernel change can remove.

use std::path::Path;
use std::time::{Duration, Instant};

use super::idle::{clock_ticks_per_second, cpu_ticks};
use super::{median, Goal, Row};
use crate::qemu::{Firmware, QemuOptions, QemuRun};
use crate::Result;

const TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(2);
/// Rounds (median taken) under SeaBIOS, where a boot takes ~0.4 s and its wall time
/// swings by tens of milliseconds with the host's load (QEMU reads the CD's sectors
/// through asynchronous requests), and under OVMF, where a boot takes ~5 s.
const BIOS_ROUNDS: usize = 11;
const UEFI_ROUNDS: usize = 5;

/// One boot's cost up to its end point.
#[derive(Debug, Clone, Copy)]
struct BootTime {
    /// Wall seconds from QEMU's start.
    wall: f64,
    /// CPU seconds (user + system) the QEMU process used by then.
    cpu: f64,
}

/// Boots `iso` until `marker` shows on the serial port. The kiosk's end point is the
/// first `@vitrine frame` line; the bare GRUB's is its last line before `halt` (the
/// same kind of end point: a line on the serial port).
fn boot_until(iso: &Path, firmware: Firmware, name: &str, marker: &str) -> Result<BootTime> {
    let start = Instant::now();
    let mut run = QemuRun::start(name, &QemuOptions::new(iso.to_path_buf(), firmware))?;
    loop {
        if run.serial_log().contains(marker) {
            let wall = start.elapsed().as_secs_f64();
            let cpu = cpu_seconds(run.pid())?;
            run.kill();
            return Ok(BootTime { wall, cpu });
        }
        if let Some(exit) = run.poll_exit()? {
            return Err(format!("{name}: QEMU ended before `{marker}`: {exit}").into());
        }
        if start.elapsed() > TIMEOUT {
            return Err(format!("{name}: no `{marker}` within {TIMEOUT:?}").into());
        }
        std::thread::sleep(POLL);
    }
}

/// CPU seconds process `pid` has run, summed over its live threads' schedstat
/// (nanoseconds); its user + system ticks where schedstat is missing.
fn cpu_seconds(pid: u32) -> Result<f64> {
    match schedstat_ns(pid) {
        Some(ns) => Ok(ns as f64 / 1e9),
        None => Ok(cpu_ticks(pid)? as f64 / clock_ticks_per_second()?),
    }
}

/// The first field of each `/proc/PID/task/*/schedstat` (time on the CPU, ns),
/// summed; `None` when a thread's is unreadable (no schedstat in this kernel).
fn schedstat_ns(pid: u32) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let text = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// One row per firmware.
pub fn measure(elf: &Path, quick: bool) -> Result<Vec<Row>> {
    let kiosk_iso = super::iso_path("bench-boot");
    crate::iso::make_iso(elf, "", &kiosk_iso)?;
    let bare_iso = super::iso_path("bench-bare-grub");
    crate::iso::make_bare_grub_iso(&bare_iso)?;
    let empty_iso = super::iso_path("bench-empty-kernel");
    crate::iso::make_empty_kernel_iso(&empty_iso)?;
    let mut rows = Vec::new();
    // (firmware, label, goal, rounds, whether the empty kernel boots too)
    for (firmware, label, goal, rounds, with_empty) in [
        (
            Firmware::Bios,
            "SeaBIOS",
            Goal::AtMost(1.15),
            BIOS_ROUNDS,
            true,
        ),
        (Firmware::Uefi, "OVMF", Goal::Record, UEFI_ROUNDS, false),
    ] {
        let rounds = if quick { 1 } else { rounds };
        let (mut kiosk, mut bare, mut empty) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            if with_empty {
                empty.push(boot_until(
                    &empty_iso,
                    firmware,
                    "bench-empty-kernel",
                    crate::empty_kernel::MARKER,
                )?);
            }
            kiosk.push(boot_until(
                &kiosk_iso,
                firmware,
                "bench-boot",
                "@vitrine frame ",
            )?);
            bare.push(boot_until(
                &bare_iso,
                firmware,
                "bench-bare-grub",
                crate::iso::BARE_GRUB_MARKER,
            )?);
        }
        let wall = |runs: &[BootTime]| median(&runs.iter().map(|r| r.wall).collect::<Vec<_>>());
        let cpu = |runs: &[BootTime]| median(&runs.iter().map(|r| r.cpu).collect::<Vec<_>>());
        let (kiosk_wall, bare_wall) = (wall(&kiosk), wall(&bare));
        rows.push(
            Row::new(
                format!("boot to first frame / bare GRUB, {label}"),
                kiosk_wall / bare_wall,
                "x",
                goal,
            )
            .detail(format!(
                "{kiosk_wall:.3} s / {bare_wall:.3} s wall, median of {rounds}"
            )),
        );
        let (kiosk_cpu, bare_cpu) = (cpu(&kiosk), cpu(&bare));
        rows.push(
            Row::new(
                format!("boot QEMU CPU time / bare GRUB, {label}"),
                kiosk_cpu / bare_cpu,
                "x",
                Goal::Record,
            )
            .detail(format!(
                "{kiosk_cpu:.3} s / {bare_cpu:.3} s on the CPU, median of {rounds}"
            )),
        );
        if with_empty {
            let (empty_wall, empty_cpu) = (wall(&empty), cpu(&empty));
            rows.push(
                Row::new(
                    format!("empty kernel boot / bare GRUB, {label}"),
                    empty_wall / bare_wall,
                    "x",
                    Goal::Record,
                )
                .detail(format!(
                    "our ISO with a kernel that only prints a line: {empty_wall:.3} s / \
                     {bare_wall:.3} s wall, {:.2}x QEMU CPU, median of {rounds}",
                    empty_cpu / bare_cpu
                )),
            );
        }
    }
    Ok(rows)
}
