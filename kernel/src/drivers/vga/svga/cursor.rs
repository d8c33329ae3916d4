//! Hardware cursor images for the SVGA II FIFO: the 32-bit alpha cursor (VirtualBox)
//! and the AND-mask (1 bpp) + XOR image (32 bpp) cursor both hosts take up to 64×64.

use super::fifo::{Fifo, FifoError};
use super::wire::{
    FifoCmdDefineAlphaCursor, FifoCmdDefineCursor, SVGA_CMD_DEFINE_ALPHA_CURSOR,
    SVGA_CMD_DEFINE_CURSOR,
};
use zerocopy::IntoBytes;

/// The largest cursor side QEMU's and VirtualBox's DEFINE_CURSOR both take at 32 bpp
/// (QEMU: at most 4096 XOR words, so 64×64).
pub const MAX_CURSOR_SIDE: u32 = 64;

/// A cursor image: size, hotspot and its pixels as 0xAARRGGBB (alpha 0 = transparent).
#[derive(Clone, Copy)]
pub struct CursorImage<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Hotspot.
    pub hotspot: (u32, u32),
    /// Pixel at (x, y).
    pub pixel: &'a dyn Fn(u32, u32) -> u32,
}

impl core::fmt::Debug for CursorImage<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CursorImage({}x{})", self.width, self.height)
    }
}

impl CursorImage<'_> {
    fn fits(&self) -> bool {
        (1..=MAX_CURSOR_SIDE).contains(&self.width) && (1..=MAX_CURSOR_SIDE).contains(&self.height)
    }
}

/// Why a cursor was not defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorError {
    /// Empty or larger than [`MAX_CURSOR_SIDE`].
    BadSize {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
    /// The FIFO did not take the command.
    Fifo(FifoError),
}

/// Queues DEFINE_ALPHA_CURSOR: header, then `width·height` BGRA pixels.
pub fn define_alpha(fifo: &mut Fifo, image: &CursorImage<'_>) -> Result<(), CursorError> {
    check(image)?;
    let header = FifoCmdDefineAlphaCursor {
        id: 0,
        hotspotX: image.hotspot.0,
        hotspotY: image.hotspot.1,
        width: image.width,
        height: image.height,
    };
    let len = header.as_bytes().len() as u32 + image.width * image.height * 4;
    fifo.push_with(SVGA_CMD_DEFINE_ALPHA_CURSOR, len, |w| {
        w.bytes(header.as_bytes());
        for y in 0..image.height {
            for x in 0..image.width {
                w.word((image.pixel)(x, y));
            }
        }
    })
    .map_err(CursorError::Fifo)
}

/// The width DEFINE_CURSOR sends for an image `width` pixels wide (see
/// [`define_masked`]).
pub fn masked_width(width: u32) -> u32 {
    width.next_multiple_of(32)
}

/// Queues DEFINE_CURSOR with a 1-bpp AND mask (1 = transparent) and a 32-bpp XOR
/// image (the colour where the mask is 0, black elsewhere).
///
/// The cursor is widened with transparent columns to a multiple of 32 pixels: the
/// AND mask's scanlines are padded to 32 bits on the wire, and QEMU (ui/cursor.c,
/// `cursor_get_mono_bpl`) reads them as `ceil(width/8)` bytes, which is the padded
/// length only then; VirtualBox reads either width the same.
pub fn define_masked(fifo: &mut Fifo, image: &CursorImage<'_>) -> Result<(), CursorError> {
    check(image)?;
    let width = masked_width(image.width);
    let pixel = |x: u32, y: u32| {
        if x < image.width {
            (image.pixel)(x, y)
        } else {
            0
        }
    };
    let header = FifoCmdDefineCursor {
        id: 0,
        hotspotX: image.hotspot.0,
        hotspotY: image.hotspot.1,
        width,
        height: image.height,
        andMaskDepth: 1,
        xorMaskDepth: 32,
    };
    let len = header.as_bytes().len() as u32 + width / 8 * image.height + width * image.height * 4;
    fifo.push_with(SVGA_CMD_DEFINE_CURSOR, len, |w| {
        w.bytes(header.as_bytes());
        for y in 0..image.height {
            for word in 0..width / 32 {
                let mut bits = 0u32;
                for bit in 0..32 {
                    if pixel(word * 32 + bit, y) >> 24 == 0 {
                        bits |= 0x8000_0000 >> bit;
                    }
                }
                // MSB-first bit order within each byte: the big-endian bytes of the word.
                w.bytes(&bits.to_be_bytes());
            }
        }
        for y in 0..image.height {
            for x in 0..width {
                let argb = pixel(x, y);
                w.word(if argb >> 24 == 0 {
                    0
                } else {
                    argb & 0x00FF_FFFF
                });
            }
        }
    })
    .map_err(CursorError::Fifo)
}

fn check(image: &CursorImage<'_>) -> Result<(), CursorError> {
    if image.fits() {
        Ok(())
    } else {
        Err(CursorError::BadSize {
            width: image.width,
            height: image.height,
        })
    }
}
