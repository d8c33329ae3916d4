//! VBE DISPI registers of the VirtualBox VGA (spec §6): ports 0x1CE (index) and
//! 0x1CF (data), the ID handshake, the 32-bit VRAM-size read, the CFG interface and
//! the mode-set rules (enable-time VRAM check, silent drop, pitch rounding).

use crate::errors::{Device, ErrorLog};
use crate::wire::*;

/// Register count (VBE_DISPI_INDEX_NB).
const REGISTER_COUNT: usize = 0xD;
/// IDs the device accepts.
const ACCEPTED_IDS: [u16; 9] = [
    0xB0C0,
    0xB0C1,
    0xB0C2,
    0xB0C3,
    DISPI_ID4,
    DISPI_ID_VBOX_VIDEO,
    DISPI_ID_HGSMI,
    DISPI_ID_ANYX,
    DISPI_ID_CFG,
];

/// The mode the DISPI registers describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispiMode {
    /// ENABLE bit 0.
    pub enabled: bool,
    /// XRES.
    pub width: u32,
    /// Displayed height: min(YRES, VIRT_HEIGHT).
    pub height: u32,
    /// BPP.
    pub bpp: u32,
    /// Bytes per line (VIRT_WIDTH × Bpp, rounded up to 4).
    pub pitch: u32,
    /// Byte offset of the visible start in VRAM (X/Y_OFFSET panning).
    pub start_offset: u64,
}

/// What an ENABLE write did, for the machine to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnableEffect {
    /// The write was stored: the display is told "LFB mode changed"; `clear` bytes
    /// of VRAM from offset 0 must be zeroed first; VBVA pauses/unpauses per `enabled`.
    Stored {
        /// New enabled state.
        enabled: bool,
        /// Bytes to clear at VRAM offset 0.
        clear: u64,
    },
    /// The write was dropped (mode does not fit).
    Dropped,
}

/// The DISPI register file.
#[derive(Debug, Clone)]
pub struct Dispi {
    index: u16,
    regs: [u16; REGISTER_COUNT],
    vram_size: u32,
    vram_base: u32,
    index_latch: Option<u8>,
    data_latch: Option<u8>,
    mode_changes: u32,
}

impl Dispi {
    /// Registers after reset and the VGA BIOS (ID = 0xB0C4).
    pub fn new(vram_size: u32, vram_base: u32) -> Self {
        let mut regs = [0u16; REGISTER_COUNT];
        regs[DISPI_INDEX_ID as usize] = DISPI_ID4;
        regs[DISPI_INDEX_BPP as usize] = 8;
        Self {
            index: 0,
            regs,
            vram_size,
            vram_base,
            index_latch: None,
            data_latch: None,
            mode_changes: 0,
        }
    }

    /// Follows a BAR move (FB_BASE_HI reads it).
    pub fn set_vram_base(&mut self, base: u32) {
        self.vram_base = base;
    }

    /// Raw register value.
    pub fn register(&self, index: u16) -> u16 {
        self.regs.get(index as usize).copied().unwrap_or(0)
    }

    /// How many ENABLE writes notified the display.
    pub fn mode_changes(&self) -> u32 {
        self.mode_changes
    }

    fn bytes_per_pixel(&self) -> u32 {
        u32::from(self.regs[DISPI_INDEX_BPP as usize]).div_ceil(8)
    }

    /// Bytes per scan line.
    pub fn pitch(&self) -> u32 {
        let mut vw = u32::from(self.regs[DISPI_INDEX_VIRT_WIDTH as usize]);
        if vw == 0 {
            vw = u32::from(self.regs[DISPI_INDEX_XRES as usize]);
        }
        let bpp = u32::from(self.regs[DISPI_INDEX_BPP as usize]);
        let raw = if bpp == 4 {
            vw / 2
        } else {
            vw * self.bytes_per_pixel()
        };
        (raw + 3) & !3
    }

    /// VIRT_HEIGHT as the device computes it.
    pub fn virt_height(&self) -> u32 {
        let pitch = self.pitch();
        if pitch == 0 {
            return 0;
        }
        (self.vram_size / pitch).min(0xFFFF)
    }

    /// The mode the registers describe now.
    pub fn mode(&self) -> DispiMode {
        let pitch = self.pitch();
        DispiMode {
            enabled: self.regs[DISPI_INDEX_ENABLE as usize] & DISPI_ENABLED != 0,
            width: u32::from(self.regs[DISPI_INDEX_XRES as usize]),
            height: u32::from(self.regs[DISPI_INDEX_YRES as usize]).min(self.virt_height()),
            bpp: u32::from(self.regs[DISPI_INDEX_BPP as usize]),
            pitch,
            start_offset: u64::from(pitch) * u64::from(self.regs[DISPI_INDEX_Y_OFFSET as usize])
                + u64::from(self.regs[DISPI_INDEX_X_OFFSET as usize])
                    * u64::from(self.bytes_per_pixel()),
        }
    }

    fn cfg_value(&self) -> u32 {
        let sel = self.regs[DISPI_INDEX_CFG as usize];
        let id = sel & DISPI_CFG_MASK_ID;
        if sel & DISPI_CFG_MASK_SUPPORT != 0 {
            return u32::from(id <= DISPI_CFG_ID_VMSVGA_DX);
        }
        match id {
            DISPI_CFG_ID_VERSION => 1,
            DISPI_CFG_ID_VRAM_SIZE => self.vram_size,
            _ => 0, // 3D, VMSVGA, VMSVGA_DX: off on a VBoxVGA machine.
        }
    }

    fn read_register(&self) -> u32 {
        let index = self.index;
        let getcaps = self.regs[DISPI_INDEX_ENABLE as usize] & DISPI_GETCAPS != 0;
        match index {
            DISPI_INDEX_XRES if getcaps => u32::from(DISPI_MAX_XRES),
            DISPI_INDEX_YRES if getcaps => u32::from(DISPI_MAX_YRES),
            DISPI_INDEX_BPP if getcaps => u32::from(DISPI_MAX_BPP),
            DISPI_INDEX_VIRT_HEIGHT => self.virt_height(),
            DISPI_INDEX_VBOX_VIDEO if !getcaps => 1,
            DISPI_INDEX_FB_BASE_HI => self.vram_base >> 16,
            DISPI_INDEX_CFG if !getcaps => self.cfg_value(),
            i if (i as usize) < REGISTER_COUNT => u32::from(self.regs[i as usize]),
            _ => 0,
        }
    }

    /// A read of port 0x1CE or 0x1CF.
    pub fn read(&mut self, port: u16, width: u8) -> u32 {
        if port == DISPI_IOPORT_INDEX {
            return match width {
                1 => self.byte_of(u32::from(self.index), true),
                _ => u32::from(self.index),
            };
        }
        match width {
            4 if self.regs[DISPI_INDEX_ID as usize] != DISPI_ID_CFG => self.vram_size,
            4 => self.read_register(),
            1 => {
                let v = self.read_register();
                self.byte_of(v, false)
            }
            _ => self.read_register() & 0xFFFF,
        }
    }

    /// Byte-wise reads return the high byte first, then the low byte.
    fn byte_of(&mut self, value: u32, index_port: bool) -> u32 {
        let latch = if index_port {
            &mut self.index_latch
        } else {
            &mut self.data_latch
        };
        match latch.take() {
            Some(_) => value & 0xFF,
            None => {
                *latch = Some(0);
                (value >> 8) & 0xFF
            }
        }
    }

    /// A write of port 0x1CE or 0x1CF. Returns the ENABLE effect, if ENABLE was written.
    pub fn write(
        &mut self,
        port: u16,
        width: u8,
        value: u32,
        errors: &mut ErrorLog,
    ) -> Option<EnableEffect> {
        if port == DISPI_IOPORT_INDEX {
            match width {
                2 => self.index = value as u16,
                1 => match self.index_latch.take() {
                    None => self.index_latch = Some(value as u8),
                    Some(high) => self.index = u16::from(high) << 8 | (value as u16 & 0xFF),
                },
                _ => errors.record(
                    Device::Dispi,
                    "32-bit write to the index port 0x1CE is ignored",
                ),
            }
            return None;
        }
        let value = match width {
            1 => {
                if self.index == DISPI_INDEX_ENABLE && self.data_latch.is_none() && value & 1 != 0 {
                    value & 0xFF
                } else {
                    match self.data_latch.take() {
                        None => {
                            self.data_latch = Some(value as u8);
                            return None;
                        }
                        Some(high) => u32::from(high) << 8 | (value & 0xFF),
                    }
                }
            }
            _ => value,
        };
        self.write_register(value, errors)
    }

    fn write_register(&mut self, value: u32, errors: &mut ErrorLog) -> Option<EnableEffect> {
        let v16 = value as u16;
        match self.index {
            DISPI_INDEX_ID => {
                if value <= 0xFFFF && ACCEPTED_IDS.contains(&v16) {
                    self.regs[0] = v16;
                } else {
                    errors.record(Device::Dispi, format!("ID {v16:#06x} is not accepted by VirtualBox"));
                }
            }
            DISPI_INDEX_XRES => {
                if value <= u32::from(DISPI_MAX_XRES) {
                    self.regs[DISPI_INDEX_XRES as usize] = v16;
                    self.regs[DISPI_INDEX_VIRT_WIDTH as usize] = v16;
                } else {
                    errors.record(Device::Dispi, format!("XRES {value} > 16384 ignored"));
                }
            }
            DISPI_INDEX_YRES => {
                if value <= u32::from(DISPI_MAX_YRES) {
                    self.regs[DISPI_INDEX_YRES as usize] = v16;
                } else {
                    errors.record(Device::Dispi, format!("YRES {value} > 16384 ignored"));
                }
            }
            DISPI_INDEX_BPP => {
                let bpp = if v16 == 0 { 8 } else { v16 };
                if [4, 8, 15, 16, 24, 32].contains(&bpp) {
                    self.regs[DISPI_INDEX_BPP as usize] = bpp;
                } else {
                    errors.record(Device::Dispi, format!("BPP {value} ignored"));
                }
            }
            DISPI_INDEX_ENABLE => return Some(self.write_enable(v16, errors)),
            DISPI_INDEX_BANK => {
                let bank_size: u32 = if self.regs[DISPI_INDEX_BPP as usize] <= 4 {
                    256 * 1024
                } else {
                    64 * 1024
                };
                let last = (self.vram_size / bank_size).saturating_sub(1);
                self.regs[DISPI_INDEX_BANK as usize] = u32::from(v16).min(last) as u16;
            }
            DISPI_INDEX_VIRT_WIDTH | DISPI_INDEX_X_OFFSET | DISPI_INDEX_Y_OFFSET | DISPI_INDEX_CFG => {
                self.regs[self.index as usize] = v16;
            }
            DISPI_INDEX_VIRT_HEIGHT => errors.record(
                Device::Dispi,
                "VIRT_HEIGHT write ignored (VirtualBox computes it from VRAM / pitch)",
            ),
            DISPI_INDEX_VBOX_VIDEO => errors.record(
                Device::Dispi,
                format!("write {value:#x} to VBOX_VIDEO (index 0xA) starts legacy adapter-memory parsing"),
            ),
            DISPI_INDEX_FB_BASE_HI => {}
            other => errors.record(Device::Dispi, format!("write to unknown index {other:#x}")),
        }
        None
    }

    fn write_enable(&mut self, value: u16, errors: &mut ErrorLog) -> EnableEffect {
        let was_enabled = self.regs[DISPI_INDEX_ENABLE as usize] & DISPI_ENABLED != 0;
        let mut clear = 0;
        if value & DISPI_ENABLED != 0 && !was_enabled {
            let xres = u64::from(self.regs[DISPI_INDEX_XRES as usize]);
            let yres = u64::from(self.regs[DISPI_INDEX_YRES as usize]);
            let bytes = xres * u64::from(self.bytes_per_pixel()) * yres;
            let vw = if self.regs[DISPI_INDEX_VIRT_WIDTH as usize] != 0 {
                self.regs[DISPI_INDEX_VIRT_WIDTH as usize]
            } else {
                self.regs[DISPI_INDEX_XRES as usize]
            };
            if bytes > u64::from(self.vram_size) || vw == 0 || yres == 0 {
                errors.record(
                    Device::Dispi,
                    format!(
                        "mode {xres}x{yres}x{} does not fit VRAM ({} bytes) or is empty: ENABLE dropped",
                        self.regs[DISPI_INDEX_BPP as usize], self.vram_size
                    ),
                );
                return EnableEffect::Dropped;
            }
            self.regs[DISPI_INDEX_X_OFFSET as usize] = 0;
            self.regs[DISPI_INDEX_Y_OFFSET as usize] = 0;
            if value & DISPI_NOCLEARMEM == 0 {
                clear = u64::from(self.mode().height) * u64::from(self.pitch());
            }
        }
        self.regs[DISPI_INDEX_ENABLE as usize] = value;
        self.regs[DISPI_INDEX_BANK as usize] = 0;
        self.mode_changes += 1;
        EnableEffect::Stored {
            enabled: value & DISPI_ENABLED != 0,
            clear,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VRAM: u32 = 16 * 1024 * 1024;

    fn set(d: &mut Dispi, index: u16, value: u32, e: &mut ErrorLog) -> Option<EnableEffect> {
        d.write(DISPI_IOPORT_INDEX, 2, u32::from(index), e);
        d.write(DISPI_IOPORT_DATA, 2, value, e)
    }

    fn get(d: &mut Dispi, index: u16) -> u32 {
        d.write(
            DISPI_IOPORT_INDEX,
            2,
            u32::from(index),
            &mut ErrorLog::default(),
        );
        d.read(DISPI_IOPORT_DATA, 2)
    }

    #[test]
    fn id_handshake_accepts_vbox_ids_only() {
        let mut d = Dispi::new(VRAM, 0xE000_0000);
        let mut e = ErrorLog::default();
        assert_eq!(get(&mut d, DISPI_INDEX_ID), 0xB0C4);
        set(&mut d, DISPI_INDEX_ID, 0xBE01, &mut e);
        assert_eq!(get(&mut d, DISPI_INDEX_ID), 0xBE01);
        set(&mut d, DISPI_INDEX_ID, 0xB0C5, &mut e);
        assert_eq!(get(&mut d, DISPI_INDEX_ID), 0xBE01, "B0C5 is QEMU-only");
        assert_eq!(e.take().len(), 1);
        assert_eq!(
            d.read(DISPI_IOPORT_DATA, 4),
            VRAM,
            "32-bit read = VRAM size"
        );
        assert_eq!(get(&mut d, DISPI_INDEX_VBOX_VIDEO), 1);
        assert_eq!(get(&mut d, DISPI_INDEX_FB_BASE_HI), 0xE000);
    }

    #[test]
    fn cfg_interface_replaces_the_vram_size_read() {
        let mut d = Dispi::new(VRAM, 0xE000_0000);
        let mut e = ErrorLog::default();
        set(&mut d, DISPI_INDEX_ID, u32::from(DISPI_ID_CFG), &mut e);
        set(&mut d, DISPI_INDEX_CFG, 0x1001, &mut e);
        assert_eq!(d.read(DISPI_IOPORT_DATA, 4), 1);
        set(&mut d, DISPI_INDEX_CFG, 0x1005, &mut e);
        assert_eq!(d.read(DISPI_IOPORT_DATA, 4), 0);
        set(&mut d, DISPI_INDEX_CFG, 1, &mut e);
        assert_eq!(d.read(DISPI_IOPORT_DATA, 4), VRAM);
        set(&mut d, DISPI_INDEX_CFG, 0, &mut e);
        assert_eq!(d.read(DISPI_IOPORT_DATA, 4), 1);
        assert!(e.errors().is_empty());
    }

    #[test]
    fn mode_set_enables_and_computes_pitch() {
        let mut d = Dispi::new(VRAM, 0xE000_0000);
        let mut e = ErrorLog::default();
        set(&mut d, DISPI_INDEX_XRES, 1023, &mut e);
        set(&mut d, DISPI_INDEX_YRES, 768, &mut e);
        set(&mut d, DISPI_INDEX_BPP, 24, &mut e);
        let fx = set(&mut d, DISPI_INDEX_ENABLE, 0x41, &mut e);
        assert_eq!(
            fx,
            Some(EnableEffect::Stored {
                enabled: true,
                clear: 768 * 3072
            })
        );
        let m = d.mode();
        assert_eq!(
            (m.width, m.height, m.bpp, m.pitch),
            (1023, 768, 24, 3072),
            "1023*3 rounded up to 4"
        );
        assert_eq!(get(&mut d, DISPI_INDEX_VIRT_HEIGHT), VRAM / 3072);
        set(&mut d, DISPI_INDEX_ENABLE, 0x3, &mut e);
        assert_eq!(get(&mut d, DISPI_INDEX_XRES), 16384, "GETCAPS reads maxima");
        assert!(e.errors().is_empty());
    }

    #[test]
    fn too_large_mode_is_dropped_silently() {
        let mut d = Dispi::new(4 * 1024 * 1024, 0xE000_0000);
        let mut e = ErrorLog::default();
        set(&mut d, DISPI_INDEX_XRES, 1920, &mut e);
        set(&mut d, DISPI_INDEX_YRES, 1080, &mut e);
        set(&mut d, DISPI_INDEX_BPP, 32, &mut e);
        assert_eq!(
            set(&mut d, DISPI_INDEX_ENABLE, 0x81, &mut e),
            Some(EnableEffect::Dropped)
        );
        assert_eq!(get(&mut d, DISPI_INDEX_ENABLE), 0, "ENABLE stays as before");
        assert_eq!(e.take().len(), 1);
    }
}
