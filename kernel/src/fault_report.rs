//! Pure helpers for fault and panic reports: exception names, the frame-pointer
//! return-address chain, and quoting for `key="value"` status fields.

use core::fmt;

/// The architectural name of an exception vector.
pub fn exception_name(vector: u8) -> &'static str {
    match vector {
        0 => "divide error",
        1 => "debug",
        2 => "non-maskable interrupt",
        3 => "breakpoint",
        4 => "overflow",
        5 => "bound range exceeded",
        6 => "invalid opcode",
        7 => "device not available",
        8 => "double fault",
        10 => "invalid TSS",
        11 => "segment not present",
        12 => "stack-segment fault",
        13 => "general protection fault",
        14 => "page fault",
        16 => "x87 floating-point error",
        17 => "alignment check",
        18 => "machine check",
        19 => "SIMD floating-point error",
        20 => "virtualization exception",
        21 => "control protection exception",
        28 => "hypervisor injection exception",
        29 => "VMM communication exception",
        30 => "security exception",
        _ => "reserved",
    }
}

/// Walks the frame-pointer chain from `frame_pointer` (the interrupted RBP), storing
/// return addresses into `out`. `read` returns the u64 at an address, or `None` when
/// the address may not be read; the walk stops there, at a null or misaligned frame
/// pointer, at a chain that does not grow upward, or when `out` is full.
/// Returns how many addresses were stored.
pub fn walk_frame_chain(
    frame_pointer: u64,
    read: impl Fn(u64) -> Option<u64>,
    out: &mut [u64],
) -> usize {
    let mut count = 0;
    let mut frame = frame_pointer;
    while count < out.len() && frame != 0 && frame.is_multiple_of(8) {
        let (Some(next), Some(return_address)) =
            (read(frame), frame.checked_add(8).and_then(&read))
        else {
            break;
        };
        if return_address == 0 {
            break;
        }
        out[count] = return_address;
        count += 1;
        // Frames live further up the stack: anything else is a corrupt chain.
        if next <= frame {
            break;
        }
        frame = next;
    }
    count
}

/// Displays text as the inside of a double-quoted status value: `"` and `\` are
/// escaped, and control characters (newlines) become spaces so the line stays one line.
pub struct Quoted<T>(pub T);

impl<T: fmt::Display> fmt::Display for Quoted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Escaper<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Escaper<'_, '_> {
            fn write_str(&mut self, text: &str) -> fmt::Result {
                for c in text.chars() {
                    match c {
                        '"' => self.0.write_str("\\\"")?,
                        '\\' => self.0.write_str("\\\\")?,
                        c if c.is_control() => self.0.write_str(" ")?,
                        c => fmt::Write::write_char(self.0, c)?,
                    }
                }
                Ok(())
            }
        }
        fmt::write(&mut Escaper(f), format_args!("{}", self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn walks_a_chain_until_the_null_frame() {
        // frame 0x1000 -> 0x1100 -> 0 ; return addresses 0xaaa, 0xbbb
        let memory: HashMap<u64, u64> = [
            (0x1000, 0x1100),
            (0x1008, 0xaaa),
            (0x1100, 0),
            (0x1108, 0xbbb),
        ]
        .into_iter()
        .collect();
        let mut out = [0u64; 8];
        let n = walk_frame_chain(0x1000, |a| memory.get(&a).copied(), &mut out);
        assert_eq!(&out[..n], &[0xaaa, 0xbbb]);
    }

    #[test]
    fn stops_at_unreadable_misaligned_or_looping_frames() {
        let memory: HashMap<u64, u64> = [(0x2000, 0x2000), (0x2008, 0x123)].into_iter().collect();
        let mut out = [0u64; 8];
        assert_eq!(
            walk_frame_chain(0x2000, |a| memory.get(&a).copied(), &mut out),
            1
        );
        assert_eq!(
            walk_frame_chain(0x2004, |a| memory.get(&a).copied(), &mut out),
            0
        );
        assert_eq!(
            walk_frame_chain(0x9000, |a| memory.get(&a).copied(), &mut out),
            0
        );
    }

    #[test]
    fn stops_when_the_output_is_full() {
        let memory: HashMap<u64, u64> = [
            (0x10, 0x20),
            (0x18, 1),
            (0x20, 0x30),
            (0x28, 2),
            (0x30, 0x40),
            (0x38, 3),
        ]
        .into_iter()
        .collect();
        let mut out = [0u64; 2];
        assert_eq!(
            walk_frame_chain(0x10, |a| memory.get(&a).copied(), &mut out),
            2
        );
        assert_eq!(out, [1, 2]);
    }

    #[test]
    fn quotes_escape_quotes_backslashes_and_newlines() {
        let text = format!("{}", Quoted("say \"hi\"\\\nbye"));
        assert_eq!(text, "say \\\"hi\\\"\\\\ bye");
    }

    #[test]
    fn names_known_and_reserved_vectors() {
        assert_eq!(exception_name(14), "page fault");
        assert_eq!(exception_name(15), "reserved");
    }
}
