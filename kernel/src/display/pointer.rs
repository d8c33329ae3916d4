//! The pointer: one arrow shape (for the host-drawn cursor too), and a software
//! pointer with save-under for when the host cannot draw it.
//!
//! The runtime hides the software pointer before the app draws and shows it after,
//! so the app never draws around it and the saved pixels are never stale.

use super::dirty::Rect;
use super::Canvas;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::RgbColor;

/// The arrow, one string per row: `X` outline, `.` fill, space transparent.
const ARROW: [&str; 19] = [
    "X           ",
    "XX          ",
    "X.X         ",
    "X..X        ",
    "X...X       ",
    "X....X      ",
    "X.....X     ",
    "X......X    ",
    "X.......X   ",
    "X........X  ",
    "X.........X ",
    "X......XXXXX",
    "X...X..X    ",
    "X..XX..X    ",
    "X.X  X..X   ",
    "XX   X..X   ",
    "X     X..X  ",
    "      X..X  ",
    "       XX   ",
];

/// Width of the arrow in shape pixels.
pub const ARROW_WIDTH: u32 = 12;
/// Height of the arrow in shape pixels.
pub const ARROW_HEIGHT: u32 = 19;
/// The arrow's hotspot (its tip).
pub const ARROW_HOTSPOT: (u32, u32) = (0, 0);

/// Colour of the arrow at (x, y), `None` where transparent.
pub fn arrow_pixel(x: u32, y: u32) -> Option<Rgb888> {
    let row = ARROW.get(y as usize)?.as_bytes();
    match row.get(x as usize)? {
        b'X' => Some(Rgb888::BLACK),
        b'.' => Some(Rgb888::WHITE),
        _ => None,
    }
}

/// The arrow as 0xAARRGGBB (alpha 0 where transparent): the shape handed to hosts
/// that draw the pointer themselves.
pub fn arrow_argb(x: u32, y: u32) -> u32 {
    arrow_pixel(x, y).map_or(0, |c| {
        0xFF00_0000 | u32::from(c.r()) << 16 | u32::from(c.g()) << 8 | u32::from(c.b())
    })
}

/// Largest scale the save-under buffer holds.
pub const MAX_SCALE: u32 = 3;
const SAVE_LEN: usize = (ARROW_WIDTH * MAX_SCALE * ARROW_HEIGHT * MAX_SCALE) as usize;

/// The scale that keeps the arrow a comfortable size on `height`-pixel screens.
pub fn scale_for(height: u32) -> u32 {
    (height / 800).clamp(1, MAX_SCALE)
}

/// A pointer drawn into the framebuffer, with the pixels under it saved.
#[derive(Debug, Clone)]
pub struct SoftwarePointer {
    scale: u32,
    /// Where it is drawn now (clipped), with the pixels it covers in `saved`.
    drawn: Option<Rect>,
    saved: [u32; SAVE_LEN],
}

impl Default for SoftwarePointer {
    fn default() -> Self {
        Self::new()
    }
}

impl SoftwarePointer {
    /// A hidden pointer at scale 1.
    pub const fn new() -> Self {
        Self {
            scale: 1,
            drawn: None,
            saved: [0; SAVE_LEN],
        }
    }

    /// Sets the scale (1..=MAX_SCALE) for the next `show`.
    pub fn set_scale(&mut self, scale: u32) {
        self.scale = scale.clamp(1, MAX_SCALE);
    }

    /// Whether it is on screen.
    pub fn is_shown(&self) -> bool {
        self.drawn.is_some()
    }

    /// Drops the saved pixels without restoring them (the framebuffer was replaced
    /// by a mode change and everything is redrawn anyway).
    pub fn forget(&mut self) {
        self.drawn = None;
    }

    /// Puts the saved pixels back (marking them dirty).
    pub fn hide(&mut self, canvas: &mut Canvas) {
        let Some(r) = self.drawn.take() else {
            return;
        };
        let fb = canvas.framebuffer_mut();
        for y in 0..r.height {
            let row = &self.saved[(y * r.width) as usize..((y + 1) * r.width) as usize];
            fb.copy_row_from(r.x, r.y + y, row);
        }
        canvas.add_dirty(r);
    }

    /// Draws the pointer with its hotspot at (x, y), saving what it covers.
    /// Positions off screen draw the visible part (or nothing).
    pub fn show(&mut self, canvas: &mut Canvas, x: i32, y: i32) {
        self.hide(canvas);
        let s = self.scale as i32;
        let left = x - ARROW_HOTSPOT.0 as i32 * s;
        let top = y - ARROW_HOTSPOT.1 as i32 * s;
        let fb = canvas.framebuffer();
        let (w, h) = (fb.width() as i32, fb.height() as i32);
        let x0 = left.clamp(0, w);
        let y0 = top.clamp(0, h);
        let x1 = (left + ARROW_WIDTH as i32 * s).clamp(0, w);
        let y1 = (top + ARROW_HEIGHT as i32 * s).clamp(0, h);
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        let r = Rect::new(x0 as u32, y0 as u32, (x1 - x0) as u32, (y1 - y0) as u32);
        let format = fb.format();
        let fb = canvas.framebuffer_mut();
        for py in 0..r.height {
            for px in 0..r.width {
                let (sx, sy) = (r.x + px, r.y + py);
                self.saved[(py * r.width + px) as usize] = fb.pixel(sx, sy);
                let shape_x = (sx as i32 - left) / s;
                let shape_y = (sy as i32 - top) / s;
                if let Some(c) = arrow_pixel(shape_x as u32, shape_y as u32) {
                    fb.set_pixel(sx, sy, format.pack(c));
                }
            }
        }
        self.drawn = Some(r);
        canvas.add_dirty(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::framebuffer::{Framebuffer, PixelFormat};
    use crate::hal::PhysRegion;

    fn canvas(buf: &mut [u32], w: u32, h: u32) -> Canvas {
        // SAFETY: `buf` outlives the canvas within each test.
        let region = unsafe { PhysRegion::new(0, buf.as_mut_ptr().cast(), buf.len() * 4) };
        Canvas::new(Framebuffer::new(region, w, h, w * 4, PixelFormat::XRGB8888).unwrap())
    }

    fn snapshot(c: &Canvas) -> Vec<u32> {
        let fb = c.framebuffer();
        (0..fb.height())
            .flat_map(|y| (0..fb.width()).map(move |x| (x, y)))
            .map(|(x, y)| fb.pixel(x, y))
            .collect()
    }

    #[test]
    fn show_then_hide_restores_every_pixel_at_every_edge_and_scale() {
        let (w, h) = (50u32, 40u32);
        let mut buf: Vec<u32> = (0..w * h).map(|i| i.wrapping_mul(2_654_435_761)).collect();
        let mut c = canvas(&mut buf, w, h);
        let original = snapshot(&c);
        let mut pointer = SoftwarePointer::new();
        for scale in 1..=MAX_SCALE {
            pointer.set_scale(scale);
            for (x, y) in [
                (0, 0),
                (45, 35),
                (-5, -5),
                (49, 39),
                (60, 10),
                (10, 60),
                (-100, -100),
                (20, 15),
            ] {
                pointer.show(&mut c, x, y);
                let drawn = snapshot(&c);
                if (0..w as i32).contains(&x) && (0..h as i32).contains(&y) {
                    assert_ne!(drawn, original, "pointer at ({x},{y}) not visible");
                    assert_eq!(c.framebuffer().pixel(x as u32, y as u32), 0, "tip is black");
                }
                pointer.hide(&mut c);
                assert_eq!(snapshot(&c), original, "scale {scale} at ({x},{y})");
            }
        }
    }

    #[test]
    fn moving_marks_old_and_new_positions_dirty() {
        let mut buf = vec![0x123456u32; 100 * 100];
        let mut c = canvas(&mut buf, 100, 100);
        let mut pointer = SoftwarePointer::new();
        pointer.show(&mut c, 10, 10);
        c.take_dirty();
        pointer.show(&mut c, 60, 60);
        let dirty = c.take_dirty();
        assert!(dirty
            .iter()
            .any(|r| r.contains(&Rect::new(10, 10, ARROW_WIDTH, ARROW_HEIGHT))));
        assert!(dirty
            .iter()
            .any(|r| r.contains(&Rect::new(60, 60, ARROW_WIDTH, ARROW_HEIGHT))));
        assert_eq!(
            c.framebuffer().pixel(12, 20),
            0x123456,
            "old position restored"
        );
    }
}
