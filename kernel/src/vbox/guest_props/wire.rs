//! The guest property service's wire constants (`include/VBox/HostServices/
//! GuestPropertySvc.h`, 7.0.14; hgcm-guest-properties.md section 9): function
//! numbers, limits and flag bits. On the wire a call is `VMMDevHGCMCall` plus
//! 64-bit parameters (`drivers::vmmdev::wire`); the service adds no struct.
//!
//! Every constant here is checked against `layouts.json` by `kernel/tests/layouts.rs`.

use bitflags::bitflags;

/// Longest name, NUL included, checked against the parameter size.
pub const GUEST_PROP_MAX_NAME_LEN: usize = 64;
/// Longest value, NUL included.
pub const GUEST_PROP_MAX_VALUE_LEN: usize = 1024;
/// Longest formatted flags string, NUL included.
pub const GUEST_PROP_MAX_FLAGS_LEN: usize = 35;
/// Longest pattern string.
pub const GUEST_PROP_MAX_PATTERN_LEN: usize = 1024;
/// Pending waits per client must stay below this.
pub const GUEST_PROP_MAX_GUEST_CONCURRENT_WAITS: u32 = 16;

/// GET_PROP: name in; `value\0flags\0` out, timestamp (64-bit), size needed (32-bit).
pub const GUEST_PROP_FN_GET_PROP: u32 = 1;
/// SET_PROP: name, value, flags in.
pub const GUEST_PROP_FN_SET_PROP: u32 = 2;
/// SET_PROP_VALUE: name, value in (the flags are reset).
pub const GUEST_PROP_FN_SET_PROP_VALUE: u32 = 3;
/// DEL_PROP: name in.
pub const GUEST_PROP_FN_DEL_PROP: u32 = 4;
/// ENUM_PROPS: patterns in; `name\0value\0timestamp\0flags\0`… + 4 NULs, size out.
pub const GUEST_PROP_FN_ENUM_PROPS: u32 = 5;
/// GET_NOTIFICATION: patterns in, timestamp in/out; `name\0value\0flags\0deleted\0`
/// out, size out.
pub const GUEST_PROP_FN_GET_NOTIFICATION: u32 = 6;

bitflags! {
    /// Property flags (`GUEST_PROP_F_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct PropFlags: u32 {
        /// Gone when the VM powers off.
        const TRANSIENT = 0x2;
        /// The guest may not change it.
        const RDONLYGUEST = 0x4;
        /// The host may not change it.
        const RDONLYHOST = 0x8;
        /// Gone at a VM reset (formatted with TRANSIENT).
        const TRANSRESET = 0x10;
        // 0x1 and bits 5..31 are not defined.
    }
}

impl PropFlags {
    /// `GUEST_PROP_F_READONLY`: both read-only bits.
    pub const READONLY: u32 = 0xC;
}
