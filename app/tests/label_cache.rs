//! The label cache keeps the demo's lines as pixels: frames drawn from it are the
//! frames the glyph path draws (a plain target, which never uses it), through
//! resizes (the same lines at other sizes), page switches, hover and typing; a
//! line is kept the second time it is drawn (a line on a button, drawn with its
//! card in one pass, the first time), and a third full redraw keeps nothing new
//! (every line is a hit). Its own test binary,
//! so no other test draws text meanwhile.

use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use std::convert::Infallible;
use vitrine::app::{App, Event, InputEvent, Key, SystemInfo};
use vitrine::display::memory::MemoryDisplay;
use vitrine::display::Display;
use vitrine::ui::label_cache;
use vitrine_app::Kiosk;

/// A plain pixel buffer: text on it takes the glyph path.
struct Plain {
    width: u32,
    pixels: Vec<Rgb888>,
}

impl OriginDimensions for Plain {
    fn size(&self) -> Size {
        Size::new(self.width, (self.pixels.len() / self.width as usize) as u32)
    }
}

impl DrawTarget for Plain {
    type Color = Rgb888;
    type Error = Infallible;
    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
        &mut self,
        pixels: I,
    ) -> Result<(), Infallible> {
        let size = self.size();
        for Pixel(p, c) in pixels {
            if p.x >= 0 && p.y >= 0 && (p.x as u32) < size.width && (p.y as u32) < size.height {
                self.pixels[(p.y as u32 * self.width + p.x as u32) as usize] = c;
            }
        }
        Ok(())
    }
}

#[test]
fn frames_from_kept_lines_are_the_frames_of_the_glyph_path() {
    let mut buffer = vec![0u32; 1920 * 1080];
    let (mut width, mut height) = (1920, 1080);
    let (mut kept, mut plain) = (Kiosk::new(), Kiosk::new());
    let mut reference = Plain {
        width: 1920,
        pixels: vec![Rgb888::BLACK; 1920 * 1080],
    };
    let stats = || label_cache::stats().expect("no other drawer in this test binary");
    let input = |i| Event::Input(i);
    let resize = |width, height| Event::Resize { width, height };
    let steps = [
        resize(1920, 1080),
        resize(1920, 1080),
        resize(1920, 1080),
        input(InputEvent::Wheel { delta: 1 }),
        input(InputEvent::PointerMove { x: 300, y: 400 }),
        resize(1024, 768),
        input(InputEvent::Wheel { delta: -1 }),
        resize(1366, 768),
        input(InputEvent::Key {
            key: Key::Tab,
            pressed: true,
        }),
        input(InputEvent::Key {
            key: Key::Char('Z'),
            pressed: true,
        }),
        input(InputEvent::Key {
            key: Key::Char('ü'),
            pressed: true,
        }),
        resize(1920, 1080),
        resize(1920, 1080),
        resize(1920, 1080),
    ];
    let mut lines_before = 0;
    for (n, event) in steps.iter().enumerate() {
        if let Event::Resize {
            width: w,
            height: h,
        } = *event
        {
            if (w, h) != (width, height) {
                (width, height) = (w, h);
                reference = Plain {
                    width,
                    pixels: vec![Rgb888::BLACK; (width * height) as usize],
                };
            }
        }
        // The buffer keeps the last frame; a new size is redrawn whole.
        let mut display = MemoryDisplay::new(&mut buffer, width, height).unwrap();
        let info = SystemInfo {
            width,
            height,
            display_backend: "memory",
            ..SystemInfo::default()
        };
        kept.event(event, &info);
        kept.draw(display.canvas(), &info);
        let _ = display.canvas().take_dirty();
        plain.event(event, &info);
        plain.draw(&mut reference, &info);
        let differ = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let raw = display.pixel(x, y);
                let want = reference.pixels[(y * width + x) as usize];
                raw != (u32::from(want.r()) << 16 | u32::from(want.g()) << 8 | u32::from(want.b()))
            })
            .count();
        assert_eq!(differ, 0, "step {n} {event:?}: pixels differ");
        let now = stats();
        if n == 1 {
            // The first frame kept the buttons' lines (drawn with their cards in one
            // pass: kept at first sight); the others are kept the second time.
            assert!(
                lines_before > 5 && now.lines > lines_before,
                "kept the second time: {now:?}"
            );
        }
        if n == 2 || n == 13 {
            assert_eq!(
                now.lines, lines_before,
                "step {n}: the same frame again is all hits: {now:?}"
            );
        }
        lines_before = now.lines;
    }
}
