//! `cargo xtask run`: build the ISO and boot it in QEMU (TCG), serial on stdout.

use std::process::Stdio;

use crate::cli::Args;
use crate::qemu::{Firmware, QemuOptions};
use crate::Result;

/// `cargo xtask run [--uefi] [--memory MiB] [--cmdline "..."] [--headless]`.
pub fn run(args: &[String]) -> Result {
    let mut args = Args::new(args);
    let firmware = if args.flag("--uefi") {
        Firmware::Uefi
    } else {
        Firmware::Bios
    };
    let headless = args.flag("--headless");
    let memory_mib = match args.value("--memory")? {
        Some(text) => text
            .parse()
            .map_err(|_| format!("--memory wants MiB, got `{text}`"))?,
        None => 256,
    };
    let cmdline = args.value("--cmdline")?.unwrap_or_default();
    args.finish()?;

    crate::setup::ensure_all()?;
    let elf = crate::build::build_kernel()?;
    let iso = crate::iso::default_iso();
    crate::iso::make_iso(&elf, &cmdline, &iso)?;

    let mut options = QemuOptions::new(iso, firmware);
    options.memory_mib = memory_mib;
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
