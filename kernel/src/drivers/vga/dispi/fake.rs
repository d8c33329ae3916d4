//! A register-level fake of the DISPI interface of VirtualBox's VGA and QEMU's std
//! VGA, written from the spec (§6.1–6.4 for VirtualBox, §6.7 for QEMU), not from the
//! driver. Test-only; shared by the driver and display-backend tests.

use crate::drivers::vga::{PciBar, VgaPciInfo};
use crate::hal::PortIo;

/// Register-level model of the DISPI interface of one device.
pub(crate) struct FakeDispi {
    pub virtualbox: bool,
    pub regs: [u16; 16],
    pub index: u16,
    /// The VRAM the device really has (enable validation uses it).
    pub vram: u32,
    /// What the device reports as its VRAM size (a lying device differs).
    pub reported_vram: u32,
    /// Every register write, in order, for checks on the sequence.
    pub writes: Vec<(u16, u16)>,
}

impl FakeDispi {
    pub fn virtualbox(vram: u32) -> Self {
        let mut regs = [0; 16];
        regs[0] = 0xB0C4; // what the VirtualBox VGA BIOS leaves behind
        Self {
            virtualbox: true,
            regs,
            index: 0,
            vram,
            reported_vram: vram,
            writes: Vec::new(),
        }
    }

    pub fn qemu(vram: u32) -> Self {
        let mut regs = [0; 16];
        regs[0] = 0xB0C5;
        Self {
            virtualbox: false,
            ..Self::virtualbox(vram)
        }
        .with_regs(regs)
    }

    fn with_regs(mut self, regs: [u16; 16]) -> Self {
        self.regs = regs;
        self
    }

    fn max(&self) -> (u16, u16) {
        if self.virtualbox {
            (16384, 16384)
        } else {
            (16000, 12000)
        }
    }

    fn bytes_pp(&self) -> u32 {
        u32::from(self.regs[3].max(8)).div_ceil(8)
    }

    fn pitch(&self) -> u32 {
        let vw = if self.regs[6] != 0 {
            self.regs[6]
        } else {
            self.regs[1]
        };
        (u32::from(vw) * self.bytes_pp()).next_multiple_of(4)
    }

    fn read(&self, index: u16) -> u16 {
        let getcaps = self.regs[4] & 0x02 != 0;
        match index {
            1 if getcaps => self.max().0,
            2 if getcaps => self.max().1,
            3 if getcaps => 32,
            7 => self
                .vram
                .checked_div(self.pitch())
                .map_or(0, |rows| rows.min(0xFFFF) as u16),
            0xA if self.virtualbox => 1,
            0xA => (self.reported_vram / 65536) as u16,
            i if usize::from(i) < 0xD => self.regs[usize::from(i)],
            _ => 0,
        }
    }

    fn write(&mut self, index: u16, value: u16) {
        self.writes.push((index, value));
        let (max_x, max_y) = self.max();
        match index {
            0 => {
                let accepted = if self.virtualbox {
                    (0xB0C0..=0xB0C4).contains(&value) || (0xBE00..=0xBE03).contains(&value)
                } else {
                    (0xB0C0..=0xB0C5).contains(&value)
                };
                if accepted {
                    self.regs[0] = value;
                }
            }
            1 if self.virtualbox && value <= max_x => {
                self.regs[1] = value;
                self.regs[6] = value;
            }
            1 if self.virtualbox => {}
            1 => self.regs[1] = value.min(max_x) & !7,
            2 if value <= max_y => self.regs[2] = value,
            2 => {}
            3 => {
                let v = if value == 0 { 8 } else { value };
                if [4, 8, 15, 16, 24, 32].contains(&v) {
                    self.regs[3] = v;
                } else if !self.virtualbox {
                    self.regs[3] = 8;
                }
            }
            4 => {
                let was = self.regs[4] & 1 != 0;
                let now = value & 1 != 0;
                if !was && now {
                    if self.virtualbox {
                        let need =
                            u32::from(self.regs[1]) * self.bytes_pp() * u32::from(self.regs[2]);
                        if need > self.vram || self.regs[1] == 0 || self.regs[2] == 0 {
                            return; // silently dropped
                        }
                    } else {
                        self.regs[6] = self.regs[1];
                        let max_h = (self.vram / self.pitch().max(1)) as u16;
                        self.regs[2] = self.regs[2].min(max_h);
                    }
                    self.regs[8] = 0;
                    self.regs[9] = 0;
                }
                self.regs[4] = value;
            }
            6 if self.virtualbox => self.regs[6] = value,
            6 => self.regs[6] = (value & !7).max(self.regs[1]),
            7 => {}
            0xA if self.virtualbox => panic!("driver wrote VBE_DISPI_INDEX_VBOX_VIDEO"),
            i if usize::from(i) < 0xD => self.regs[usize::from(i)] = value,
            _ => {}
        }
    }
}

impl PortIo for FakeDispi {
    fn in8(&mut self, port: u16) -> u8 {
        panic!("unexpected 8-bit read of port {port:#x}")
    }
    fn in16(&mut self, port: u16) -> u16 {
        match port {
            0x1CE => self.index,
            0x1CF => self.read(self.index),
            _ => panic!("unexpected read of port {port:#x}"),
        }
    }
    fn in32(&mut self, port: u16) -> u32 {
        // The HGSMI ports exist on VirtualBox's VGA; this fake has no HGSMI host behind
        // them, so the host port reads "no command" and submissions go unanswered.
        if self.virtualbox && (port == 0x3B0 || port == 0x3D0) {
            return 0xFFFF_FFFF;
        }
        assert_eq!(port, 0x1CF, "32-bit read of a port other than DATA");
        if self.virtualbox && self.regs[0] != 0xBE03 {
            self.reported_vram
        } else {
            0xFFFF_FFFF
        }
    }
    fn out8(&mut self, port: u16, _value: u8) {
        panic!("unexpected 8-bit write of port {port:#x}")
    }
    fn out16(&mut self, port: u16, value: u16) {
        match port {
            0x1CE => self.index = value,
            0x1CF => self.write(self.index, value),
            _ => panic!("unexpected write of port {port:#x}"),
        }
    }
    fn out32(&mut self, port: u16, _value: u32) {
        if self.virtualbox && (port == 0x3B0 || port == 0x3D0) {
            return; // HGSMI with no host behind it (see in32)
        }
        panic!("unexpected 32-bit write of port {port:#x}")
    }
}

pub(crate) fn vbox_pci(bar_size: u64) -> VgaPciInfo {
    let mut bars = [PciBar::None; 6];
    bars[0] = PciBar::Memory {
        base: 0xE000_0000,
        size: bar_size,
        prefetchable: true,
    };
    VgaPciInfo {
        vendor: 0x80EE,
        device: 0xBEEF,
        subsystem: (0, 0),
        bars,
    }
}

pub(crate) fn qemu_pci(bar_size: u64) -> VgaPciInfo {
    let mut bars = [PciBar::None; 6];
    bars[0] = PciBar::Memory {
        base: 0xFD00_0000,
        size: bar_size,
        prefetchable: true,
    };
    bars[2] = PciBar::Memory {
        base: 0xFEBF_0000,
        size: 4096,
        prefetchable: false,
    };
    VgaPciInfo {
        vendor: 0x1234,
        device: 0x1111,
        subsystem: (0x1AF4, 0x1100),
        bars,
    }
}
