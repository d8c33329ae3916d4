//! VBE DISPI driver (ports 0x1CE/0x1CF): identify the device, read its VRAM size and
//! limits, and set a W×H×32 linear-framebuffer mode, reading back what the device
//! actually did (width rounding, pitch).
//!
//! Facts: virtualbox-guest-interface.md §6 (VirtualBox VGA; QEMU differences in §6.7).

use super::dispi_regs::*;
use super::{framebuffer_bar, VgaKind, VgaPciInfo};
use crate::hal::PortIo;
use crate::status;

/// QEMU's meaning of index 0xA (VirtualBox calls it VBE_DISPI_INDEX_VBOX_VIDEO and
/// reads 1 there): VRAM size in 64 KiB units. Not in VirtualBox's header, so it lives here.
const QEMU_VBE_DISPI_INDEX_VIDEO_MEMORY_64K: u16 = 0xA;

/// The smallest mode the UI is designed for.
pub const MIN_WIDTH: u32 = 640;
/// The smallest mode the UI is designed for.
pub const MIN_HEIGHT: u32 = 480;
/// Bytes per pixel of every mode we set (xRGB8888).
pub const BYTES_PER_PIXEL: u32 = 4;

/// What went wrong talking to the DISPI interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispiError {
    /// The PCI device is not one we know to speak DISPI.
    UnsupportedDevice {
        /// PCI vendor id.
        vendor: u16,
        /// PCI device id.
        device: u16,
    },
    /// The ID register holds no DISPI signature.
    NotDispi {
        /// The value read from VBE_DISPI_INDEX_ID.
        id: u16,
    },
    /// No memory BAR to use as the framebuffer.
    NoFramebufferBar,
    /// Not even the minimum mode fits the VRAM.
    VramTooSmall {
        /// VRAM size in bytes.
        vram_bytes: u64,
    },
    /// The device did not enable the mode (it validated it against its own VRAM).
    ModeRejected {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
}

/// Why a requested mode was replaced by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeFallback {
    /// Smaller than 640×480.
    BelowMinimum,
    /// Larger than the device's maximum.
    AboveMaximum,
    /// Does not fit the VRAM.
    ExceedsVram,
    /// The device only takes widths that are a multiple of 8 (QEMU).
    WidthRounded,
}

impl ModeFallback {
    /// Word for the status line.
    pub fn name(self) -> &'static str {
        match self {
            Self::BelowMinimum => "below-minimum",
            Self::AboveMaximum => "above-maximum",
            Self::ExceedsVram => "exceeds-vram",
            Self::WidthRounded => "width-rounded",
        }
    }
}

/// What the device can do: the inputs of mode validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeLimits {
    /// Largest width the device takes.
    pub max_width: u32,
    /// Largest height the device takes.
    pub max_height: u32,
    /// Bytes of VRAM usable for the framebuffer.
    pub vram_bytes: u64,
    /// Widths must be a multiple of 8 (QEMU std VGA rounds down otherwise).
    pub width_multiple_of_8: bool,
}

/// The mode validation picked: the request itself or the nearest valid mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeChoice {
    /// Width to set.
    pub width: u32,
    /// Height to set.
    pub height: u32,
    /// Why it differs from the request (the first reason found), if it does.
    pub fallback: Option<ModeFallback>,
}

/// Picks the valid mode nearest to `width`×`height`: clamped to 640×480 … maximum,
/// then shrunk (keeping the aspect ratio roughly) until it fits the VRAM.
/// Never panics, whatever the input.
pub fn validate_mode(
    width: u32,
    height: u32,
    limits: &ModeLimits,
) -> Result<ModeChoice, DispiError> {
    let max_width = limits.max_width.max(MIN_WIDTH);
    let max_height = limits.max_height.max(MIN_HEIGHT);
    let mut fallback = None;
    let mut note = |reason| {
        fallback.get_or_insert(reason);
    };
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        note(ModeFallback::BelowMinimum);
    }
    if width > max_width || height > max_height {
        note(ModeFallback::AboveMaximum);
    }
    let mut w = width.clamp(MIN_WIDTH, max_width);
    let mut h = height.clamp(MIN_HEIGHT, max_height);
    let fits = |w: u32, h: u32| {
        u64::from(w) * u64::from(h) * u64::from(BYTES_PER_PIXEL) <= limits.vram_bytes
    };
    if !fits(MIN_WIDTH, MIN_HEIGHT) {
        return Err(DispiError::VramTooSmall {
            vram_bytes: limits.vram_bytes,
        });
    }
    if !fits(w, h) {
        note(ModeFallback::ExceedsVram);
        while !fits(w, h) {
            w = (w - w / 8).max(MIN_WIDTH);
            h = (h - h / 8).max(MIN_HEIGHT);
        }
    }
    if limits.width_multiple_of_8 && !w.is_multiple_of(8) {
        note(ModeFallback::WidthRounded);
        w &= !7; // MIN_WIDTH is a multiple of 8, so this stays >= MIN_WIDTH
    }
    Ok(ModeChoice {
        width: w,
        height: h,
        fallback,
    })
}

/// `@vitrine display fallback requested=WxH mode=WxH reason=...` when `choice` is
/// not what was asked for: the one line for a replaced mode, whether it came from
/// the command line (`mode=`) or from a host hint.
pub fn report_fallback(width: u32, height: u32, choice: &ModeChoice) {
    if let Some(reason) = choice.fallback {
        status!(
            "display fallback requested={}x{} mode={}x{} reason={}",
            width,
            height,
            choice.width,
            choice.height,
            reason.name()
        );
    }
}

/// A mode the device accepted, as read back from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispiMode {
    /// Visible width in pixels.
    pub width: u32,
    /// Visible height in pixels.
    pub height: u32,
    /// Bytes per scanline (from the virtual width the device uses).
    pub pitch: u32,
}

/// A probed DISPI device. Owns no port access: each call takes the platform's `PortIo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dispi {
    kind: VgaKind,
    hgsmi: bool,
    vram_bytes: u64,
    max_width: u32,
    max_height: u32,
    framebuffer_base: u64,
}

impl Dispi {
    /// Identifies the device and reads its VRAM size and mode limits.
    pub fn probe(io: &mut impl PortIo, pci: &VgaPciInfo) -> Result<Self, DispiError> {
        let kind =
            VgaKind::from_pci_id(pci.vendor, pci.device).ok_or(DispiError::UnsupportedDevice {
                vendor: pci.vendor,
                device: pci.device,
            })?;
        let id = read_reg(io, VBE_DISPI_INDEX_ID);
        let is_dispi_id = (VBE_DISPI_ID0..=VBE_DISPI_ID0 + 5).contains(&id)
            || (VBE_DISPI_ID_VBOX_VIDEO..=VBE_DISPI_ID_CFG).contains(&id);
        if !is_dispi_id {
            return Err(DispiError::NotDispi { id });
        }
        let (bar_base, bar_size) =
            framebuffer_bar(&pci.bars).ok_or(DispiError::NoFramebufferBar)?;

        let (hgsmi, reported_vram) = match kind {
            VgaKind::VirtualBox => {
                // The HGSMI handshake doubles as the ID write that makes the 32-bit data
                // read return the VRAM size (it must not be ID_CFG then).
                write_reg(io, VBE_DISPI_INDEX_ID, VBE_DISPI_ID_HGSMI);
                let hgsmi = read_reg(io, VBE_DISPI_INDEX_ID) == VBE_DISPI_ID_HGSMI;
                if !hgsmi {
                    write_reg(io, VBE_DISPI_INDEX_ID, VBE_DISPI_ID4);
                }
                (hgsmi, u64::from(io.in32(VBE_DISPI_IOPORT_DATA)))
            }
            VgaKind::QemuStd => {
                let units = read_reg(io, QEMU_VBE_DISPI_INDEX_VIDEO_MEMORY_64K);
                (false, u64::from(units) * 64 * 1024)
            }
        };
        // The BAR is the size rounded up to a power of two, so the device's own figure
        // wins; a figure the BAR cannot hold is not believed.
        let vram_bytes = if reported_vram == 0 || reported_vram > bar_size {
            status!(
                "display vram_fallback reported={} bar={} used={}",
                reported_vram,
                bar_size,
                bar_size
            );
            bar_size
        } else {
            reported_vram
        };

        let (max_width, max_height) = read_caps(io);
        Ok(Self {
            kind,
            hgsmi,
            vram_bytes,
            max_width,
            max_height,
            framebuffer_base: bar_base,
        })
    }

    /// Which device this is.
    pub fn kind(&self) -> VgaKind {
        self.kind
    }
    /// The device answered the HGSMI ID handshake (VBVA is available).
    pub fn has_hgsmi(&self) -> bool {
        self.hgsmi
    }
    /// VRAM size in bytes.
    pub fn vram_bytes(&self) -> u64 {
        self.vram_bytes
    }
    /// Physical address of the linear framebuffer (the chosen BAR).
    pub fn framebuffer_base(&self) -> u64 {
        self.framebuffer_base
    }
    /// The limits mode validation uses.
    pub fn limits(&self) -> ModeLimits {
        ModeLimits {
            max_width: self.max_width,
            max_height: self.max_height,
            vram_bytes: self.vram_bytes,
            width_multiple_of_8: self.kind == VgaKind::QemuStd,
        }
    }

    /// Sets the valid mode nearest to `width`×`height` (logging any fallback) with
    /// 32 bpp and the LFB on, and returns the mode as the device reports it. DISPI is
    /// switched off first (plain VBE: Bochs and QEMU want the new size set while off).
    pub fn set_mode(
        &self,
        io: &mut impl PortIo,
        width: u32,
        height: u32,
    ) -> Result<DispiMode, DispiError> {
        self.program(io, width, height, true)
    }

    /// Like [`set_mode`](Self::set_mode) but without switching DISPI off first, the
    /// order of VirtualBox's own guest drivers under VBVA. In VirtualBox 7.0.14 every
    /// ENABLE write tells the display about an LFB mode change and resets VBVA's VBE
    /// state (`vbe_ioport_write_data`, Devices/Graphics/DevVGA.cpp), so a disable in
    /// between makes the host drop to the old mode for a moment; XRES/BPP written
    /// while enabled are recalculated on the spot there.
    pub fn change_mode(
        &self,
        io: &mut impl PortIo,
        width: u32,
        height: u32,
    ) -> Result<DispiMode, DispiError> {
        self.program(io, width, height, false)
    }

    fn program(
        &self,
        io: &mut impl PortIo,
        width: u32,
        height: u32,
        disable_first: bool,
    ) -> Result<DispiMode, DispiError> {
        let choice = validate_mode(width, height, &self.limits())?;
        report_fallback(width, height, &choice);
        let rejected = DispiError::ModeRejected {
            width: choice.width,
            height: choice.height,
        };
        // validate_mode bounds both by the device maximum (<= 16384), so they fit u16.
        let w16 = u16::try_from(choice.width).map_err(|_| rejected)?;
        let h16 = u16::try_from(choice.height).map_err(|_| rejected)?;
        if disable_first {
            write_reg(io, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_DISABLED);
        }
        write_reg(io, VBE_DISPI_INDEX_XRES, w16);
        write_reg(io, VBE_DISPI_INDEX_YRES, h16);
        write_reg(io, VBE_DISPI_INDEX_BPP, 32);
        write_reg(io, VBE_DISPI_INDEX_VIRT_WIDTH, w16);
        write_reg(io, VBE_DISPI_INDEX_X_OFFSET, 0);
        write_reg(io, VBE_DISPI_INDEX_Y_OFFSET, 0);
        write_reg(
            io,
            VBE_DISPI_INDEX_ENABLE,
            VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED,
        );
        // VirtualBox silently drops an enable whose mode does not fit its VRAM.
        if read_reg(io, VBE_DISPI_INDEX_ENABLE) & VBE_DISPI_ENABLED == 0 {
            return Err(rejected);
        }
        let xres = u32::from(read_reg(io, VBE_DISPI_INDEX_XRES));
        let yres = u32::from(read_reg(io, VBE_DISPI_INDEX_YRES));
        let virt_width = u32::from(read_reg(io, VBE_DISPI_INDEX_VIRT_WIDTH));
        let virt_height = u32::from(read_reg(io, VBE_DISPI_INDEX_VIRT_HEIGHT));
        let height = if virt_height != 0 {
            yres.min(virt_height)
        } else {
            yres
        };
        let pitch = virt_width.max(xres) * BYTES_PER_PIXEL;
        if xres == 0 || height == 0 || u64::from(pitch) * u64::from(height) > self.vram_bytes {
            return Err(rejected);
        }
        Ok(DispiMode {
            width: xres,
            height,
            pitch,
        })
    }
}

/// Device maxima via GETCAPS; the spec's 16384 when the device reports nonsense.
fn read_caps(io: &mut impl PortIo) -> (u32, u32) {
    let enable = read_reg(io, VBE_DISPI_INDEX_ENABLE);
    write_reg(io, VBE_DISPI_INDEX_ENABLE, enable | VBE_DISPI_GETCAPS);
    let max_x = read_reg(io, VBE_DISPI_INDEX_XRES);
    let max_y = read_reg(io, VBE_DISPI_INDEX_YRES);
    write_reg(io, VBE_DISPI_INDEX_ENABLE, enable);
    let sane = |v: u16, limit: u16| if v == 0 || v > limit { limit } else { v };
    (
        u32::from(sane(max_x, VBE_DISPI_MAX_XRES)),
        u32::from(sane(max_y, VBE_DISPI_MAX_YRES)),
    )
}

fn read_reg(io: &mut impl PortIo, index: u16) -> u16 {
    io.out16(VBE_DISPI_IOPORT_INDEX, index);
    io.in16(VBE_DISPI_IOPORT_DATA)
}

fn write_reg(io: &mut impl PortIo, index: u16, value: u16) {
    io.out16(VBE_DISPI_IOPORT_INDEX, index);
    io.out16(VBE_DISPI_IOPORT_DATA, value);
}

#[cfg(test)]
pub(crate) mod fake;
#[cfg(test)]
mod tests;
