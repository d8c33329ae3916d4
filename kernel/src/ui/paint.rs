//! Row-wise painting: a rectangle is filled row by row from a closure through
//! `fill_contiguous`, in column chunks, so text and images reach the canvas's
//! row fast path instead of going pixel by pixel through `draw_iter`.
//!
//! Nothing is read back from the target (the framebuffer may be write-combining
//! video memory): blending is against the background colour the caller names.

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

/// Fills `area` (clipped to the target) from coverage rows: `row(y, x, coverage)`
/// adds the coverage (0..=15, starting from 0) of row `y` from column `x`, and each
/// pixel becomes `colors[coverage]`. `buf` is the row scratch (the caller's, so
/// drawing many small boxes does not set up a new one each time).
pub(super) fn fill_coverage<D, F>(
    target: &mut D,
    area: &Rectangle,
    colors: &[Rgb888; 16],
    buf: &mut [u8; CHUNK],
    mut row: F,
) where
    D: DrawTarget<Color = Rgb888>,
    F: FnMut(i32, i32, &mut [u8]),
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
        let rows = CoverageRows {
            buf: &mut *buf,
            colors,
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

struct CoverageRows<'a, F> {
    buf: &'a mut [u8; CHUNK],
    colors: &'a [Rgb888; 16],
    width: usize,
    x: i32,
    y: i32,
    column: usize,
    bottom: i32,
    row: &'a mut F,
}

impl<F: FnMut(i32, i32, &mut [u8])> Iterator for CoverageRows<'_, F> {
    type Item = Rgb888;

    #[inline]
    fn next(&mut self) -> Option<Rgb888> {
        if self.column == self.width {
            if self.y >= self.bottom {
                return None;
            }
            let row = &mut self.buf[..self.width];
            row.fill(0);
            (self.row)(self.y, self.x, row);
            self.y += 1;
            self.column = 0;
        }
        let a = self.buf[self.column];
        self.column += 1;
        Some(self.colors[usize::from(a & 15)])
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
