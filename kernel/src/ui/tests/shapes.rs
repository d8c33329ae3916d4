//! Rounded rectangles as spans: each pixel of the box once, the same shape as
//! embedded-graphics draws, and few draw calls.

use super::Screen;
use crate::ui::shape::{rounded_rect, rounded_rect_part, CardStyle};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{
    PrimitiveStyleBuilder, Rectangle, RoundedRectangle, StrokeAlignment,
};
use std::convert::Infallible;
use std::vec::Vec;

const FACE: Rgb888 = Rgb888::new(200, 10, 10);
const EDGE: Rgb888 = Rgb888::new(10, 200, 10);
const OUTSIDE: Rgb888 = Rgb888::new(10, 10, 200);
const PAPER: Rgb888 = Rgb888::new(1, 2, 3);

/// Counts how often each pixel is written and how many `fill_solid` calls came.
struct Counting {
    screen: Screen,
    writes: Vec<u32>,
    calls: usize,
}

impl OriginDimensions for Counting {
    fn size(&self) -> Size {
        self.screen.size()
    }
}

impl DrawTarget for Counting {
    type Color = Rgb888;
    type Error = Infallible;
    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
        &mut self,
        pixels: I,
    ) -> Result<(), Infallible> {
        for Pixel(p, c) in pixels {
            if let Some(i) = self.screen.index(p) {
                self.writes[i] += 1;
                self.screen.pixels[i] = c;
            }
        }
        Ok(())
    }
    fn fill_solid(&mut self, area: &Rectangle, color: Rgb888) -> Result<(), Infallible> {
        self.calls += 1;
        self.draw_iter(area.points().map(|p| Pixel(p, color)))
    }
}

fn cases() -> Vec<(Rectangle, u32, u32)> {
    let mut v = Vec::new();
    for (w, h) in [(120u32, 80u32), (41, 97), (9, 9), (300, 40), (2, 50)] {
        for radius in [0u32, 1, 6, 17, 60] {
            for edge in [0u32, 1, 3] {
                v.push((
                    Rectangle::new(Point::new(5, 7), Size::new(w, h)),
                    radius,
                    edge,
                ));
            }
        }
    }
    v
}

#[test]
fn with_an_outside_colour_every_pixel_of_the_box_is_painted_once() {
    for (area, radius, edge) in cases() {
        let mut t = Counting {
            screen: Screen::new(320, 120, PAPER),
            writes: vec![0; 320 * 120],
            calls: 0,
        };
        let style = CardStyle {
            fill: FACE,
            stroke: EDGE,
            stroke_width: edge,
            radius,
            outside: Some(OUTSIDE),
        };
        rounded_rect(&mut t, &area, &style);
        for y in 0..120 {
            for x in 0..320 {
                let inside = area.contains(Point::new(x, y));
                let n = t.writes[(y * 320 + x) as usize];
                assert_eq!(
                    n,
                    u32::from(inside),
                    "{area:?} r={radius} e={edge}: ({x},{y}) written {n} times"
                );
            }
        }
        // The straight middle is one band: a handful of calls per rounded row.
        let rounded_rows =
            2 * radius.min(area.size.width / 2).min(area.size.height / 2) + 2 * edge + 1;
        assert!(
            t.calls <= 5 * rounded_rows as usize,
            "{area:?} r={radius} e={edge}: {} calls",
            t.calls
        );
    }
}

#[test]
fn the_shape_is_embedded_graphics_rounded_rectangle() {
    // Not where the edges meet (embedded-graphics then fills the whole row with the face).
    let not_all_edge = |(area, _, edge): &(Rectangle, u32, u32)| {
        2 * edge < area.size.width && 2 * edge < area.size.height
    };
    for (area, radius, edge) in cases().into_iter().filter(not_all_edge) {
        let mut ours = Screen::new(320, 120, OUTSIDE);
        let style = CardStyle {
            fill: FACE,
            stroke: EDGE,
            stroke_width: edge,
            radius,
            outside: None,
        };
        rounded_rect(&mut ours, &area, &style);
        let mut theirs = Screen::new(320, 120, OUTSIDE);
        let mut builder = PrimitiveStyleBuilder::new().fill_color(FACE);
        if edge > 0 {
            builder = builder
                .stroke_color(EDGE)
                .stroke_width(edge)
                .stroke_alignment(StrokeAlignment::Inside);
        }
        let _ = RoundedRectangle::with_equal_corners(area, Size::new(radius, radius))
            .into_styled(builder.build())
            .draw(&mut theirs);
        let differ: Vec<(u32, u32)> = (0..120u32)
            .flat_map(|y| (0..320u32).map(move |x| (x, y)))
            .filter(|&(x, y)| ours.at(x as i32, y as i32) != theirs.at(x as i32, y as i32))
            .collect();
        assert!(
            differ.is_empty(),
            "{area:?} r={radius} e={edge}: {} px differ, e.g. {:?}",
            differ.len(),
            &differ[..differ.len().min(8)]
        );
    }
}

/// On a `Canvas` a part's rounded rows are computed from a table and written in one
/// pass (`Framebuffer::fill_rows_with`), elsewhere band by band with a corner walk:
/// the same pixels for radii in and past the table (96), edges thin, thick and meeting,
/// with and without an outside colour, shapes off every side of the screen, and
/// parts cutting any rows and columns.
#[test]
fn a_canvas_draws_the_same_parts_as_any_other_target() {
    use crate::display::framebuffer::{Framebuffer, PixelFormat};
    use crate::display::Canvas;
    use crate::hal::PhysRegion;
    let (sw, sh) = (96u32, 72u32);
    let mut buf = vec![0u8; (sw * sh * 4) as usize];
    // SAFETY: `buf` outlives the canvas.
    let region = unsafe { PhysRegion::new(0x1000, buf.as_mut_ptr(), buf.len()) };
    let mut canvas =
        Canvas::new(Framebuffer::new(region, sw, sh, sw * 4, PixelFormat::XRGB8888).unwrap());
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % u64::from(n.max(1))) as u32
    };
    let mut cases = 0;
    for radius in (0..=70u32).chain([81, 95, 96, 97, 130, 200]) {
        for edge in [0u32, 1, 2, 3, 9, 40] {
            for outside in [Some(OUTSIDE), None] {
                for _ in 0..3 {
                    let (w, h) = (1 + next(150), 1 + next(110));
                    let x = next(sw + 60) as i32 - 30 - (w / 3) as i32;
                    let y = next(sh + 60) as i32 - 30 - (h / 3) as i32;
                    let area = Rectangle::new(Point::new(x, y), Size::new(w, h));
                    // The whole shape, or a part whose sides fall anywhere in it (or
                    // past it).
                    let part = if next(3) == 0 {
                        area
                    } else {
                        let (px, py) = (next(w + 10) as i32 - 5, next(h + 10) as i32 - 5);
                        let size = Size::new(next(w + 5), next(h + 5));
                        Rectangle::new(Point::new(x + px, y + py), size)
                    };
                    let style = CardStyle {
                        fill: FACE,
                        stroke: EDGE,
                        stroke_width: edge,
                        radius,
                        outside,
                    };
                    canvas.clear(PAPER).unwrap();
                    rounded_rect_part(&mut canvas, &area, &style, &part);
                    let mut screen = Screen::new(sw, sh, PAPER);
                    rounded_rect_part(&mut screen, &area, &style, &part);
                    for py in 0..sh {
                        for px in 0..sw {
                            assert_eq!(
                                canvas.framebuffer().color(px, py),
                                screen.at(px as i32, py as i32),
                                "{area:?} part {part:?} r={radius} e={edge} {outside:?}: ({px},{py})"
                            );
                        }
                    }
                    cases += 1;
                }
            }
        }
    }
    assert!(cases > 1000);
}
