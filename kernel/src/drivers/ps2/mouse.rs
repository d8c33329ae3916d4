//! The PS/2 mouse: bring-up with IntelliMouse wheel detection, and a packet decoder
//! that resynchronises after a lost byte.

use super::controller::{Controller, Port, Ps2Error};
use crate::hal::PortIo;
use crate::input::Buttons;

/// Device commands (mouse side of the PS/2 protocol).
mod command {
    pub const SET_SAMPLE_RATE: u8 = 0xF3;
    pub const GET_ID: u8 = 0xF2;
    pub const SET_DEFAULTS: u8 = 0xF6;
    pub const ENABLE_REPORTING: u8 = 0xF4;
}

/// The sample-rate "knock" that switches an IntelliMouse to 4-byte packets.
const WHEEL_KNOCK: [u8; 3] = [200, 100, 80];
/// Device ID of a mouse that sends 4-byte packets with a wheel byte.
const ID_INTELLIMOUSE: u8 = 3;

/// What kind of mouse answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    /// Plain PS/2 mouse: 3-byte packets, no wheel.
    Standard,
    /// IntelliMouse: 4-byte packets, the fourth holding wheel steps.
    Wheel,
}

impl MouseKind {
    /// Bytes per packet.
    pub fn packet_len(self) -> usize {
        match self {
            MouseKind::Standard => 3,
            MouseKind::Wheel => 4,
        }
    }
}

/// Resets the mouse, restores defaults, tries the wheel knock and turns data
/// reporting on.
pub fn init(io: &mut impl PortIo, controller: &Controller) -> Result<MouseKind, Ps2Error> {
    controller.reset_device(io, Port::Mouse)?;
    controller.device_command(io, Port::Mouse, command::SET_DEFAULTS)?;
    for rate in WHEEL_KNOCK {
        controller.device_command_with(io, Port::Mouse, command::SET_SAMPLE_RATE, rate)?;
    }
    controller.device_command(io, Port::Mouse, command::GET_ID)?;
    let kind = match controller.read_reply(io, Port::Mouse)? {
        ID_INTELLIMOUSE => MouseKind::Wheel,
        _ => MouseKind::Standard,
    };
    controller.device_command(io, Port::Mouse, command::ENABLE_REPORTING)?;
    Ok(kind)
}

bitflags::bitflags! {
    /// The first byte of every packet.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Header: u8 {
        const LEFT = 1 << 0;
        const RIGHT = 1 << 1;
        const MIDDLE = 1 << 2;
        /// Always set: how we find the start of a packet.
        const ALWAYS_ONE = 1 << 3;
        const X_NEGATIVE = 1 << 4;
        const Y_NEGATIVE = 1 << 5;
        const X_OVERFLOW = 1 << 6;
        const Y_OVERFLOW = 1 << 7;
    }
}

/// One decoded packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MousePacket {
    /// Motion to the right.
    pub dx: i32,
    /// Motion downwards (screen convention; the device counts upwards).
    pub dy: i32,
    /// Buttons held.
    pub buttons: Buttons,
    /// Wheel steps away from the user (scroll up).
    pub wheel: i32,
}

/// A partial packet older than this was cut short (a byte was lost): the bytes of
/// one packet arrive within about a millisecond.
pub const RESYNC_GAP_US: u64 = 50_000;

/// Assembles packets from mouse bytes.
#[derive(Debug)]
pub struct PacketDecoder {
    kind: MouseKind,
    bytes: [u8; 4],
    len: usize,
    discarded: u32,
    last_byte_us: Option<u64>,
}

impl PacketDecoder {
    /// A decoder for packets from a `kind` mouse.
    pub fn new(kind: MouseKind) -> Self {
        Self {
            kind,
            bytes: [0; 4],
            len: 0,
            discarded: 0,
            last_byte_us: None,
        }
    }

    /// Bytes thrown away while looking for the start of a packet.
    pub fn discarded(&self) -> u32 {
        self.discarded
    }

    /// Forgets a partial packet (call when bytes stopped for a while, or after the
    /// mouse was reset).
    pub fn resync(&mut self) {
        self.len = 0;
    }

    /// `feed`, first dropping a partial packet whose last byte came more than
    /// `RESYNC_GAP_US` before `now_us`: realigns at once after a lost byte instead
    /// of a few packets later.
    pub fn feed_at(&mut self, byte: u8, now_us: u64) -> Option<MousePacket> {
        if let Some(last) = self.last_byte_us {
            if self.len > 0 && now_us.saturating_sub(last) > RESYNC_GAP_US {
                self.discarded = self.discarded.saturating_add(self.len as u32);
                self.resync();
            }
        }
        self.last_byte_us = Some(now_us);
        self.feed(byte)
    }

    /// Feeds one byte; returns a packet when one is complete.
    ///
    /// A first byte without the always-one bit cannot start a packet and is
    /// discarded, which realigns the decoder a few packets after a lost byte. A
    /// packet with an overflow bit keeps its buttons and wheel but no motion.
    pub fn feed(&mut self, byte: u8) -> Option<MousePacket> {
        if self.len == 0 && !Header::from_bits_retain(byte).contains(Header::ALWAYS_ONE) {
            self.discarded = self.discarded.saturating_add(1);
            return None;
        }
        self.bytes[self.len] = byte;
        self.len += 1;
        if self.len < self.kind.packet_len() {
            return None;
        }
        self.len = 0;
        Some(self.decode())
    }

    fn decode(&self) -> MousePacket {
        let header = Header::from_bits_retain(self.bytes[0]);
        let overflow = header.intersects(Header::X_OVERFLOW | Header::Y_OVERFLOW);
        // 9-bit two's complement: the sign bit sits in the header.
        let axis = |low: u8, negative: Header| {
            let value = low as i32;
            match header.contains(negative) {
                true => value - 0x100,
                false => value,
            }
        };
        let (dx, dy) = match overflow {
            true => (0, 0),
            false => (
                axis(self.bytes[1], Header::X_NEGATIVE),
                -axis(self.bytes[2], Header::Y_NEGATIVE),
            ),
        };
        let wheel = match self.kind {
            // The device counts towards the user; we report away from the user.
            MouseKind::Wheel => -(self.bytes[3] as i8 as i32),
            MouseKind::Standard => 0,
        };
        MousePacket {
            dx,
            dy,
            buttons: Buttons::from_bits_truncate(self.bytes[0] & 0x07),
            wheel,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn decode(kind: MouseKind, bytes: &[u8]) -> Vec<MousePacket> {
        let mut decoder = PacketDecoder::new(kind);
        bytes.iter().filter_map(|b| decoder.feed(*b)).collect()
    }

    fn packet(dx: i32, dy: i32, buttons: Buttons, wheel: i32) -> MousePacket {
        MousePacket {
            dx,
            dy,
            buttons,
            wheel,
        }
    }

    #[test]
    fn three_byte_packets_with_signs_and_buttons() {
        let packets = decode(
            MouseKind::Standard,
            &[
                0x08, 5, 3, // right 5, up 3
                0x39, 0xFB, 0xFE, // left 5, down 2, left button (sign bits 4 and 5)
                0x0E, 0, 0, // right + middle
            ],
        );
        assert_eq!(
            packets,
            [
                packet(5, -3, Buttons::empty(), 0),
                packet(-5, 2, Buttons::LEFT, 0),
                packet(0, 0, Buttons::RIGHT | Buttons::MIDDLE, 0)
            ]
        );
    }

    #[test]
    fn four_byte_packets_carry_the_wheel() {
        let packets = decode(MouseKind::Wheel, &[0x08, 1, 0, 0xFF, 0x08, 0, 0, 0x02]);
        assert_eq!(
            packets,
            [
                packet(1, 0, Buttons::empty(), 1),
                packet(0, 0, Buttons::empty(), -2)
            ]
        );
    }

    #[test]
    fn overflow_discards_motion_but_keeps_buttons() {
        let packets = decode(MouseKind::Standard, &[0x08 | 0x40 | 0x01, 0xFF, 0x10]);
        assert_eq!(packets, [packet(0, 0, Buttons::LEFT, 0)]);
    }

    #[test]
    fn garbage_before_a_packet_is_skipped() {
        let mut decoder = PacketDecoder::new(MouseKind::Standard);
        let out: Vec<_> = [0x00, 0x41, 0x07, 0x09, 2, 2]
            .iter()
            .filter_map(|b| decoder.feed(*b))
            .collect();
        assert_eq!(out, [packet(2, -2, Buttons::LEFT, 0)]);
        assert_eq!(decoder.discarded(), 3);
    }

    #[test]
    fn resynchronises_after_a_lost_byte() {
        // Packets of (dx=1, dy=2) with a clean header; the first packet loses its
        // last byte. Motion bytes without bit 3 cannot be taken for a header, so the
        // decoder realigns within one packet.
        let mut stream = vec![0x09, 0x01];
        for _ in 0..4 {
            stream.extend_from_slice(&[0x09, 0x01, 0x02]);
        }
        let packets = decode(MouseKind::Standard, &stream);
        // One packet is corrupted (0x09,0x01,0x09), then the next header is lost in
        // the middle; after that every packet is correct.
        let good = packet(1, -2, Buttons::LEFT, 0);
        assert_eq!(packets.last(), Some(&good));
        assert!(packets.iter().filter(|p| **p == good).count() >= 2);
    }

    #[test]
    fn four_byte_resync_after_a_lost_byte() {
        let mut stream = vec![0x08, 0x03, 0x04]; // lost wheel byte
        for _ in 0..5 {
            stream.extend_from_slice(&[0x08, 0x03, 0x04, 0x01]);
        }
        let packets = decode(MouseKind::Wheel, &stream);
        let good = packet(3, -4, Buttons::empty(), -1);
        assert_eq!(&packets[packets.len() - 3..], [good, good, good]);
    }

    #[test]
    fn a_gap_in_time_realigns_at_once() {
        let mut decoder = PacketDecoder::new(MouseKind::Standard);
        // The packet (0x09, 1, 2) lost its last byte; the next one comes 100 ms later.
        assert_eq!(decoder.feed_at(0x09, 0), None);
        assert_eq!(decoder.feed_at(0x01, 300), None);
        let out: Vec<_> = [0x0A, 0x01, 0x02]
            .iter()
            .enumerate()
            .filter_map(|(i, b)| decoder.feed_at(*b, 100_000 + i as u64 * 300))
            .collect();
        assert_eq!(out, [packet(1, -2, Buttons::RIGHT, 0)]);
        assert_eq!(decoder.discarded(), 2);
        // Without the clock the same stream yields a corrupted packet first.
        let plain = decode(MouseKind::Standard, &[0x09, 0x01, 0x0A, 0x01, 0x02]);
        assert_ne!(plain.first(), Some(&packet(1, -2, Buttons::RIGHT, 0)));
    }

    #[test]
    fn explicit_resync_drops_a_partial_packet() {
        let mut decoder = PacketDecoder::new(MouseKind::Standard);
        assert_eq!(decoder.feed(0x08), None);
        assert_eq!(decoder.feed(0x05), None);
        decoder.resync();
        let out: Vec<_> = [0x0A, 0, 0]
            .iter()
            .filter_map(|b| decoder.feed(*b))
            .collect();
        assert_eq!(out, [packet(0, 0, Buttons::RIGHT, 0)]);
    }
}
