//! Boot time against the floor: wall time from starting QEMU to the kiosk's first
//! frame (`@vitrine frame` on the serial port), divided by the wall time of a bare
//! GRUB ISO from the same GRUB packages that boots, prints a line on the serial port
//! and powers off (`halt`), with the same QEMU flags. SeaBIOS and OVMF; the median of the rounds, kiosk and
//! bare boots alternating so both see the same host load.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{median, Goal, Row};
use crate::qemu::{Firmware, QemuOptions, QemuRun};
use crate::Result;

const TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(2);
/// Rounds per firmware (median taken).
const ROUNDS: usize = 3;

/// Seconds from QEMU's start to the first `@vitrine frame` line.
fn kiosk_boot(iso: &Path, firmware: Firmware, name: &str) -> Result<f64> {
    let start = Instant::now();
    let mut run = QemuRun::start(name, &QemuOptions::new(iso.to_path_buf(), firmware))?;
    loop {
        if run.serial_log().contains("@vitrine frame ") {
            let seconds = start.elapsed().as_secs_f64();
            run.kill();
            return Ok(seconds);
        }
        if let Some(exit) = run.poll_exit()? {
            return Err(format!("{name}: QEMU ended before the first frame: {exit}").into());
        }
        if start.elapsed() > TIMEOUT {
            return Err(format!("{name}: no first frame within {TIMEOUT:?}").into());
        }
        std::thread::sleep(POLL);
    }
}

/// Seconds from QEMU's start to the bare GRUB's last line before `halt` (the same
/// kind of end point as the kiosk's: a line on the serial port).
fn bare_boot(iso: &Path, firmware: Firmware, name: &str) -> Result<f64> {
    let start = Instant::now();
    let mut run = QemuRun::start(name, &QemuOptions::new(iso.to_path_buf(), firmware))?;
    loop {
        if run.serial_log().contains(crate::iso::BARE_GRUB_MARKER) {
            let seconds = start.elapsed().as_secs_f64();
            run.kill();
            return Ok(seconds);
        }
        if let Some(exit) = run.poll_exit()? {
            return Err(format!("{name}: QEMU ended before GRUB's marker: {exit}").into());
        }
        if start.elapsed() > TIMEOUT {
            return Err(
                format!("{name}: the bare GRUB boot did not power off within {TIMEOUT:?}").into(),
            );
        }
        std::thread::sleep(POLL);
    }
}

/// One row per firmware.
pub fn measure(elf: &Path, quick: bool) -> Result<Vec<Row>> {
    let kiosk_iso = super::iso_path("bench-boot");
    crate::iso::make_iso(elf, "", &kiosk_iso)?;
    let bare_iso = super::iso_path("bench-bare-grub");
    crate::iso::make_bare_grub_iso(&bare_iso)?;
    let rounds = if quick { 1 } else { ROUNDS };
    let mut rows = Vec::new();
    for (firmware, label, goal) in [
        (Firmware::Bios, "SeaBIOS", Goal::AtMost(1.15)),
        (Firmware::Uefi, "OVMF", Goal::Record),
    ] {
        let (mut kiosk, mut bare) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            kiosk.push(kiosk_boot(&kiosk_iso, firmware, "bench-boot")?);
            bare.push(bare_boot(&bare_iso, firmware, "bench-bare-grub")?);
        }
        let (kiosk, bare) = (median(&kiosk), median(&bare));
        rows.push(
            Row::new(
                format!("boot to first frame / bare GRUB, {label}"),
                kiosk / bare,
                "x",
                goal,
            )
            .detail(format!(
                "{:.3} s / {:.3} s, median of {rounds}",
                kiosk, bare
            )),
        );
    }
    Ok(rows)
}
