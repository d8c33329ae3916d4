//! VBVA wire format (HGSMI channel `HGSMI_CH_VBVA`): command payloads, the per-screen
//! ring buffer in VRAM, and every constant.
//!
//! Convention: **VirtualBox** (`VBoxVideo.h`, 7.0.14): naturally aligned `#[repr(C)]`
//! (align 4; `VBVACMDHDR` align 2), except where VirtualBox packs (`VBVAHOSTFLAGS`,
//! `VBVABUFFER`: align 1). Linux marks all of these packed; offsets are identical.
//! Trailing arrays are left out so the types are headers only: [`Buffer`] is the
//! 288-byte ring header (`VBVABUFFER` minus its `au8Data[1]`, i.e. Linux
//! `vbva_buffer`), and [`MousePointerShape`] is the 24-byte fixed part
//! (`VBVAMOUSEPOINTERSHAPE` minus `au8Data[4]`). Field names are the header's.
//! Every type and constant is checked against `layouts.json` by
//! `kernel/tests/layouts.rs`.
#![allow(non_snake_case)] // wire fields keep the VirtualBox header names

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

// Commands (u16ChannelInfo on HGSMI_CH_VBVA) -------------------------------------------

/// Query a configuration value ([`Conf32`]).
pub const VBVA_QUERY_CONF32: u16 = 1;
/// Set a configuration value (no-op on 7.0.14).
pub const VBVA_SET_CONF32: u16 = 2;
/// Define views ([`InfoView`] array).
pub const VBVA_INFO_VIEW: u16 = 3;
/// Give the host a heap in VRAM ([`InfoHeap`]).
pub const VBVA_INFO_HEAP: u16 = 4;
/// Process all rings now ([`Flush`]).
pub const VBVA_FLUSH: u16 = 5;
/// Set a screen's mode ([`InfoScreen`]).
pub const VBVA_INFO_SCREEN: u16 = 6;
/// Enable/disable a ring ([`Enable`] / [`EnableEx`]).
pub const VBVA_ENABLE: u16 = 7;
/// Pointer shape ([`MousePointerShape`] + data).
pub const VBVA_MOUSE_POINTER_SHAPE: u16 = 8;
/// Guest capabilities ([`Caps`]).
pub const VBVA_INFO_CAPS: u16 = 12;
/// Scanline/vsync configuration.
pub const VBVA_SCANLINE_CFG: u16 = 13;
/// Scanline info (not handled by 7.0.14).
pub const VBVA_SCANLINE_INFO: u16 = 14;
/// Command-VBVA submit (not handled by 7.0.14).
pub const VBVA_CMDVBVA_SUBMIT: u16 = 16;
/// Command-VBVA flush (not handled by 7.0.14).
pub const VBVA_CMDVBVA_FLUSH: u16 = 17;
/// Command-VBVA control (not handled by 7.0.14).
pub const VBVA_CMDVBVA_CTL: u16 = 18;
/// Read the host's mode hints ([`QueryModeHints`] + [`ModeHint`]s).
pub const VBVA_QUERY_MODE_HINTS: u16 = 19;
/// Report the absolute-pointer mapping rectangle ([`ReportInputMapping`]).
pub const VBVA_REPORT_INPUT_MAPPING: u16 = 20;
/// Report the guest cursor position ([`CursorPosition`]).
pub const VBVA_CURSOR_POSITION: u16 = 21;

/// Host→guest command: event.
pub const VBVAHG_EVENT: u16 = 1;
/// Host→guest command: custom display command.
pub const VBVAHG_DISPLAY_CUSTOM: u16 = 2;

// QUERY_CONF32 indices --------------------------------------------------------------------

/// Number of monitors.
pub const VBOX_VBVA_CONF32_MONITOR_COUNT: u32 = 0;
/// Size of the host heap the host wants.
pub const VBOX_VBVA_CONF32_HOST_HEAP_SIZE: u32 = 1;
/// 0 (VINF_SUCCESS) if the host reports mode hints via VBVA.
pub const VBOX_VBVA_CONF32_MODE_HINT_REPORTING: u32 = 2;
/// 0 (VINF_SUCCESS) if the host accepts guest cursor reports.
pub const VBOX_VBVA_CONF32_GUEST_CURSOR_REPORTING: u32 = 3;
/// Cursor capabilities (`VBOX_VBVA_CURSOR_CAPABILITY_*`).
pub const VBOX_VBVA_CONF32_CURSOR_CAPABILITIES: u32 = 4;
/// Supported `VBVA_SCREEN_F_*` flags.
pub const VBOX_VBVA_CONF32_SCREEN_FLAGS: u32 = 5;
/// Largest VBVA record.
pub const VBOX_VBVA_CONF32_MAX_RECORD_SIZE: u32 = 6;
/// Cursor capability: the host can draw the pointer.
pub const VBOX_VBVA_CURSOR_CAPABILITY_HARDWARE: u32 = 0x2;

// Screen, enable, caps and pointer flags ---------------------------------------------------

bitflags! {
    /// `VBVAINFOSCREEN.u16Flags` (`VBVA_SCREEN_F_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct ScreenFlags: u16 {
        /// The screen is active (always set).
        const ACTIVE = 0x1;
        /// The monitor is unplugged.
        const DISABLED = 0x2;
        /// Black, with these dimensions.
        const BLANK = 0x4;
        /// Black, keeping the previous dimensions.
        const BLANK2 = 0x8;
    }
}

impl ScreenFlags {
    /// `VBVA_SCREEN_F_NONE`.
    pub const NONE_BITS: u16 = 0;
}

bitflags! {
    /// `VBVAENABLE.u32Flags` (`VBVA_F_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct EnableFlags: u32 {
        /// Enable the ring.
        const ENABLE = 0x1;
        /// Disable the ring.
        const DISABLE = 0x2;
        /// `u32ScreenId` is given ([`EnableEx`]).
        const EXTENDED = 0x4;
        /// `u32Offset` is from the start of VRAM, not of the view.
        const ABSOFFSET = 0x8;
    }
}

impl EnableFlags {
    /// `VBVA_F_NONE`.
    pub const NONE_BITS: u32 = 0;
}

bitflags! {
    /// `VBVACAPS.fCaps` (`VBVACAPS_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct Caps: u32 {
        /// Async guest-command completion via port read (WDDM).
        const COMPLETEGCMD_BY_IOREAD = 0x01;
        /// The guest handles VGA IRQs.
        const IRQ = 0x02;
        /// The guest reads hints via VBVA_QUERY_MODE_HINTS.
        const VIDEO_MODE_HINTS = 0x04;
        /// The guest can switch to a software cursor.
        const DISABLE_CURSOR_INTEGRATION = 0x08;
        /// The guest does not need the VBE registers.
        const USE_VBVA_ONLY = 0x10;
    }
}

bitflags! {
    /// Pointer shape flags (`VBOX_MOUSE_POINTER_*`), for VBVA and VMMDev alike.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct PointerFlags: u32 {
        /// The pointer is visible.
        const VISIBLE = 0x1;
        /// The colour image has an alpha channel (the AND mask is ignored).
        const ALPHA = 0x2;
        /// Shape data follows.
        const SHAPE = 0x4;
    }
}

bitflags! {
    /// `VBVAHOSTFLAGS.u32HostEvents` of a ring, written by the host.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct RingHostEvents: u32 {
        /// `VBVA_F_MODE_ENABLED`: the ring is active.
        const MODE_ENABLED = 0x1;
        /// `VBVA_F_MODE_VRDP`: a VRDP client is connected.
        const MODE_VRDP = 0x2;
        /// `VBVA_F_MODE_VRDP_RESET`.
        const MODE_VRDP_RESET = 0x4;
        /// `VBVA_F_MODE_VRDP_ORDER_MASK`.
        const MODE_VRDP_ORDER_MASK = 0x8;
        // 0x10..0x40 are not defined.
        /// `VBOX_VIDEO_INFO_HOST_EVENTS_F_VRDP_RESET`, set with MODE_ENABLED on enable.
        const VIDEO_INFO_VRDP_RESET = 0x80;
    }
}

// Ring constants -----------------------------------------------------------------------

/// Records per ring.
pub const VBVA_MAX_RECORDS: u32 = 64;
/// `cbRecord` bit: the record is still being written.
pub const VBVA_F_RECORD_PARTIAL: u32 = 0x8000_0000;
/// Smallest ring buffer the guest should use (header included).
pub const VBVA_MIN_BUFFER_SIZE: u32 = 64 * 1024;
/// Largest record the host accepts.
pub const VBVA_MAX_RECORD_SIZE: u32 = 128 * 1024 * 1024;
/// The adapter information area at the end of VRAM (guest heap + host flags).
pub const VBVA_ADAPTER_INFORMATION_SIZE: u32 = 64 * 1024;
/// Magic of a valid [`ModeHint`].
pub const VBVAMODEHINT_MAGIC: u32 = 0x0801_ADD9;
/// Most screens VBVA addresses.
pub const VBOX_VIDEO_MAX_SCREENS: u32 = 64;

// Commands ------------------------------------------------------------------------------

/// Mirrors `VBVACONF32` (8 bytes): QUERY_CONF32 / SET_CONF32.
#[doc(alias = "VBVACONF32")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Conf32 {
    /// `VBOX_VBVA_CONF32_*`.
    pub u32Index: u32,
    /// In: sentinel; out: value (left untouched for an unknown index).
    pub u32Value: u32,
}

/// Mirrors `VBVAINFOVIEW` (16 bytes).
#[doc(alias = "VBVAINFOVIEW")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct InfoView {
    /// Screen number.
    pub u32ViewIndex: u32,
    /// VRAM offset of the view.
    pub u32ViewOffset: u32,
    /// Size of the view.
    pub u32ViewSize: u32,
    /// Largest screen (pitch × height) inside the view.
    pub u32MaxScreenSize: u32,
}

/// Mirrors `VBVAINFOHEAP` (8 bytes).
#[doc(alias = "VBVAINFOHEAP")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct InfoHeap {
    /// VRAM offset of the host heap.
    pub u32HeapOffset: u32,
    /// Its size.
    pub u32HeapSize: u32,
}

/// Mirrors `VBVAFLUSH` (4 bytes).
#[doc(alias = "VBVAFLUSH")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Flush {
    /// Zero.
    pub u32Reserved: u32,
}

/// Mirrors `VBVAINFOSCREEN` (32 bytes).
#[doc(alias = "VBVAINFOSCREEN")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct InfoScreen {
    /// Screen number (a defined view).
    pub u32ViewIndex: u32,
    /// Position in the virtual desktop.
    pub i32OriginX: i32,
    /// Position in the virtual desktop.
    pub i32OriginY: i32,
    /// Framebuffer offset relative to the view.
    pub u32StartOffset: u32,
    /// Pitch in bytes.
    pub u32LineSize: u32,
    /// Width in pixels.
    pub u32Width: u32,
    /// Height in pixels.
    pub u32Height: u32,
    /// Bits per pixel.
    pub u16BitsPerPixel: u16,
    /// [`ScreenFlags`].
    pub u16Flags: u16,
}

/// Mirrors `VBVAENABLE` (12 bytes).
#[doc(alias = "VBVAENABLE")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Enable {
    /// [`EnableFlags`].
    pub u32Flags: u32,
    /// VRAM offset of the ring ([`Buffer`]).
    pub u32Offset: u32,
    /// Out: status (< 0 failure).
    pub i32Result: i32,
}

/// Mirrors `VBVAENABLE_EX` (16 bytes).
#[doc(alias = "VBVAENABLE_EX")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct EnableEx {
    /// The plain enable command (with `EXTENDED`).
    pub Base: Enable,
    /// Screen number.
    pub u32ScreenId: u32,
}

/// Mirrors `VBVACAPS` (8 bytes).
#[doc(alias = "VBVACAPS")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct CapsCommand {
    /// Out: status.
    pub rc: i32,
    /// [`Caps`] (replaces the stored value).
    pub fCaps: u32,
}

/// Mirrors `VBVAQUERYMODEHINTS` (8 bytes), followed by `cHintsQueried` hints.
#[doc(alias = "VBVAQUERYMODEHINTS")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct QueryModeHints {
    /// Number of hint slots that follow.
    pub cHintsQueried: u16,
    /// Size of one slot (`size_of::<ModeHint>()`).
    pub cbHintStructureGuest: u16,
    /// Out: status (preset a sentinel: short buffers are ignored).
    pub rc: i32,
}

/// Mirrors `VBVAMODEHINT` (32 bytes).
#[doc(alias = "VBVAMODEHINT")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct ModeHint {
    /// [`VBVAMODEHINT_MAGIC`] for a display that ever got a hint.
    pub magic: u32,
    /// Width.
    pub cx: u32,
    /// Height.
    pub cy: u32,
    /// Bits per pixel.
    pub cBPP: u32,
    /// Never written by the host (reads 0xFFFFFFFF): use the slot index.
    pub cDisplay: u32,
    /// Origin X, or 0xFFFFFFFF when not given.
    pub dx: u32,
    /// Origin Y, or 0xFFFFFFFF when not given.
    pub dy: u32,
    /// Non-zero when the display is enabled.
    pub fEnabled: u32,
}

/// Size of a QUERY_MODE_HINTS payload for `hints` slots.
pub const fn query_mode_hints_size(hints: u16) -> u32 {
    core::mem::size_of::<QueryModeHints>() as u32
        + hints as u32 * core::mem::size_of::<ModeHint>() as u32
}

/// Mirrors the fixed part of `VBVAMOUSEPOINTERSHAPE` (24 bytes; VirtualBox's struct adds
/// `au8Data[4]`, Linux's a flexible array). The shape data follows directly.
#[doc(alias = "VBVAMOUSEPOINTERSHAPE")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct MousePointerShape {
    /// Out: status.
    pub i32Result: i32,
    /// [`PointerFlags`].
    pub fu32Flags: u32,
    /// Hotspot X.
    pub u32HotX: u32,
    /// Hotspot Y.
    pub u32HotY: u32,
    /// Width in pixels.
    pub u32Width: u32,
    /// Height in pixels.
    pub u32Height: u32,
}

/// Size of a VBVA_MOUSE_POINTER_SHAPE payload for a `width`×`height` shape;
/// `None` on overflow.
pub const fn mouse_pointer_shape_size(width: u32, height: u32) -> Option<u32> {
    let Some(data) = crate::drivers::vmmdev::wire::pointer_shape_data_len(width, height) else {
        return None;
    };
    (core::mem::size_of::<MousePointerShape>() as u32).checked_add(data)
}

/// Mirrors `VBVACURSORPOSITION` (12 bytes).
#[doc(alias = "VBVACURSORPOSITION")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct CursorPosition {
    /// Non-zero: report `x`,`y`; the host overwrites both with 0.
    pub fReportPosition: u32,
    /// X.
    pub x: u32,
    /// Y.
    pub y: u32,
}

/// Mirrors `VBVAREPORTINPUTMAPPING` (16 bytes).
#[doc(alias = "VBVAREPORTINPUTMAPPING")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct ReportInputMapping {
    /// Left.
    pub x: i32,
    /// Top.
    pub y: i32,
    /// Width.
    pub cx: u32,
    /// Height.
    pub cy: u32,
}

// The ring (shared memory in VRAM) --------------------------------------------------------

/// Mirrors `VBVAHOSTFLAGS` (8 bytes, packed).
#[doc(alias = "VBVAHOSTFLAGS")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C, packed)]
pub struct RingHostFlags {
    /// [`RingHostEvents`].
    pub u32HostEvents: u32,
    /// VRDP orders the host supports.
    pub u32SupportedOrders: u32,
}

/// Mirrors `VBVARECORD` (4 bytes).
#[doc(alias = "VBVARECORD")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Record {
    /// Bytes in the record, with [`VBVA_F_RECORD_PARTIAL`] while it is being written.
    pub cbRecord: u32,
}

/// Mirrors the 288-byte header of `VBVABUFFER` (packed); `cbData` ring bytes follow at
/// [`Buffer::DATA_OFFSET`].
#[doc(alias = "VBVABUFFER")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C, packed)]
pub struct Buffer {
    /// Written by the host.
    pub hostFlags: RingHostFlags,
    /// Host read position in the ring.
    pub off32Data: u32,
    /// Guest write position in the ring.
    pub off32Free: u32,
    /// Record sizes.
    pub aRecords: [Record; 64],
    /// First record the host has not consumed.
    pub indexRecordFirst: u32,
    /// Next record the guest will use.
    pub indexRecordFree: u32,
    /// Partial records are flushed when less than this much space is left.
    pub cbPartialWriteThreshold: u32,
    /// Size of the ring data.
    pub cbData: u32,
}

impl Buffer {
    /// Offset of the ring data from the start of the buffer.
    pub const DATA_OFFSET: usize = core::mem::size_of::<Buffer>();
}

/// Mirrors `VBVACMDHDR` (8 bytes): the dirty rectangle that starts every record.
#[doc(alias = "VBVACMDHDR")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct CmdHdr {
    /// Left, virtual-desktop coordinates.
    pub x: i16,
    /// Top.
    pub y: i16,
    /// Width.
    pub w: u16,
    /// Height.
    pub h: u16,
}

// Compile-time sizes (the full check against the layouts table is kernel/tests/layouts.rs).
const _: () = {
    use core::mem::size_of;
    assert!(size_of::<Conf32>() == 8);
    assert!(size_of::<InfoView>() == 16);
    assert!(size_of::<InfoHeap>() == 8);
    assert!(size_of::<Flush>() == 4);
    assert!(size_of::<InfoScreen>() == 32);
    assert!(size_of::<Enable>() == 12);
    assert!(size_of::<EnableEx>() == 16);
    assert!(size_of::<CapsCommand>() == 8);
    assert!(size_of::<QueryModeHints>() == 8);
    assert!(size_of::<ModeHint>() == 32);
    assert!(size_of::<MousePointerShape>() == 24);
    assert!(size_of::<CursorPosition>() == 12);
    assert!(size_of::<ReportInputMapping>() == 16);
    assert!(size_of::<RingHostFlags>() == 8);
    assert!(size_of::<Record>() == 4);
    assert!(size_of::<Buffer>() == 288);
    assert!(size_of::<CmdHdr>() == 8);
};
