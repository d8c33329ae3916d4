//! PS/2 byte streams: keyboard (scancode sets 1 and 2) and mouse (standard and
//! wheel packets, resynchronisation after lost bytes) through the driver's decoders
//! into the input queue, as the interrupt handler feeds them.
//!
//! Input: a set-up byte (bit 0: scancode set 2, bit 1: wheel mouse), then pairs of
//! (flags, byte): flags bit 0 = the byte came from the mouse (status bit 5), bits 1-7
//! = microseconds elapsed since the previous byte, in 256 µs units.

use vitrine::drivers::ps2::keyboard::{KeyboardDecoder, ScancodeSetKind};
use vitrine::drivers::ps2::mouse::{MouseKind, PacketDecoder};
use vitrine::input::Input;

pub const TARGET: crate::Target = crate::Target {
    name: "ps2",
    about: "PS/2 keyboard and mouse byte streams -> keys, packets, the input queue",
    run,
    seeds,
};

fn run(data: &[u8]) {
    let Some((&setup, stream)) = data.split_first() else {
        return;
    };
    let set = if setup & 1 == 0 {
        ScancodeSetKind::Set1
    } else {
        ScancodeSetKind::Set2
    };
    let kind = if setup & 2 == 0 {
        MouseKind::Standard
    } else {
        MouseKind::Wheel
    };
    let mut keyboard = KeyboardDecoder::new(set);
    let mut mouse = PacketDecoder::new(kind);
    let mut input: Input<64> = Input::new(1024, 768);
    let mut now_us = 0u64;
    let mut events = 0usize;
    for pair in stream.chunks_exact(2) {
        let (flags, byte) = (pair[0], pair[1]);
        now_us += u64::from(flags >> 1) * 256;
        if flags & 1 == 1 {
            if let Some(packet) = mouse.feed_at(byte, now_us) {
                input.ps2_mouse(packet.dx, packet.dy, packet.buttons, packet.wheel);
            }
        } else if let Some((key, pressed)) = keyboard.feed(byte) {
            input.key(key, pressed);
        }
        // The runtime drains the queue now and then; the queue itself must stay sane.
        if byte % 7 == 0 {
            while input.pop().is_some() {
                events += 1;
            }
        }
        let pointer = input.pointer();
        let _ = format!("{pointer:?}");
    }
    while input.pop().is_some() {
        events += 1;
    }
    let _ = (events, mouse.discarded(), input.dropped());
}

fn with_flags(setup: u8, bytes: &[(bool, u8)]) -> Vec<u8> {
    let mut out = vec![setup];
    for (from_mouse, byte) in bytes {
        out.push(u8::from(*from_mouse) | 2);
        out.push(*byte);
    }
    out
}

fn seeds() -> Vec<Vec<u8>> {
    let k = |b| (false, b);
    let m = |b| (true, b);
    vec![
        // Set 1: 'a' down/up, Enter, extended arrow, Pause's long sequence.
        with_flags(
            0,
            &[
                k(0x1e),
                k(0x9e),
                k(0x1c),
                k(0x9c),
                k(0xe0),
                k(0x48),
                k(0xe0),
                k(0xc8),
                k(0xe1),
                k(0x1d),
                k(0x45),
                k(0xe1),
                k(0x9d),
                k(0xc5),
            ],
        ),
        // Set 2 with break prefixes, a wheel mouse moving and clicking.
        with_flags(
            3,
            &[
                k(0x1c),
                k(0xf0),
                k(0x1c),
                k(0xe0),
                k(0x75),
                k(0xe0),
                k(0xf0),
                k(0x75),
                m(0x09),
                m(0x10),
                m(0xf0),
                m(0x01),
                m(0x08),
                m(0x00),
                m(0x00),
                m(0xff),
            ],
        ),
        // A standard mouse that lost a byte (resync on bit 3).
        with_flags(
            0,
            &[
                m(0x08),
                m(0x05),
                m(0x09),
                m(0x01),
                m(0x02),
                m(0x08),
                m(0x00),
                m(0x00),
            ],
        ),
    ]
}
