//! `cargo xtask test`: host tests, then boot tests of the ISO in QEMU.
//!
//! Boot tests are `BootTest` values: a firmware, a kernel command line, a timeout
//! and a check that drives a `QemuRun`. Add new ones (screenshots, input) to
//! `boot_tests`. Each distinct command line gets its own ISO under target/.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cli::AppPackage;
use crate::qemu::{Firmware, QemuExit, QemuOptions, QemuRun};
use crate::qmp::MouseButton;
use crate::Result;

/// One QEMU boot test.
pub struct BootTest {
    /// Unique name; also the run directory under `target/xtask/runs/`.
    pub name: &'static str,
    /// BIOS or UEFI.
    pub firmware: Firmware,
    /// Kernel command line baked into this test's ISO.
    pub cmdline: &'static str,
    /// Extra QEMU arguments.
    pub extra_args: &'static [&'static str],
    /// Upper bound for the whole test.
    pub timeout: Duration,
    /// Drives the run and checks what it printed; `Err` explains the failure.
    pub check: fn(&mut QemuRun, Duration) -> Result,
}

/// TCG is slow and the machines are shared: generous, but a hang still ends.
const BIOS_TIMEOUT: Duration = Duration::from_secs(30);
const UEFI_TIMEOUT: Duration = Duration::from_secs(90);

/// Every boot test, in the order they run.
pub fn boot_tests() -> Vec<BootTest> {
    vec![
        BootTest {
            name: "boot-bios-ready",
            firmware: Firmware::Bios,
            cmdline: "test-exit=ready",
            extra_args: &[],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_ready(run, timeout, Firmware::Bios),
        },
        // The ISO as a disk (USB stick): BIOS boots GRUB's hybrid MBR, not our image.
        BootTest {
            name: "boot-bios-disk-ready",
            firmware: Firmware::Bios,
            cmdline: "test-exit=ready",
            extra_args: &["-boot", "c"],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_ready(run, timeout, Firmware::Bios),
        },
        BootTest {
            name: "boot-uefi-ready",
            firmware: Firmware::Uefi,
            cmdline: "test-exit=ready",
            extra_args: &[],
            timeout: UEFI_TIMEOUT,
            check: |run, timeout| check_ready(run, timeout, Firmware::Uefi),
        },
        BootTest {
            name: "fault-pagefault",
            firmware: Firmware::Bios,
            cmdline: "test-fault=pagefault test-exit=ready",
            extra_args: &[],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_fault(run, timeout, 14),
        },
        BootTest {
            name: "fault-divide",
            firmware: Firmware::Bios,
            cmdline: "test-fault=divide test-exit=ready",
            extra_args: &[],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_fault(run, timeout, 0),
        },
        BootTest {
            name: "fault-breakpoint",
            firmware: Firmware::Bios,
            cmdline: "test-fault=breakpoint test-exit=ready",
            extra_args: &[],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_fault(run, timeout, 3),
        },
        BootTest {
            name: "fault-invalid-opcode",
            firmware: Firmware::Bios,
            cmdline: "test-fault=invalid-opcode test-exit=ready",
            extra_args: &[],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_fault(run, timeout, 6),
        },
        BootTest {
            name: "fault-double-fault",
            firmware: Firmware::Bios,
            cmdline: "test-fault=double-fault test-exit=ready",
            extra_args: &[],
            timeout: BIOS_TIMEOUT,
            check: |run, timeout| check_fault(run, timeout, 8),
        },
        BootTest {
            name: "panic-report",
            firmware: Firmware::Bios,
            cmdline: "test-fault=panic test-exit=ready",
            extra_args: &[],
            timeout: BIOS_TIMEOUT,
            check: check_panic,
        },
        BootTest {
            name: "irq-selftest-level-pci",
            firmware: Firmware::Bios,
            cmdline: "test-exit=irq-selftest",
            // QEMU's `edu` device raises a level-triggered PCI INTx line on demand.
            extra_args: &["-device", "edu"],
            timeout: BIOS_TIMEOUT,
            check: check_irq_selftest,
        },
        BootTest {
            name: "pci-lists-std-vga",
            firmware: Firmware::Bios,
            cmdline: "test-exit=ready",
            extra_args: &[],
            timeout: BIOS_TIMEOUT,
            check: check_pci_vga,
        },
        BootTest {
            name: "acpi-power-button-bios",
            firmware: Firmware::Bios,
            cmdline: "",
            extra_args: &[],
            timeout: BIOS_TIMEOUT,
            check: check_power_button,
        },
        BootTest {
            name: "acpi-power-button-uefi",
            firmware: Firmware::Uefi,
            cmdline: "",
            extra_args: &[],
            timeout: UEFI_TIMEOUT,
            check: check_power_button,
        },
        BootTest {
            name: "qmp-screendump-and-input",
            firmware: Firmware::Bios,
            cmdline: "",
            // An absolute pointing device, so `abs` input events have a taker.
            extra_args: &["-usb", "-device", "usb-tablet"],
            timeout: BIOS_TIMEOUT,
            check: check_qmp,
        },
    ]
}

/// The boot tests of `package`: the ones above for any app, and the demo's display
/// and input tests for the demo.
pub fn boot_tests_of(package: &str) -> Vec<BootTest> {
    let mut tests = boot_tests();
    if package == crate::cli::DEFAULT_APP {
        tests.extend(crate::ui_tests::boot_tests());
        tests.extend(crate::svga_tests::boot_tests());
        tests.extend(crate::recovery_tests::boot_tests());
    }
    tests
}

/// `cargo xtask test` options.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The app the boot tests boot
    #[command(flatten)]
    pub app: AppPackage,
    /// Skip `cargo test --workspace`
    #[arg(long)]
    pub no_host: bool,
    /// Skip the real-VirtualBox boot tests (developers without VirtualBox)
    #[arg(long)]
    pub no_virtualbox: bool,
    /// The VirtualBox to use: a folder with VBoxManage and VBoxHeadless (also
    /// VITRINE_VIRTUALBOX); else VBoxManage on PATH, else ../shared/virtualbox/
    #[arg(long, value_name = "DIR")]
    pub virtualbox: Option<PathBuf>,
    /// Run only the boot test with this name (`virtualbox`: every real-VirtualBox test)
    #[arg(long, value_name = "NAME")]
    pub only: Option<String>,
}

/// `cargo xtask test`.
pub fn run(args: &TestArgs) -> Result {
    let (skip_host, skip_virtualbox, only) = (args.no_host, args.no_virtualbox, args.only.clone());
    let only_group = only.as_deref() == Some(crate::virtualbox::boot_tests::GROUP);

    crate::setup::ensure_all()?;
    let mut summary = Summary::default();

    if !skip_host && !only_group {
        let started = Instant::now();
        let mut command = crate::cargo();
        command.args(["test", "--workspace"]);
        let result = crate::run_command(&mut command);
        summary.record("host: cargo test --workspace", started, result, None);
        // So the fuzz harnesses and the soak cannot rot: seconds per fuzz target,
        // and 10 000 soak steps over the three graphics controllers.
        let started = Instant::now();
        let result = crate::fuzz::smoke();
        summary.record("host: fuzz smoke (every target)", started, result, None);
        for (machine, steps) in crate::soak::TEST_SOAKS {
            let started = Instant::now();
            let result = crate::soak::soak(steps, 1, machine);
            let name = format!("host: soak {machine} {steps} steps");
            summary.record(&name, started, result, None);
        }
    }

    if only
        .as_deref()
        .is_none_or(|name| name == crate::live_test::NAME)
    {
        let started = Instant::now();
        let result = crate::live_test::run(&args.app.package);
        summary.record(crate::live_test::NAME, started, result, None);
    }

    let tests: Vec<BootTest> = boot_tests_of(&args.app.package)
        .into_iter()
        .filter(|t| !only_group && only.as_deref().is_none_or(|name| t.name == name))
        .collect();
    let vbox_tests: Vec<_> = crate::virtualbox::boot_tests::vm_tests()
        .into_iter()
        .filter(|t| !skip_virtualbox && crate::virtualbox::boot_tests::selected(t, only.as_deref()))
        .collect();
    if !tests.is_empty() || !vbox_tests.is_empty() {
        match crate::build::build_kernel(&args.app.package) {
            Ok(elf) => {
                let mut isos = IsoCache::new(&elf);
                run_boot_tests(&mut isos, &tests, &mut summary);
                if !vbox_tests.is_empty() {
                    crate::virtualbox::boot_tests::run(
                        &vbox_tests,
                        args.virtualbox.as_deref(),
                        |name, cmdline| isos.get(name, cmdline),
                        &mut |name, started, result| summary.record(name, started, result, None),
                    );
                }
            }
            Err(error) => {
                let names = tests
                    .iter()
                    .map(|t| t.name)
                    .chain(vbox_tests.iter().map(|t| t.name));
                for name in names {
                    summary.record(
                        name,
                        Instant::now(),
                        Err(format!("kernel build failed: {error}").into()),
                        None,
                    );
                }
            }
        }
    }

    // The examples (their own images) and `cargo xtask new` crates.
    let selected = |name: &str| only.as_deref().is_none_or(|o| o == name);
    for (package, tests) in crate::app_tests::example_tests() {
        let tests: Vec<BootTest> = tests.into_iter().filter(|t| selected(t.name)).collect();
        if tests.is_empty() {
            continue;
        }
        match crate::build::build_kernel(package) {
            Ok(elf) => run_boot_tests(&mut IsoCache::new(&elf), &tests, &mut summary),
            Err(error) => {
                for test in &tests {
                    let why = format!("{package} build failed: {error}");
                    summary.record(test.name, Instant::now(), Err(why.into()), None);
                }
            }
        }
    }
    for (name, check) in crate::app_tests::app_checks() {
        if selected(name) {
            let started = Instant::now();
            summary.record(name, started, check(), None);
        }
    }

    println!("{} passed, {} failed", summary.passed, summary.failed.len());
    if summary.failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", summary.failed.join(", ")).into())
    }
}

/// One ISO per distinct kernel command line, built on first use under
/// `target/xtask/iso/`.
pub struct IsoCache<'a> {
    elf: &'a Path,
    isos: BTreeMap<String, PathBuf>,
}

impl<'a> IsoCache<'a> {
    /// An empty cache for this kernel image.
    pub fn new(elf: &'a Path) -> Self {
        Self {
            elf,
            isos: BTreeMap::new(),
        }
    }

    /// The ISO for `cmdline`, named after the first test that needs it.
    pub fn get(&mut self, test: &str, cmdline: &str) -> Result<PathBuf> {
        if let Some(iso) = self.isos.get(cmdline) {
            return Ok(iso.clone());
        }
        let iso = crate::target_dir()
            .join("xtask")
            .join("iso")
            .join(format!("{test}.iso"));
        crate::iso::make_iso(self.elf, cmdline, &iso)?;
        self.isos.insert(cmdline.to_string(), iso.clone());
        Ok(iso)
    }
}

fn run_boot_tests(isos: &mut IsoCache, tests: &[BootTest], summary: &mut Summary) {
    for test in tests {
        let started = Instant::now();
        let iso = isos.get(test.name, test.cmdline);
        let mut run = None;
        let result = iso.and_then(|iso| {
            let mut options = QemuOptions::new(iso, test.firmware);
            options.extra_args = test.extra_args.iter().map(|a| a.to_string()).collect();
            let qemu = run.insert(QemuRun::start(test.name, &options)?);
            (test.check)(qemu, test.timeout)
        });
        summary.record(test.name, started, result, run.as_mut());
    }
}

#[derive(Default)]
struct Summary {
    passed: usize,
    failed: Vec<String>,
}

impl Summary {
    fn record(&mut self, name: &str, started: Instant, result: Result, run: Option<&mut QemuRun>) {
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(()) => {
                println!("test {name} ... ok ({seconds:.1} s)");
                self.passed += 1;
            }
            Err(error) => {
                println!("test {name} ... FAILED ({seconds:.1} s): {error}");
                if let Some(run) = run {
                    run.kill();
                    println!("---- serial log of {name} ({}) ----", run.dir().display());
                    println!("{}", run.serial_log());
                    let stderr = run.qemu_stderr();
                    if !stderr.trim().is_empty() {
                        println!("---- QEMU stderr ----\n{stderr}");
                    }
                    println!("---- end of {name} ----");
                }
                self.failed.push(name.to_string());
            }
        }
    }
}

/// Boots to `@vitrine ready` after a `boot` line naming the right firmware, and
/// exits through isa-debug-exit with success.
fn check_ready(run: &mut QemuRun, timeout: Duration, firmware: Firmware) -> Result {
    let deadline = Instant::now() + timeout;
    let boot = run.wait_for("boot", timeout)?;
    if boot.get("firmware") != Some(firmware.name()) {
        return Err(format!("expected firmware={}: {}", firmware.name(), boot.raw).into());
    }
    if boot.number("mem_kib").is_none_or(|kib| kib == 0) {
        return Err(format!("boot line without usable memory: {}", boot.raw).into());
    }
    // BIOS with the std VGA: our own boot image loaded the kernel, GRUB did not.
    if firmware == Firmware::Bios && run.serial_log().contains("vitrine-bios-boot: ") {
        return Err("the own BIOS boot image handed over to GRUB on the std VGA".into());
    }
    // The command line went through the loader and Multiboot2 intact.
    if boot.get("cmdline") != Some("test-exit=ready") {
        return Err(format!("expected cmdline=\"test-exit=ready\": {}", boot.raw).into());
    }
    let ready = run.wait_for_after(boot.index + 1, "ready", remaining(deadline))?;
    let t_us = ready
        .number("t_us")
        .ok_or_else(|| format!("ready line without numeric t_us: {}", ready.raw))?;
    let exit = run.wait_exit(remaining(deadline))?;
    if exit != QemuExit::Success {
        return Err(format!("after ready, QEMU ended with {exit}").into());
    }
    println!("  {} ready t_us={t_us}", firmware.name());
    Ok(())
}

/// The requested fault is reported with its vector and QEMU exits with the fault code.
fn check_fault(run: &mut QemuRun, timeout: Duration, vector: u64) -> Result {
    let deadline = Instant::now() + timeout;
    let fault = run.wait_for("fault", timeout)?;
    if fault.number("vector") != Some(vector) {
        return Err(format!("expected vector={vector}: {}", fault.raw).into());
    }
    if fault.number("rip").is_none() {
        return Err(format!("fault line without rip: {}", fault.raw).into());
    }
    if run.status_lines().iter().any(|l| l.word == "ready") {
        return Err("reached ready although a fault was requested".into());
    }
    let exit = run.wait_exit(remaining(deadline))?;
    if exit != QemuExit::Failed {
        return Err(format!("expected the fault exit (35), got {exit}").into());
    }
    Ok(())
}

/// A Rust panic is reported with its message and QEMU exits with the fault code.
fn check_panic(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let panic = run.wait_for("panic", timeout)?;
    match panic.get("msg") {
        Some(msg) if msg.contains("test-fault=panic") => {}
        _ => return Err(format!("panic line without the panic's message: {}", panic.raw).into()),
    }
    if run.status_lines().iter().any(|l| l.word == "ready") {
        return Err("reached ready although a panic was requested".into());
    }
    let exit = run.wait_exit(remaining(deadline))?;
    if exit != QemuExit::Failed {
        return Err(format!("expected the fault exit (35), got {exit}").into());
    }
    Ok(())
}

/// A level-triggered PCI line (QEMU's `edu` device) is delivered, masked until
/// re-armed, and delivered again: the self-test reports every round.
fn check_irq_selftest(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let line = run.wait_for("irq-selftest", timeout)?;
    if line.get("result") != Some("ok") {
        return Err(format!("level-triggered IRQ self-test failed: {}", line.raw).into());
    }
    let rounds = line.number("rounds").unwrap_or(0);
    if rounds == 0 || line.number("events") != Some(rounds) {
        return Err(format!("expected one event per round: {}", line.raw).into());
    }
    let exit = run.wait_exit(remaining(deadline))?;
    if exit != QemuExit::Success {
        return Err(format!("expected the success exit (33), got {exit}").into());
    }
    Ok(())
}

/// The PCI scan lists QEMU's std VGA (1234:1111, display class 03.00).
fn check_pci_vga(run: &mut QemuRun, timeout: Duration) -> Result {
    run.wait_for("ready", timeout)?;
    let lines = run.status_lines();
    let pci: Vec<_> = lines.iter().filter(|l| l.word == "pci").collect();
    if pci.is_empty() {
        return Err("no `@vitrine pci` lines".into());
    }
    for line in &pci {
        for key in ["dev", "id", "class", "irq"] {
            if line.get(key).is_none() {
                return Err(format!("pci line without {key}=: {}", line.raw).into());
            }
        }
    }
    let vga = pci
        .iter()
        .find(|l| {
            l.get("id")
                .is_some_and(|id| id.eq_ignore_ascii_case("1234:1111"))
        })
        .ok_or("no pci line with id=1234:1111 (std VGA)")?;
    if vga.get("class") != Some("03.00") {
        return Err(format!("std VGA not class 03.00: {}", vga.raw).into());
    }
    Ok(())
}

/// The QMP side of the harness works against this QEMU: a screenshot of the
/// running kernel becomes a PNG, input events are accepted, `quit` ends QEMU.
fn check_qmp(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    run.wait_for("ready", timeout)?;
    let (png, image) = run.screenshot("after-ready")?;
    // Whatever mode is up (VGA text, GRUB's framebuffer, ours) is at least 640x400.
    if image.width < 640 || image.height < 400 {
        return Err(format!("screenshot is {}x{}", image.width, image.height).into());
    }
    let decoded = png::Decoder::new(std::fs::File::open(&png)?).read_info()?;
    let info = decoded.info();
    if (info.width, info.height) != (image.width, image.height) {
        return Err(format!("{} does not match the screendump size", png.display()).into());
    }
    let qmp = run.qmp()?;
    qmp.tap_key("a")?;
    qmp.move_relative(5, -3)?;
    for button in [
        MouseButton::Left,
        MouseButton::Right,
        MouseButton::Middle,
        MouseButton::WheelUp,
        MouseButton::WheelDown,
    ] {
        qmp.button(button, true)?;
        qmp.button(button, false)?;
    }
    qmp.move_absolute(0x4000, 0x4000)?;
    qmp.quit()?;
    let exit = run.wait_exit(remaining(deadline))?;
    if exit != QemuExit::Other(0) {
        return Err(format!("after QMP quit, QEMU ended with {exit}").into());
    }
    println!(
        "  screenshot {} ({}x{}, {} colours)",
        png.display(),
        image.width,
        image.height,
        image.distinct_colours()
    );
    Ok(())
}

/// The host's ACPI power button (QMP `system_powerdown`, what VirtualBox's "ACPI
/// Shutdown" presses) is seen and the kiosk switches the machine off by itself:
/// QEMU reports a guest shutdown (not a reset, not our quit) and exits with 0.
fn check_power_button(run: &mut QemuRun, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let ready = run.wait_for("ready", timeout)?;
    let driver = run
        .status_lines()
        .into_iter()
        .find(|l| l.word == "acpi" && l.get("power_button").is_some())
        .ok_or("no `@vitrine acpi power_button=` line before ready")?;
    run.qmp()?
        .execute("system_powerdown", serde_json::json!({}))?;
    let pressed = run
        .wait_for_match(
            |l| l.index > ready.index && l.word == "power" && l.get("button") == Some("acpi"),
            remaining(deadline),
        )
        .map_err(|e| format!("waiting for `@vitrine power button=acpi`: {e}"))?;
    let off = run
        .wait_for_match(
            |l| l.index > pressed.index && l.word == "power" && l.fields.contains_key("off"),
            remaining(deadline),
        )
        .map_err(|e| format!("waiting for `@vitrine power off`: {e}"))?;
    // QEMU has no VMMDev: the way off is ACPI S5.
    if off.get("via") != Some("acpi") {
        return Err(format!("expected via=acpi: {}", off.raw).into());
    }
    let shutdown = run.qmp()?.wait_event("SHUTDOWN", remaining(deadline))?;
    let reason = shutdown["data"]["reason"].as_str().unwrap_or_default();
    if reason != "guest-shutdown" {
        return Err(format!("QEMU shut down for another reason: {shutdown}").into());
    }
    let exit = run.wait_exit(remaining(deadline))?;
    if exit != QemuExit::Other(0) {
        return Err(format!("after the power-off, QEMU ended with {exit}").into());
    }
    println!(
        "  {} -> {} -> {reason}",
        driver.raw.trim_start_matches("@vitrine "),
        off.raw.trim_start_matches("@vitrine ")
    );
    Ok(())
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}
