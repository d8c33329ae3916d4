//! The UI font: DejaVu Sans (regular and bold), rasterized with anti-aliasing at build
//! time (`kernel/build.rs`) at one master size, 4 bits a pixel, each glyph stored
//! compressed (`coverage`) and decoded whole before it is drawn. Every other size is
//! resampled from it at draw time: smaller ones by averaging the master pixels under
//! each output pixel (supersampled anti-aliasing), larger ones by a bilinear filter
//! sharpened so edges stay one pixel wide, so big text stays crisp at 4K.
//!
//! A character without a glyph draws a visible replacement box and is counted
//! (`missing_glyphs`).

use core::sync::atomic::{AtomicU32, Ordering};

/// One glyph of one face: metrics in pixels, coded coverage at `offset` in `COVERAGE`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    /// Pen advance in 1/64 pixel.
    pub advance: u16,
    /// Bitmap left edge relative to the pen.
    pub left: i8,
    /// Bitmap top edge above the baseline.
    pub top: i8,
    pub width: u8,
    pub height: u8,
    /// The glyph of the same face decoded into this one's box before its own codes
    /// (its letter, for an accented one), or `NO_BASE`.
    pub base: u16,
    /// Where its codes start in `COVERAGE`.
    pub offset: u32,
}

/// The master glyphs of one weight.
#[derive(Debug)]
pub(crate) struct Face {
    pub px: u16,
    pub ascent: i32,
    pub descent: i32,
    pub glyphs: &'static [Glyph],
}

mod generated {
    use super::{Face, Glyph};
    include!(concat!(env!("OUT_DIR"), "/fonts.rs"));
}
pub(crate) use generated::{COVERAGE, MAX_MASTER_PIXELS, NO_BASE};

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weight {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

/// Smallest size a font is drawn at (smaller requests are raised to it).
pub const MIN_SIZE: u16 = 8;
/// Largest size a font is drawn at (larger requests are clamped).
pub const MAX_SIZE: u16 = 1024;
/// The size the glyphs are stored at: drawn without resampling.
pub const MASTER_SIZE: u16 = generated::REGULAR.px;

static MISSING_GLYPHS: AtomicU32 = AtomicU32::new(0);

/// Characters drawn as a replacement box because the font has no glyph for them,
/// since boot.
pub fn missing_glyphs() -> u32 {
    MISSING_GLYPHS.load(Ordering::Relaxed)
}

pub(super) fn count_missing() {
    MISSING_GLYPHS.fetch_add(1, Ordering::Relaxed);
}

/// Whether the font has a glyph for `c` (else it draws as a replacement box).
pub fn has_glyph(c: char) -> bool {
    glyph_index(c).is_some()
}

fn glyph_index(c: char) -> Option<usize> {
    let code = c as u32;
    match code {
        0x20..=0x7E => Some((code - 0x20) as usize),
        0xA0..=0xFF => Some((code - 0xA0) as usize + 95),
        _ => generated::EXTRA_CHARS
            .iter()
            .position(|&g| g == c)
            .map(|i| i + 95 + 96),
    }
}

/// A weight at a pixel (em) size: what text is measured and drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Font {
    weight: Weight,
    px: u16,
}

/// 16.16 fixed point.
pub(super) const ONE: u32 = 1 << 16;

impl Font {
    /// `weight` at `px` pixels per em, clamped to `MIN_SIZE..=MAX_SIZE`.
    pub const fn new(weight: Weight, px: u32) -> Self {
        let px = if px < MIN_SIZE as u32 {
            MIN_SIZE
        } else if px > MAX_SIZE as u32 {
            MAX_SIZE
        } else {
            px as u16
        };
        Self { weight, px }
    }

    /// The weight.
    pub fn weight(&self) -> Weight {
        self.weight
    }

    /// The pixel (em) size.
    pub fn px(&self) -> u32 {
        u32::from(self.px)
    }

    /// The master glyphs this font draws from.
    pub(super) fn face(&self) -> &'static Face {
        match self.weight {
            Weight::Regular => &generated::REGULAR,
            Weight::Bold => &generated::BOLD,
        }
    }

    /// Output pixels per master pixel, 16.16 (1.0 at the master size).
    pub(super) fn scale(&self) -> u32 {
        let face = self.face();
        (u32::from(self.px) << 16) / u32::from(face.px)
    }

    fn scaled(&self, v: i32) -> i32 {
        ((i64::from(v) * i64::from(self.scale()) + i64::from(ONE) - 1) >> 16) as i32
    }

    /// Pixels from the baseline up to the top of the line box.
    pub fn ascent(&self) -> u32 {
        self.scaled(self.face().ascent).max(0) as u32
    }

    /// Pixels from the baseline down to the bottom of the line box.
    pub fn descent(&self) -> u32 {
        self.scaled(self.face().descent).max(0) as u32
    }

    /// Height of a line of text (ascent + descent).
    pub fn height(&self) -> u32 {
        self.ascent() + self.descent()
    }

    /// Advance of `c` in 1/64 pixel (a missing glyph advances like the box it draws).
    pub(super) fn advance64(&self, c: char) -> u32 {
        self.advances().of(c)
    }

    /// The advances of this font's characters, its face and scale looked up once
    /// (measuring a text then costs no call and no division per character).
    #[inline]
    pub(super) fn advances(&self) -> Advances {
        Advances {
            face: self.face(),
            scale: self.scale(),
        }
    }

    /// Width of `text` on one line, in pixels.
    pub fn width(&self, text: &str) -> u32 {
        let advances = self.advances();
        let sum: u64 = text.chars().map(|c| u64::from(advances.of(c))).sum();
        sum.div_ceil(64).min(u64::from(u32::MAX)) as u32
    }

    pub(super) fn glyph(&self, c: char) -> Option<&'static Glyph> {
        glyph_index(c).map(|i| &self.face().glyphs[i])
    }
}

/// The advances of one font (`Font::advances`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Advances {
    face: &'static Face,
    scale: u32,
}

impl Advances {
    /// `Font::advance64` of `c`.
    #[inline]
    pub(super) fn of(&self, c: char) -> u32 {
        let raw = match glyph_index(c) {
            Some(i) => u32::from(self.face.glyphs[i].advance),
            None => u32::from(self.face.px) * 64 * 6 / 10,
        };
        ((u64::from(raw) * u64::from(self.scale)) >> 16) as u32
    }
}
