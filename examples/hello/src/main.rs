//! The smallest Vitrine app: a greeting in the middle of the screen; clicks are counted.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

use embedded_graphics::{pixelcolor::Rgb888, prelude::*, primitives::Rectangle};
use vitrine::{app::*, ui::*};

const GREETING: &str = "Grüezi, Vitrine! 5 €";
const BACKGROUND: Rgb888 = Rgb888::new(0x10, 0x2A, 0x43);

#[derive(Default)]
struct Hello {
    screen: Rectangle,
    clicks: u32,
}

impl App for Hello {
    fn event(&mut self, event: &Event, _: &SystemInfo) -> bool {
        match *event {
            Event::Resize { width, height } => self.screen.size = Size::new(width, height),
            Event::Input(InputEvent::Button { pressed: false, .. }) => {
                self.clicks += 1;
                vitrine::status!("hello clicks={}", self.clicks);
            }
            _ => return false,
        }
        true
    }

    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _: &SystemInfo) {
        let _ = target.clear(BACKGROUND);
        let Size { width, height } = self.screen.size;
        let font = text::fit(&[GREETING], Weight::Bold, width * 2 / 3, height / 6);
        let style = TextStyle::new(font, Rgb888::WHITE, BACKGROUND);
        text::draw_in(target, GREETING, &style, &self.screen, Align::Center);
    }
}

vitrine::main!(Hello::default);
