//! SVGA II wire format: PCI ids, I/O port offsets, register and FIFO register indices,
//! command ids, capability bits and the FIFO command structs a 2D guest sends.
//!
//! Convention: VMware's `svga_reg.h` as VirtualBox 7.0.14 ships it, compiled under
//! `#pragma pack(1)`: every struct is packed (align 1), its offsets are the natural
//! ones (plain u32 fields). Field names are the header's. Every type and constant is
//! checked against `layouts.json` by `kernel/tests/layouts.rs`.
#![allow(non_snake_case)] // wire fields keep the header names

use bitflags::bitflags;
use zerocopy::{Immutable, IntoBytes, KnownLayout};

/// PCI device id of VMware's SVGA II (vendor 0x15AD).
pub const PCI_DEVICE_ID_VMWARE_SVGA2: u16 = 0x0405;

// Identity negotiation ---------------------------------------------------------------

/// Magic high bits of an SVGA id.
pub const SVGA_MAGIC: u32 = 0x0090_0000;
/// The id of interface version 2 (what Vitrine negotiates).
pub const SVGA_ID_2: u32 = 0x9000_0002;
/// The id of interface version 1.
pub const SVGA_ID_1: u32 = 0x9000_0001;
/// The id of interface version 0 (old register layout).
pub const SVGA_ID_0: u32 = 0x9000_0000;

// I/O port offsets in the I/O BAR ------------------------------------------------------

/// Register index port.
pub const SVGA_INDEX_PORT: u16 = 0x0;
/// Register value port.
pub const SVGA_VALUE_PORT: u16 = 0x1;
/// BIOS port (unused).
pub const SVGA_BIOS_PORT: u16 = 0x2;
/// Pending IRQ flags; write 1-bits to clear.
pub const SVGA_IRQSTATUS_PORT: u16 = 0x8;

// Registers ----------------------------------------------------------------------------

/// Interface id (write `SVGA_ID_2`, read back).
pub const SVGA_REG_ID: u32 = 0;
/// SVGA mode on/off.
pub const SVGA_REG_ENABLE: u32 = 1;
/// Mode width.
pub const SVGA_REG_WIDTH: u32 = 2;
/// Mode height.
pub const SVGA_REG_HEIGHT: u32 = 3;
/// Largest width.
pub const SVGA_REG_MAX_WIDTH: u32 = 4;
/// Largest height.
pub const SVGA_REG_MAX_HEIGHT: u32 = 5;
/// Colour depth.
pub const SVGA_REG_DEPTH: u32 = 6;
/// Bits per pixel.
pub const SVGA_REG_BITS_PER_PIXEL: u32 = 7;
/// Bytes per scanline of the current mode.
pub const SVGA_REG_BYTES_PER_LINE: u32 = 12;
/// Physical address of the framebuffer (the VRAM BAR).
pub const SVGA_REG_FB_START: u32 = 13;
/// Offset of the visible framebuffer in VRAM.
pub const SVGA_REG_FB_OFFSET: u32 = 14;
/// VRAM size in bytes.
pub const SVGA_REG_VRAM_SIZE: u32 = 15;
/// Framebuffer size in bytes.
pub const SVGA_REG_FB_SIZE: u32 = 16;
/// Device capabilities ([`Caps`]).
pub const SVGA_REG_CAPABILITIES: u32 = 17;
/// Physical address of the FIFO (the FIFO BAR).
pub const SVGA_REG_MEM_START: u32 = 18;
/// FIFO size in bytes.
pub const SVGA_REG_MEM_SIZE: u32 = 19;
/// Non-zero once the FIFO is configured.
pub const SVGA_REG_CONFIG_DONE: u32 = 20;
/// Write to make the host process the FIFO.
pub const SVGA_REG_SYNC: u32 = 21;
/// 1 while the host has not drained the FIFO.
pub const SVGA_REG_BUSY: u32 = 22;
/// Guest OS id.
pub const SVGA_REG_GUEST_ID: u32 = 23;
/// Cursor id (`SVGA_REG_CURSOR_ID` in older headers).
pub const SVGA_REG_DEAD: u32 = 24;
/// Cursor x.
pub const SVGA_REG_CURSOR_X: u32 = 25;
/// Cursor y.
pub const SVGA_REG_CURSOR_Y: u32 = 26;
/// Cursor visibility; writing it applies X/Y.
pub const SVGA_REG_CURSOR_ON: u32 = 27;
/// Number of FIFO registers the host knows.
pub const SVGA_REG_MEM_REGS: u32 = 30;
/// Interrupt mask.
pub const SVGA_REG_IRQMASK: u32 = 33;
/// VRAM dirty-page tracking.
pub const SVGA_REG_TRACES: u32 = 45;

/// `SVGA_REG_CURSOR_ON`: hide.
pub const SVGA_CURSOR_ON_HIDE: u32 = 0;
/// `SVGA_REG_CURSOR_ON`: show.
pub const SVGA_CURSOR_ON_SHOW: u32 = 1;

// FIFO registers (32-bit word indices at the start of the FIFO BAR) --------------------

/// Start of the command ring (bytes from the FIFO start).
pub const SVGA_FIFO_MIN: u32 = 0;
/// End of the command ring.
pub const SVGA_FIFO_MAX: u32 = 1;
/// Where the guest writes the next command.
pub const SVGA_FIFO_NEXT_CMD: u32 = 2;
/// Where the host reads next.
pub const SVGA_FIFO_STOP: u32 = 3;
/// FIFO capabilities ([`FifoCaps`]), written by the host (extended FIFO only).
pub const SVGA_FIFO_CAPABILITIES: u32 = 4;
/// Last fence the host processed.
pub const SVGA_FIFO_FENCE: u32 = 6;
/// Number of FIFO registers in the VirtualBox header.
pub const SVGA_FIFO_NUM_REGS: u32 = 291;

// Commands -----------------------------------------------------------------------------

/// `SVGAFifoCmdUpdate`: repaint a rectangle of screen 0.
pub const SVGA_CMD_UPDATE: u32 = 1;
/// `SVGAFifoCmdDefineCursor`: AND/XOR mask cursor.
pub const SVGA_CMD_DEFINE_CURSOR: u32 = 19;
/// `SVGAFifoCmdDefineAlphaCursor`: 32-bit BGRA cursor.
pub const SVGA_CMD_DEFINE_ALPHA_CURSOR: u32 = 22;
/// `SVGAFifoCmdFence`.
pub const SVGA_CMD_FENCE: u32 = 30;

/// Largest cursor payload VMware guarantees (64×64×4 plus the AND mask).
pub const SVGA_MAX_CURSOR_CMD_BYTES: u32 = 40 * 1024;
/// Largest cursor dimension VMware guarantees.
pub const SVGA_MAX_CURSOR_CMD_DIMENSION: u32 = 1024;

bitflags! {
    /// `SVGA_REG_CAPABILITIES` (`SVGA_CAP_*`): the bits a 2D guest looks at.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct Caps: u32 {
        /// RECT_COPY command.
        const RECT_COPY = 0x0000_0002;
        /// DEFINE_CURSOR command.
        const CURSOR = 0x0000_0020;
        /// Cursor position registers.
        const CURSOR_BYPASS = 0x0000_0040;
        /// CURSOR_ON register semantics.
        const CURSOR_BYPASS_2 = 0x0000_0080;
        /// DEFINE_ALPHA_CURSOR command.
        const ALPHA_CURSOR = 0x0000_0200;
        /// FIFO registers beyond STOP exist.
        const EXTENDED_FIFO = 0x0000_8000;
        /// PITCHLOCK register.
        const PITCHLOCK = 0x0002_0000;
        /// IRQMASK register and IRQ status port.
        const IRQMASK = 0x0004_0000;
        /// TRACES register.
        const TRACES = 0x0020_0000;
        /// Screen objects.
        const SCREEN_OBJECT_2 = 0x0080_0000;
    }
}

bitflags! {
    /// `SVGA_FIFO_CAPABILITIES` (`SVGA_FIFO_CAP_*`): the bits a 2D guest looks at.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct FifoCaps: u32 {
        /// FENCE command and FIFO_FENCE register.
        const FENCE = 0x0000_0001;
        /// FIFO_PITCHLOCK register.
        const PITCHLOCK = 0x0000_0004;
        /// Cursor bypass 3 (FIFO cursor registers).
        const CURSOR_BYPASS_3 = 0x0000_0010;
        /// The reserve protocol.
        const RESERVE = 0x0000_0040;
    }
}

// Commands' payloads ---------------------------------------------------------------------

/// `SVGAFifoCmdUpdate` (16 bytes).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, IntoBytes, Immutable, KnownLayout)]
pub struct FifoCmdUpdate {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// `SVGAFifoCmdDefineCursor` (28 bytes), followed by the AND mask and the XOR image,
/// each scanline padded to 32 bits.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, IntoBytes, Immutable, KnownLayout)]
pub struct FifoCmdDefineCursor {
    /// Cursor id (always 0 here).
    pub id: u32,
    /// Hotspot x.
    pub hotspotX: u32,
    /// Hotspot y.
    pub hotspotY: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Bits per pixel of the AND mask.
    pub andMaskDepth: u32,
    /// Bits per pixel of the XOR image.
    pub xorMaskDepth: u32,
}

/// `SVGAFifoCmdDefineAlphaCursor` (20 bytes), followed by `width·height` BGRA pixels.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, IntoBytes, Immutable, KnownLayout)]
pub struct FifoCmdDefineAlphaCursor {
    /// Cursor id (always 0 here).
    pub id: u32,
    /// Hotspot x.
    pub hotspotX: u32,
    /// Hotspot y.
    pub hotspotY: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// `SVGAFifoCmdFence` (4 bytes).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, IntoBytes, Immutable, KnownLayout)]
pub struct FifoCmdFence {
    /// Fence value the host writes to `SVGA_FIFO_FENCE` once it gets here.
    pub fence: u32,
}
