//! `cargo xtask vbox [--dry-run] [--name NAME] [--uefi] [--iso PATH] [--virtualbox DIR]
//! [--graphics vboxvga|vboxsvga|vmsvga]`: creates (once) and starts a VirtualBox VM
//! that boots `images/vitrine.iso` with everything the integration needs (see
//! `virtualbox::config`). It finds VirtualBox like the tests do
//! (`virtualbox::locate`), so the command users run is the one the tests run.
//! `--dry-run` prints the VBoxManage commands instead of running them.

use std::path::PathBuf;
use std::process::Command;

use crate::cli::Args;
use crate::qemu::Firmware;
use crate::virtualbox::config::{Graphics, VmConfig};
use crate::virtualbox::locate::{Origin, VirtualBox};
use crate::virtualbox::session::{run_bounded, MANAGE_TIMEOUT};
use crate::{echo, Result};

/// The VM `cargo xtask vbox` sets up.
fn config(name: &str, uefi: bool, graphics: Graphics, iso: Option<PathBuf>) -> VmConfig {
    let serial_log = crate::target_dir()
        .join("vbox")
        .join(format!("{name}-serial.log"));
    let mut vm = VmConfig::new(
        name,
        iso.unwrap_or_else(crate::iso::default_iso),
        serial_log,
    );
    vm.graphics = graphics;
    if uefi {
        vm.firmware = Firmware::Uefi;
    }
    vm
}

/// `cargo xtask vbox`.
pub fn run(arguments: &[String]) -> Result {
    let mut a = Args::new(arguments);
    let dry_run = a.flag("--dry-run");
    let uefi = a.flag("--uefi");
    let name = a.value("--name")?.unwrap_or_else(|| "vitrine".into());
    let iso = a.value("--iso")?;
    let explicit = a.value("--virtualbox")?.map(PathBuf::from);
    let graphics = match a.value("--graphics")? {
        Some(value) => Graphics::parse(&value)?,
        None => Graphics::VboxVga,
    };
    a.finish()?;
    let iso = match iso {
        Some(iso) => Some(std::env::current_dir()?.join(iso)),
        None => None,
    };
    let vm = config(&name, uefi, graphics, iso);
    if dry_run {
        let driverless = !std::path::Path::new("/dev/vboxdrv").exists();
        for command in vm
            .create_commands()
            .iter()
            .chain(&vm.configure_commands(driverless))
        {
            let mut shown = Command::new("VBoxManage");
            shown.args(command);
            echo(&shown);
        }
        println!(
            "(dry run: nothing was run; createvm and storagectl are skipped when the VM \
             exists; the interpreter fallback is set only without /dev/vboxdrv)"
        );
        return Ok(());
    }
    let vbox = VirtualBox::find(explicit.as_deref())?;
    println!("{}", vbox.describe());
    if !vm.iso.is_file() {
        crate::iso::run(&[])?;
    }
    if let Some(dir) = vm.serial_log.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let manage = |args: &[String]| {
        let mut command = vbox.tool("VBoxManage");
        command.args(args);
        echo(&command);
        run_bounded(&mut command, MANAGE_TIMEOUT)
    };
    let exists = manage(&["showvminfo".to_string(), name.clone()]).is_ok();
    if !exists {
        for command in vm.create_commands() {
            manage(&command)?;
        }
    }
    for command in vm.configure_commands(vbox.driverless) {
        manage(&command)?;
    }
    // The test package has no GUI: it runs the VM headless.
    let kind = if matches!(vbox.origin, Origin::Package(_)) {
        "headless"
    } else {
        "gui"
    };
    manage(&[
        "startvm".to_string(),
        name.clone(),
        "--type".to_string(),
        kind.to_string(),
    ])?;
    println!("serial log: {}", vm.serial_log.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn options_reach_the_vm() {
        let vm = config("other name", true, Graphics::VboxSvga, None);
        assert_eq!(vm.firmware, Firmware::Uefi);
        assert_eq!(vm.graphics, Graphics::VboxSvga);
        assert!(vm.iso.ends_with("images/vitrine.iso") && vm.iso.is_absolute());
        assert!(vm.serial_log.ends_with("vbox/other name-serial.log"));
        for command in vm
            .create_commands()
            .iter()
            .chain(&vm.configure_commands(true))
        {
            assert!(command.iter().any(|w| w == "other name"), "{command:?}");
        }
    }

    #[test]
    fn dry_run_prints_and_runs_nothing() {
        assert!(run(&args(&["--dry-run", "--name", "dry"])).is_ok());
        assert!(run(&args(&["--dry-run", "--graphics", "vmsvga"])).is_ok());
        assert!(run(&args(&["--dry-run", "--graphics", "cirrus"])).is_err());
        assert!(run(&args(&["--dry-run", "--bogus"])).is_err());
    }
}
