//! @NAME@: a Vitrine app. It greets in the middle of the screen (text through
//! `vitrine::ui`) and counts clicks.
#![no_std]

use core::fmt::Write;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use vitrine::app::{App, Button, Event, InputEvent, SystemInfo};
use vitrine::ui::{text, Align, TextStyle, Weight};

/// The background colour.
pub const BACKGROUND: Rgb888 = Rgb888::new(0x10, 0x2A, 0x43);
/// The text colour.
pub const INK: Rgb888 = Rgb888::new(0xF0, 0xF4, 0xF8);

/// The app: what it shows and whether it must draw.
pub struct @TYPE@ {
    screen: Rectangle,
    clicks: u32,
    dirty: bool,
}

impl @TYPE@ {
    /// A fresh app; it lays itself out on the first `Resize`.
    pub fn new() -> Self {
        Self {
            screen: Rectangle::zero(),
            clicks: 0,
            dirty: true,
        }
    }
}

impl Default for @TYPE@ {
    fn default() -> Self {
        Self::new()
    }
}

impl App for @TYPE@ {
    fn event(&mut self, event: &Event, _info: &SystemInfo) -> bool {
        match *event {
            Event::Resize { width, height } => {
                self.screen = Rectangle::new(Point::zero(), Size::new(width, height));
                self.dirty = true;
            }
            Event::Input(InputEvent::Button {
                button: Button::Left,
                pressed: false,
            }) => {
                self.clicks += 1;
                vitrine::status!("app clicks={}", self.clicks);
                self.dirty = true;
            }
            _ => {}
        }
        self.dirty
    }

    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _info: &SystemInfo) {
        if !core::mem::take(&mut self.dirty) {
            return;
        }
        let _ = target.clear(BACKGROUND);
        let mut line = heapless::String::<64>::new();
        let _ = write!(line, "Grüß dich from @NAME@ ({} clicks)", self.clicks);
        // The largest anti-aliased font (DejaVu Sans) in which the line fits.
        let Size { width, height } = self.screen.size;
        let font = text::fit(&[&line], Weight::Bold, width * 4 / 5, height / 8);
        let style = TextStyle::new(font, INK, BACKGROUND);
        text::draw_in(target, &line, &style, &self.screen, Align::Center);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use embedded_graphics::pixelcolor::RgbColor;

    fn rgb(c: Rgb888) -> u32 {
        (u32::from(c.r()) << 16) | (u32::from(c.g()) << 8) | u32::from(c.b())
    }

    #[test]
    fn greets_in_the_middle_of_the_screen() {
        let frame = vitrine::host::render(@TYPE@::new(), 640, 480, &[], &[]).unwrap();
        assert_eq!(frame.pixels[0], rgb(BACKGROUND));
        let ink = frame.pixels.iter().filter(|&&p| p == rgb(INK)).count();
        assert!(ink > 200, "only {ink} text pixels");
        // The text sits on the middle rows.
        let rows: std::vec::Vec<usize> = (0..480)
            .filter(|y| frame.pixels[y * 640..(y + 1) * 640].contains(&rgb(INK)))
            .collect();
        assert!(rows.iter().all(|y| (180..300).contains(y)), "{rows:?}");
    }
}
