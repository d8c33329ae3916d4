//! PS/2 keyboard and mouse behind the i8042 controller.
//!
//! `Ps2::init` brings everything up (never failing: what is missing is logged and
//! reported as absent); `Ps2::poll` drains the controller's output buffer into the
//! input hub. Call `poll` on IRQ 1 and IRQ 12 and from the slow backstop poll.
//!
//! IRQ 1 and 12 are edges of a line the controller holds high while a byte waits:
//! a byte arriving after the last read but before the line is re-armed raises no new
//! edge. So poll once more after `Irqs::rearm` (or keep the backstop poll short).
//! With the vmmouse active, IRQ 12 also means "vmmouse packets queued": poll it too.

pub mod controller;
pub mod keyboard;
pub mod mouse;

use crate::hal::PortIo;
use crate::input::Input;
use crate::logging;
pub use controller::{read_status, Status};
use controller::{Controller, DATA_PORT};
use keyboard::{KeyboardDecoder, ScancodeSetKind};
use mouse::{MouseKind, PacketDecoder};

/// ISA IRQ of the keyboard (first port).
pub const KEYBOARD_IRQ: u8 = 1;
/// ISA IRQ of the mouse (second port).
pub const MOUSE_IRQ: u8 = 12;

/// Bytes taken per `poll`, so a babbling device cannot hold the loop.
const MAX_BYTES_PER_POLL: usize = 64;

/// The PS/2 subsystem: controller state and one decoder per working device.
#[derive(Debug)]
pub struct Ps2 {
    controller: Option<Controller>,
    keyboard: Option<KeyboardDecoder>,
    mouse: Option<PacketDecoder>,
    mouse_kind: Option<MouseKind>,
}

impl Ps2 {
    /// Brings up the controller and both devices, then enables their IRQs in the
    /// controller, and emits `@vitrine input kbd=… mouse=… wheel=…`.
    pub fn init(io: &mut impl PortIo) -> Ps2 {
        let mut ps2 = Ps2 {
            controller: None,
            keyboard: None,
            mouse: None,
            mouse_kind: None,
        };
        match Controller::init(io) {
            Ok(controller) => {
                ps2.init_devices(io, controller);
                ps2.controller = Some(controller);
            }
            Err(error) => logging::warn!("ps2: no usable i8042 controller ({error:?})"),
        }
        crate::input::report_devices(ps2.device_status());
        ps2
    }

    fn init_devices(&mut self, io: &mut impl PortIo, controller: Controller) {
        if controller.keyboard_port {
            match keyboard::init(io, &controller) {
                Ok(()) => {
                    let set = match controller.translation {
                        true => ScancodeSetKind::Set1,
                        false => ScancodeSetKind::Set2,
                    };
                    self.keyboard = Some(KeyboardDecoder::new(set));
                }
                Err(error) => logging::warn!("ps2: keyboard did not come up ({error:?})"),
            }
        }
        if controller.mouse_port {
            match mouse::init(io, &controller) {
                Ok(kind) => {
                    self.mouse = Some(PacketDecoder::new(kind));
                    self.mouse_kind = Some(kind);
                }
                Err(error) => logging::warn!("ps2: mouse did not come up ({error:?})"),
            }
        }
        if let Err(error) =
            controller.enable_irqs(io, self.keyboard.is_some(), self.mouse.is_some())
        {
            logging::warn!("ps2: could not enable interrupts ({error:?}); polling only");
        }
        logging::info!(
            "ps2: translation={} keyboard={} mouse={:?}",
            controller.translation,
            self.keyboard.is_some(),
            self.mouse_kind
        );
    }

    /// What came up, for the status line.
    pub fn device_status(&self) -> crate::input::DeviceStatus {
        crate::input::DeviceStatus {
            keyboard: self.keyboard_present(),
            mouse: self.mouse_present(),
            wheel: self.has_wheel(),
        }
    }

    /// A keyboard answered and sends scancodes.
    pub fn keyboard_present(&self) -> bool {
        self.keyboard.is_some()
    }

    /// A mouse answered and reports data.
    pub fn mouse_present(&self) -> bool {
        self.mouse.is_some()
    }

    /// The mouse has a wheel (IntelliMouse packets).
    pub fn has_wheel(&self) -> bool {
        self.mouse_kind == Some(MouseKind::Wheel)
    }

    /// Drains the controller's output buffer (at most a bounded number of bytes),
    /// sending each byte to the keyboard or mouse decoder by status bit 5, and the
    /// results to `input`. Returns the number of bytes read.
    pub fn poll<const N: usize>(&mut self, io: &mut impl PortIo, input: &mut Input<N>) -> usize {
        self.drain(io, input, None)
    }

    /// `poll`, with the time (microseconds, monotonic) so a mouse packet cut short
    /// by a lost byte is dropped at once (see `mouse::RESYNC_GAP_US`).
    pub fn poll_at<const N: usize>(
        &mut self,
        io: &mut impl PortIo,
        input: &mut Input<N>,
        now_us: u64,
    ) -> usize {
        self.drain(io, input, Some(now_us))
    }

    fn drain<const N: usize>(
        &mut self,
        io: &mut impl PortIo,
        input: &mut Input<N>,
        now_us: Option<u64>,
    ) -> usize {
        if self.controller.is_none() {
            return 0;
        }
        let mut taken = 0;
        while taken < MAX_BYTES_PER_POLL {
            let status = read_status(io);
            if !status.contains(Status::OUTPUT_FULL) {
                break;
            }
            let byte = io.in8(DATA_PORT);
            taken += 1;
            self.handle_byte(byte, status.contains(Status::AUX_DATA), now_us, input);
        }
        taken
    }

    /// Decodes one byte read from the data port; `from_mouse` is status bit 5 as
    /// read just before it, `now_us` the time if known.
    pub fn handle_byte<const N: usize>(
        &mut self,
        byte: u8,
        from_mouse: bool,
        now_us: Option<u64>,
        input: &mut Input<N>,
    ) {
        if from_mouse {
            let packet = self.mouse.as_mut().and_then(|m| match now_us {
                Some(now) => m.feed_at(byte, now),
                None => m.feed(byte),
            });
            if let Some(packet) = packet {
                input.ps2_mouse(packet.dx, packet.dy, packet.buttons, packet.wheel);
            }
        } else if let Some((key, pressed)) = self.keyboard.as_mut().and_then(|k| k.feed(byte)) {
            input.key(key, pressed);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
