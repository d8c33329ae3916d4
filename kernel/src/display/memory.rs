//! Backend over a plain memory buffer: hosted previews, host tests and benchmarks.
//! Any mode up to the buffer's capacity, pitch = width × 4.

use super::framebuffer::{Framebuffer, PixelFormat};
use super::{Canvas, Display, DisplayError, ModeInfo, Rect};
use crate::drivers::vga::dispi::{validate_mode, ModeLimits};
use crate::hal::{PhysRegion, Platform};
use core::marker::PhantomData;

/// A display drawing into a borrowed `[u32]` (xRGB8888 pixels, row-major).
#[derive(Debug)]
pub struct MemoryDisplay<'a> {
    region: PhysRegion,
    canvas: Canvas,
    _buffer: PhantomData<&'a mut [u32]>,
}

impl<'a> MemoryDisplay<'a> {
    /// A `width`×`height` display over `buffer` (which must hold at least that many pixels).
    pub fn new(buffer: &'a mut [u32], width: u32, height: u32) -> Result<Self, DisplayError> {
        // SAFETY: the region covers exactly `buffer`, which is borrowed mutably for 'a
        // by this value (PhantomData), so it stays valid and unaliased while used.
        let region = unsafe {
            PhysRegion::new(
                0,
                buffer.as_mut_ptr().cast::<u8>(),
                core::mem::size_of_val(buffer),
            )
        };
        let framebuffer = Framebuffer::new(
            region,
            width,
            height,
            width.saturating_mul(4),
            PixelFormat::XRGB8888,
        )?;
        Ok(Self {
            region,
            canvas: Canvas::new(framebuffer),
            _buffer: PhantomData,
        })
    }

    /// Pixel (x, y) as xRGB8888 (0 outside).
    pub fn pixel(&self, x: u32, y: u32) -> u32 {
        self.canvas.framebuffer().pixel(x, y)
    }
}

impl Display for MemoryDisplay<'_> {
    fn backend_name(&self) -> &'static str {
        "memory"
    }
    fn mode(&self) -> ModeInfo {
        let fb = self.canvas.framebuffer();
        ModeInfo {
            width: fb.width(),
            height: fb.height(),
            pitch: fb.pitch(),
            vram_kib: (self.region.len() / 1024) as u32,
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
        _hal: &mut H,
        width: u32,
        height: u32,
    ) -> Result<ModeInfo, DisplayError> {
        let limits = ModeLimits {
            max_width: 16384,
            max_height: 16384,
            vram_bytes: self.region.len() as u64,
            width_multiple_of_8: false,
        };
        let choice = validate_mode(width, height, &limits)?;
        let framebuffer = Framebuffer::new(
            self.region,
            choice.width,
            choice.height,
            choice.width * 4,
            PixelFormat::XRGB8888,
        )?;
        self.canvas.replace_framebuffer(framebuffer);
        Ok(self.mode())
    }
}
