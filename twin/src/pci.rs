//! PCI configuration space of the twin's functions, with BAR sizing semantics.
//!
//! Layout per the spec §1: VMMDev 80EE:CAFE at 0:4.0 (I/O BAR0 0x20 ports, memory
//! BAR1 4 MiB, prefetchable BAR2 16 KiB, INTA), the VirtualBox VGA 80EE:BEEF at 0:2.0
//! (prefetchable VRAM BAR0 rounded up to a power of two, INTA), plus the PIIX3 host
//! and ISA bridges so a bus scan looks like a real 440FX machine. The state at
//! construction is what the fake PCI BIOS leaves: BARs assigned, I/O and memory
//! decoding on, Interrupt Line programmed (VMMDev 11, VGA 10).

/// What a BAR decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    /// I/O space.
    Io,
    /// 32-bit memory space.
    Memory {
        /// Prefetchable bit (bit 3).
        prefetchable: bool,
    },
}

/// One BAR's fixed properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarDef {
    /// Decoded size in bytes (a power of two).
    pub size: u32,
    /// I/O or memory.
    pub kind: BarKind,
}

impl BarDef {
    fn type_bits(&self) -> u32 {
        match self.kind {
            BarKind::Io => 0x1,
            BarKind::Memory { prefetchable } => {
                if prefetchable {
                    0x8
                } else {
                    0
                }
            }
        }
    }
}

/// PCI command register: I/O space decoding.
pub const COMMAND_IO: u16 = 0x1;
/// PCI command register: memory space decoding.
pub const COMMAND_MEMORY: u16 = 0x2;
/// PCI command register: bus master.
pub const COMMAND_BUS_MASTER: u16 = 0x4;
/// Command bits the twin lets the guest change (I/O, memory, master, parity, SERR,
/// INTx disable).
const COMMAND_WRITABLE: u16 = 0x0547;

/// One PCI function's 256-byte configuration space.
#[derive(Debug, Clone)]
pub struct PciFunction {
    /// Bus number.
    pub bus: u8,
    /// Device number.
    pub device: u8,
    /// Function number.
    pub function: u8,
    config: [u8; 256],
    bars: [Option<BarDef>; 6],
}

/// Identity of a function, for [`PciFunction::new`].
#[derive(Debug, Clone, Copy)]
pub struct PciIdentity {
    /// Vendor ID.
    pub vendor: u16,
    /// Device ID.
    pub device_id: u16,
    /// Class code, subclass, programming interface.
    pub class: (u8, u8, u8),
    /// Header type byte (bit 7 = multi-function).
    pub header_type: u8,
    /// Interrupt pin (1 = INTA, 0 = none).
    pub interrupt_pin: u8,
    /// Interrupt line as the BIOS programmed it.
    pub interrupt_line: u8,
}

impl PciFunction {
    /// A function at `bus:device.function` with the given identity and BARs
    /// (`(definition, assigned base)`).
    pub fn new(
        (bus, device, function): (u8, u8, u8),
        id: PciIdentity,
        bars: &[(BarDef, u32)],
        command: u16,
    ) -> Self {
        let mut f = Self {
            bus,
            device,
            function,
            config: [0; 256],
            bars: [None; 6],
        };
        f.put16(0x00, id.vendor);
        f.put16(0x02, id.device_id);
        f.put16(0x04, command);
        f.put16(0x06, 0x0000);
        f.config[0x09] = id.class.2;
        f.config[0x0A] = id.class.1;
        f.config[0x0B] = id.class.0;
        f.config[0x0E] = id.header_type;
        f.config[0x3C] = id.interrupt_line;
        f.config[0x3D] = id.interrupt_pin;
        for (i, (def, base)) in bars.iter().enumerate() {
            f.bars[i] = Some(*def);
            f.put32(0x10 + 4 * i, (base & !(def.size - 1)) | def.type_bits());
        }
        f
    }

    fn put16(&mut self, off: usize, v: u16) {
        self.config[off..off + 2].copy_from_slice(&v.to_le_bytes());
    }

    fn put32(&mut self, off: usize, v: u32) {
        self.config[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }

    fn get32(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.config[off..off + 4].try_into().expect("4 bytes"))
    }

    /// Reads the dword containing `offset` (the low two bits are ignored).
    pub fn read_dword(&self, offset: u8) -> u32 {
        self.get32(usize::from(offset & !3))
    }

    /// Writes the dword containing `offset`, honouring read-only bits and BAR sizing.
    pub fn write_dword(&mut self, offset: u8, value: u32) {
        let off = usize::from(offset & !3);
        match off {
            0x04 => {
                let cmd = (self.command() & !COMMAND_WRITABLE) | (value as u16 & COMMAND_WRITABLE);
                self.put16(0x04, cmd);
                // Status bits are write-one-to-clear; none are ever set in the twin.
            }
            0x0C => {
                // Cache line size and latency timer are writable; header type/BIST not.
                self.config[0x0C] = value as u8;
                self.config[0x0D] = (value >> 8) as u8;
            }
            0x10..=0x27 => {
                let index = (off - 0x10) / 4;
                if let Some(def) = self.bars[index] {
                    let mask = !(def.size - 1);
                    self.put32(off, (value & mask) | def.type_bits());
                }
            }
            0x3C => self.config[0x3C] = value as u8, // Interrupt Line only; pin is RO.
            _ => {}
        }
    }

    /// Sets the subsystem vendor and device (config 0x2C, read-only to the guest).
    pub fn set_subsystem(&mut self, vendor: u16, device: u16) {
        self.put16(0x2C, vendor);
        self.put16(0x2E, device);
    }

    /// The command register.
    pub fn command(&self) -> u16 {
        u16::from_le_bytes([self.config[4], self.config[5]])
    }

    /// The base address BAR `index` currently decodes at (type bits stripped).
    pub fn bar_base(&self, index: usize) -> u32 {
        let raw = self.get32(0x10 + 4 * index);
        match self.bars[index].map(|d| d.kind) {
            Some(BarKind::Io) => raw & !0x3,
            _ => raw & !0xF,
        }
    }

    /// Interrupt Line (config 0x3C).
    pub fn interrupt_line(&self) -> u8 {
        self.config[0x3C]
    }

    /// Interrupt Pin (config 0x3D).
    pub fn interrupt_pin(&self) -> u8 {
        self.config[0x3D]
    }
}

/// The twin's PCI bus 0.
#[derive(Debug, Clone)]
pub struct PciBus {
    functions: Vec<PciFunction>,
}

impl PciBus {
    /// A bus holding `functions`.
    pub fn new(functions: Vec<PciFunction>) -> Self {
        Self { functions }
    }

    /// The function at `bus:device.function`.
    pub fn function(&self, bus: u8, device: u8, function: u8) -> Option<&PciFunction> {
        self.functions
            .iter()
            .find(|f| (f.bus, f.device, f.function) == (bus, device, function))
    }

    /// Reads a config dword; absent functions read all-ones.
    pub fn read(&self, bus: u8, device: u8, function: u8, offset: u8) -> u32 {
        self.function(bus, device, function)
            .map_or(0xFFFF_FFFF, |f| f.read_dword(offset))
    }

    /// Writes a config dword; writes to absent functions are dropped.
    /// Returns true when a function took the write.
    pub fn write(&mut self, bus: u8, device: u8, function: u8, offset: u8, value: u32) -> bool {
        match self
            .functions
            .iter_mut()
            .find(|f| (f.bus, f.device, f.function) == (bus, device, function))
        {
            Some(f) => {
                f.write_dword(offset, value);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vmmdev_like() -> PciFunction {
        PciFunction::new(
            (0, 4, 0),
            PciIdentity {
                vendor: 0x80EE,
                device_id: 0xCAFE,
                class: (0x08, 0x80, 0),
                header_type: 0,
                interrupt_pin: 1,
                interrupt_line: 11,
            },
            &[
                (
                    BarDef {
                        size: 0x20,
                        kind: BarKind::Io,
                    },
                    0xD020,
                ),
                (
                    BarDef {
                        size: 0x40_0000,
                        kind: BarKind::Memory {
                            prefetchable: false,
                        },
                    },
                    0xF000_0000,
                ),
            ],
            COMMAND_IO | COMMAND_MEMORY,
        )
    }

    #[test]
    fn bar_sizing_returns_the_size_mask_and_restores() {
        let mut f = vmmdev_like();
        let saved0 = f.read_dword(0x10);
        assert_eq!(saved0, 0xD021);
        f.write_dword(0x10, 0xFFFF_FFFF);
        assert_eq!(f.read_dword(0x10), 0xFFFF_FFE1, "0x20 ports, I/O type bit");
        f.write_dword(0x10, saved0);
        assert_eq!(f.read_dword(0x10), 0xD021);
        f.write_dword(0x14, 0xFFFF_FFFF);
        assert_eq!(f.read_dword(0x14), 0xFFC0_0000, "4 MiB non-prefetchable");
        f.write_dword(0x18, 0xFFFF_FFFF);
        assert_eq!(f.read_dword(0x18), 0, "unimplemented BAR reads zero");
    }

    #[test]
    fn ids_and_pin_are_read_only() {
        let mut f = vmmdev_like();
        f.write_dword(0x00, 0x1234_5678);
        assert_eq!(f.read_dword(0x00), 0xCAFE_80EE);
        f.write_dword(0x3C, 0xFFFF_FF05);
        assert_eq!(f.interrupt_line(), 5);
        assert_eq!(f.interrupt_pin(), 1);
        assert_eq!(f.read_dword(0x08) >> 8, 0x08_80_00);
    }
}
