//! Images embedded at build time (`vitrine::include_image!`): premultiplied RGBA,
//! drawn scaled to any size (bilinear up, box average down) and blended over the
//! background colour the caller names, row by row through `fill_contiguous`.

use super::paint::fill_rows;
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// A premultiplied-RGBA image in the program's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Image {
    width: u32,
    height: u32,
    rgba: &'static [u8],
}

impl Image {
    /// An image of `width`×`height` premultiplied RGBA pixels (4 bytes each, row by
    /// row); a buffer of another length makes an empty image.
    pub const fn new(width: u32, height: u32, rgba: &'static [u8]) -> Self {
        if rgba.len() as u64 != width as u64 * height as u64 * 4 {
            return Self {
                width: 0,
                height: 0,
                rgba: &[],
            };
        }
        Self {
            width,
            height,
            rgba,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Premultiplied RGBA of pixel (x, y), transparent outside.
    fn pixel(&self, x: i64, y: i64) -> [u32; 4] {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return [0; 4];
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let p = &self.rgba[i..i + 4];
        [p[0], p[1], p[2], p[3]].map(u32::from)
    }

    /// The largest rectangle with this image's aspect ratio centred in `area`.
    pub fn fit_in(&self, area: &Rectangle) -> Rectangle {
        if self.width == 0 || self.height == 0 {
            return Rectangle::new(area.center(), Size::zero());
        }
        let (w, h) = (u64::from(area.size.width), u64::from(area.size.height));
        let (iw, ih) = (u64::from(self.width), u64::from(self.height));
        let size = if w * ih <= h * iw {
            Size::new(w as u32, (w * ih / iw) as u32)
        } else {
            Size::new((h * iw / ih) as u32, h as u32)
        };
        Rectangle::with_center(area.center(), size)
    }

    /// Draws the image stretched to `area`, blended over `background`.
    pub fn draw<D: DrawTarget<Color = Rgb888>>(
        &self,
        target: &mut D,
        area: &Rectangle,
        background: Rgb888,
    ) {
        let (w, h) = (area.size.width, area.size.height);
        if self.width == 0 || self.height == 0 || w == 0 || h == 0 {
            return;
        }
        // Source pixels per output pixel, 16.16.
        let step_x = (u64::from(self.width) << 16) / u64::from(w);
        let step_y = (u64::from(self.height) << 16) / u64::from(h);
        let origin = area.top_left;
        let bg = [background.r(), background.g(), background.b()].map(u32::from);
        fill_rows(target, area, |y, x0, row| {
            let oy = i64::from(y - origin.y);
            for (k, out) in row.iter_mut().enumerate() {
                let ox = i64::from(x0 - origin.x) + k as i64;
                let p = self.sample(ox, oy, step_x as i64, step_y as i64);
                let mix = |c: usize| {
                    let v = (p[c] * 255 + bg[c] * (255 * 255 - p[3]) + 255 * 255 / 2) / (255 * 255);
                    v.min(255) as u8
                };
                *out = Rgb888::new(mix(0), mix(1), mix(2));
            }
        });
    }

    /// Premultiplied RGBA ×255 under output pixel (ox, oy) at the given steps.
    fn sample(&self, ox: i64, oy: i64, step_x: i64, step_y: i64) -> [u32; 4] {
        const ONE: i64 = 1 << 16;
        if step_x > ONE || step_y > ONE {
            // Shrinking: the mean of the source pixels whose centres fall under it.
            let centres = |o: i64, step: i64| {
                let first = |v: i64| (v - ONE / 2 + ONE - 1).div_euclid(ONE);
                (
                    first(o * step),
                    first((o + 1) * step).max(first(o * step) + 1),
                )
            };
            let (x0, x1) = centres(ox, step_x);
            let (y0, y1) = centres(oy, step_y);
            let mut sum = [0u32; 4];
            for y in y0..y1 {
                for x in x0..x1 {
                    let p = self.pixel(x, y);
                    for c in 0..4 {
                        sum[c] += p[c];
                    }
                }
            }
            let n = ((x1 - x0) * (y1 - y0)) as u32;
            return sum.map(|s| (s * 255 + n / 2) / n);
        }
        // Enlarging: bilinear between the four nearest source pixels.
        let sx = (ox * step_x + step_x / 2 - ONE / 2).max(0);
        let sy = (oy * step_y + step_y / 2 - ONE / 2).max(0);
        let (ix, fx) = (sx >> 16, ((sx & 0xFFFF) >> 8) as u32);
        let (iy, fy) = (sy >> 16, ((sy & 0xFFFF) >> 8) as u32);
        let clamp_x = |x: i64| x.min(i64::from(self.width) - 1);
        let clamp_y = |y: i64| y.min(i64::from(self.height) - 1);
        let (a, b) = (self.pixel(ix, iy), self.pixel(clamp_x(ix + 1), iy));
        let (c, d) = (
            self.pixel(ix, clamp_y(iy + 1)),
            self.pixel(clamp_x(ix + 1), clamp_y(iy + 1)),
        );
        core::array::from_fn(|i| {
            let top = a[i] * (256 - fx) + b[i] * fx;
            let bottom = c[i] * (256 - fx) + d[i] * fx;
            ((top * (256 - fy) + bottom * fy) * 255 + (1 << 15)) >> 16
        })
    }
}
