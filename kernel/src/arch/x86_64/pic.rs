//! The legacy 8259 PIC pair: remapped to vectors 0x20..0x30, then masked or used as
//! the fallback interrupt controller.

use x86_64::instructions::port::Port;

const MASTER_COMMAND: u16 = 0x20;
const MASTER_DATA: u16 = 0x21;
const SLAVE_COMMAND: u16 = 0xa0;
const SLAVE_DATA: u16 = 0xa1;
const END_OF_INTERRUPT: u8 = 0x20;
const READ_IN_SERVICE: u8 = 0x0b;
/// The master's input the slave is cascaded on.
const CASCADE_LINE: u8 = 2;

fn out8(port: u16, value: u8) {
    // SAFETY: the 8259 command/data ports; only this module drives them.
    unsafe { Port::<u8>::new(port).write(value) }
}

fn in8(port: u16) -> u8 {
    // SAFETY: as in `out8`.
    unsafe { Port::<u8>::new(port).read() }
}

/// Remaps both PICs to `vector_base..vector_base+16` and masks every line.
pub fn remap_and_mask(vector_base: u8) {
    out8(MASTER_COMMAND, 0x11); // ICW1: init, ICW4 follows
    out8(SLAVE_COMMAND, 0x11);
    out8(MASTER_DATA, vector_base); // ICW2: vector offsets
    out8(SLAVE_DATA, vector_base + 8);
    out8(MASTER_DATA, 1 << CASCADE_LINE); // ICW3: slave on IR2
    out8(SLAVE_DATA, CASCADE_LINE);
    out8(MASTER_DATA, 0x01); // ICW4: 8086 mode
    out8(SLAVE_DATA, 0x01);
    out8(MASTER_DATA, 0xff);
    out8(SLAVE_DATA, 0xff);
}

/// Masks or unmasks `line` (0..16); unmasking a slave line also opens the cascade.
pub fn set_masked(line: u8, masked: bool) {
    let (port, bit) = if line < 8 {
        (MASTER_DATA, line)
    } else {
        (SLAVE_DATA, line - 8)
    };
    let current = in8(port);
    let updated = if masked {
        current | (1 << bit)
    } else {
        current & !(1 << bit)
    };
    out8(port, updated);
    if line >= 8 && !masked {
        set_masked(CASCADE_LINE, false);
    }
}

/// True when `line` (7 or 15) is really in service, not a spurious interrupt.
pub fn is_in_service(line: u8) -> bool {
    let (port, bit) = if line < 8 {
        (MASTER_COMMAND, line)
    } else {
        (SLAVE_COMMAND, line - 8)
    };
    out8(port, READ_IN_SERVICE);
    in8(port) & (1 << bit) != 0
}

/// Acknowledges `line`.
pub fn end_of_interrupt(line: u8) {
    if line >= 8 {
        out8(SLAVE_COMMAND, END_OF_INTERRUPT);
    }
    out8(MASTER_COMMAND, END_OF_INTERRUPT);
}
