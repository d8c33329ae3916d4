//! The canvas the app draws on: an embedded-graphics `DrawTarget<Color = Rgb888>` over
//! a framebuffer, with row-wise fast paths and a dirty rectangle for every draw.

use super::dirty::{DirtyRects, Rect};
use super::framebuffer::{BandPiece, BandPixels, Framebuffer};
use core::convert::Infallible;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// How many dirty rectangles a frame keeps before merging.
pub const DIRTY_CAPACITY: usize = 32;
/// Spans `fill_spans_rows` fills side by side in one pass down the rows.
const SPANS: usize = 18;

/// A framebuffer plus the set of rectangles drawn since the last `take_dirty`.
#[derive(Debug, Clone)]
pub struct Canvas {
    framebuffer: Framebuffer,
    dirty: DirtyRects<DIRTY_CAPACITY>,
}

impl Canvas {
    /// A canvas drawing into `framebuffer`.
    pub fn new(framebuffer: Framebuffer) -> Self {
        Self {
            framebuffer,
            dirty: DirtyRects::new(),
        }
    }

    /// The framebuffer underneath.
    pub fn framebuffer(&self) -> &Framebuffer {
        &self.framebuffer
    }

    /// The framebuffer, for raw access (software pointer); record what you change
    /// with `add_dirty`.
    pub fn framebuffer_mut(&mut self) -> &mut Framebuffer {
        &mut self.framebuffer
    }

    /// Records a changed rectangle (already inside the screen).
    pub fn add_dirty(&mut self, rect: Rect) {
        self.dirty.add(rect);
    }

    /// Switches to a new framebuffer (after a mode change); everything is dirty.
    pub fn replace_framebuffer(&mut self, framebuffer: Framebuffer) {
        self.framebuffer = framebuffer;
        self.dirty = DirtyRects::new();
        self.mark_all_dirty();
    }

    /// Marks the whole screen as changed.
    pub fn mark_all_dirty(&mut self) {
        self.dirty.add(Rect::new(
            0,
            0,
            self.framebuffer.width(),
            self.framebuffer.height(),
        ));
    }

    /// The rectangles drawn so far this frame.
    pub fn dirty(&self) -> &DirtyRects<DIRTY_CAPACITY> {
        &self.dirty
    }

    /// This frame's dirty rectangles; the next frame starts clean. When they add up
    /// to the screen's area or more (a full redraw drawn as many pieces), the one
    /// full-screen rectangle stands for them: one record for the host, not dozens.
    pub fn take_dirty(&mut self) -> heapless::Vec<Rect, DIRTY_CAPACITY> {
        let screen = Rect::new(0, 0, self.framebuffer.width(), self.framebuffer.height());
        let rects = self.dirty.take();
        if rects.len() > 1 && rects.iter().map(Rect::area).sum::<u64>() >= screen.area() {
            let mut full = heapless::Vec::new();
            // Cannot fail: capacity is at least 1.
            let _ = full.push(screen);
            return full;
        }
        rects
    }

    /// Records `area` (clipped to the screen) as changed.
    pub fn add_dirty_area(&mut self, area: &Rectangle) {
        if let Some(clip) = self.clip(area) {
            self.dirty.add(clip);
        }
    }

    /// Paints the pixels of row `y` from column `x` whose coverage (0..=15) is not 0
    /// as `raw[coverage]`, clipped to the screen; coverage-0 pixels are left as they
    /// are. Records nothing dirty (the caller adds the box it painted).
    pub fn paint_coverage_row(&mut self, x: i32, y: i32, coverage: &[u8], raw: &[u32; 16]) {
        let (width, height) = (
            self.framebuffer.width() as i32,
            self.framebuffer.height() as i32,
        );
        if y < 0 || y >= height {
            return;
        }
        let from = x.max(0);
        let to = (x + coverage.len() as i32).min(width);
        if from >= to {
            return;
        }
        let coverage = &coverage[(from - x) as usize..(to - x) as usize];
        self.framebuffer
            .paint_coverage_row(from as u32, y as u32, coverage, raw);
    }

    /// Paints a glyph stored as runs: `rows` from row `y` down, each a coverage row
    /// starting at column `x` with its runs (first column, length, solid), only
    /// inside `clip` and the screen. Solid runs are one fill, partial ones go
    /// through `raw` without a test per pixel, pixels in no run are left as they are:
    /// the same pixels as `paint_coverage_row` row by row. Records nothing dirty.
    pub fn paint_coverage_runs<'a, R>(
        &mut self,
        (x, y): (i32, i32),
        rows: impl Iterator<Item = (&'a [u8], R)>,
        clip: &Rectangle,
        raw: &[u32; 16],
    ) where
        R: Iterator<Item = (usize, usize, bool)>,
    {
        let Some(clip) = self.clip(clip) else {
            return;
        };
        let (left, right) = (clip.x as i32, clip.right() as i32);
        let skip = (clip.y as i32 - y).max(0) as usize;
        let mut row_y = y + skip as i32;
        for (coverage, runs) in rows.skip(skip) {
            if row_y >= clip.bottom() as i32 {
                break;
            }
            if x >= left && x + coverage.len() as i32 <= right {
                // The whole row is visible (most glyphs): no clipping per run.
                self.framebuffer
                    .paint_runs_row(x as u32, row_y as u32, coverage, runs, raw);
                row_y += 1;
                continue;
            }
            for (start, len, solid) in runs {
                let from = x + start as i32;
                let (a, b) = (from.max(left), (from + len as i32).min(right));
                if a >= b {
                    continue;
                }
                if solid {
                    self.framebuffer
                        .fill_row(a as u32, row_y as u32, (b - a) as u32, raw[15]);
                } else {
                    let part = &coverage[(a - x) as usize..(b - x) as usize];
                    self.framebuffer
                        .paint_ramp_row(a as u32, row_y as u32, part, raw);
                }
            }
            row_y += 1;
        }
    }

    /// Fills rows [y, y + rows) with `spans` (first column, end column, colour) side
    /// by side, row after row (`Framebuffer::fill_band`), clipped to the screen.
    /// Records nothing dirty (the caller marks what it drew).
    pub fn fill_spans_rows(&mut self, y: i32, rows: u32, spans: &[(i32, i32, Rgb888)]) {
        let (width, height) = (
            self.framebuffer.width() as i32,
            self.framebuffer.height() as i32,
        );
        let (top, bottom) = (y.max(0), y.saturating_add(rows as i32).min(height));
        if top >= bottom {
            return;
        }
        let (top, rows) = (top as u32, (bottom - top) as u32);
        let format = self.framebuffer.format();
        let mut clipped: heapless::Vec<BandPiece, SPANS> = heapless::Vec::new();
        for &(from, to, color) in spans {
            let (a, b) = (from.max(0), to.min(width));
            if a >= b {
                continue;
            }
            let piece = BandPiece {
                x: a as u32,
                width: (b - a) as u32,
                pixels: BandPixels::Solid(format.pack(color)),
            };
            if clipped.push(piece).is_err() {
                // More spans than a row takes at once: these in one pass, then on.
                self.framebuffer.fill_band(top, rows, &clipped);
                clipped.clear();
                let _ = clipped.push(piece);
            }
        }
        self.framebuffer.fill_band(top, rows, &clipped);
    }

    /// Copies the rows of a line kept as runs of raw pixels (see
    /// `Framebuffer::copy_runs_row`): `rows` from row `y` down, each `width` columns
    /// from column `x`, only inside `clip` and the screen. Records nothing dirty.
    pub fn copy_pixel_runs<'a>(
        &mut self,
        (x, y): (i32, i32),
        width: u32,
        mut rows: impl Iterator<Item = (&'a [u32], &'a [u32])>,
        clip: &Rectangle,
    ) {
        let Some(clip) = self.clip(clip) else {
            return;
        };
        // In i64: `x`, `y` may lie far off the screen (only the clip is on it).
        let (x, y) = (i64::from(x), i64::from(y));
        let (left, right) = (i64::from(clip.x), i64::from(clip.right()));
        let skip = (i64::from(clip.y) - y).max(0) as usize;
        let mut next = if skip > 0 {
            rows.nth(skip)
        } else {
            rows.next()
        };
        let mut row_y = y + skip as i64;
        let whole = x >= left && x + i64::from(width) <= right;
        while let Some((runs, pixels)) = next {
            if row_y >= i64::from(clip.bottom()) {
                break;
            }
            if whole {
                // The whole row is visible (most lines): no clipping per run.
                self.framebuffer
                    .copy_runs_row(x as u32, row_y as u32, width, runs, pixels);
            } else {
                let mut rest = pixels;
                for &run in runs {
                    let (start, n) = (i64::from(run >> 16), (run & 0xFFFF) as usize);
                    let Some((part, after)) = rest.split_at_checked(n) else {
                        break;
                    };
                    rest = after;
                    let from = x + start;
                    let (a, b) = (from.max(left), (from + n as i64).min(right));
                    if a < b {
                        let part = &part[(a - from) as usize..(b - from) as usize];
                        self.framebuffer.copy_row_from(a as u32, row_y as u32, part);
                    }
                }
            }
            row_y += 1;
            next = rows.next();
        }
    }

    /// `area` clipped to the screen, or `None` if nothing of it is visible. Plain
    /// integer arithmetic: every span of a redraw comes through here.
    #[inline]
    fn clip(&self, area: &Rectangle) -> Option<Rect> {
        let (x, y) = (i64::from(area.top_left.x), i64::from(area.top_left.y));
        let x0 = x.max(0);
        let y0 = y.max(0);
        let x1 = (x + i64::from(area.size.width)).min(i64::from(self.framebuffer.width()));
        let y1 = (y + i64::from(area.size.height)).min(i64::from(self.framebuffer.height()));
        // Inside the screen, so the coordinates fit u32.
        (x0 < x1 && y0 < y1)
            .then(|| Rect::new(x0 as u32, y0 as u32, (x1 - x0) as u32, (y1 - y0) as u32))
    }
}

impl OriginDimensions for Canvas {
    fn size(&self) -> Size {
        Size::new(self.framebuffer.width(), self.framebuffer.height())
    }
}

impl DrawTarget for Canvas {
    type Color = Rgb888;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        let (width, height) = (self.framebuffer.width(), self.framebuffer.height());
        let format = self.framebuffer.format();
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
        for Pixel(point, color) in pixels {
            let (Ok(x), Ok(y)) = (u32::try_from(point.x), u32::try_from(point.y)) else {
                continue;
            };
            if x < width && y < height {
                self.framebuffer.set_pixel(x, y, format.pack(color));
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
        if x0 <= x1 && y0 <= y1 {
            self.dirty.add(Rect::new(x0, y0, x1 - x0 + 1, y1 - y0 + 1));
        }
        Ok(())
    }

    fn fill_contiguous<I>(&mut self, area: &Rectangle, colors: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Self::Color>,
    {
        let Some(clip) = self.clip(area) else {
            return Ok(());
        };
        let format = self.framebuffer.format();
        let mut colors = colors.into_iter().map(|c| format.pack(c));
        let area_width = area.size.width as usize;
        // Columns of `area` left and right of the visible part, and rows above it.
        let skip_left = (i64::from(clip.x) - i64::from(area.top_left.x)) as usize;
        let skip_right = area_width - skip_left - clip.width as usize;
        let skip_above = (i64::from(clip.y) - i64::from(area.top_left.y)) as usize;
        if skip_above > 0 && colors.nth(skip_above * area_width - 1).is_none() {
            return Ok(());
        }
        for y in clip.y..clip.bottom() {
            if skip_left > 0 && colors.nth(skip_left - 1).is_none() {
                break;
            }
            let written = self
                .framebuffer
                .write_row(clip.x, y, clip.width, &mut colors);
            if written < clip.width {
                // The iterator ran out early (allowed): what was drawn is still dirty.
                self.dirty
                    .add(Rect::new(clip.x, clip.y, clip.width, y - clip.y + 1));
                return Ok(());
            }
            if skip_right > 0 && colors.nth(skip_right - 1).is_none() && y + 1 < clip.bottom() {
                self.dirty
                    .add(Rect::new(clip.x, clip.y, clip.width, y - clip.y + 1));
                return Ok(());
            }
        }
        self.dirty.add(clip);
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        let Some(clip) = self.clip(area) else {
            return Ok(());
        };
        let raw = self.framebuffer.format().pack(color);
        self.framebuffer
            .fill_rect(clip.x, clip.y, clip.width, clip.height, raw);
        self.dirty.add(clip);
        Ok(())
    }

    fn clear(&mut self, color: Self::Color) -> Result<(), Self::Error> {
        self.fill_solid(&self.bounding_box(), color)
    }
}

#[cfg(test)]
mod tests;
