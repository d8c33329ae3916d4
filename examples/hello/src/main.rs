//! The smallest Vitrine app: a greeting in the middle of the screen; clicks are counted.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

use embedded_graphics::mono_font::{iso_8859_1::FONT_10X20, MonoTextStyle};
use embedded_graphics::{pixelcolor::Rgb888, prelude::*, text::Alignment, text::Text};
use vitrine::app::{App, Event, InputEvent, SystemInfo};

#[derive(Default)]
struct Hello {
    centre: Point,
    clicks: u32,
}

impl App for Hello {
    fn event(&mut self, event: &Event, _: &SystemInfo) -> bool {
        match *event {
            Event::Resize { width, height } => {
                self.centre = Point::new(width as i32 / 2, height as i32 / 2)
            }
            Event::Input(InputEvent::Button { pressed: false, .. }) => {
                self.clicks += 1;
                vitrine::status!("hello clicks={}", self.clicks);
            }
            _ => return false,
        }
        true
    }

    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _: &SystemInfo) {
        let _ = target.clear(Rgb888::new(0x10, 0x2A, 0x43));
        let style = MonoTextStyle::new(&FONT_10X20, Rgb888::WHITE);
        let text = Text::with_alignment("Grüezi, Vitrine!", self.centre, style, Alignment::Center);
        let _ = text.draw(target);
    }
}

vitrine::main!(Hello::default);
