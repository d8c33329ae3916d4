//! HGSMI wire format: buffer header/tail, host flags, the HGSMI-channel setup command,
//! channels and constants.
//!
//! Convention: **VirtualBox** (`HGSMIDefs.h`, `HGSMIChSetup.h`, `HGSMIChannels.h`,
//! 7.0.14): the buffer header and tail are packed (align 1), the others are naturally
//! aligned `#[repr(C)]` (Linux marks all of them packed; offsets are identical).
//! Field names are the header's. Every type and constant is checked against
//! `layouts.json` by `kernel/tests/layouts.rs`.
#![allow(non_snake_case)] // wire fields keep the VirtualBox header names

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Channel 0 is reserved.
pub const HGSMI_CH_RESERVED: u8 = 0;
/// The HGSMI channel itself (setup commands).
pub const HGSMI_CH_HGSMI: u8 = 1;
/// The VBVA channel (graphics).
pub const HGSMI_CH_VBVA: u8 = 2;
/// Seamless channel (unused by Vitrine).
pub const HGSMI_CH_SEAMLESS: u8 = 3;
/// Second seamless channel (unused).
pub const HGSMI_CH_SEAMLESS2: u8 = 4;
/// OpenGL channel (unused).
pub const HGSMI_CH_OPENGL: u8 = 5;
/// First dynamically assigned channel.
pub const HGSMI_CH_STRING_FIRST: u8 = 0x20;
/// Last dynamically assigned channel.
pub const HGSMI_CH_STRING_LAST: u8 = 0xFF;
/// Number of channel ids.
pub const HGSMI_NUMBER_OF_CHANNELS: u32 = 256;

/// HGSMI_CH_HGSMI command: report where the host flags live.
pub const HGSMI_CC_HOST_FLAGS_LOCATION: u16 = 0;

/// "No buffer": what the host port reads when no host command is queued.
pub const HGSMIOFFSET_VOID: u32 = 0xFFFF_FFFF;

/// `u8Flags`: a single, unsequenced buffer (the only kind Vitrine sends).
pub const HGSMI_BUFFER_HEADER_F_SEQ_SINGLE: u8 = 0x00;
/// `u8Flags`: first buffer of a sequence.
pub const HGSMI_BUFFER_HEADER_F_SEQ_START: u8 = 0x01;
/// `u8Flags`: middle buffer of a sequence.
pub const HGSMI_BUFFER_HEADER_F_SEQ_CONTINUE: u8 = 0x02;
/// `u8Flags`: last buffer of a sequence.
pub const HGSMI_BUFFER_HEADER_F_SEQ_END: u8 = 0x03;
/// `u8Flags`: mask of the sequence type.
pub const HGSMI_BUFFER_HEADER_F_SEQ_MASK: u8 = 0x03;

bitflags! {
    /// `HGSMIHOSTFLAGS.u32HostFlags` (`HGSMIHOSTFLAGS_*`), written by the host.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct HostFlags: u32 {
        /// Host→guest commands are queued.
        const COMMANDS_PENDING = 0x01;
        /// The VGA device raised its IRQ.
        const IRQ = 0x02;
        // 0x04 is GCOMMAND_COMPLETED (WDDM only; not in the layouts table).
        // 0x08 is not defined.
        /// Vsync IRQ (only when enabled by VBVA_SCANLINE_CFG).
        const VSYNC = 0x10;
        /// A new mode hint is available.
        const HOTPLUG = 0x20;
        /// Cursor capabilities changed.
        const CURSOR_CAPABILITIES = 0x40;
    }
}

/// Mirrors `HGSMIBUFFERHEADER` (16 bytes, packed). The C union `u` (reserved words of a
/// SINGLE buffer, or sequence number and size/offset) is two plain words here.
#[doc(alias = "HGSMIBUFFERHEADER")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C, packed)]
pub struct BufferHeader {
    /// Bytes of data after the header.
    pub u32DataSize: u32,
    /// `HGSMI_BUFFER_HEADER_F_SEQ_*`.
    pub u8Flags: u8,
    /// `HGSMI_CH_*`.
    pub u8Channel: u8,
    /// Command code within the channel.
    pub u16ChannelInfo: u16,
    /// The C union: zero for a SINGLE buffer.
    pub u: [u32; 2],
}

impl BufferHeader {
    /// The header of a single (unsequenced) buffer.
    pub const fn single(channel: u8, channel_info: u16, data_size: u32) -> Self {
        Self {
            u32DataSize: data_size,
            u8Flags: HGSMI_BUFFER_HEADER_F_SEQ_SINGLE,
            u8Channel: channel,
            u16ChannelInfo: channel_info,
            u: [0, 0],
        }
    }
}

/// Mirrors `HGSMIBUFFERTAIL` (8 bytes, packed).
#[doc(alias = "HGSMIBUFFERTAIL")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C, packed)]
pub struct BufferTail {
    /// Must be zero.
    pub u32Reserved: u32,
    /// See `hgsmi::checksum`.
    pub u32Checksum: u32,
}

/// Header + tail: the overhead of every HGSMI buffer (24 bytes).
pub const BUFFER_OVERHEAD: usize =
    core::mem::size_of::<BufferHeader>() + core::mem::size_of::<BufferTail>();

/// Mirrors `HGSMIHOSTFLAGS` (16 bytes), the last 16 bytes of VRAM.
#[doc(alias = "HGSMIHOSTFLAGS")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HostFlagsArea {
    /// [`HostFlags`], written atomically by the host.
    pub u32HostFlags: u32,
    /// Reserved.
    pub au32Reserved: [u32; 3],
}

impl HostFlagsArea {
    /// Where the host flags must live: `vram_size - 16` (the host rejects any other
    /// location). `None` if VRAM is smaller than the area.
    pub const fn offset_in_vram(vram_size: u32) -> Option<u32> {
        vram_size.checked_sub(core::mem::size_of::<HostFlagsArea>() as u32)
    }
}

/// Mirrors `HGSMIBUFFERLOCATION` (8 bytes): data of HGSMI_CC_HOST_FLAGS_LOCATION.
#[doc(alias = "HGSMIBUFFERLOCATION")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct BufferLocation {
    /// VRAM offset of the host flags (`vram_size - 16`).
    pub offLocation: u32,
    /// Size of the host flags area (16).
    pub cbLocation: u32,
}

// Compile-time sizes (the full check against the layouts table is kernel/tests/layouts.rs).
const _: () = {
    use core::mem::size_of;
    assert!(size_of::<BufferHeader>() == 16);
    assert!(size_of::<BufferTail>() == 8);
    assert!(size_of::<HostFlagsArea>() == 16);
    assert!(size_of::<BufferLocation>() == 8);
};
