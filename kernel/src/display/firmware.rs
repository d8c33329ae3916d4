//! Backend for a framebuffer the firmware set up (Multiboot2 framebuffer tag, e.g.
//! UEFI GOP): fixed mode, any 24/32-bpp RGB layout.

use super::framebuffer::{Framebuffer, PixelFormat};
use super::{Canvas, Display, DisplayError, ModeInfo, Rect};
use crate::hal::{PhysMem, Platform};

/// The firmware framebuffer as the boot loader describes it (the boot code fills this
/// from the Multiboot2 framebuffer tag, type 1 = direct RGB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirmwareFramebufferInfo {
    /// Physical address of pixel (0, 0).
    pub phys: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes per scanline.
    pub pitch: u32,
    /// Bits per pixel.
    pub bpp: u8,
    /// Bit position of red.
    pub red_position: u8,
    /// Bits of red.
    pub red_size: u8,
    /// Bit position of green.
    pub green_position: u8,
    /// Bits of green.
    pub green_size: u8,
    /// Bit position of blue.
    pub blue_position: u8,
    /// Bits of blue.
    pub blue_size: u8,
}

impl FirmwareFramebufferInfo {
    /// The pixel format, if we can draw it (24/32 bpp, 8-bit channels).
    pub fn pixel_format(&self) -> Option<PixelFormat> {
        let format = PixelFormat {
            bytes_per_pixel: match self.bpp {
                24 => 3,
                32 => 4,
                _ => return None,
            },
            red_shift: self.red_position,
            green_shift: self.green_position,
            blue_shift: self.blue_position,
        };
        let eight_bit = [self.red_size, self.green_size, self.blue_size] == [8, 8, 8];
        (eight_bit && format.is_valid()).then_some(format)
    }
}

/// The firmware framebuffer as a display backend.
#[derive(Debug, Clone)]
pub struct FirmwareDisplay {
    canvas: Canvas,
    vram_kib: u32,
}

impl FirmwareDisplay {
    /// Maps and checks the framebuffer. Bad values from the boot loader are an error
    /// the caller logs, never a panic.
    pub fn new(
        mem: &mut impl PhysMem,
        info: &FirmwareFramebufferInfo,
    ) -> Result<Self, DisplayError> {
        let format = info.pixel_format().ok_or(DisplayError::Framebuffer(
            super::framebuffer::FramebufferError::UnsupportedFormat(PixelFormat {
                bytes_per_pixel: info.bpp / 8,
                red_shift: info.red_position,
                green_shift: info.green_position,
                blue_shift: info.blue_position,
            }),
        ))?;
        let len = u64::from(info.pitch) * u64::from(info.height);
        let map_failed = DisplayError::MapFailed {
            phys: info.phys,
            len,
        };
        let len_usize = usize::try_from(len).map_err(|_| map_failed)?;
        if len == 0 {
            return Err(map_failed);
        }
        let region = mem.map(info.phys, len_usize).ok_or(map_failed)?;
        let framebuffer = Framebuffer::new(region, info.width, info.height, info.pitch, format)?;
        Ok(Self {
            canvas: Canvas::new(framebuffer),
            vram_kib: (len / 1024) as u32,
        })
    }
}

impl Display for FirmwareDisplay {
    fn backend_name(&self) -> &'static str {
        "firmware"
    }
    fn mode(&self) -> ModeInfo {
        let fb = self.canvas.framebuffer();
        ModeInfo {
            width: fb.width(),
            height: fb.height(),
            pitch: fb.pitch(),
            vram_kib: self.vram_kib,
        }
    }
    fn canvas(&mut self) -> &mut Canvas {
        &mut self.canvas
    }
    fn present<H: Platform>(&mut self, _hal: &mut H, _dirty: &[Rect]) -> Result<(), DisplayError> {
        Ok(()) // the firmware's scanout reads the framebuffer directly
    }
    fn set_mode<H: Platform>(
        &mut self,
        _hal: &mut H,
        _w: u32,
        _h: u32,
    ) -> Result<ModeInfo, DisplayError> {
        Err(DisplayError::ModeChangeUnsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hal::PhysRegion;

    struct Ram(Vec<u8>);
    impl PhysMem for Ram {
        fn map(&mut self, phys: u64, len: usize) -> Option<PhysRegion> {
            let start = usize::try_from(phys.checked_sub(0x10_0000)?).ok()?;
            let end = start.checked_add(len)?;
            (end <= self.0.len()).then(|| {
                // SAFETY: inside the Vec, which outlives the test's use of the region.
                unsafe { PhysRegion::new(phys, self.0.as_mut_ptr().add(start), len) }
            })
        }
    }

    fn gop_bgrx(w: u32, h: u32) -> FirmwareFramebufferInfo {
        FirmwareFramebufferInfo {
            phys: 0x10_0000,
            width: w,
            height: h,
            pitch: w * 4,
            bpp: 32,
            red_position: 16,
            red_size: 8,
            green_position: 8,
            green_size: 8,
            blue_position: 0,
            blue_size: 8,
        }
    }

    #[test]
    fn maps_and_reports_the_firmware_mode() {
        let mut ram = Ram(vec![0; 800 * 600 * 4]);
        let display = FirmwareDisplay::new(&mut ram, &gop_bgrx(800, 600)).unwrap();
        assert_eq!(display.mode().width, 800);
        assert_eq!(display.mode().pitch, 3200);
        assert_eq!(display.backend_name(), "firmware");
    }

    #[test]
    fn bad_boot_loader_values_are_errors() {
        let mut ram = Ram(vec![0; 800 * 600 * 4]);
        let mut info = gop_bgrx(800, 600);
        info.bpp = 16;
        assert!(FirmwareDisplay::new(&mut ram, &info).is_err());
        let mut info = gop_bgrx(800, 600);
        info.pitch = 100; // smaller than a row
        assert!(FirmwareDisplay::new(&mut ram, &info).is_err());
        let mut info = gop_bgrx(800, 600);
        info.height = 6000; // beyond mappable memory
        assert!(FirmwareDisplay::new(&mut ram, &info).is_err());
        let mut info = gop_bgrx(800, 600);
        info.red_position = 30; // channel outside the pixel
        assert!(FirmwareDisplay::new(&mut ram, &info).is_err());
        let mut info = gop_bgrx(0, 0);
        info.pitch = 0;
        assert!(FirmwareDisplay::new(&mut ram, &info).is_err());
    }
}
