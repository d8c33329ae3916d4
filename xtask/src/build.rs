//! `cargo xtask build [-p APP]`: an app's kernel image for x86_64-unknown-none.

use std::path::PathBuf;

use crate::cli::AppPackage;
use crate::setup::KERNEL_TARGET;
use crate::{cargo, run_command, Result};

/// Flags every kernel build needs; `.cargo/config.toml` normally carries them.
const KERNEL_RUSTFLAGS: &str = r#"target.x86_64-unknown-none.rustflags=["-C","relocation-model=static","-C","force-frame-pointers=yes","-C","link-arg=-Tvitrine.ld","-C","link-arg=--no-pie","-C","llvm-args=-inline-threshold=150","-C","llvm-args=-align-loops=1"]"#;

/// `cargo xtask build` options.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub app: AppPackage,
}

/// `cargo xtask build`.
pub fn run(args: &BuildArgs) -> Result {
    crate::setup::ensure_rust_target()?;
    let elf = build_kernel(&args.app.package)?;
    println!("{}", elf.display());
    Ok(())
}

/// Builds the app `package`'s kernel ELF (release; its binary has the package's
/// name) and returns its path.
pub fn build_kernel(package: &str) -> Result<PathBuf> {
    let mut command = cargo();
    command.args([
        "build",
        "--package",
        package,
        "--bin",
        package,
        "--release",
        "--target",
        KERNEL_TARGET,
    ]);
    // RUSTFLAGS from the environment would replace the target's rustflags.
    command
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    if !config_has_kernel_rustflags() {
        command.args(["--config", KERNEL_RUSTFLAGS]);
    }
    run_command(&mut command)?;
    let elf = crate::target_dir()
        .join(KERNEL_TARGET)
        .join("release")
        .join(package);
    if !elf.is_file() {
        return Err(format!("build succeeded but {} is missing", elf.display()).into());
    }
    Ok(elf)
}

/// True when the workspace config already sets the kernel target's rustflags
/// (passing them again would change the fingerprint and force rebuilds).
fn config_has_kernel_rustflags() -> bool {
    let config = crate::project_root().join(".cargo").join("config.toml");
    std::fs::read_to_string(config).is_ok_and(|text| {
        text.contains("[target.x86_64-unknown-none]")
            && text.contains("relocation-model=static")
            && text.contains("-Tvitrine.ld")
    })
}
