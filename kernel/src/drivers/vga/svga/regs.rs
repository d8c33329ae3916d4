//! The SVGA II register file behind the I/O BAR: an index port and a value port,
//! 32-bit accesses only (VirtualBox ignores any other size).

use super::wire::{SVGA_INDEX_PORT, SVGA_IRQSTATUS_PORT, SVGA_VALUE_PORT};
use crate::hal::PortIo;

/// The device's I/O ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvgaPorts {
    base: u16,
}

impl SvgaPorts {
    /// The register file at I/O BAR `base`.
    pub const fn new(base: u16) -> Self {
        Self { base }
    }

    /// The I/O BAR.
    pub const fn base(&self) -> u16 {
        self.base
    }

    /// Reads register `index`.
    pub fn read(&self, io: &mut impl PortIo, index: u32) -> u32 {
        io.out32(self.base + SVGA_INDEX_PORT, index);
        io.in32(self.base + SVGA_VALUE_PORT)
    }

    /// Writes register `index`.
    pub fn write(&self, io: &mut impl PortIo, index: u32, value: u32) {
        io.out32(self.base + SVGA_INDEX_PORT, index);
        io.out32(self.base + SVGA_VALUE_PORT, value);
    }

    /// Reads and acknowledges pending IRQ flags (only with `Caps::IRQMASK`).
    pub fn take_irq_status(&self, io: &mut impl PortIo) -> u32 {
        let status = io.in32(self.base + SVGA_IRQSTATUS_PORT);
        if status != 0 && status != u32::MAX {
            io.out32(self.base + SVGA_IRQSTATUS_PORT, status);
        }
        status
    }
}
