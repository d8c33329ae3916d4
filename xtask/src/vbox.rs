//! `cargo xtask vbox [--dry-run] [--name NAME] [--uefi] [--iso PATH]`: creates (once)
//! and starts a VirtualBox VM that boots `images/vitrine.iso` with everything the
//! integration needs: the VirtualBox VGA (VBVA, auto-resize), I/O APIC, a PS/2 mouse
//! next to VMMDev (absolute pointer), 64 MiB VRAM (4K modes), serial to a file.
//! `--dry-run` prints the VBoxManage commands instead of running them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::AppPackage;
use crate::{echo, run_command, Result};

/// Settings of the VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmSettings {
    /// VM name.
    pub name: String,
    /// The ISO to boot.
    pub iso: PathBuf,
    /// Where COM1 is written.
    pub serial_log: PathBuf,
    /// UEFI firmware instead of the BIOS.
    pub uefi: bool,
    /// Video memory in MiB (64 holds 3840×2160 plus the VBVA areas).
    pub vram_mib: u32,
    /// Guest RAM in MiB.
    pub memory_mib: u32,
}

impl VmSettings {
    /// The defaults for `name`, with paths under the workspace.
    pub fn new(name: &str) -> Self {
        let root = crate::project_root();
        Self {
            name: name.to_string(),
            iso: crate::iso::default_iso(),
            serial_log: root
                .join("target")
                .join("vbox")
                .join(format!("{name}-serial.log")),
            uefi: false,
            vram_mib: 64,
            memory_mib: 128,
        }
    }
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The VBoxManage argument lists that create the VM (skipped when it exists).
pub fn create_commands(vm: &VmSettings) -> Vec<Vec<String>> {
    vec![
        args(&[
            "createvm",
            "--name",
            &vm.name,
            "--ostype",
            "Other_64",
            "--register",
        ]),
        args(&["storagectl", &vm.name, "--name", "IDE", "--add", "ide"]),
    ]
}

/// The VBoxManage argument lists that configure and start it.
pub fn start_commands(vm: &VmSettings) -> Vec<Vec<String>> {
    let memory = vm.memory_mib.to_string();
    let vram = vm.vram_mib.to_string();
    vec![
        args(&[
            "modifyvm",
            &vm.name,
            "--memory",
            &memory,
            "--ioapic",
            "on",
            "--firmware",
            if vm.uefi { "efi" } else { "bios" },
            "--graphicscontroller",
            "vboxvga",
            "--vram",
            &vram,
            "--mouse",
            "ps2",
            "--keyboard",
            "ps2",
            "--boot1",
            "dvd",
            "--boot2",
            "none",
            "--boot3",
            "none",
            "--boot4",
            "none",
            "--uart1",
            "0x3F8",
            "4",
            "--uartmode1",
            "file",
            &path(&vm.serial_log),
        ]),
        args(&[
            "storageattach",
            &vm.name,
            "--storagectl",
            "IDE",
            "--port",
            "0",
            "--device",
            "0",
            "--type",
            "dvddrive",
            "--medium",
            &path(&vm.iso),
        ]),
        args(&["startvm", &vm.name, "--type", "gui"]),
    ]
}

fn vboxmanage(arguments: &[String]) -> Command {
    let mut command = Command::new("VBoxManage");
    command.args(arguments);
    command
}

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
}

/// `cargo xtask vbox`.
pub fn run(args: &VboxArgs) -> Result {
    let package = &args.app.package;
    let default_name = if package == crate::cli::DEFAULT_APP {
        "vitrine"
    } else {
        package
    };
    let mut vm = VmSettings::new(args.name.as_deref().unwrap_or(default_name));
    vm.uefi = args.uefi;
    vm.iso = match &args.iso {
        Some(iso) => std::env::current_dir()?.join(iso),
        None => crate::iso::iso_for(package),
    };
    let dry_run = args.dry_run;
    if dry_run {
        for command in create_commands(&vm).iter().chain(&start_commands(&vm)) {
            echo(&vboxmanage(command));
        }
        println!(
            "(dry run: nothing was run; createvm and storagectl are skipped when the VM exists)"
        );
        return Ok(());
    }
    let installed = Command::new("VBoxManage")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        return Err("VirtualBox is not installed here (no VBoxManage); \
                    `cargo xtask vbox --dry-run` prints the commands"
            .into());
    }
    if args.iso.is_none() && crate::freshness::is_stale(&vm.iso, package)? {
        crate::iso::run(&crate::iso::IsoArgs {
            app: args.app.clone(),
            ..Default::default()
        })?;
    }
    if let Some(dir) = vm.serial_log.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let exists = Command::new("VBoxManage")
        .args(["showvminfo", &vm.name])
        .output()
        .is_ok_and(|o| o.status.success());
    if !exists {
        for command in create_commands(&vm) {
            run_command(&mut vboxmanage(&command))?;
        }
    }
    for command in start_commands(&vm) {
        run_command(&mut vboxmanage(&command))?;
    }
    println!("serial log: {}", vm.serial_log.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(vm: &VmSettings) -> Vec<String> {
        create_commands(vm)
            .iter()
            .chain(&start_commands(vm))
            .map(|c| c.join(" "))
            .collect()
    }

    fn option<'a>(command: &'a [String], name: &str) -> Option<&'a str> {
        let i = command.iter().position(|w| w == name)?;
        command.get(i + 1).map(String::as_str)
    }

    #[test]
    fn the_vm_has_what_the_integration_needs() {
        let vm = VmSettings::new("kiosk-test");
        let create = create_commands(&vm);
        assert_eq!(create[0][0], "createvm");
        assert_eq!(option(&create[0], "--ostype"), Some("Other_64"));
        assert_eq!(option(&create[0], "--name"), Some("kiosk-test"));
        let start = start_commands(&vm);
        let modify = &start[0];
        assert_eq!(modify[..2], ["modifyvm", "kiosk-test"]);
        assert_eq!(option(modify, "--ioapic"), Some("on"));
        assert_eq!(option(modify, "--mouse"), Some("ps2"));
        assert_eq!(option(modify, "--graphicscontroller"), Some("vboxvga"));
        assert!(option(modify, "--vram").unwrap().parse::<u32>().unwrap() >= 64);
        assert_eq!(option(modify, "--boot1"), Some("dvd"));
        assert_eq!(option(modify, "--firmware"), Some("bios"));
        let serial = option(modify, "--uartmode1").unwrap();
        assert_eq!(serial, "file");
        let serial_path = &modify[modify.iter().position(|w| w == "file").unwrap() + 1];
        assert!(Path::new(serial_path).is_absolute(), "{serial_path}");
        let attach = &start[1];
        assert_eq!(option(attach, "--type"), Some("dvddrive"));
        let medium = option(attach, "--medium").unwrap();
        assert!(medium.ends_with("images/vitrine.iso") && Path::new(medium).is_absolute());
        assert_eq!(start.last().unwrap()[..2], ["startvm", "kiosk-test"]);
    }

    #[test]
    fn uefi_and_names_reach_every_command() {
        let mut vm = VmSettings::new("other name");
        vm.uefi = true;
        let start = start_commands(&vm);
        assert_eq!(option(&start[0], "--firmware"), Some("efi"));
        for line in joined(&vm) {
            assert!(line.contains("other name"), "{line}");
        }
    }

    #[test]
    fn dry_run_prints_and_runs_nothing() {
        // Whether or not VBoxManage is installed, a dry run succeeds and runs nothing.
        let dry = VboxArgs {
            app: AppPackage::default(),
            dry_run: true,
            name: Some("dry".into()),
            uefi: false,
            iso: None,
        };
        assert!(run(&dry).is_ok());
    }
}
