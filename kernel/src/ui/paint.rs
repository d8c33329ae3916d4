//! Row-wise painting: images fill a rectangle row by row from a closure through
//! `fill_contiguous`, in column chunks, so they reach the canvas's row fast path
//! instead of going pixel by pixel through `draw_iter`; text paints coverage rows
//! (`Painter`), straight into the framebuffer when the target is a `Canvas`.
//!
//! Nothing is read back from the target (the framebuffer may be write-combining
//! video memory): blending is against the background colour the caller names.

use super::glyph_cache::GlyphRows;
use crate::display::Canvas;
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// Widest run of pixels one row callback fills.
pub(super) const CHUNK: usize = 256;

/// Fills `area` (clipped to the target) row by row: `row(y, x, pixels)` fills the
/// pixels of row `y` starting at column `x` (absolute coordinates).
pub(super) fn fill_rows<D, F>(target: &mut D, area: &Rectangle, mut row: F)
where
    D: DrawTarget<Color = Rgb888>,
    F: FnMut(i32, i32, &mut [Rgb888]),
{
    let visible = area.intersection(&target.bounding_box());
    if visible.size.width == 0 || visible.size.height == 0 {
        return;
    }
    let mut x = visible.top_left.x;
    let right = x + visible.size.width as i32;
    while x < right {
        let width = ((right - x) as usize).min(CHUNK);
        let chunk = Rectangle::new(
            Point::new(x, visible.top_left.y),
            Size::new(width as u32, visible.size.height),
        );
        let rows = Rows {
            buf: [Rgb888::BLACK; CHUNK],
            width,
            x,
            y: visible.top_left.y,
            column: width,
            bottom: visible.top_left.y + visible.size.height as i32,
            row: &mut row,
        };
        let _ = target.fill_contiguous(&chunk, rows);
        x += width as i32;
    }
}

struct Rows<'a, F> {
    buf: [Rgb888; CHUNK],
    width: usize,
    x: i32,
    /// The row the buffer will hold next.
    y: i32,
    column: usize,
    bottom: i32,
    row: &'a mut F,
}

impl<F: FnMut(i32, i32, &mut [Rgb888])> Iterator for Rows<'_, F> {
    type Item = Rgb888;

    #[inline]
    fn next(&mut self) -> Option<Rgb888> {
        if self.column == self.width {
            if self.y >= self.bottom {
                return None;
            }
            (self.row)(self.y, self.x, &mut self.buf[..self.width]);
            self.y += 1;
            self.column = 0;
        }
        let c = self.buf[self.column];
        self.column += 1;
        Some(c)
    }
}

/// `target` as the `Canvas` it is, if it is one (for its fast paths and its dirty
/// rectangles); any other target comes back as it is.
pub(crate) fn as_canvas<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
) -> Result<&mut Canvas, &mut D> {
    if typeid::of::<D>() != typeid::of::<Canvas>() {
        return Err(target);
    }
    // SAFETY: `D` is `Canvas` (equal type ids; `Canvas` has no lifetime parameters
    // for the erased-lifetime id to hide), so this is the same exclusive reference
    // with its real type.
    Ok(unsafe { &mut *(target as *mut D).cast::<Canvas>() })
}

/// Where coverage rows go: straight into a `Canvas`'s framebuffer (the kernel's and
/// the host renders' target), or through `fill_contiguous` on any other target.
pub(super) enum Painter<'a, D> {
    /// Raw pixel values of the 16 coverage levels.
    Canvas(&'a mut Canvas, [u32; 16]),
    Other(&'a mut D, [Rgb888; 16]),
}

impl<'a, D: DrawTarget<Color = Rgb888>> Painter<'a, D> {
    /// A painter of `color` over `background` on `target`.
    pub(super) fn new(target: &'a mut D, color: Rgb888, background: Rgb888) -> Self {
        let colors = ramp(color, background);
        match as_canvas(target) {
            Ok(canvas) => {
                let format = canvas.framebuffer().format();
                Self::Canvas(canvas, colors.map(|c| format.pack(c)))
            }
            Err(target) => Self::Other(target, colors),
        }
    }

    /// Paints the pixels of row `y` from column `x` whose `coverage` (0..=15) is not
    /// 0; pixels without coverage keep the surface under them.
    pub(super) fn row(&mut self, x: i32, y: i32, coverage: &[u8]) {
        match self {
            Self::Canvas(canvas, raw) => canvas.paint_coverage_row(x, y, coverage, raw),
            Self::Other(target, colors) => {
                let mut i = 0;
                while i < coverage.len() {
                    if coverage[i] == 0 {
                        i += 1;
                        continue;
                    }
                    let run = coverage[i..].iter().take_while(|&&c| c != 0).count();
                    let area =
                        Rectangle::new(Point::new(x + i as i32, y), Size::new(run as u32, 1));
                    let pixels = coverage[i..i + run]
                        .iter()
                        .map(|&c| colors[usize::from(c & 15)]);
                    let _ = target.fill_contiguous(&area, pixels);
                    i += run;
                }
            }
        }
    }

    /// Paints a glyph stored as runs (see `glyph_cache::glyph_runs`): `rows` from
    /// row `y` down, coverage starting at column `x`, only inside `clip`.
    pub(super) fn glyph(&mut self, (x, y): (i32, i32), rows: GlyphRows<'_>, clip: &Rectangle) {
        match self {
            Self::Canvas(canvas, raw) => canvas.paint_coverage_runs((x, y), rows, clip, raw),
            Self::Other(..) => {
                let (from, to) = (clip.top_left.x, clip.top_left.x + clip.size.width as i32);
                let (top, bottom) = (clip.top_left.y, clip.top_left.y + clip.size.height as i32);
                for (j, (coverage, _)) in rows.enumerate() {
                    let row_y = y + j as i32;
                    let (a, b) = (from.max(x), to.min(x + coverage.len() as i32));
                    if row_y >= top && row_y < bottom && a < b {
                        self.row(a, row_y, &coverage[(a - x) as usize..(b - x) as usize]);
                    }
                }
            }
        }
    }

    /// Marks `area` (already painted row by row) as changed.
    pub(super) fn done(&mut self, area: &Rectangle) {
        if let Self::Canvas(canvas, _) = self {
            canvas.add_dirty_area(area);
        }
    }
}

/// The 16 colours between `background` (coverage 0) and `color` (coverage 15).
pub(super) fn ramp(color: Rgb888, background: Rgb888) -> [Rgb888; 16] {
    core::array::from_fn(|a| blend(color, background, a as u32 * 17))
}

/// `color` over `background` at `alpha` (0..=255).
pub fn blend(color: Rgb888, background: Rgb888, alpha: u32) -> Rgb888 {
    let mix = |f: u8, b: u8| {
        let v = u32::from(f) * alpha + u32::from(b) * (255 - alpha);
        ((v + 127) / 255) as u8
    };
    Rgb888::new(
        mix(color.r(), background.r()),
        mix(color.g(), background.g()),
        mix(color.b(), background.b()),
    )
}
