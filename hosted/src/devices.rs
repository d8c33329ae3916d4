//! The PS/2 keyboard and mouse as hosted runs use them: vitrine's real PS/2 driver
//! over the i8042 model, feeding the system's input hub.

use vitrine::drivers::ps2::Ps2;
use vitrine::hal::Platform;
use vitrine::input::Input;
use vitrine::system::InputDevices;

const KEYBOARD_IRQ: u8 = 1;
const MOUSE_IRQ: u8 = 12;

/// PS/2 behind the i8042, serviced on IRQ 1/12 and polled every iteration.
#[derive(Debug)]
pub struct Ps2Devices {
    ps2: Ps2,
}

impl Ps2Devices {
    /// Brings the controller and devices up (emits `@vitrine input …`) and routes
    /// their lines.
    pub fn init<H: Platform>(hal: &mut H) -> Self {
        let ps2 = Ps2::init(hal);
        if ps2.keyboard_present() {
            hal.enable_line(KEYBOARD_IRQ);
        }
        if ps2.mouse_present() {
            hal.enable_line(MOUSE_IRQ);
        }
        Self { ps2 }
    }

    /// The driver (tests).
    pub fn ps2(&self) -> &Ps2 {
        &self.ps2
    }
}

impl<H: Platform> InputDevices<H> for Ps2Devices {
    fn poll(&mut self, hal: &mut H, fired_lines: u64, input: &mut Input) {
        let now = hal.now_us();
        self.ps2.poll_at(hal, input, now);
        for line in [KEYBOARD_IRQ, MOUSE_IRQ] {
            if fired_lines & (1 << line) != 0 {
                hal.rearm(line);
            }
        }
    }

    fn name(&self) -> &'static str {
        "ps2"
    }
}
