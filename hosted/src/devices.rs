//! The PS/2 keyboard and mouse as hosted runs use them: the very input devices the
//! bare-metal image uses (`PcInput`: the real PS/2 driver, IRQ 1/12 with re-arm and
//! backstop poll), over the i8042 model. The twin has no VMware backdoor, so no vmmouse.

use vitrine::hal::Platform;
use vitrine::input::source::{NoBackdoor, PcInput};

/// PS/2 behind the i8042 model.
pub type Ps2Devices = PcInput<NoBackdoor>;

/// Brings the controller and devices up (emits `@vitrine input …`) and routes their
/// lines, exactly as on metal.
pub fn init<H: Platform>(hal: &mut H) -> Ps2Devices {
    PcInput::init(hal, NoBackdoor, false)
}
