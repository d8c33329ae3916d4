//! The VGA device (VirtualBox VGA or QEMU std VGA): VBE DISPI registers and driver,
//! HGSMI and VBVA, and which device we have and where its framebuffer BAR is.
//!
//! The PCI scan finds the device and sizes its BARs; this module only interprets
//! what it found.

pub mod dispi;
pub mod dispi_regs;
pub mod hgsmi;
pub mod svga;
pub mod vbva;

/// PCI vendor/device of VirtualBox's VGA (VBoxVGA and VBoxSVGA personalities).
pub const VIRTUALBOX_VGA_ID: (u16, u16) = (0x80EE, 0xBEEF);
/// PCI vendor/device of QEMU's standard VGA (Bochs DISPI).
pub const QEMU_STD_VGA_ID: (u16, u16) = (0x1234, 0x1111);

/// Which DISPI-speaking device this is; the two differ in how they report VRAM size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VgaKind {
    /// VirtualBox VGA (80EE:BEEF): 32-bit data-port read gives the VRAM size.
    VirtualBox,
    /// QEMU std VGA (1234:1111): index 0xA gives VRAM in 64 KiB units.
    QemuStd,
}

impl VgaKind {
    /// The kind for a PCI vendor/device pair, or `None` for a device we do not drive.
    pub fn from_pci_id(vendor: u16, device: u16) -> Option<Self> {
        match (vendor, device) {
            VIRTUALBOX_VGA_ID => Some(Self::VirtualBox),
            QEMU_STD_VGA_ID => Some(Self::QemuStd),
            _ => None,
        }
    }

    /// Short name for status lines.
    pub fn name(self) -> &'static str {
        match self {
            Self::VirtualBox => "virtualbox",
            Self::QemuStd => "qemu-std",
        }
    }
}

/// One decoded PCI base address register, as the PCI scan sized it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PciBar {
    /// Unimplemented, or the upper half of a 64-bit BAR.
    #[default]
    None,
    /// An I/O port range.
    Io {
        /// First port.
        port: u16,
        /// Number of ports.
        size: u32,
    },
    /// A memory range.
    Memory {
        /// Physical base address.
        base: u64,
        /// Size in bytes (a power of two: PCI rounds it up).
        size: u64,
        /// Prefetchable memory (where a framebuffer lives).
        prefetchable: bool,
    },
}

/// What the PCI scan tells us about the VGA function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VgaPciInfo {
    /// PCI vendor id.
    pub vendor: u16,
    /// PCI device id.
    pub device: u16,
    /// Subsystem vendor and device id (config 0x2C): 15AD:0405 marks VBoxSVGA.
    pub subsystem: (u16, u16),
    /// The six BARs, decoded.
    pub bars: [PciBar; 6],
}

/// The framebuffer BAR: chosen by type and size, never by number (VMSVGA moves it to
/// BAR1; QEMU has a small MMIO register BAR2). Memory BARs only; prefetchable first,
/// then the largest. Returns (base, size).
pub fn framebuffer_bar(bars: &[PciBar]) -> Option<(u64, u64)> {
    bars.iter()
        .filter_map(|bar| match *bar {
            PciBar::Memory {
                base,
                size,
                prefetchable,
            } if base != 0 && size != 0 => Some((prefetchable, size, base)),
            _ => None,
        })
        .max_by_key(|&(prefetchable, size, _)| (prefetchable, size))
        .map(|(_, size, base)| (base, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framebuffer_bar_prefers_prefetchable_then_largest() {
        let bars = [
            PciBar::Io {
                port: 0xC000,
                size: 16,
            },
            PciBar::Memory {
                base: 0xF000_0000,
                size: 32 << 20,
                prefetchable: false,
            },
            PciBar::Memory {
                base: 0xE000_0000,
                size: 16 << 20,
                prefetchable: true,
            },
            PciBar::Memory {
                base: 0xE100_0000,
                size: 8 << 20,
                prefetchable: true,
            },
            PciBar::None,
            PciBar::None,
        ];
        assert_eq!(framebuffer_bar(&bars), Some((0xE000_0000, 16 << 20)));
    }

    #[test]
    fn framebuffer_bar_falls_back_to_largest_plain_memory() {
        let bars = [
            PciBar::Memory {
                base: 0xFEB0_0000,
                size: 4096,
                prefetchable: false,
            },
            PciBar::Memory {
                base: 0xFD00_0000,
                size: 16 << 20,
                prefetchable: false,
            },
        ];
        assert_eq!(framebuffer_bar(&bars), Some((0xFD00_0000, 16 << 20)));
        assert_eq!(framebuffer_bar(&[PciBar::None; 6]), None);
    }

    #[test]
    fn kinds_from_pci_ids() {
        assert_eq!(
            VgaKind::from_pci_id(0x80EE, 0xBEEF),
            Some(VgaKind::VirtualBox)
        );
        assert_eq!(VgaKind::from_pci_id(0x1234, 0x1111), Some(VgaKind::QemuStd));
        assert_eq!(VgaKind::from_pci_id(0x15AD, 0x0405), None);
    }
}
