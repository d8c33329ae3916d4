//! What the VRAM-backed backends (VBE, VBVA, SVGA II) share: mapping the VRAM BAR,
//! placing a 32-bit framebuffer in it, and describing the mode.

use super::framebuffer::{Framebuffer, PixelFormat};
use super::{DisplayError, ModeInfo};
use crate::hal::{PhysMem, PhysRegion};

/// Maps `len` bytes of VRAM at `phys`.
pub fn map_vram(mem: &mut impl PhysMem, phys: u64, len: u64) -> Result<PhysRegion, DisplayError> {
    let failed = DisplayError::MapFailed { phys, len };
    let bytes = usize::try_from(len).map_err(|_| failed)?;
    mem.map(phys, bytes).ok_or(failed)
}

/// The XRGB8888 framebuffer of `width`×`height` lines of `pitch` bytes starting
/// `offset` bytes into `vram`.
pub fn framebuffer_at(
    vram: PhysRegion,
    offset: u32,
    width: u32,
    height: u32,
    pitch: u32,
) -> Result<Framebuffer, DisplayError> {
    let rest = (vram.len()).saturating_sub(offset as usize);
    let area = vram
        .sub(offset as usize, rest)
        .ok_or(DisplayError::MapFailed {
            phys: vram.phys() + u64::from(offset),
            len: u64::from(pitch) * u64::from(height),
        })?;
    Ok(Framebuffer::new(
        area,
        width,
        height,
        pitch,
        PixelFormat::XRGB8888,
    )?)
}

impl ModeInfo {
    /// A mode on a device with `vram_bytes` of video memory.
    pub fn new(width: u32, height: u32, pitch: u32, vram_bytes: u64) -> Self {
        Self {
            width,
            height,
            pitch,
            vram_kib: u32::try_from(vram_bytes / 1024).unwrap_or(u32::MAX),
        }
    }
}
