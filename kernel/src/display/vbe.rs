//! Backend for plain VBE DISPI (VirtualBox VGA without VBVA, QEMU std VGA): set modes
//! through DISPI, draw straight into the VRAM BAR. The device scans VRAM itself, so
//! present is a no-op.

use super::framebuffer::{Framebuffer, PixelFormat};
use super::{Canvas, Display, DisplayError, ModeInfo, Rect};
use crate::drivers::vga::dispi::{Dispi, DispiMode};
use crate::drivers::vga::VgaPciInfo;
use crate::hal::{PhysMem, PhysRegion, Platform, PortIo};

/// A DISPI device and the canvas over its VRAM.
#[derive(Debug, Clone)]
pub struct VbeDisplay {
    dispi: Dispi,
    vram: PhysRegion,
    canvas: Canvas,
    mode: DispiMode,
}

impl VbeDisplay {
    /// Probes the device, maps its VRAM and sets the valid mode nearest `width`×`height`.
    pub fn new<H: PortIo + PhysMem>(
        hal: &mut H,
        pci: &VgaPciInfo,
        width: u32,
        height: u32,
    ) -> Result<Self, DisplayError> {
        let dispi = Dispi::probe(hal, pci)?;
        let map_failed = DisplayError::MapFailed {
            phys: dispi.framebuffer_base(),
            len: dispi.vram_bytes(),
        };
        let len = usize::try_from(dispi.vram_bytes()).map_err(|_| map_failed)?;
        let vram = hal.map(dispi.framebuffer_base(), len).ok_or(map_failed)?;
        let mode = dispi.set_mode(hal, width, height)?;
        let canvas = Canvas::new(framebuffer(vram, &mode)?);
        Ok(Self {
            dispi,
            vram,
            canvas,
            mode,
        })
    }

    /// The DISPI device (the VirtualBox backend builds on it).
    pub fn dispi(&self) -> &Dispi {
        &self.dispi
    }
}

fn framebuffer(vram: PhysRegion, mode: &DispiMode) -> Result<Framebuffer, DisplayError> {
    Ok(Framebuffer::new(
        vram,
        mode.width,
        mode.height,
        mode.pitch,
        PixelFormat::XRGB8888,
    )?)
}

impl Display for VbeDisplay {
    fn backend_name(&self) -> &'static str {
        "vbe"
    }
    fn mode(&self) -> ModeInfo {
        ModeInfo {
            width: self.mode.width,
            height: self.mode.height,
            pitch: self.mode.pitch,
            vram_kib: (self.dispi.vram_bytes() / 1024) as u32,
        }
    }
    fn canvas(&mut self) -> &mut Canvas {
        &mut self.canvas
    }
    fn present<H: Platform>(&mut self, _hal: &mut H, _dirty: &[Rect]) -> Result<(), DisplayError> {
        Ok(())
    }
    fn set_mode<H: Platform>(
        &mut self,
        hal: &mut H,
        width: u32,
        height: u32,
    ) -> Result<ModeInfo, DisplayError> {
        let mode = self.dispi.set_mode(hal, width, height)?;
        self.canvas
            .replace_framebuffer(framebuffer(self.vram, &mode)?);
        self.mode = mode;
        Ok(self.mode())
    }
}
