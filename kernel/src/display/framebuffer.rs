//! A linear framebuffer over a `PhysRegion`: geometry, pixel format, and row-wise
//! access through the raw pointer once the row's bounds are known.

use super::pixel_runs;
use crate::hal::PhysRegion;
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};

/// How a pixel is laid out in memory: bytes per pixel and the bit position of each
/// 8-bit channel (little-endian). The DISPI modes are xRGB8888; a firmware
/// framebuffer may differ (BGR order, 24 bpp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelFormat {
    /// 3 or 4.
    pub bytes_per_pixel: u8,
    /// Bit position of the red channel's least significant bit.
    pub red_shift: u8,
    /// Bit position of the green channel's least significant bit.
    pub green_shift: u8,
    /// Bit position of the blue channel's least significant bit.
    pub blue_shift: u8,
}

impl PixelFormat {
    /// 32 bpp, blue in the low byte: what VBE DISPI and VirtualBox use.
    pub const XRGB8888: Self = Self {
        bytes_per_pixel: 4,
        red_shift: 16,
        green_shift: 8,
        blue_shift: 0,
    };

    /// Whether every channel fits inside the pixel.
    pub fn is_valid(&self) -> bool {
        let bits = u32::from(self.bytes_per_pixel) * 8;
        matches!(self.bytes_per_pixel, 3 | 4)
            && [self.red_shift, self.green_shift, self.blue_shift]
                .iter()
                .all(|&s| u32::from(s) + 8 <= bits)
    }

    /// The raw pixel value of `color`.
    #[inline]
    pub fn pack(&self, color: Rgb888) -> u32 {
        (u32::from(color.r()) << self.red_shift)
            | (u32::from(color.g()) << self.green_shift)
            | (u32::from(color.b()) << self.blue_shift)
    }

    /// The colour of a raw pixel value.
    pub fn unpack(&self, raw: u32) -> Rgb888 {
        Rgb888::new(
            (raw >> self.red_shift) as u8,
            (raw >> self.green_shift) as u8,
            (raw >> self.blue_shift) as u8,
        )
    }
}

/// Why a framebuffer description was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramebufferError {
    /// Zero width or height.
    Empty,
    /// The pixel format is not 24/32 bpp with 8-bit channels.
    UnsupportedFormat(PixelFormat),
    /// The pitch is smaller than a row of pixels.
    PitchTooSmall {
        /// Bytes per scanline given.
        pitch: u32,
        /// Bytes a row needs.
        needed: u32,
    },
    /// The region is smaller than pitch × height.
    RegionTooSmall {
        /// Bytes the mode needs.
        needed: u64,
        /// Bytes the region has.
        len: u64,
    },
}

/// Something painted into a row by `Framebuffer::fill_row_around`.
#[derive(Debug, Clone, Copy)]
pub struct RowInlay<'a> {
    /// First column on the screen.
    pub x: u32,
    /// Columns it spans; the row's colour fills those its pixels leave unpainted.
    pub width: u32,
    /// What it paints.
    pub pixels: InlayPixels<'a>,
}

/// The pixels of a `RowInlay`.
#[derive(Debug, Clone, Copy)]
pub enum InlayPixels<'a> {
    /// Every column one raw value (a bar).
    Solid(u32),
    /// Runs (first column from the inlay's << 16 | length) taking the next of the
    /// raw pixels each (one row of a line kept by the label cache).
    Runs(&'a [u32], &'a [u32]),
}

/// Rows a band's pieces are painted over before moving on to the next rows: each
/// piece picks its way to store once per chunk (not per row), while the chunk's
/// rows of video memory (120 pages at 1080p, 240 at 4K) stay in an emulator's TLB
/// (QEMU's starts at 256 entries and grows with use). 64 rather than 16: 5k fewer
/// translated blocks and 15k fewer memory accesses a 1080p redraw.
const CHUNK_ROWS: u32 = 64;

/// The row counts of `height` rows in chunks of `CHUNK_ROWS`.
fn row_chunks(height: u32) -> impl Iterator<Item = usize> {
    (0..height)
        .step_by(CHUNK_ROWS as usize)
        .map(move |start| (height - start).min(CHUNK_ROWS) as usize)
}

/// One piece of each row of a band (`Framebuffer::fill_band`): columns
/// [x, x + width).
#[derive(Debug, Clone, Copy)]
pub struct BandPiece<'a> {
    /// First column on the screen.
    pub x: u32,
    /// Columns it spans.
    pub width: u32,
    /// What it paints.
    pub pixels: BandPixels<'a>,
}

/// The pixels of a `BandPiece`.
#[derive(Debug, Clone, Copy)]
pub enum BandPixels<'a> {
    /// Every column of every row one raw value.
    Solid(u32),
    /// Raw pixels, row after row: the band's row `r` takes `width` of them from
    /// `r × width` (a block of a kept line's rows).
    Block(&'a [u32]),
}

/// A framebuffer: a region of (video) memory with a geometry and a pixel format.
#[derive(Debug, Clone, Copy)]
pub struct Framebuffer {
    region: PhysRegion,
    width: u32,
    height: u32,
    pitch: u32,
    format: PixelFormat,
    /// Bytes written so far (`cargo xtask bench` counts them against the twin).
    bytes_written: u64,
}

/// Paints `height` rows `pitch` bytes apart from `row` with `pieces` side by side,
/// `CHUNK_ROWS` rows at a time: the loop of `Framebuffer::fill_band`, with the pixel
/// loops inlined and beside them in their page of code (`.text.pixels`), so a piece
/// costs neither a call nor a return (each a lookup of the next translated block
/// under emulation).
///
/// # Safety
/// For every row r < `height`, each piece's columns from `row + r × pitch` are
/// writable, and each block holds `height` rows of its piece's width, in ordinary
/// memory.
#[inline(never)]
#[link_section = ".text.pixels"]
unsafe fn paint_band(mut row: *mut u8, height: usize, pitch: usize, pieces: &[BandPiece]) {
    let mut done = 0;
    for rows in row_chunks(height as u32) {
        for piece in pieces {
            let (at, n) = (row.wrapping_add(piece.x as usize * 4), piece.width as usize);
            // SAFETY: the caller's contract, for rows done..done + rows.
            unsafe {
                match piece.pixels {
                    BandPixels::Solid(raw) => {
                        pixel_runs::fill_block::<true>(at, n, rows, pitch, raw)
                    }
                    BandPixels::Block(block) => {
                        let src = block.as_ptr().add(done * n);
                        // Blocks narrower than 16 pixels (a glyph or two) are rare:
                        // out of line, which leaves room in this page of code.
                        if n >= 16 {
                            pixel_runs::copy_block(at, src, n, rows, pitch)
                        } else {
                            pixel_runs::copy_rows(at, src, n, rows, pitch)
                        }
                    }
                }
            }
        }
        row = row.wrapping_add(rows * pitch);
        done += rows;
    }
}

impl Framebuffer {
    /// Checks the geometry against the region, so every later access is in bounds.
    pub fn new(
        region: PhysRegion,
        width: u32,
        height: u32,
        pitch: u32,
        format: PixelFormat,
    ) -> Result<Self, FramebufferError> {
        if width == 0 || height == 0 {
            return Err(FramebufferError::Empty);
        }
        if !format.is_valid() {
            return Err(FramebufferError::UnsupportedFormat(format));
        }
        let row_bytes = u64::from(width) * u64::from(format.bytes_per_pixel);
        if u64::from(pitch) < row_bytes {
            return Err(FramebufferError::PitchTooSmall {
                pitch,
                needed: u32::try_from(row_bytes).unwrap_or(u32::MAX),
            });
        }
        let needed = u64::from(pitch) * u64::from(height - 1) + row_bytes;
        if needed > region.len() as u64 {
            return Err(FramebufferError::RegionTooSmall {
                needed,
                len: region.len() as u64,
            });
        }
        Ok(Self {
            region,
            width,
            height,
            pitch,
            format,
            bytes_written: 0,
        })
    }

    /// Bytes written through this framebuffer so far (fills, rows, copies).
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    fn count_written(&mut self, pixels: u32) {
        self.bytes_written += u64::from(pixels) * u64::from(self.format.bytes_per_pixel);
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Bytes per scanline.
    pub fn pitch(&self) -> u32 {
        self.pitch
    }
    /// The pixel format.
    pub fn format(&self) -> PixelFormat {
        self.format
    }
    /// The memory behind the pixels (for backends that report it to the host).
    pub fn region(&self) -> PhysRegion {
        self.region
    }

    /// Byte offset of pixel (x, y); callers have checked the bounds.
    #[inline]
    fn offset(&self, x: u32, y: u32) -> usize {
        y as usize * self.pitch as usize + x as usize * usize::from(self.format.bytes_per_pixel)
    }

    #[inline]
    fn span_in_bounds(&self, x: u32, y: u32, len: u32) -> bool {
        y < self.height && x.checked_add(len).is_some_and(|end| end <= self.width)
    }

    /// Writes one 32-bit pixel `raw[c & 15]` per coverage value `c` from `at`.
    ///
    /// # Safety
    /// `at .. at + coverage.len() × 4` lies inside the region (as `pixel_runs::fill`).
    #[inline(always)]
    unsafe fn store_ramp(at: *mut u8, coverage: &[u8], raw: &[u32; 16]) {
        for (i, &c) in coverage.iter().enumerate() {
            // SAFETY: inside the region (the caller's contract).
            unsafe {
                at.add(i * 4)
                    .cast::<u32>()
                    .write_unaligned(raw[usize::from(c & 15)])
            };
        }
    }

    /// Sets `len` pixels of row `y` from column `x` to `raw`; ignored if out of bounds.
    pub fn fill_row(&mut self, x: u32, y: u32, len: u32, raw: u32) {
        if !self.span_in_bounds(x, y, len) {
            return;
        }
        self.count_written(len);
        let start = self.offset(x, y);
        let base = self.region.as_ptr();
        if self.format.bytes_per_pixel == 4 {
            // SAFETY: x + len <= width and y < height (checked above), and `new`
            // checked pitch × (height-1) + width × 4 <= region length, so every u32
            // written lies inside the region, valid per PhysRegion::new.
            unsafe { pixel_runs::fill(base.add(start), len as usize, raw) };
        } else {
            let bytes = raw.to_le_bytes();
            for i in 0..len as usize {
                for (b, byte) in bytes[..3].iter().enumerate() {
                    // SAFETY: as above, with 3 bytes per pixel.
                    unsafe { base.add(start + i * 3 + b).write(*byte) };
                }
            }
        }
    }

    /// `fill_row`, called: for paths that are rare (3 bytes a pixel) inside code that
    /// should stay small.
    #[inline(never)]
    fn fill_row_not_inlined(&mut self, x: u32, y: u32, len: u32, raw: u32) {
        self.fill_row(x, y, len, raw);
    }

    /// Sets the `width` x `height` pixels from (`x`, `y`) to `raw`: one bounds check
    /// for the rectangle, then row after row (a card's edge is a 1-pixel-wide
    /// rectangle: the checks would cost more than its pixels). Ignored if it does not
    /// lie inside the framebuffer.
    pub fn fill_rect(&mut self, x: u32, y: u32, width: u32, height: u32, raw: u32) {
        if width == 0 || height == 0 {
            return;
        }
        let Some(last) = y.checked_add(height - 1) else {
            return;
        };
        if !self.span_in_bounds(x, last, width) {
            return;
        }
        if self.format.bytes_per_pixel != 4 {
            for row in y..y + height {
                self.fill_row(x, row, width, raw);
            }
            return;
        }
        self.count_written(width * height);
        let at = self.region.as_ptr().wrapping_add(self.offset(x, y));
        // SAFETY: rows y..y + height < self.height and columns x..x + width
        // <= self.width (checked above for the last row, which has the highest
        // addresses; see fill_row).
        unsafe {
            pixel_runs::fill_rows(
                at,
                width as usize,
                height as usize,
                self.pitch as usize,
                raw,
            )
        };
    }

    /// Paints rows [y, y + height) with `pieces` side by side, `CHUNK_ROWS` rows at a
    /// time: a pass down all the rows of a narrow piece would cost a page lookup per
    /// row in an emulator's TLB, a pass per row a choice of how to store each piece
    /// per row. Ignored unless every piece lies inside the framebuffer and every block
    /// holds `height` rows of its width; with pixels other than 32-bit, only solid
    /// pieces are painted (blocks hold 32-bit pixels).
    pub fn fill_band(&mut self, y: u32, height: u32, pieces: &[BandPiece]) {
        if !self.band_in_bounds(y, height, pieces) {
            return;
        }
        if self.format.bytes_per_pixel != 4 {
            for piece in pieces {
                if let BandPixels::Solid(raw) = piece.pixels {
                    self.fill_rect(piece.x, y, piece.width, height, raw);
                }
            }
            return;
        }
        let pixels: u32 = pieces.iter().map(|piece| piece.width).sum();
        self.count_written(pixels * height);
        let row = self.region.as_ptr().wrapping_add(self.offset(0, y));
        // SAFETY: rows y..y + height < self.height, each piece's columns lie inside
        // the row and each block holds `height` rows of its width (checked above, for
        // the last row, which has the highest addresses; see fill_row); 32-bit pixels.
        unsafe { paint_band(row, height as usize, self.pitch as usize, pieces) };
    }

    /// Whether rows [y, y + height) (at least one) hold every piece's columns and
    /// every block holds `height` rows of its piece's width.
    fn band_in_bounds(&self, y: u32, height: u32, pieces: &[BandPiece]) -> bool {
        let Some(last) = y.checked_add(height).and_then(|end| end.checked_sub(1)) else {
            return false;
        };
        pieces.iter().all(|piece| {
            self.span_in_bounds(piece.x, last, piece.width)
                && match piece.pixels {
                    BandPixels::Solid(_) => true,
                    // (A product, not a quotient: a division is a helper call
                    // under emulation.)
                    BandPixels::Block(block) => (piece.width as usize)
                        .checked_mul(height as usize)
                        .is_some_and(|needed| block.len() >= needed),
                }
        })
    }

    /// Sets rows [y, y + height) to five spans that change from row to row (a rounded
    /// part's rows): row `y + i` is cut at the six columns `cuts_of(i)`, span k
    /// running from cut k to cut k + 1 in `raws[k]`, all cut to `columns` [left,
    /// right) (a span ending before it starts writes nothing; a later span wins where
    /// two overlap). Ignored unless the rows and `columns` lie inside the framebuffer.
    ///
    /// The rows' cuts come from a closure rather than a slice so that a shape's rows
    /// are computed and written in one loop, without a call per row: under emulation
    /// every call and return ends a translated block, and so does each test, so cuts
    /// are clamped by min/max instead of tested (see `pixel_runs::fill_five_runs`).
    #[inline]
    #[link_section = ".text.shape_rows"]
    pub fn fill_rows_with(
        &mut self,
        (y, height): (u32, u32),
        (left, right): (u32, u32),
        raws: &[u32; 5],
        mut cuts_of: impl FnMut(u32) -> [i64; 6],
    ) {
        let Some(last) = y.checked_add(height).and_then(|end| end.checked_sub(1)) else {
            return;
        };
        if left > right || !self.span_in_bounds(left, last, right - left) {
            return;
        }
        let (left, right) = (i64::from(left), i64::from(right));
        let mut cut_row = move |i| cuts_of(i).map(|cut| cut.clamp(left, right) as usize);
        if self.format.bytes_per_pixel != 4 {
            for i in 0..height {
                let cuts = cut_row(i);
                for (k, &raw) in raws.iter().enumerate() {
                    let (from, to) = (cuts[k], cuts[k + 1]);
                    if from < to {
                        self.fill_row_not_inlined(from as u32, y + i, (to - from) as u32, raw);
                    }
                }
            }
            return;
        }
        let pitch = self.pitch as usize;
        let mut row = self.region.as_ptr().wrapping_add(self.offset(0, y));
        let mut pixels = 0;
        for i in 0..height {
            // SAFETY: rows y..y + height < self.height and the cuts lie in
            // left..=right <= self.width (checked above for the last row, which has
            // the highest addresses; see fill_row).
            pixels += unsafe { pixel_runs::fill_five_runs(row.cast(), cut_row(i), raws) };
            row = row.wrapping_add(pitch);
        }
        self.count_written(pixels as u32);
    }

    /// Writes raw pixels along row `y` from column `x`, taking at most `len` of them
    /// from `pixels`; returns how many it wrote. Ignored (0) if the span is out of bounds.
    pub fn write_row(
        &mut self,
        x: u32,
        y: u32,
        len: u32,
        pixels: impl Iterator<Item = u32>,
    ) -> u32 {
        if !self.span_in_bounds(x, y, len) {
            return 0;
        }
        let start = self.offset(x, y);
        let base = self.region.as_ptr();
        let bpp = usize::from(self.format.bytes_per_pixel);
        let mut written = 0;
        for (i, raw) in pixels.take(len as usize).enumerate() {
            if bpp == 4 {
                // SAFETY: i < len and the span is in bounds (checked above; see fill_row).
                unsafe { base.add(start + i * 4).cast::<u32>().write_unaligned(raw) };
            } else {
                for (b, byte) in raw.to_le_bytes()[..3].iter().enumerate() {
                    // SAFETY: as above, with 3 bytes per pixel.
                    unsafe { base.add(start + i * 3 + b).write(*byte) };
                }
            }
            written += 1;
        }
        self.count_written(written);
        written
    }

    /// Copies raw pixels to row `y` from column `x` in one block (a saved area, a back
    /// buffer row); ignored if the span is out of bounds.
    pub fn copy_row_from(&mut self, x: u32, y: u32, pixels: &[u32]) {
        let Ok(len) = u32::try_from(pixels.len()) else {
            return;
        };
        if !self.span_in_bounds(x, y, len) {
            return;
        }
        if self.format.bytes_per_pixel == 4 {
            self.count_written(len);
            let start = self.offset(x, y);
            // SAFETY: the span is in bounds (checked above; see fill_row), and `pixels`
            // is ordinary memory that cannot overlap the region's device memory.
            unsafe { pixel_runs::copy(self.region.as_ptr().add(start), pixels) };
        } else {
            self.write_row(x, y, len, pixels.iter().copied());
        }
    }

    /// Sets the pixels of row `y` from column `x` whose `coverage` is not 0 to
    /// `raw[coverage & 15]`; ignored if the span is out of bounds.
    pub fn paint_coverage_row(&mut self, x: u32, y: u32, coverage: &[u8], raw: &[u32; 16]) {
        let Ok(len) = u32::try_from(coverage.len()) else {
            return;
        };
        if !self.span_in_bounds(x, y, len) {
            return;
        }
        let start = self.offset(x, y);
        let base = self.region.as_ptr();
        let bpp = usize::from(self.format.bytes_per_pixel);
        let mut written = 0;
        for (i, &c) in coverage.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let value = raw[usize::from(c & 15)];
            if bpp == 4 {
                // SAFETY: i < len and the span is in bounds (checked above; see fill_row).
                unsafe { base.add(start + i * 4).cast::<u32>().write_unaligned(value) };
            } else {
                for (b, byte) in value.to_le_bytes()[..3].iter().enumerate() {
                    // SAFETY: as above, with 3 bytes per pixel.
                    unsafe { base.add(start + i * 3 + b).write(*byte) };
                }
            }
            written += 1;
        }
        self.count_written(written);
    }

    /// Sets every pixel of row `y` from column `x` to `raw[coverage & 15]` (a run of
    /// covered pixels: no test per pixel); ignored if the span is out of bounds.
    pub fn paint_ramp_row(&mut self, x: u32, y: u32, coverage: &[u8], raw: &[u32; 16]) {
        let Ok(len) = u32::try_from(coverage.len()) else {
            return;
        };
        if self.format.bytes_per_pixel != 4 {
            return self.paint_coverage_row(x, y, coverage, raw);
        }
        if !self.span_in_bounds(x, y, len) {
            return;
        }
        self.count_written(len);
        let at = self.region.as_ptr().wrapping_add(self.offset(x, y));
        // SAFETY: the span is in bounds (checked above; see fill_row).
        unsafe { Self::store_ramp(at, coverage, raw) };
    }

    /// Paints a row of a glyph stored as runs: `coverage` starts at column `x` of row
    /// `y`, each run (first column in `coverage`, length, solid) sets its pixels to
    /// `raw[15]` if solid, else to `raw[coverage & 15]`; pixels in no run are left as
    /// they are. One bounds check for the row, none per run or pixel. Ignored if the
    /// row is out of bounds; runs past the end of `coverage` are skipped.
    pub fn paint_runs_row(
        &mut self,
        x: u32,
        y: u32,
        coverage: &[u8],
        runs: impl Iterator<Item = (usize, usize, bool)>,
        raw: &[u32; 16],
    ) {
        let Ok(len) = u32::try_from(coverage.len()) else {
            return;
        };
        if !self.span_in_bounds(x, y, len) {
            return;
        }
        if self.format.bytes_per_pixel != 4 {
            for (start, n, _) in runs {
                if let Some(part) = coverage.get(start..start + n) {
                    self.paint_coverage_row(x + start as u32, y, part, raw);
                }
            }
            return;
        }
        let row = self.region.as_ptr().wrapping_add(self.offset(x, y));
        let mut written = 0;
        for (start, n, solid) in runs {
            let Some(part) = coverage.get(start..start + n) else {
                continue;
            };
            written += n;
            let at = row.wrapping_add(start * 4);
            // SAFETY: start + n <= coverage.len() = len (`part` exists), and the
            // row's span [x, x + len) is in bounds (checked above; see fill_row).
            unsafe {
                if solid {
                    pixel_runs::fill(at, n, raw[15]);
                } else {
                    Self::store_ramp(at, part, raw);
                }
            }
        }
        self.count_written(written as u32);
    }

    /// Copies a row of runs of raw pixels to row `y` from column `x` (a line kept
    /// by the label cache): each run (first column from `x` << 16 | length) takes
    /// the next pixels of `pixels`; pixels in no run are left as they are. One bounds
    /// check for the `width` columns of the row, one compare per run. Ignored if the
    /// row is out of bounds; runs past `width` or past the pixels end the row.
    pub fn copy_runs_row(&mut self, x: u32, y: u32, width: u32, runs: &[u32], pixels: &[u32]) {
        if !self.span_in_bounds(x, y, width) {
            return;
        }
        let mut rest = pixels;
        let mut written = 0;
        if self.format.bytes_per_pixel != 4 {
            for &run in runs {
                let (start, n) = (run >> 16, (run & 0xFFFF) as usize);
                let Some((part, after)) = rest.split_at_checked(n) else {
                    break;
                };
                rest = after;
                self.write_row(x + start, y, n as u32, part.iter().copied());
            }
            return;
        }
        let row = self.region.as_ptr().wrapping_add(self.offset(x, y));
        for &run in runs {
            let (start, n) = ((run >> 16) as usize, (run & 0xFFFF) as usize);
            let Some((part, after)) = rest.split_at_checked(n) else {
                break;
            };
            if start + n > width as usize {
                break;
            }
            rest = after;
            written += n as u32;
            let at = row.wrapping_add(start * 4);
            // SAFETY: start + n <= width (checked just above) and the row's span
            // [x, x + width) is in bounds (checked on entry; see fill_row); `part` is
            // ordinary memory, not the region.
            unsafe { pixel_runs::copy(at, part) };
        }
        self.count_written(written);
    }

    /// Sets `len` pixels of row `y` from column `x` to `raw`, except where `inlays`
    /// (sorted by column, inside the span, not overlapping) put their own pixels:
    /// every pixel of the span is written once, left to right (a card's face row and
    /// the text and marks on it). Ignored if the span is out of bounds, not 32-bit,
    /// or an inlay lies outside it or before the one ahead of it.
    pub fn fill_row_around(&mut self, x: u32, y: u32, len: u32, raw: u32, inlays: &[RowInlay]) {
        if !self.span_in_bounds(x, y, len) || self.format.bytes_per_pixel != 4 {
            return;
        }
        let end = x + len;
        let mut at = x;
        for inlay in inlays {
            if inlay.x < at || inlay.x.checked_add(inlay.width).is_none_or(|e| e > end) {
                return;
            }
            at = inlay.x + inlay.width;
        }
        self.count_written(len);
        let row = self.region.as_ptr().wrapping_add(self.offset(0, y));
        let fill = |from: u32, to: u32| {
            // SAFETY: x <= from <= to <= x + len, a span checked above (see fill_row).
            unsafe {
                pixel_runs::fill(
                    row.wrapping_add(from as usize * 4),
                    (to - from) as usize,
                    raw,
                )
            };
        };
        let mut at = x;
        for inlay in inlays {
            fill(at, inlay.x);
            match inlay.pixels {
                InlayPixels::Solid(color) => {
                    // SAFETY: inside the span (checked above).
                    unsafe {
                        pixel_runs::fill(
                            row.wrapping_add(inlay.x as usize * 4),
                            inlay.width as usize,
                            color,
                        )
                    };
                }
                InlayPixels::Runs(runs, pixels) => {
                    let mut rest = pixels;
                    let mut cursor = inlay.x;
                    for &run in runs {
                        let (start, n) = (run >> 16, run & 0xFFFF);
                        let Some((part, after)) = rest.split_at_checked(n as usize) else {
                            break;
                        };
                        if start < cursor - inlay.x || start + n > inlay.width {
                            // Out of order or past the inlay: not a kept line's row.
                            break;
                        }
                        rest = after;
                        fill(cursor, inlay.x + start);
                        cursor = inlay.x + start + n;
                        // SAFETY: the run lies inside the inlay (checked just above),
                        // which lies inside the span; `part` is ordinary memory.
                        unsafe {
                            pixel_runs::copy(row.wrapping_add((inlay.x + start) as usize * 4), part)
                        };
                    }
                    fill(cursor, inlay.x + inlay.width);
                }
            }
            at = inlay.x + inlay.width;
        }
        fill(at, end);
    }

    /// Sets one pixel; ignored if out of bounds.
    #[inline]
    pub fn set_pixel(&mut self, x: u32, y: u32, raw: u32) {
        self.fill_row(x, y, 1, raw);
    }

    /// Reads one raw pixel (0 outside).
    pub fn pixel(&self, x: u32, y: u32) -> u32 {
        if !self.span_in_bounds(x, y, 1) {
            return 0;
        }
        let offset = self.offset(x, y);
        if self.format.bytes_per_pixel == 4 {
            self.region.read_u32(offset)
        } else {
            let mut b = [0u8; 4];
            self.region.read_bytes(offset, &mut b[..3]);
            u32::from_le_bytes(b)
        }
    }

    /// Reads one pixel as a colour.
    pub fn color(&self, x: u32, y: u32) -> Rgb888 {
        self.format.unpack(self.pixel(x, y))
    }
}
