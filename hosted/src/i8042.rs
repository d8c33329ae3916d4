//! A minimal i8042 PS/2 controller with a keyboard and an IntelliMouse behind it, so
//! vitrine's real PS/2 driver runs hosted: it answers the bring-up commands the
//! driver sends (self-tests, configuration byte, reset, defaults, the wheel knock,
//! enable) and turns the twin's host-side input (`Machine::take_ps2_events`) into
//! the bytes a real controller would deliver at ports 0x60/0x64.
//!
//! Written from the PS/2 protocol (controller commands 0x20/0x60/0xA7..0xAE/0xD4,
//! device replies 0xFA/0xAA, 4-byte IntelliMouse packets), not from the driver.

use std::collections::VecDeque;
use twin::Ps2Event;

/// Data port.
pub const DATA_PORT: u16 = 0x60;
/// Status (read) / command (write) port.
pub const STATUS_PORT: u16 = 0x64;
/// The keyboard's ISA IRQ.
pub const KEYBOARD_IRQ: u8 = 1;
/// The mouse's ISA IRQ.
pub const MOUSE_IRQ: u8 = 12;

const CONFIG_PORT1_IRQ: u8 = 1 << 0;
const CONFIG_PORT2_IRQ: u8 = 1 << 1;
const CONFIG_SYSTEM: u8 = 1 << 2;
const CONFIG_PORT1_CLOCK_OFF: u8 = 1 << 4;
const CONFIG_PORT2_CLOCK_OFF: u8 = 1 << 5;
const CONFIG_TRANSLATION: u8 = 1 << 6;

const STATUS_OUTPUT_FULL: u8 = 1 << 0;
const STATUS_SYSTEM: u8 = 1 << 2;
const STATUS_AUX: u8 = 1 << 5;

const ACK: u8 = 0xFA;

/// Where the next data-port write goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Keyboard,
    Config,
    Mouse,
}

/// The controller, its keyboard and its mouse.
#[derive(Debug)]
pub struct I8042 {
    config: u8,
    /// Bytes waiting for the guest: (byte, from the mouse).
    output: VecDeque<(u8, bool)>,
    pending: Pending,
    keyboard_scanning: bool,
    keyboard_param: Option<u8>,
    mouse_reporting: bool,
    mouse_param: Option<u8>,
    sample_rates: [u8; 3],
    mouse_wheel: bool,
    /// Bytes the guest sent the mouse (tests).
    pub mouse_commands: Vec<u8>,
}

impl Default for I8042 {
    fn default() -> Self {
        Self::new()
    }
}

impl I8042 {
    /// As the BIOS leaves it: translation on, both ports' clocks on, IRQs off.
    pub fn new() -> Self {
        Self {
            config: CONFIG_SYSTEM | CONFIG_TRANSLATION,
            output: VecDeque::new(),
            pending: Pending::Keyboard,
            keyboard_scanning: false,
            keyboard_param: None,
            mouse_reporting: false,
            mouse_param: None,
            sample_rates: [0; 3],
            mouse_wheel: false,
            mouse_commands: Vec::new(),
        }
    }

    /// Whether the mouse sends packets (the guest enabled reporting).
    pub fn mouse_reporting(&self) -> bool {
        self.mouse_reporting
    }

    /// Whether the mouse was switched to 4-byte wheel packets.
    pub fn mouse_wheel(&self) -> bool {
        self.mouse_wheel
    }

    /// Lines asserted (bit N = ISA IRQ N): the first waiting byte's port, if that
    /// port's IRQ is enabled in the configuration byte.
    pub fn asserted_lines(&self) -> u64 {
        match self.output.front() {
            Some((_, true)) if self.config & CONFIG_PORT2_IRQ != 0 => 1 << MOUSE_IRQ,
            Some((_, false)) if self.config & CONFIG_PORT1_IRQ != 0 => 1 << KEYBOARD_IRQ,
            _ => 0,
        }
    }

    /// Host input, as the twin queued it.
    pub fn host_input(&mut self, event: Ps2Event) {
        match event {
            Ps2Event::Key {
                scancode,
                extended,
                pressed,
            } => {
                if !self.keyboard_scanning || self.config & CONFIG_PORT1_CLOCK_OFF != 0 {
                    return;
                }
                if !self.translated() {
                    // Set 2 would need a table; VirtualBox's BIOS leaves translation on.
                    log::warn!("i8042: key dropped, translation is off");
                    return;
                }
                if extended {
                    self.output.push_back((0xE0, false));
                }
                let code = if pressed { scancode } else { scancode | 0x80 };
                self.output.push_back((code, false));
            }
            Ps2Event::Mouse {
                dx,
                dy,
                dz,
                buttons,
            } => {
                if !self.mouse_reporting || self.config & CONFIG_PORT2_CLOCK_OFF != 0 {
                    return;
                }
                self.mouse_packets(dx, dy, dz, buttons);
            }
        }
    }

    fn translated(&self) -> bool {
        self.config & CONFIG_TRANSLATION != 0
    }

    /// Splits large motion into packets of at most ±255 per axis, as a mouse would.
    fn mouse_packets(&mut self, mut dx: i32, mut dy: i32, mut dz: i32, buttons: u8) {
        loop {
            let sx = dx.clamp(-255, 255);
            let sy = dy.clamp(-255, 255);
            let sz = dz.clamp(-8, 7);
            // PS/2 y grows upwards; the twin's dy grows downwards.
            let y = -sy;
            let mut header = 0x08 | (buttons & 0x07);
            if sx < 0 {
                header |= 0x10;
            }
            if y < 0 {
                header |= 0x20;
            }
            self.output.push_back((header, true));
            self.output.push_back((sx as u8, true));
            self.output.push_back((y as u8, true));
            if self.mouse_wheel {
                self.output
                    .push_back(((sz as i8 as u8) & 0x0F | sign_fill(sz), true));
            }
            dx -= sx;
            dy -= sy;
            dz -= if self.mouse_wheel { sz } else { dz };
            if dx == 0 && dy == 0 && dz == 0 {
                break;
            }
        }
    }

    /// A port read.
    pub fn read(&mut self, port: u16) -> u8 {
        match port {
            STATUS_PORT => {
                let mut status = STATUS_SYSTEM;
                if let Some((_, aux)) = self.output.front() {
                    status |= STATUS_OUTPUT_FULL;
                    if *aux {
                        status |= STATUS_AUX;
                    }
                }
                status
            }
            _ => self.output.pop_front().map_or(0, |(byte, _)| byte),
        }
    }

    /// A port write.
    pub fn write(&mut self, port: u16, value: u8) {
        if port == STATUS_PORT {
            self.controller_command(value);
            return;
        }
        match std::mem::replace(&mut self.pending, Pending::Keyboard) {
            Pending::Config => self.config = value,
            Pending::Mouse => self.mouse_byte(value),
            Pending::Keyboard => self.keyboard_byte(value),
        }
    }

    fn controller_command(&mut self, command: u8) {
        match command {
            0x20 => self.output.push_back((self.config, false)),
            0x60 => self.pending = Pending::Config,
            0xA7 => self.config |= CONFIG_PORT2_CLOCK_OFF,
            0xA8 => self.config &= !CONFIG_PORT2_CLOCK_OFF,
            0xA9 | 0xAB => self.output.push_back((0x00, false)),
            0xAA => self.output.push_back((0x55, false)),
            0xAD => self.config |= CONFIG_PORT1_CLOCK_OFF,
            0xAE => self.config &= !CONFIG_PORT1_CLOCK_OFF,
            0xD4 => self.pending = Pending::Mouse,
            other => log::warn!("i8042: controller command {other:#04x} not modelled"),
        }
    }

    fn keyboard_byte(&mut self, byte: u8) {
        if self.keyboard_param.take().is_some() {
            self.output.push_back((ACK, false));
            return;
        }
        self.output.push_back((ACK, false));
        match byte {
            0xFF => {
                self.keyboard_scanning = true;
                self.output.push_back((0xAA, false));
            }
            0xF4 => self.keyboard_scanning = true,
            0xF5 => self.keyboard_scanning = false,
            0xF0 | 0xF3 | 0xED => self.keyboard_param = Some(byte),
            _ => {}
        }
    }

    fn mouse_byte(&mut self, byte: u8) {
        self.mouse_commands.push(byte);
        if let Some(command) = self.mouse_param.take() {
            self.output.push_back((ACK, true));
            if command == 0xF3 {
                self.sample_rates = [self.sample_rates[1], self.sample_rates[2], byte];
            }
            return;
        }
        self.output.push_back((ACK, true));
        match byte {
            0xFF => {
                self.mouse_reporting = false;
                self.mouse_wheel = false;
                self.output.push_back((0xAA, true));
                self.output.push_back((0x00, true));
            }
            0xF6 => self.mouse_reporting = false,
            0xF4 => self.mouse_reporting = true,
            0xF5 => self.mouse_reporting = false,
            0xF3 | 0xE8 => self.mouse_param = Some(byte),
            0xF2 => {
                if self.sample_rates == [200, 100, 80] {
                    self.mouse_wheel = true;
                }
                let id = if self.mouse_wheel { 3 } else { 0 };
                self.output.push_back((id, true));
            }
            _ => {}
        }
    }
}

/// The wheel byte is a 4-bit two's complement value sign-extended to 8 bits.
fn sign_fill(z: i32) -> u8 {
    if z < 0 {
        0xF0
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_knock_switches_to_four_byte_packets() {
        let mut c = I8042::new();
        for byte in [0xF3, 200, 0xF3, 100, 0xF3, 80, 0xF2, 0xF4] {
            c.write(STATUS_PORT, 0xD4);
            c.write(DATA_PORT, byte);
        }
        let replies: Vec<u8> = std::iter::from_fn(|| {
            (c.read(STATUS_PORT) & STATUS_OUTPUT_FULL != 0).then(|| c.read(DATA_PORT))
        })
        .collect();
        assert_eq!(replies, [ACK, ACK, ACK, ACK, ACK, ACK, ACK, 3, ACK]);
        c.host_input(Ps2Event::Mouse {
            dx: -3,
            dy: 2,
            dz: -1,
            buttons: 1,
        });
        let packet: Vec<u8> = (0..4).map(|_| c.read(DATA_PORT)).collect();
        assert_eq!(packet, [0x08 | 0x01 | 0x10 | 0x20, 0xFD, 0xFE, 0xFF]);
    }

    #[test]
    fn large_motion_is_split_into_several_packets() {
        let mut c = I8042::new();
        c.mouse_reporting = true;
        c.host_input(Ps2Event::Mouse {
            dx: 600,
            dy: 0,
            dz: 0,
            buttons: 0,
        });
        assert_eq!(c.output.len(), 9);
        let total: i32 = c
            .output
            .iter()
            .skip(1)
            .step_by(3)
            .map(|(b, _)| *b as i32)
            .sum();
        assert_eq!(total, 600);
    }
}
