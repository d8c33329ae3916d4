//! One keyboard and pointer model fed by PS/2, vmmouse and VMMDev.
//!
//! Drivers report what their device said (`key`, `ps2_mouse`, `vmmouse`,
//! `vmmdev_position`...); `Input` merges the pointer sources and queues
//! `InputEvent`s in screen pixels for the runtime loop, which drains them with `pop`.

pub mod pointer;
pub mod queue;
pub mod source;

pub use pointer::{absolute_to_pixel, Buttons, Pointer, Source};
pub use queue::InputQueue;
pub use source::{InputSource, PcInput};

use crate::event::{InputEvent, Key};
use crate::logging;

/// Somewhere input events go: the queue, or a plain list in tests.
pub trait EventSink {
    /// Accepts one event.
    fn push(&mut self, event: InputEvent);
}

#[cfg(test)]
impl EventSink for std::vec::Vec<InputEvent> {
    fn push(&mut self, event: InputEvent) {
        std::vec::Vec::push(self, event)
    }
}

/// The queue capacity the kernel uses: a few seconds of fast typing and clicking
/// even if the app stalls, in 4 KiB.
pub const QUEUE_CAPACITY: usize = 256;

/// The input hub: pointer model plus event queue.
#[derive(Debug)]
pub struct Input<const N: usize = QUEUE_CAPACITY> {
    queue: InputQueue<N>,
    pointer: Pointer,
    reported_drops: u32,
}

impl<const N: usize> Input<N> {
    /// An input hub for a `width`×`height` screen.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            queue: InputQueue::new(),
            pointer: Pointer::new(width, height),
            reported_drops: 0,
        }
    }

    /// The oldest queued event.
    pub fn pop(&mut self) -> Option<InputEvent> {
        self.queue.pop()
    }

    /// Moves every queued event to `sink` (another queue, e.g. the runtime's), in
    /// order; returns how many.
    pub fn drain_into(&mut self, sink: &mut impl EventSink) -> usize {
        let mut moved = 0;
        while let Some(event) = self.queue.pop() {
            sink.push(event);
            moved += 1;
        }
        moved
    }

    /// Keeps the pointer's screen in step with the display: call it with the
    /// current mode as often as convenient; it re-maps only when the size changed.
    pub fn set_screen_size(&mut self, width: u32, height: u32) {
        if (width, height) != self.pointer.screen_size() {
            self.resize(width, height);
        }
    }

    /// Whether events wait.
    pub fn has_events(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The pointer model (position, buttons, source), for drawing the pointer.
    pub fn pointer(&self) -> &Pointer {
        &self.pointer
    }

    /// A key went down (`pressed`, also for each typematic repeat) or up.
    pub fn key(&mut self, key: Key, pressed: bool) {
        self.queue.push(InputEvent::Key { key, pressed });
    }

    /// One PS/2 mouse packet: motion in pixels (x right, y down; ignored while an
    /// absolute source drives the pointer), the buttons held, and wheel steps
    /// (positive away from the user).
    pub fn ps2_mouse(&mut self, dx: i32, dy: i32, held: Buttons, wheel: i32) {
        self.pointer.move_relative(dx, dy, &mut self.queue);
        self.pointer.set_buttons(Source::Ps2, held, &mut self.queue);
        self.pointer.wheel(wheel, &mut self.queue);
    }

    /// The vmmouse was switched to absolute mode (`true`) or stopped working.
    pub fn set_vmmouse_absolute(&mut self, on: bool) {
        self.pointer
            .set_absolute(Source::VmMouse, on, &mut self.queue);
    }

    /// One vmmouse packet: raw absolute position (0..=0xFFFF), buttons, wheel steps
    /// (positive away from the user). After relative packets it makes the vmmouse
    /// the absolute source again.
    pub fn vmmouse(&mut self, raw_x: u32, raw_y: u32, held: Buttons, wheel: i32) {
        self.set_vmmouse_absolute(true);
        self.pointer
            .move_absolute(Source::VmMouse, raw_x as i64, raw_y as i64, &mut self.queue);
        self.pointer
            .set_buttons(Source::VmMouse, held, &mut self.queue);
        self.pointer.wheel(wheel, &mut self.queue);
    }

    /// A relative vmmouse packet (the host put the device in relative mode): the
    /// pointer is relative from now on, moved by this motion (and PS/2's).
    pub fn vmmouse_relative(&mut self, dx: i32, dy: i32, held: Buttons, wheel: i32) {
        self.set_vmmouse_absolute(false);
        self.pointer.move_relative(dx, dy, &mut self.queue);
        self.pointer
            .set_buttons(Source::VmMouse, held, &mut self.queue);
        self.pointer.wheel(wheel, &mut self.queue);
    }

    /// VMMDev mouse integration changed: `on` when the guest can take absolute input
    /// and the host wants to send it (VMMDEV_MOUSE_HOST_WANTS_ABSOLUTE). While off,
    /// VMMDev positions are ignored and PS/2 motion moves the pointer.
    pub fn set_vmmdev_integration(&mut self, on: bool) {
        self.pointer
            .set_absolute(Source::VmmDev, on, &mut self.queue);
    }

    /// A VMMDev position as the host gives it (`pointerXPos`/`pointerYPos`,
    /// 0..=0xFFFF across the screen); out-of-range values are clamped and logged.
    pub fn vmmdev_position(&mut self, raw_x: i32, raw_y: i32) {
        self.pointer
            .move_absolute(Source::VmmDev, raw_x as i64, raw_y as i64, &mut self.queue);
    }

    /// VMMDev full-state buttons and wheel (GetMouseStatusEx `fButtons`, `dz`):
    /// bit 0 left, bit 1 right, bit 2 middle; `dz` positive is towards the user, as
    /// in the PS/2 packet the host would otherwise send.
    pub fn vmmdev_full_state(&mut self, buttons: u32, dz: i32) {
        let held = Buttons::from_bits_truncate((buttons & 0x7) as u8);
        self.pointer
            .set_buttons(Source::VmmDev, held, &mut self.queue);
        self.pointer.wheel(dz.saturating_neg(), &mut self.queue);
    }

    /// The screen is now `width`×`height`: the pointer is re-mapped and clamped.
    pub fn resize(&mut self, width: u32, height: u32) {
        self.pointer.resize(width, height, &mut self.queue);
    }

    /// Events dropped since boot because the queue was full of clicks and keys.
    pub fn dropped(&self) -> u32 {
        self.queue.dropped()
    }

    /// Emits `@vitrine input dropped=N` when more events were dropped since the last
    /// call; returns whether it did. Call it from the runtime loop.
    pub fn report_drops(&mut self) -> bool {
        let dropped = self.queue.dropped();
        if dropped == self.reported_drops {
            return false;
        }
        self.reported_drops = dropped;
        logging::warn!("input: event queue full, {dropped} events dropped so far");
        crate::status!("input dropped={}", dropped);
        true
    }
}

/// Which input devices came up: formats as the status line's body,
/// `input kbd=ok|absent mouse=ok|absent wheel=yes|no`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceStatus {
    /// A PS/2 keyboard answered.
    pub keyboard: bool,
    /// A PS/2 mouse answered.
    pub mouse: bool,
    /// The mouse has a wheel.
    pub wheel: bool,
}

impl core::fmt::Display for DeviceStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ok = |present: bool| if present { "ok" } else { "absent" };
        write!(
            f,
            "input kbd={} mouse={} wheel={}",
            ok(self.keyboard),
            ok(self.mouse),
            if self.wheel { "yes" } else { "no" }
        )
    }
}

/// Emits `@vitrine input kbd=ok|absent mouse=ok|absent wheel=yes|no`.
pub fn report_devices(status: DeviceStatus) {
    crate::status!("{}", status);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Button;
    use std::vec::Vec;

    fn drain<const N: usize>(input: &mut Input<N>) -> Vec<InputEvent> {
        core::iter::from_fn(|| input.pop()).collect()
    }

    #[test]
    fn vmmouse_relative_packets_make_the_pointer_relative_until_an_absolute_one() {
        let mut input = Input::<16>::new(800, 600);
        input.set_vmmouse_absolute(true);
        input.vmmouse(0x8000, 0x8000, Buttons::empty(), 0);
        assert_eq!(input.pointer().position_source(), Source::VmMouse);
        assert_eq!(input.pointer().position(), (400, 300));
        drain(&mut input);
        // The host took the pointer back: its relative motion moves it.
        input.vmmouse_relative(10, -5, Buttons::empty(), 0);
        assert_eq!(input.pointer().position_source(), Source::Ps2);
        assert_eq!(
            drain(&mut input),
            [
                InputEvent::PointerPresence { inside: false },
                InputEvent::PointerPresence { inside: true },
                InputEvent::PointerMove { x: 410, y: 295 },
            ]
        );
        input.vmmouse(0, 0, Buttons::empty(), 0);
        assert_eq!(input.pointer().position_source(), Source::VmMouse);
        assert_eq!(input.pointer().position(), (0, 0));
        // VMMDev still outranks the vmmouse.
        input.set_vmmdev_integration(true);
        input.vmmouse(0x8000, 0x8000, Buttons::empty(), 0);
        assert_eq!(input.pointer().position_source(), Source::VmmDev);
    }

    #[test]
    fn virtualbox_style_merge_position_from_vmmdev_buttons_from_ps2() {
        let mut input = Input::<16>::new(800, 600);
        input.set_vmmdev_integration(true);
        input.vmmdev_position(0x8000, 0x4000);
        // The host's PS/2 packet carrying the click has no motion (NEW_PROTOCOL).
        input.ps2_mouse(0, 0, Buttons::LEFT, 0);
        input.ps2_mouse(1, 0, Buttons::empty(), -1);
        assert_eq!(
            drain(&mut input),
            [
                InputEvent::PointerPresence { inside: true },
                InputEvent::PointerMove { x: 400, y: 150 },
                InputEvent::Button {
                    button: Button::Left,
                    pressed: true
                },
                InputEvent::Button {
                    button: Button::Left,
                    pressed: false
                },
                InputEvent::Wheel { delta: -1 },
            ]
        );
    }

    #[test]
    fn full_state_wheel_sign_matches_ps2() {
        let mut input = Input::<16>::new(800, 600);
        input.vmmdev_full_state(0b100, 2);
        assert_eq!(
            drain(&mut input),
            [
                InputEvent::Button {
                    button: Button::Middle,
                    pressed: true
                },
                InputEvent::Wheel { delta: -2 }
            ]
        );
    }

    #[test]
    fn screen_size_sync_remaps_only_on_change() {
        let mut input = Input::<16>::new(800, 600);
        input.ps2_mouse(10, 0, Buttons::empty(), 0);
        let mut runtime_queue = Vec::new();
        assert_eq!(input.drain_into(&mut runtime_queue), 2);
        input.set_screen_size(800, 600);
        assert!(!input.has_events());
        input.set_screen_size(1600, 1200);
        assert_eq!(
            input.pop(),
            Some(InputEvent::PointerMove { x: 820, y: 600 })
        );
        // A zero size from a broken mode is refused; the pointer keeps its screen.
        input.set_screen_size(0, 0);
        assert_eq!(input.pointer().screen_size(), (1600, 1200));
    }

    #[test]
    fn device_status_line_format() {
        let line = DeviceStatus {
            keyboard: true,
            mouse: false,
            wheel: false,
        }
        .to_string();
        assert_eq!(line, "input kbd=ok mouse=absent wheel=no");
        let line = DeviceStatus {
            keyboard: false,
            mouse: true,
            wheel: true,
        }
        .to_string();
        assert_eq!(line, "input kbd=absent mouse=ok wheel=yes");
    }

    #[test]
    fn drops_are_reported_once_per_change() {
        let mut input = Input::<2>::new(800, 600);
        assert!(!input.report_drops());
        for _ in 0..3 {
            input.key(Key::Enter, true);
        }
        assert_eq!(input.dropped(), 1);
        assert!(input.report_drops());
        assert!(!input.report_drops());
    }
}
