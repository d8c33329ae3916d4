//! `cargo xtask run [-p APP] [--uefi] [--mode WxH] ...`: build an app's ISO and boot
//! it in QEMU (TCG), serial on stdout.

use std::process::Stdio;

use std::path::Path;

use crate::cli::{parse_size, AppPackage};
use crate::qemu::{Firmware, QemuOptions};
use crate::Result;

/// `cargo xtask run` options.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub app: AppPackage,
    #[command(flatten)]
    pub boot: BootArgs,
}

/// How to boot a kernel image in QEMU (also the cargo runner's options).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BootArgs {
    /// Boot with OVMF (UEFI) instead of SeaBIOS
    #[arg(long)]
    pub uefi: bool,
    /// Guest memory in MiB
    #[arg(long, value_name = "MiB", default_value_t = 256)]
    pub memory: u32,
    /// Kernel command line baked into the ISO's grub.cfg
    #[arg(long, value_name = "\"...\"", default_value = "")]
    pub cmdline: String,
    /// Display mode to ask for (adds `mode=WxH` to the command line)
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub mode: Option<(u32, u32)>,
    /// No QEMU window even when $DISPLAY is set
    #[arg(long)]
    pub headless: bool,
    /// Headless: once the app's first frame is out (`@vitrine frame`), save the screen
    /// to FILE (PNG, or PPM when FILE ends in .ppm), print the serial log and stop
    #[arg(long, value_name = "FILE")]
    pub screenshot: Option<std::path::PathBuf>,
}

impl BootArgs {
    /// The kernel command line: `--cmdline` plus `mode=` from `--mode`.
    pub fn full_cmdline(&self) -> String {
        let mut words: Vec<String> = self.cmdline.split_whitespace().map(String::from).collect();
        if let Some((w, h)) = self.mode {
            words.push(format!("mode={w}x{h}"));
        }
        words.join(" ")
    }
}

/// `cargo xtask boot ELF [options]`: the cargo runner for `x86_64-unknown-none`.
#[derive(Debug, clap::Args)]
pub struct BootElfArgs {
    /// The kernel image cargo built
    pub elf: std::path::PathBuf,
    #[command(flatten)]
    pub boot: BootArgs,
}

/// `cargo xtask boot`: wraps the ELF cargo hands over into an ISO next to it and
/// boots it.
pub fn boot(args: &BootElfArgs) -> Result {
    crate::setup::ensure_all()?;
    let name = args
        .elf
        .file_name()
        .ok_or("boot wants the path of a kernel ELF")?
        .to_string_lossy();
    let iso = args.elf.with_file_name(format!("{name}.iso"));
    boot_elf(&args.elf, &iso, &args.boot)
}

/// `cargo xtask run`.
pub fn run(args: &RunArgs) -> Result {
    crate::setup::ensure_all()?;
    let elf = crate::build::build_kernel(&args.app.package)?;
    boot_elf(&elf, &crate::iso::iso_for(&args.app.package), &args.boot)
}

/// Wraps `elf` into the ISO at `iso` and boots it in QEMU, serial on stdout.
pub fn boot_elf(elf: &Path, iso: &Path, boot: &BootArgs) -> Result {
    crate::iso::make_iso(elf, &boot.full_cmdline(), iso)?;
    let firmware = if boot.uefi {
        Firmware::Uefi
    } else {
        Firmware::Bios
    };
    let (headless, memory_mib) = (boot.headless, boot.memory);
    let iso = iso.to_path_buf();

    let mut options = QemuOptions::new(iso, firmware);
    options.memory_mib = memory_mib;
    if let Some(file) = &boot.screenshot {
        return boot_to_screenshot(&options, file);
    }
    let vars_dir = crate::target_dir().join("xtask");
    std::fs::create_dir_all(&vars_dir)?;
    let mut command = options.command(&vars_dir.join("run-ovmf-vars.fd"))?;
    let windowed = !headless && std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
    if !windowed {
        command.args(["-display", "none"]);
    }
    command
        .args(["-serial", "stdio", "-monitor", "none"])
        .stdin(Stdio::null());
    crate::echo(&command);
    let status = command.status()?;
    match status.code() {
        Some(0) | Some(33) => Ok(()),
        Some(35) => Err("the kernel reported a fault or panic (exit 35)".into()),
        _ => Err(format!("QEMU ended: {status}").into()),
    }
}

/// How long a `--screenshot` boot may take to its first frame (TCG, loaded machines).
const FIRST_FRAME_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Boots headless until the first frame, saves the screen to `file`, prints the
/// serial log (status lines included) and stops QEMU.
fn boot_to_screenshot(options: &QemuOptions, file: &Path) -> Result {
    let mut run =
        crate::qemu::QemuRun::start(&format!("cargo-run-{}", iso_stem(options)), options)?;
    let outcome = (|| -> Result {
        run.wait_for("frame", FIRST_FRAME_WAIT)?;
        let (png, image) = run.screenshot("screen")?;
        if file.extension().is_some_and(|e| e == "ppm") {
            let mut ppm = format!("P6\n{} {}\n255\n", image.width, image.height).into_bytes();
            ppm.extend_from_slice(&image.rgb);
            std::fs::write(file, ppm)?;
        } else {
            std::fs::copy(&png, file)?;
        }
        Ok(())
    })();
    print!("{}", run.serial_log());
    run.kill();
    outcome?;
    println!("screenshot: {}", file.display());
    Ok(())
}

/// The ISO's file stem (the app's name): names the run's directory.
fn iso_stem(options: &QemuOptions) -> String {
    options
        .iso
        .file_stem()
        .map_or_else(|| "app".into(), |s| s.to_string_lossy().into_owned())
}
