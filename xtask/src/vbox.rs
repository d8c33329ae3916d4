//! `cargo xtask vbox [-p APP] [--dry-run] [--name NAME] [--uefi] [--iso PATH]
//! [--virtualbox DIR] [--graphics vboxvga|vboxsvga|vmsvga]`: creates (once) and
//! starts a VirtualBox VM that boots the app's ISO with everything the integration
//! needs (see `virtualbox::config`). It finds VirtualBox like the tests do
//! (`virtualbox::locate`), so the command users run is the one the tests run.
//! `--dry-run` prints the VBoxManage commands instead of running them.

use std::path::PathBuf;
use std::process::Command;

use crate::cli::AppPackage;
use crate::qemu::Firmware;
use crate::virtualbox::config::{Graphics, VmConfig};
use crate::virtualbox::locate::{Origin, VirtualBox};
use crate::virtualbox::session::{run_bounded, MANAGE_TIMEOUT};
use crate::{echo, Result};

/// `cargo xtask vbox` options.
#[derive(Debug, clap::Args)]
pub struct VboxArgs {
    #[command(flatten)]
    pub app: AppPackage,
    /// Print the VBoxManage commands instead of running them
    #[arg(long)]
    pub dry_run: bool,
    /// VM name (default: vitrine for the demo, the app's name else)
    #[arg(long)]
    pub name: Option<String>,
    /// UEFI firmware instead of the BIOS
    #[arg(long)]
    pub uefi: bool,
    /// Boot this ISO as it is instead of the app's (rebuilt when older than its sources)
    #[arg(long, value_name = "PATH")]
    pub iso: Option<PathBuf>,
    /// The VirtualBox to use (a folder with VBoxManage; also VITRINE_VIRTUALBOX); else
    /// VBoxManage on PATH, else the test package in ../shared/virtualbox/
    #[arg(long, value_name = "DIR")]
    pub virtualbox: Option<PathBuf>,
    /// The graphics controller: vboxvga (VBVA: resize hints, host pointer), vboxsvga
    /// or vmsvga
    #[arg(long, value_name = "CONTROLLER", default_value = "vboxvga", value_parser = parse_graphics)]
    pub graphics: Graphics,
}

fn parse_graphics(value: &str) -> std::result::Result<Graphics, String> {
    Graphics::parse(value).map_err(|e| e.to_string())
}

/// The VM `cargo xtask vbox` sets up.
fn config(name: &str, uefi: bool, graphics: Graphics, iso: PathBuf) -> VmConfig {
    let serial_log = crate::target_dir()
        .join("vbox")
        .join(format!("{name}-serial.log"));
    let mut vm = VmConfig::new(name, iso, serial_log);
    vm.graphics = graphics;
    if uefi {
        vm.firmware = Firmware::Uefi;
    }
    vm
}

/// `cargo xtask vbox`.
pub fn run(args: &VboxArgs) -> Result {
    let package = &args.app.package;
    let default_name = if package == crate::cli::DEFAULT_APP {
        "vitrine"
    } else {
        package
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name.to_string());
    let iso = match &args.iso {
        Some(iso) => std::env::current_dir()?.join(iso),
        None => crate::iso::iso_for(package),
    };
    let dry_run = args.dry_run;
    let vm = config(&name, args.uefi, args.graphics, iso);
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
    let vbox = VirtualBox::find(args.virtualbox.as_deref())?;
    println!("{}", vbox.describe());
    if args.iso.is_none() && crate::freshness::is_stale(&vm.iso, package)? {
        crate::iso::run(&crate::iso::IsoArgs {
            app: args.app.clone(),
            ..Default::default()
        })?;
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
    use clap::Parser;

    fn args(words: &[&str]) -> Result<VboxArgs> {
        let mut all = vec!["cargo xtask", "vbox"];
        all.extend_from_slice(words);
        match crate::cli::Cli::try_parse_from(all)?.command {
            crate::cli::Command::Vbox(args) => Ok(args),
            other => Err(format!("parsed as {other:?}").into()),
        }
    }

    #[test]
    fn options_reach_the_vm() {
        let vm = config(
            "other name",
            true,
            Graphics::VboxSvga,
            crate::iso::default_iso(),
        );
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
    fn graphics_default_and_choices() {
        assert_eq!(args(&[]).unwrap().graphics, Graphics::VboxVga);
        assert_eq!(
            args(&["--graphics", "vmsvga"]).unwrap().graphics,
            Graphics::VmSvga
        );
        assert!(args(&["--graphics", "cirrus"]).is_err());
    }

    #[test]
    fn dry_run_prints_and_runs_nothing() {
        assert!(run(&args(&["--dry-run", "--name", "dry"]).unwrap()).is_ok());
        assert!(run(&args(&["--dry-run", "--graphics", "vboxsvga"]).unwrap()).is_ok());
    }
}
