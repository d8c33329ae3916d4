//! Boot tests of recovery from a fault: the error page, the restart through a reset
//! and the restart count kept in CMOS (`on-fault=restart:SECONDS`).
//!
//! QEMU runs without `-no-reboot` here (`-action reboot=reset`), so the guest's reset
//! boots it again; `test-fault=late-...` fires after the first frame of the first
//! boot only, and `test-exit=ready` ends the boot after the restart;
//! `test-fault=loop-panic` fires on every boot, to check the loop ends on the page.

use std::time::{Duration, Instant};

use crate::image::Image;
use crate::qemu::{Firmware, QemuExit, QemuRun};
use crate::status_line::StatusLine;
use crate::test::BootTest;
use crate::Result;

/// Two boots under TCG on a shared machine.
const BIOS_TIMEOUT: Duration = Duration::from_secs(90);
const UEFI_TIMEOUT: Duration = Duration::from_secs(360);
/// Five boots under TCG.
const LOOP_TIMEOUT: Duration = Duration::from_secs(180);
/// Quick restarts in a row after which the kiosk stays on the error page
/// (`vitrine::recovery::MAX_QUICK_RESTARTS`).
const MAX_QUICK_RESTARTS: u32 = 3;
/// How long a kiosk staying on the error page is watched for another boot.
const STAY_WATCH: Duration = Duration::from_secs(8);

/// The error page's background (`vitrine::recovery::ERROR_BACKGROUND`).
const ERROR_BACKGROUND: [u8; 3] = [0x6E, 0x0A, 0x0A];

/// The recovery boot tests.
pub fn boot_tests() -> Vec<BootTest> {
    vec![
        BootTest {
            name: "restart-after-panic-bios",
            firmware: Firmware::Bios,
            cmdline: "test-fault=late-panic on-fault=restart:3 test-exit=ready",
            extra_args: &["-action", "reboot=reset"],
            timeout: BIOS_TIMEOUT,
            // i440fx's FADT has no reset register: the keyboard controller resets.
            check: |run, timeout| check_restart(run, timeout, "panic", "keyboard-controller"),
        },
        BootTest {
            name: "restart-acpi-reset-q35-bios",
            firmware: Firmware::Bios,
            cmdline: "test-fault=late-panic on-fault=restart:1 test-exit=ready",
            // q35's FADT names the ICH9 reset control register (port 0xCF9).
            extra_args: &["-machine", "q35", "-action", "reboot=reset"],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_restart(run, timeout, "panic", "acpi-register"),
        },
        BootTest {
            name: "restart-acpi-reset-q35-uefi",
            firmware: Firmware::Uefi,
            cmdline: "test-fault=late-pagefault on-fault=restart:1 test-exit=ready",
            extra_args: &["-machine", "q35", "-action", "reboot=reset"],
            timeout: UEFI_TIMEOUT,
            check: |run, timeout| check_restart(run, timeout, "fault", "acpi-register"),
        },
        BootTest {
            name: "restart-pci-reset-control-bios",
            firmware: Firmware::Bios,
            cmdline: "test-fault=late-panic on-fault=restart:1 test-reset=pci-reset-control test-exit=ready",
            extra_args: &["-action", "reboot=reset"],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_restart(run, timeout, "panic", "pci-reset-control"),
        },
        BootTest {
            name: "restart-triple-fault-bios",
            firmware: Firmware::Bios,
            cmdline:
                "test-fault=late-panic on-fault=restart:1 test-reset=triple-fault test-exit=ready",
            extra_args: &["-action", "reboot=reset"],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_restart(run, timeout, "panic", "triple-fault"),
        },
        BootTest {
            name: "restart-after-pagefault-uefi",
            firmware: Firmware::Uefi,
            cmdline: "test-fault=late-pagefault on-fault=restart:3 test-exit=ready",
            extra_args: &["-action", "reboot=reset"],
            timeout: UEFI_TIMEOUT,
            check: |run, timeout| check_restart(run, timeout, "fault", "keyboard-controller"),
        },
        BootTest {
            name: "restart-loop-stays-bios",
            firmware: Firmware::Bios,
            cmdline: "test-fault=loop-panic on-fault=restart:1",
            extra_args: &["-action", "reboot=reset"],
            timeout: LOOP_TIMEOUT,
            check: check_restart_loop_stays,
        },
    ]
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// First boot: restart count 0, the fault (`failure` line), the error page on screen
/// and `recovery action=restart`; then one `reset method=...` line, `method` (the
/// first method tried reset the machine); second boot: `restart count=1`, then
/// `ready` and the success exit.
fn check_restart(run: &mut QemuRun, timeout: Duration, failure: &str, method: &str) -> Result {
    let deadline = Instant::now() + timeout;
    let first = run.wait_for("restart", timeout)?;
    if first.get("count") != Some("0") {
        return Err(format!("the first boot should count no restart: {}", first.raw).into());
    }
    let fault = run.wait_for_after(first.index + 1, failure, remaining(deadline))?;
    let recovery = run.wait_for_after(fault.index + 1, "recovery", remaining(deadline))?;
    if failure == "fault" {
        check_symbolized(&run.serial_log())?;
    }
    for (key, wanted) in [("action", "restart"), ("count", "1"), ("page", "true")] {
        if recovery.get(key) != Some(wanted) {
            return Err(format!("expected {key}={wanted}: {}", recovery.raw).into());
        }
    }
    let (path, image) = run.screenshot("error-page")?;
    check_error_page(&image).map_err(|e| format!("{}: {e}", path.display()))?;
    let second = run.wait_for_after(recovery.index + 1, "restart", remaining(deadline))?;
    if second.get("count") != Some("1") {
        return Err(format!(
            "the boot after the fault should count 1 restart: {}",
            second.raw
        )
        .into());
    }
    check_reset_method(&run.status_lines(), recovery.index, second.index, method)?;
    run.wait_for_after(second.index + 1, "ready", remaining(deadline))?;
    let exit = run.wait_exit(remaining(deadline))?;
    if exit != QemuExit::Success {
        return Err(format!("expected the success exit (33) after the restart, got {exit}").into());
    }
    Ok(())
}

/// A fault on every boot (`test-fault=loop-panic`): boots 0..=2 restart (count 1..=3),
/// the fourth fault in a row stays on the error page (`action=stay`, the page on the
/// screen) and no further boot follows.
fn check_restart_loop_stays(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let mut from = 0;
    for boot in 0..=MAX_QUICK_RESTARTS {
        let restart = run.wait_for_after(from, "restart", remaining(deadline))?;
        if restart.get("count") != Some(boot.to_string().as_str()) {
            return Err(
                format!("boot {boot} should count {boot} restarts: {}", restart.raw).into(),
            );
        }
        let panic = run.wait_for_after(restart.index + 1, "panic", remaining(deadline))?;
        let recovery = run.wait_for_after(panic.index + 1, "recovery", remaining(deadline))?;
        let wanted = if boot < MAX_QUICK_RESTARTS {
            "restart"
        } else {
            "stay"
        };
        if recovery.get("action") != Some(wanted) || recovery.get("page") != Some("true") {
            return Err(format!(
                "fault {} in a row: expected action={wanted} page=true: {}",
                boot + 1,
                recovery.raw
            )
            .into());
        }
        from = recovery.index + 1;
    }
    let (path, image) = run.screenshot("error-page-stay")?;
    check_error_page(&image).map_err(|e| format!("{}: {e}", path.display()))?;
    // Staying means no reset: no further boot within the watch (a bounded wait for
    // something that must not happen).
    if let Ok(again) = run.wait_for_after(from, "restart", STAY_WATCH) {
        return Err(format!("the kiosk booted again after action=stay: {}", again.raw).into());
    }
    run.kill();
    Ok(())
}

/// The `reset` lines between the fault's `recovery` line and the next boot: exactly
/// one, naming `method` (each method is announced before it is tried, so a second
/// line would mean the first did not reset the machine).
fn check_reset_method(
    lines: &[StatusLine],
    recovery: usize,
    next_boot: usize,
    method: &str,
) -> Result {
    let resets: Vec<_> = lines
        .iter()
        .filter(|l| l.index > recovery && l.index < next_boot && l.word == "reset")
        .collect();
    let tried: Vec<&str> = resets.iter().filter_map(|l| l.get("method")).collect();
    if tried != [method] {
        return Err(format!(
            "expected the restart through {method} alone; reset methods tried: {tried:?}"
        )
        .into());
    }
    if method == "acpi-register" && resets[0].get("register").is_none_or(|r| r == "none") {
        return Err(format!("the ACPI reset line names no register: {}", resets[0].raw).into());
    }
    Ok(())
}

/// The report's `rip=` names the function that faulted (`test-fault=` raises it in
/// `vitrine::entry::trigger_test_fault`), via `cargo xtask symbolize`'s table.
fn check_symbolized(log: &str) -> Result {
    let elf = crate::target_dir().join("x86_64-unknown-none/release/vitrine-app");
    let symbolized = crate::symbolize::symbolize(log, &crate::symbolize::Symbols::read(&elf)?);
    let fault_line = symbolized
        .lines()
        .find(|l| l.starts_with("[fault]"))
        .ok_or("no [fault] report in the serial log")?;
    if !fault_line.contains("<vitrine::entry::trigger_test_fault+") {
        return Err(
            format!("the fault's rip is not named trigger_test_fault: {fault_line}").into(),
        );
    }
    Ok(())
}

/// Most of the screen is the error page's background, with text on it.
fn check_error_page(image: &Image) -> std::result::Result<(), String> {
    let total = image.rgb.len() / 3;
    let background = image
        .rgb
        .chunks_exact(3)
        .filter(|p| *p == ERROR_BACKGROUND)
        .count();
    let white = image
        .rgb
        .chunks_exact(3)
        .filter(|p| *p == [0xFF; 3])
        .count();
    if total == 0 || background * 10 < total * 7 {
        return Err(format!(
            "only {background} of {total} pixels have the error page's colour"
        ));
    }
    if white < 1000 {
        return Err(format!(
            "only {white} white (text) pixels on the error page"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "@vitrine restart count=0\n\
        @vitrine recovery action=restart count=1\n\
        @vitrine reset method=acpi-register register=io:0xcf9 value=0x0f\n\
        @vitrine reset method=keyboard-controller\n\
        @vitrine restart count=1\n";

    #[test]
    fn only_the_method_that_reset_the_machine_passes() {
        let lines = crate::status_line::parse_log(LOG);
        // The ACPI register was tried but the keyboard controller reset the machine.
        assert!(check_reset_method(&lines, 1, 4, "acpi-register").is_err());
        assert!(check_reset_method(&lines, 1, 4, "keyboard-controller").is_err());
        assert!(check_reset_method(&lines, 2, 4, "keyboard-controller").is_ok());
        assert!(check_reset_method(&lines, 1, 3, "acpi-register").is_ok());
        // No reset line at all.
        assert!(check_reset_method(&lines, 0, 1, "triple-fault").is_err());
    }

    #[test]
    fn an_acpi_reset_line_must_name_its_register() {
        let lines = crate::status_line::parse_log(
            "@vitrine recovery\n@vitrine reset method=acpi-register\n@vitrine restart count=1\n",
        );
        assert!(check_reset_method(&lines, 0, 2, "acpi-register").is_err());
    }
}
