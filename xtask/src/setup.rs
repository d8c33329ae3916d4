//! Installs what the other subcommands need: the Rust target and Debian packages.
//!
//! Packages are checked by the files actually used, not by dpkg state, so a tool
//! installed some other way counts too.

use std::path::Path;
use std::process::Command;

use crate::{echo, run_command, Result};

/// The bare-metal Rust target the kernel is built for.
pub const KERNEL_TARGET: &str = "x86_64-unknown-none";

/// OVMF firmware (code, variables template) as Debian bookworm ships it.
pub const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
/// The variable-store template; each UEFI run gets its own copy.
pub const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/// What each need is checked by, and which package provides it.
const NEEDS: &[(&str, &str)] = &[
    ("qemu-system-x86_64", "qemu-system-x86"),
    ("grub-mkrescue", "grub-common"),
    ("/usr/lib/grub/i386-pc/cdboot.img", "grub-pc-bin"),
    (
        "/usr/lib/grub/x86_64-efi/multiboot2.mod",
        "grub-efi-amd64-bin",
    ),
    ("xorriso", "xorriso"),
    ("mformat", "mtools"),
    // Strips the debug info from the kernel copy that goes into the ISO.
    ("objcopy", "binutils"),
    (OVMF_CODE, "ovmf"),
    (OVMF_VARS, "ovmf"),
];

/// Adds the kernel's Rust target when it is missing.
pub fn ensure_rust_target() -> Result {
    let installed = Command::new("rustup")
        .current_dir(crate::project_root())
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("cannot run rustup: {e}"))?;
    let list = String::from_utf8_lossy(&installed.stdout);
    if list.lines().any(|line| line.trim() == KERNEL_TARGET) {
        return Ok(());
    }
    run_command(
        Command::new("rustup")
            .current_dir(crate::project_root())
            .args(["target", "add", KERNEL_TARGET]),
    )
    .map_err(|e| format!("could not add the Rust target {KERNEL_TARGET}: {e}").into())
}

/// What the live preview window and its headless test need: an X server, the
/// libraries minifb loads at run time, and tools to drive and photograph the window.
pub const LIVE_NEEDS: &[(&str, &str)] = &[
    ("Xvfb", "xvfb"),
    ("xdotool", "xdotool"),
    ("import", "imagemagick"),
    ("/usr/lib/x86_64-linux-gnu/libX11.so.6", "libx11-6"),
    ("/usr/lib/x86_64-linux-gnu/libXcursor.so.1", "libxcursor1"),
];

/// Installs missing Debian packages (as root), or explains how to.
pub fn ensure_host_tools() -> Result {
    ensure_packages(NEEDS)
}

/// Installs the packages of `needs` whose file is missing (as root), or explains how to.
pub fn ensure_packages(needs: &[(&str, &str)]) -> Result {
    let mut missing: Vec<&str> = needs
        .iter()
        .filter(|(need, _)| !available(need))
        .map(|&(_, package)| package)
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    let packages = missing.join(" ");
    let install =
        format!("apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y {packages}");
    if !is_root() {
        return Err(format!(
            "missing packages: {packages}\nrun as root:\n  sudo sh -c '{install}'"
        )
        .into());
    }
    eprintln!("xtask: installing missing packages: {packages}");
    let mut command = Command::new("sh");
    command
        .args(["-c", &install])
        .env("DEBIAN_FRONTEND", "noninteractive");
    echo(&command);
    let status = command.status()?;
    if !status.success() {
        return Err(format!("`{install}` failed: {status}").into());
    }
    let still: Vec<&str> = needs
        .iter()
        .filter(|(need, _)| !available(need))
        .map(|&(need, _)| need)
        .collect();
    if !still.is_empty() {
        return Err(format!("still missing after install: {}", still.join(", ")).into());
    }
    Ok(())
}

/// Everything `build`, `iso` and `run` need.
pub fn ensure_all() -> Result {
    ensure_rust_target()?;
    ensure_host_tools()
}

fn available(need: &str) -> bool {
    if need.starts_with('/') {
        return Path::new(need).exists();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(need).is_file()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}
