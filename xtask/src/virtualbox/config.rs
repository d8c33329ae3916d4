//! The VM Vitrine runs in: the `VBoxManage` commands that create and configure it,
//! shared by `cargo xtask vbox` (what users run) and the real-VirtualBox tests.

use std::path::{Path, PathBuf};

use crate::qemu::Firmware;

/// The three graphics controllers of VirtualBox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Graphics {
    /// The VirtualBox VGA (VBE DISPI, HGSMI/VBVA): full integration today.
    VboxVga,
    /// The VirtualBox VGA with an SVGA II register block (80EE:BEEF, sub 15AD:0405).
    VboxSvga,
    /// VMware's SVGA II (15AD:0405), VirtualBox's default for Linux guests.
    VmSvga,
}

impl Graphics {
    /// Every controller, in `--graphics` order.
    pub const ALL: [Self; 3] = [Self::VboxVga, Self::VboxSvga, Self::VmSvga];

    /// The `--graphicscontroller` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::VboxVga => "vboxvga",
            Self::VboxSvga => "vboxsvga",
            Self::VmSvga => "vmsvga",
        }
    }

    /// Parses a `--graphics` value.
    pub fn parse(value: &str) -> crate::Result<Self> {
        Self::ALL
            .into_iter()
            .find(|g| g.name() == value)
            .ok_or_else(|| {
                format!("--graphics wants vboxvga, vboxsvga or vmsvga, not `{value}`").into()
            })
    }
}

/// The EFI firmware's screen (`VBoxInternal2/EfiGraphicsResolution`, read by
/// `Console::i_configConstructorInner` into DevEFI's `GraphicsResolution`).
pub const EFI_RESOLUTION: &str = "640x480";

/// Everything that decides how the VM is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmConfig {
    /// VM name (unique per VirtualBox registry).
    pub name: String,
    /// The ISO in the optical drive.
    pub iso: PathBuf,
    /// Where COM1 is written.
    pub serial_log: PathBuf,
    /// BIOS or EFI.
    pub firmware: Firmware,
    /// The graphics controller; VBoxVGA is the one with full integration today.
    pub graphics: Graphics,
    /// Video memory in MiB (64 holds 3840×2160 plus the VBVA areas).
    pub vram_mib: u32,
    /// Guest RAM in MiB.
    pub memory_mib: u32,
    /// Where the VM's folder goes (`createvm --basefolder`); VirtualBox's default
    /// folder when `None`.
    pub base_folder: Option<PathBuf>,
}

impl VmConfig {
    /// The defaults for `name`: BIOS, VBoxVGA, 64 MiB VRAM, 128 MiB RAM.
    pub fn new(name: &str, iso: PathBuf, serial_log: PathBuf) -> Self {
        Self {
            name: name.to_string(),
            iso,
            serial_log,
            firmware: Firmware::Bios,
            graphics: Graphics::VboxVga,
            vram_mib: 64,
            memory_mib: 128,
            base_folder: None,
        }
    }

    /// The commands that create and register the VM (skipped when it exists).
    pub fn create_commands(&self) -> Vec<Vec<String>> {
        let mut create = words(&[
            "createvm",
            "--name",
            &self.name,
            "--ostype",
            "Other_64",
            "--register",
        ]);
        if let Some(folder) = &self.base_folder {
            create.extend(words(&["--basefolder", &path(folder)]));
        }
        vec![
            create,
            words(&["storagectl", &self.name, "--name", "IDE", "--add", "ide"]),
        ]
    }

    /// The commands that configure it; `driverless` adds the interpreter fallback
    /// that a VirtualBox without its kernel driver needs (and only that one).
    pub fn configure_commands(&self, driverless: bool) -> Vec<Vec<String>> {
        let memory = self.memory_mib.to_string();
        let vram = self.vram_mib.to_string();
        let firmware = match self.firmware {
            Firmware::Bios => "bios",
            Firmware::Uefi => "efi",
        };
        let mut commands = vec![
            words(&[
                "modifyvm",
                &self.name,
                "--memory",
                &memory,
                "--cpus",
                "1",
                "--ioapic",
                "on",
                "--firmware",
                firmware,
                "--graphicscontroller",
                self.graphics.name(),
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
                &path(&self.serial_log),
                "--audio-driver",
                "none",
                "--nic1",
                "none",
                "--usb",
                "off",
            ]),
            words(&[
                "storageattach",
                &self.name,
                "--storagectl",
                "IDE",
                "--port",
                "0",
                "--device",
                "0",
                "--type",
                "dvddrive",
                "--medium",
                &path(&self.iso),
            ]),
        ];
        if self.firmware == Firmware::Uefi {
            // The EFI firmware and GRUB draw their text console into the GOP mode
            // (default 1024x768): every clear and scroll is a full-screen blit, which
            // an interpreter pays for in minutes. The kiosk sets its own mode (VBVA,
            // SVGA II or VBE) as it starts; only a firmware-framebuffer fallback would
            // run at this size.
            commands.push(words(&[
                "setextradata",
                &self.name,
                "VBoxInternal2/EfiGraphicsResolution",
                EFI_RESOLUTION,
            ]));
        }
        if driverless {
            commands.push(words(&[
                "setextradata",
                &self.name,
                "VBoxInternal/HM/FallbackToIEM",
                "1",
            ]));
        }
        commands
    }
}

fn words(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option<'a>(command: &'a [String], name: &str) -> Option<&'a str> {
        let i = command.iter().position(|w| w == name)?;
        command.get(i + 1).map(String::as_str)
    }

    fn config() -> VmConfig {
        VmConfig::new(
            "kiosk-test",
            PathBuf::from("/x/images/vitrine.iso"),
            PathBuf::from("/x/serial.log"),
        )
    }

    #[test]
    fn the_vm_has_what_the_integration_needs() {
        let vm = config();
        let create = vm.create_commands();
        assert_eq!(create[0][..3], ["createvm", "--name", "kiosk-test"]);
        assert_eq!(option(&create[0], "--ostype"), Some("Other_64"));
        assert_eq!(option(&create[0], "--basefolder"), None);
        let configure = vm.configure_commands(false);
        let modify = &configure[0];
        assert_eq!(modify[..2], ["modifyvm", "kiosk-test"]);
        assert_eq!(option(modify, "--ioapic"), Some("on"));
        assert_eq!(option(modify, "--mouse"), Some("ps2"));
        assert_eq!(option(modify, "--graphicscontroller"), Some("vboxvga"));
        assert!(option(modify, "--vram").unwrap().parse::<u32>().unwrap() >= 64);
        assert_eq!(option(modify, "--boot1"), Some("dvd"));
        assert_eq!(option(modify, "--firmware"), Some("bios"));
        assert_eq!(option(modify, "--uartmode1"), Some("file"));
        assert_eq!(
            option(&configure[1], "--medium"),
            Some("/x/images/vitrine.iso")
        );
        assert_eq!(configure.len(), 2, "no interpreter fallback with a driver");
    }

    #[test]
    fn driverless_graphics_firmware_and_folder_reach_the_commands() {
        let mut vm = config();
        vm.firmware = Firmware::Uefi;
        vm.graphics = Graphics::VmSvga;
        vm.base_folder = Some(PathBuf::from("/runs/a"));
        assert_eq!(
            option(&vm.create_commands()[0], "--basefolder"),
            Some("/runs/a")
        );
        let configure = vm.configure_commands(true);
        assert_eq!(option(&configure[0], "--firmware"), Some("efi"));
        assert_eq!(
            option(&configure[0], "--graphicscontroller"),
            Some("vmsvga")
        );
        assert_eq!(
            configure.last().unwrap()[..],
            [
                "setextradata",
                "kiosk-test",
                "VBoxInternal/HM/FallbackToIEM",
                "1"
            ]
        );
        assert!(configure.iter().any(|c| c[..]
            == [
                "setextradata",
                "kiosk-test",
                "VBoxInternal2/EfiGraphicsResolution",
                EFI_RESOLUTION
            ]));
        vm.firmware = Firmware::Bios;
        assert!(!vm
            .configure_commands(true)
            .iter()
            .flatten()
            .any(|w| w.contains("Efi")));
    }

    #[test]
    fn graphics_names_round_trip() {
        for graphics in Graphics::ALL {
            assert_eq!(Graphics::parse(graphics.name()).unwrap(), graphics);
        }
        assert!(Graphics::parse("vga").is_err());
    }
}
