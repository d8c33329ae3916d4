//! `cargo run -p APP` on the host: builds the app for `x86_64-unknown-none` and runs
//! it there, which hands the ELF to the cargo runner the app's (or its workspace's)
//! `.cargo/config.toml` names: it wraps the ELF into the hybrid ISO and boots QEMU.

use super::AppCrate;
use crate::KERNEL_TARGET;
use std::format;
use std::process::Command;
use std::string::String;

/// Runs `cargo run --release --target x86_64-unknown-none --bin APP -- ARGS` in the
/// app's directory, so its configuration (linker script, runner) applies.
pub(super) fn build_and_boot(app: AppCrate, args: &[String]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(app.manifest_dir)
        .args(["run", "--release", "--target", KERNEL_TARGET, "--bin"])
        .arg(app.package)
        .arg("--")
        .args(args)
        // Host flags would replace the bare-metal target's rustflags.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    std::eprintln!(
        "{}: booting the bare-metal build ({KERNEL_TARGET}) through the cargo runner",
        app.package
    );
    let status = command
        .status()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the bare-metal run ended with {status}"))
    }
}
