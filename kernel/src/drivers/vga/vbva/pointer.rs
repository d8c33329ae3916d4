//! The pointer shape the host draws for us: a classic arrow, drawn as data, and its
//! encoding into the VirtualBox cursor format (AND mask, then BGRA colour image).

/// A pointer image, at most 64 pixels wide: either drawn as data (one string per row,
/// `B` black, `W` white, `.` transparent) or given as a pixel function, so the display
/// code can hand over the shape it draws in software.
#[derive(Debug, Clone, Copy)]
pub struct PointerShape {
    /// Width in pixels (every row has this many characters).
    pub width: u32,
    /// Height in pixels (number of rows).
    pub height: u32,
    /// Hotspot column.
    pub hot_x: u32,
    /// Hotspot row.
    pub hot_y: u32,
    pixels: Pixels,
}

#[derive(Debug, Clone, Copy)]
enum Pixels {
    Rows(&'static [&'static str]),
    Function(fn(u32, u32) -> u32),
}

/// The arrow: 12×19, hotspot at the tip, black outline around a white body.
pub const ARROW: PointerShape = PointerShape {
    width: 12,
    height: 19,
    hot_x: 0,
    hot_y: 0,
    pixels: Pixels::Rows(&[
        "B...........",
        "BB..........",
        "BWB.........",
        "BWWB........",
        "BWWWB.......",
        "BWWWWB......",
        "BWWWWWB.....",
        "BWWWWWWB....",
        "BWWWWWWWB...",
        "BWWWWWWWWB..",
        "BWWWWWWWWWB.",
        "BWWWWWWBBBBB",
        "BWWWBWWB....",
        "BWWBBWWB....",
        "BWB..BWWB...",
        "BB...BWWB...",
        "B.....BWWB..",
        "......BWWB..",
        ".......BB...",
    ]),
};

const OPAQUE_BLACK: u32 = 0xFF00_0000;
const OPAQUE_WHITE: u32 = 0xFFFF_FFFF;
const TRANSPARENT: u32 = 0x0000_0000;

impl PointerShape {
    /// A `width × height` shape whose pixel (x, y) is `argb(x, y)` (0xAARRGGBB), or
    /// `None` when wider than 64 pixels.
    pub fn from_fn(
        width: u32,
        height: u32,
        hot_x: u32,
        hot_y: u32,
        argb: fn(u32, u32) -> u32,
    ) -> Option<Self> {
        (width <= MAX_MASK_PITCH as u32 * 8).then_some(Self {
            width,
            height,
            hot_x,
            hot_y,
            pixels: Pixels::Function(argb),
        })
    }

    /// The pixel at (x, y) as 0xAARRGGBB; transparent outside the image.
    pub fn argb(&self, x: u32, y: u32) -> u32 {
        if x >= self.width || y >= self.height {
            return TRANSPARENT;
        }
        match self.pixels {
            Pixels::Function(argb) => argb(x, y),
            Pixels::Rows(rows) => match rows
                .get(y as usize)
                .and_then(|r| r.as_bytes().get(x as usize))
            {
                Some(b'B') => OPAQUE_BLACK,
                Some(b'W') => OPAQUE_WHITE,
                _ => TRANSPARENT,
            },
        }
    }

    /// Bytes of one AND-mask row (1 bit per pixel, rows padded to whole bytes).
    fn mask_pitch(&self) -> usize {
        (self.width as usize).div_ceil(8)
    }

    /// Offset of the colour image: the AND mask rounded up to 4 bytes.
    fn colour_offset(&self) -> usize {
        (self.mask_pitch() * self.height as usize).next_multiple_of(4)
    }

    /// Length of the encoded shape data (`((w+7)/8·h + 3 & ~3) + w·h·4`).
    pub fn data_len(&self) -> usize {
        self.colour_offset() + self.width as usize * self.height as usize * 4
    }

    /// Writes the shape data into `out` (at least [`data_len`](Self::data_len) bytes)
    /// and returns the length written, or `None` when `out` is too short.
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        let len = self.data_len();
        let out = out.get_mut(..len)?;
        self.write_data(|at, bytes| out[at..at + bytes.len()].copy_from_slice(bytes));
        Some(len)
    }

    /// Produces the shape data as `(offset, bytes)` pieces covering every byte of
    /// `0..data_len()` exactly once, so it can go straight into VRAM.
    ///
    /// AND mask in the header polarity (MSB first; 1 = transparent, 0 = opaque), so
    /// hosts that ignore the alpha channel still draw the right outline. Colour pixels
    /// are B, G, R, A bytes.
    pub fn write_data(&self, mut put: impl FnMut(usize, &[u8])) {
        let mask_pitch = self.mask_pitch();
        let mut mask_row = [0u8; MAX_MASK_PITCH];
        for y in 0..self.height {
            let row = &mut mask_row[..mask_pitch.min(MAX_MASK_PITCH)];
            row.fill(0);
            for x in 0..self.width.min(MAX_MASK_PITCH as u32 * 8) {
                if self.argb(x, y) >> 24 < 0xF0 {
                    row[x as usize / 8] |= 0x80 >> (x % 8);
                }
            }
            put(y as usize * mask_pitch, row);
        }
        let mask_len = mask_pitch * self.height as usize;
        let padding = [0u8; 3];
        put(mask_len, &padding[..self.colour_offset() - mask_len]);
        let colour_offset = self.colour_offset();
        for y in 0..self.height {
            for x in 0..self.width {
                let at = colour_offset + (y * self.width + x) as usize * 4;
                put(at, &self.argb(x, y).to_le_bytes());
            }
        }
    }
}

/// Widest mask row supported: 64 pixels (the pointers we draw are far smaller).
const MAX_MASK_PITCH: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_the_declared_size() {
        let Pixels::Rows(rows) = ARROW.pixels else {
            panic!("the arrow is drawn as data");
        };
        assert_eq!(rows.len(), ARROW.height as usize);
        for row in rows {
            assert_eq!(row.len(), ARROW.width as usize, "{row}");
            assert!(
                row.bytes().all(|b| matches!(b, b'B' | b'W' | b'.')),
                "{row}"
            );
        }
        assert_eq!(ARROW.argb(ARROW.hot_x, ARROW.hot_y), OPAQUE_BLACK);
    }

    #[test]
    fn encoding_has_header_polarity_mask_and_bgra_pixels() {
        let mut out = [0xAAu8; 1024];
        let len = ARROW.encode(&mut out).unwrap();
        // 12 px → 2 mask bytes per row, 19 rows = 38 → padded to 40; 12·19·4 colour.
        assert_eq!(len, 40 + 912);
        // Row 0: only x = 0 opaque → mask 0b0111_1111 0b1111_0000 (pad bits zero).
        assert_eq!(&out[0..2], &[0x7F, 0xF0]);
        // Row 11: "BWWWWWWBBBBB": all opaque.
        assert_eq!(&out[22..24], &[0x00, 0x00]);
        // Mask padding bytes 38..40 are zero.
        assert_eq!(&out[38..40], &[0, 0]);
        // Pixel (1, 2) is white, (0, 0) black, (11, 0) transparent.
        let pixel = |x: usize, y: usize| &out[40 + (y * 12 + x) * 4..][..4];
        assert_eq!(pixel(1, 2), &[0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(pixel(0, 0), &[0x00, 0x00, 0x00, 0xFF]);
        assert_eq!(pixel(11, 0), &[0, 0, 0, 0]);
        // Nothing written past the data.
        assert_eq!(out[len], 0xAA);
    }

    #[test]
    fn a_pixel_function_shape_encodes_like_the_same_rows() {
        fn same_as_arrow(x: u32, y: u32) -> u32 {
            ARROW.argb(x, y)
        }
        let shape = PointerShape::from_fn(12, 19, 0, 0, same_as_arrow).unwrap();
        let (mut a, mut b) = ([0u8; 1024], [0u8; 1024]);
        assert_eq!(shape.encode(&mut a), ARROW.encode(&mut b));
        assert_eq!(a, b);
        assert!(PointerShape::from_fn(65, 1, 0, 0, same_as_arrow).is_none());
    }

    #[test]
    fn too_small_output_is_refused() {
        let mut out = [0u8; 100];
        assert_eq!(ARROW.encode(&mut out), None);
    }
}
