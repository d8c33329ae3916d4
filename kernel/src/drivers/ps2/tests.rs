//! Host tests of PS/2 bring-up and polling against a fake i8042 with its devices.

use super::*;
use crate::event::{Button, InputEvent, Key};
use std::collections::VecDeque;
use std::vec::Vec;

/// What a fake device does with the bytes it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Answers per the PS/2 protocol.
    Normal,
    /// Never answers.
    Mute,
    /// Asks for the first byte again, then answers normally.
    ResendFirst,
}

#[derive(Debug)]
struct FakeDevice {
    is_mouse: bool,
    wheel_capable: bool,
    behaviour: Behaviour,
    id: u8,
    rates: Vec<u8>,
    awaiting_parameter: Option<u8>,
    enabled: bool,
    resets: u32,
}

impl FakeDevice {
    fn keyboard() -> Self {
        Self::new(false, false)
    }
    fn mouse(wheel_capable: bool) -> Self {
        Self::new(true, wheel_capable)
    }
    fn new(is_mouse: bool, wheel_capable: bool) -> Self {
        Self {
            is_mouse,
            wheel_capable,
            behaviour: Behaviour::Normal,
            id: 0,
            rates: Vec::new(),
            awaiting_parameter: None,
            enabled: false,
            resets: 0,
        }
    }

    /// The device's replies to `byte`.
    fn receive(&mut self, byte: u8) -> Vec<u8> {
        match self.behaviour {
            Behaviour::Mute => return Vec::new(),
            Behaviour::ResendFirst => {
                self.behaviour = Behaviour::Normal;
                return vec![0xFE];
            }
            Behaviour::Normal => {}
        }
        if let Some(command) = self.awaiting_parameter.take() {
            if command == 0xF3 {
                self.rates.push(byte);
            }
            return vec![0xFA];
        }
        match byte {
            0xFF => {
                self.resets += 1;
                self.id = 0;
                self.rates.clear();
                self.enabled = !self.is_mouse;
                match self.is_mouse {
                    true => vec![0xFA, 0xAA, 0x00],
                    false => vec![0xFA, 0xAA],
                }
            }
            0xF6 => vec![0xFA],
            0xF4 => {
                self.enabled = true;
                vec![0xFA]
            }
            0xF5 => {
                self.enabled = false;
                vec![0xFA]
            }
            0xF3 | 0xED | 0xF0 => {
                self.awaiting_parameter = Some(byte);
                vec![0xFA]
            }
            0xF2 if self.is_mouse => {
                if self.wheel_capable && self.rates.ends_with(&[200, 100, 80]) {
                    self.id = 3;
                }
                vec![0xFA, self.id]
            }
            _ => vec![0xFE],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    WriteConfig,
    WritePort2,
}

/// An i8042 with an optional keyboard and mouse.
#[derive(Debug)]
pub(crate) struct FakeI8042 {
    /// Nothing decodes the ports: every read is 0xFF.
    absent: bool,
    /// The controller never takes a byte (input buffer stays full).
    stuck: bool,
    self_test_reply: u8,
    dual_channel: bool,
    config: u8,
    keyboard: FakeDevice,
    mouse: FakeDevice,
    output: VecDeque<(u8, bool)>,
    pending: Pending,
    status_reads: u64,
}

impl FakeI8042 {
    pub(crate) fn new() -> Self {
        Self {
            absent: false,
            stuck: false,
            self_test_reply: 0x55,
            dual_channel: true,
            // What SeaBIOS leaves: translation, system flag, IRQ 1, mouse clock off.
            config: 0x65,
            keyboard: FakeDevice::keyboard(),
            mouse: FakeDevice::mouse(true),
            output: VecDeque::new(),
            pending: Pending::None,
            status_reads: 0,
        }
    }

    pub(crate) fn queue(&mut self, bytes: &[u8], from_mouse: bool) {
        self.output.extend(bytes.iter().map(|b| (*b, from_mouse)));
    }
}

impl crate::hal::PortIo for FakeI8042 {
    fn in8(&mut self, port: u16) -> u8 {
        if self.absent {
            return 0xFF;
        }
        match port {
            0x64 => {
                self.status_reads += 1;
                let mut status = 0x04;
                if let Some((_, aux)) = self.output.front() {
                    status |= 0x01 | if *aux { 0x20 } else { 0 };
                }
                if self.stuck {
                    status |= 0x02;
                }
                status
            }
            0x60 => self.output.pop_front().map_or(0, |(b, _)| b),
            _ => 0xFF,
        }
    }
    fn in16(&mut self, _port: u16) -> u16 {
        0xFFFF
    }
    fn in32(&mut self, _port: u16) -> u32 {
        0xFFFF_FFFF
    }
    fn out8(&mut self, port: u16, value: u8) {
        if self.absent || self.stuck {
            return;
        }
        match port {
            0x64 => match value {
                0x20 => self.queue(&[self.config], false),
                0x60 => self.pending = Pending::WriteConfig,
                0xD4 => self.pending = Pending::WritePort2,
                0xAA => self.queue(&[self.self_test_reply], false),
                0xAB => self.queue(&[0x00], false),
                0xA9 => {
                    let reply = if self.dual_channel { 0x00 } else { 0x01 };
                    self.queue(&[reply], false)
                }
                0xAD => self.config |= 0x10,
                0xAE => self.config &= !0x10,
                0xA7 if self.dual_channel => self.config |= 0x20,
                0xA8 if self.dual_channel => self.config &= !0x20,
                _ => {}
            },
            0x60 => match core::mem::replace(&mut self.pending, Pending::None) {
                Pending::WriteConfig => {
                    self.config = if self.dual_channel {
                        value
                    } else {
                        value & !0x20
                    }
                }
                Pending::WritePort2 => {
                    let replies = self.mouse.receive(value);
                    self.queue(&replies, true);
                }
                Pending::None => {
                    let replies = self.keyboard.receive(value);
                    self.queue(&replies, false);
                }
            },
            _ => {}
        }
    }
    fn out16(&mut self, _port: u16, _value: u16) {}
    fn out32(&mut self, _port: u16, _value: u32) {}
}

fn drain(input: &mut Input<64>) -> Vec<InputEvent> {
    core::iter::from_fn(|| input.pop()).collect()
}

#[test]
fn brings_up_keyboard_and_wheel_mouse_with_irqs_on() {
    let mut fake = FakeI8042::new();
    let ps2 = Ps2::init(&mut fake);
    assert!(ps2.keyboard_present() && ps2.mouse_present() && ps2.has_wheel());
    // IRQ 1 and 12 on, both clocks on, translation kept.
    assert_eq!(fake.config & 0x73, 0x43);
    assert!(fake.mouse.enabled && fake.keyboard.enabled);
    assert_eq!((fake.keyboard.resets, fake.mouse.resets), (1, 1));
    assert_eq!(fake.mouse.id, 3);
}

#[test]
fn mouse_without_wheel_keeps_three_byte_packets() {
    let mut fake = FakeI8042::new();
    fake.mouse = FakeDevice::mouse(false);
    let mut ps2 = Ps2::init(&mut fake);
    assert!(ps2.mouse_present() && !ps2.has_wheel());
    let mut input = Input::<64>::new(800, 600);
    fake.queue(&[0x08, 10, 0], true);
    ps2.poll(&mut fake, &mut input);
    assert_eq!(input.pointer().position(), (410, 300));
}

#[test]
fn absent_controller_is_reported_not_fatal() {
    let mut fake = FakeI8042::new();
    fake.absent = true;
    let mut ps2 = Ps2::init(&mut fake);
    assert!(!ps2.keyboard_present() && !ps2.mouse_present());
    let mut input = Input::<64>::new(800, 600);
    assert_eq!(ps2.poll(&mut fake, &mut input), 0);
}

#[test]
fn failed_self_test_means_absent() {
    let mut fake = FakeI8042::new();
    fake.self_test_reply = 0xFC;
    assert_eq!(
        Controller::init(&mut fake),
        Err(controller::Ps2Error::SelfTestFailed(0xFC))
    );
    let ps2 = Ps2::init(&mut fake);
    assert!(!ps2.keyboard_present() && !ps2.mouse_present());
}

#[test]
fn a_controller_that_never_takes_bytes_times_out() {
    let mut fake = FakeI8042::new();
    fake.stuck = true;
    assert_eq!(
        Controller::init(&mut fake),
        Err(controller::Ps2Error::Timeout)
    );
    assert!(fake.status_reads > 0 && fake.status_reads < 10_000_000);
}

#[test]
fn a_silent_mouse_leaves_the_keyboard_working_and_irq12_off() {
    let mut fake = FakeI8042::new();
    fake.mouse.behaviour = Behaviour::Mute;
    let ps2 = Ps2::init(&mut fake);
    assert!(ps2.keyboard_present() && !ps2.mouse_present());
    assert_eq!(fake.config & 0x03, 0x01);
}

#[test]
fn a_silent_keyboard_leaves_the_mouse_working() {
    let mut fake = FakeI8042::new();
    fake.keyboard.behaviour = Behaviour::Mute;
    let ps2 = Ps2::init(&mut fake);
    assert!(!ps2.keyboard_present() && ps2.mouse_present());
    assert_eq!(fake.config & 0x03, 0x02);
}

#[test]
fn single_channel_controller_has_no_mouse() {
    let mut fake = FakeI8042::new();
    fake.dual_channel = false;
    fake.config &= !0x20;
    let ps2 = Ps2::init(&mut fake);
    assert!(ps2.keyboard_present() && !ps2.mouse_present());
    assert_eq!(fake.mouse.resets, 0);
}

#[test]
fn resend_requests_are_honoured() {
    let mut fake = FakeI8042::new();
    fake.keyboard.behaviour = Behaviour::ResendFirst;
    fake.mouse.behaviour = Behaviour::ResendFirst;
    let ps2 = Ps2::init(&mut fake);
    assert!(ps2.keyboard_present() && ps2.mouse_present() && ps2.has_wheel());
}

#[test]
fn stale_bytes_are_flushed_before_bring_up() {
    let mut fake = FakeI8042::new();
    fake.queue(&[0x1E, 0x9E, 0x08, 0x01], false);
    let ps2 = Ps2::init(&mut fake);
    assert!(ps2.keyboard_present() && ps2.mouse_present());
}

#[test]
fn poll_routes_bytes_by_status_bit_5() {
    let mut fake = FakeI8042::new();
    let mut ps2 = Ps2::init(&mut fake);
    let mut input = Input::<64>::new(800, 600);
    // Keyboard 'a' down, a mouse packet split around it, 'a' up, a wheel packet.
    fake.queue(&[0x1E], false);
    fake.queue(&[0x09, 0x05], true);
    fake.queue(&[0x9E], false);
    fake.queue(&[0xFE, 0x00], true); // dy 0xFE without the sign bit: 254 up
    fake.queue(&[0x08, 0, 0, 0xFF], true);
    let read = ps2.poll(&mut fake, &mut input);
    assert_eq!(read, 10);
    let events = drain(&mut input);
    assert_eq!(
        events,
        [
            InputEvent::Key {
                key: Key::Char('a'),
                pressed: true
            },
            InputEvent::Key {
                key: Key::Char('a'),
                pressed: false
            },
            InputEvent::PointerPresence { inside: true },
            InputEvent::PointerMove { x: 405, y: 46 },
            InputEvent::Button {
                button: Button::Left,
                pressed: true
            },
            InputEvent::Button {
                button: Button::Left,
                pressed: false
            },
            InputEvent::Wheel { delta: 1 },
        ]
    );
}

#[test]
fn translation_off_decodes_set_2() {
    let mut fake = FakeI8042::new();
    fake.config &= !0x40;
    let mut ps2 = Ps2::init(&mut fake);
    assert_eq!(fake.config & 0x40, 0);
    let mut input = Input::<64>::new(800, 600);
    fake.queue(&[0xE0, 0x6B, 0xE0, 0xF0, 0x6B], false);
    ps2.poll(&mut fake, &mut input);
    assert_eq!(
        drain(&mut input),
        [
            InputEvent::Key {
                key: Key::Left,
                pressed: true
            },
            InputEvent::Key {
                key: Key::Left,
                pressed: false
            }
        ]
    );
}

#[test]
fn poll_is_bounded_when_a_device_babbles() {
    let mut fake = FakeI8042::new();
    let mut ps2 = Ps2::init(&mut fake);
    let mut input = Input::<64>::new(800, 600);
    fake.queue(&[0x1E; 500], false);
    assert_eq!(ps2.poll(&mut fake, &mut input), 64);
}
