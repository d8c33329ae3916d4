//! Toolkit tests against pixel-level references.

mod images;
mod layouts;
mod shapes;
mod texts;
mod widgets;

use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use std::convert::Infallible;
use std::vec::Vec;

/// A plain pixel buffer that only implements `draw_iter`: the reference target.
pub(super) struct Screen {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<Rgb888>,
}

impl Screen {
    pub fn new(width: u32, height: u32, color: Rgb888) -> Self {
        Self {
            width,
            height,
            pixels: vec![color; (width * height) as usize],
        }
    }

    pub fn at(&self, x: i32, y: i32) -> Rgb888 {
        self.pixels[(y as u32 * self.width + x as u32) as usize]
    }

    /// Pixels of `color` in the rectangle [x0, x1) × [y0, y1).
    pub fn count(&self, color: Rgb888, (x0, y0, x1, y1): (i32, i32, i32, i32)) -> usize {
        let mut n = 0;
        for y in y0.max(0)..y1.min(self.height as i32) {
            for x in x0.max(0)..x1.min(self.width as i32) {
                n += usize::from(self.at(x, y) == color);
            }
        }
        n
    }

    /// Where pixel `p` is in `pixels`, if on the screen.
    pub fn index(&self, p: Point) -> Option<usize> {
        let inside =
            p.x >= 0 && p.y >= 0 && (p.x as u32) < self.width && (p.y as u32) < self.height;
        inside.then(|| (p.y as u32 * self.width + p.x as u32) as usize)
    }

    /// Pixels that are not `color` anywhere.
    pub fn differing(&self, color: Rgb888) -> usize {
        self.pixels.iter().filter(|&&p| p != color).count()
    }
}

impl OriginDimensions for Screen {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

impl DrawTarget for Screen {
    type Color = Rgb888;
    type Error = Infallible;
    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
        &mut self,
        pixels: I,
    ) -> Result<(), Infallible> {
        for Pixel(p, c) in pixels {
            if let Some(i) = self.index(p) {
                self.pixels[i] = c;
            }
        }
        Ok(())
    }
}
