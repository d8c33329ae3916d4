//! VMMDev wire format: request structs, the shared-memory header and every constant.
//!
//! Convention: **VirtualBox** (`include/VBox/VMMDev.h`, 7.0.14), which is under
//! `#pragma pack(4)`: plain `#[repr(C)]` everywhere, and `#[repr(C, packed(4))]` for the
//! requests that hold a `u64` (`VMMDevReqHostTime`, `VMMDevReqSessionId`,
//! `VMMDevReqHeartbeat`), exactly as the layouts table marks them. Field names are the
//! header's, so grepping the VirtualBox source finds them; each type names the C
//! typedef it mirrors. C `bool` fields are `u8` (any bit pattern is a valid `u8`, so
//! host-written bytes can be read with zerocopy), and trailing padding is explicit
//! (`_padding`) so every struct is `IntoBytes`.
//!
//! Every type and constant here is checked against `layouts.json` by
//! `kernel/tests/layouts.rs`.
#![allow(non_snake_case)] // wire fields keep the VirtualBox header names

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

// ---------------------------------------------------------------------------------------
// PCI identity, ports, versions
// ---------------------------------------------------------------------------------------

/// PCI vendor id of VMMDev (`VMMDEV_VENDORID`, 0x80EE).
pub const VMMDEV_VENDORID: u16 = 0x80EE;
/// PCI device id of VMMDev (`VMMDEV_DEVICEID`, 0xCAFE).
pub const VMMDEV_DEVICEID: u16 = 0xCAFE;
/// Offset in the I/O BAR of the request port: a 32-bit `out` of a request's physical
/// address makes the host process it before the `out` completes.
pub const VMMDEV_PORT_OFF_REQUEST: u16 = 0;
/// Offset in the I/O BAR of the fast port (a 32-bit read = "fast IRQ ack").
pub const VMMDEV_PORT_OFF_REQUEST_FAST: u16 = 8;
/// The backdoor log port (8-bit writes; lines land in VBox.log). Linux: `VBG_DEBUG_PORT`.
pub const VBG_DEBUG_PORT: u16 = 0x504;
/// Size of the MMIO BAR (VMMDevMemory plus the legacy VBVA area).
pub const VMMDEV_RAM_SIZE: u32 = 4 * 1024 * 1024;
/// Requests larger than this get only their header back, with `VERR_NOT_SUPPORTED`.
pub const VMMDEV_MAX_VMMDEVREQ_SIZE: u32 = 1024 * 1024;

/// The interface version the guest speaks (protocol 1.04): `ReportGuestInfo.interfaceVersion`.
pub const VMMDEV_VERSION: u32 = 0x0001_0004;
/// Major part of [`VMMDEV_VERSION`].
pub const VMMDEV_VERSION_MAJOR: u32 = 1;
/// Minor part of [`VMMDEV_VERSION`].
pub const VMMDEV_VERSION_MINOR: u32 = 4;
/// `RequestHeader.version` must be exactly this, or the host ignores the request.
pub const VMMDEV_REQUEST_HEADER_VERSION: u32 = 0x0001_0001;
/// `VMMDevMemory.u32Version` the guest must find in the MMIO BAR.
pub const VMMDEV_MEMORY_VERSION: u32 = 1;

/// `VBOXOSTYPE` bit for a 64-bit guest; on its own (`VBOXOSTYPE_Unknown_x64`, 0x100) it
/// is "Other/Unknown (64-bit)", what Vitrine reports. Linux: `VMMDEV_OSTYPE_X64`.
pub const VMMDEV_OSTYPE_X64: u32 = 0x100;
/// The OS type Vitrine reports in `ReportGuestInfo`: Other/Unknown, 64-bit.
pub const OSTYPE_OTHER_64BIT: u32 = VMMDEV_OSTYPE_X64;

/// `fRequestor` value "kernel mode" (0); the host ignores `fRequestor` unless
/// `VBOXGSTINFO2_F_REQUESTOR_INFO` was reported.
pub const VMMDEV_REQUESTOR_KERNEL: u32 = 0;
/// `fRequestor` bits "user-space driver" (1); kernel drivers send `KERNEL | USR_DRV`.
pub const VMMDEV_REQUESTOR_USR_DRV: u32 = 1;
/// `ReportGuestInfo2.additionsFeatures` bit: the guest fills `fRequestor`.
pub const VBOXGSTINFO2_F_REQUESTOR_INFO: u32 = 1;

/// Absolute mouse coordinates span `VMMDEV_MOUSE_RANGE_MIN..=VMMDEV_MOUSE_RANGE_MAX`.
pub const VMMDEV_MOUSE_RANGE_MIN: i32 = 0;
/// Upper end of the absolute mouse range.
pub const VMMDEV_MOUSE_RANGE_MAX: i32 = 0xFFFF;
/// Width of the absolute mouse range (`MAX - MIN`).
pub const VMMDEV_MOUSE_RANGE: i32 = 0xFFFF;

// ---------------------------------------------------------------------------------------
// Open enums (values the host may send back or we may not know)
// ---------------------------------------------------------------------------------------

/// A VMMDev request type (`VMMDevRequestType`). Open: the twin or a host may send any
/// value, so this is a newtype with the known values as constants.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct RequestType(pub u32);

impl RequestType {
    /// `VMMDevReq_GetMouseStatus` (1).
    pub const GET_MOUSE_STATUS: Self = Self(1);
    /// `VMMDevReq_SetMouseStatus` (2).
    pub const SET_MOUSE_STATUS: Self = Self(2);
    /// `VMMDevReq_SetPointerShape` (3).
    pub const SET_POINTER_SHAPE: Self = Self(3);
    /// `VMMDevReq_GetHostVersion` (4), allowed before ReportGuestInfo.
    pub const GET_HOST_VERSION: Self = Self(4);
    /// `VMMDevReq_Idle` (5).
    pub const IDLE: Self = Self(5);
    /// `VMMDevReq_GetHostTime` (10).
    pub const GET_HOST_TIME: Self = Self(10);
    /// `VMMDevReq_SetPowerStatus` (30).
    pub const SET_POWER_STATUS: Self = Self(30);
    /// `VMMDevReq_AcknowledgeEvents` (41).
    pub const ACKNOWLEDGE_EVENTS: Self = Self(41);
    /// `VMMDevReq_CtlGuestFilterMask` (42).
    pub const CTL_GUEST_FILTER_MASK: Self = Self(42);
    /// `VMMDevReq_ReportGuestInfo` (50).
    pub const REPORT_GUEST_INFO: Self = Self(50);
    /// `VMMDevReq_GetDisplayChangeRequest` (51, deprecated, display 0 only).
    pub const GET_DISPLAY_CHANGE_REQUEST: Self = Self(51);
    /// `VMMDevReq_VideoModeSupported` (52).
    pub const VIDEO_MODE_SUPPORTED: Self = Self(52);
    /// `VMMDevReq_GetDisplayChangeRequest2` (54).
    pub const GET_DISPLAY_CHANGE_REQUEST2: Self = Self(54);
    /// `VMMDevReq_ReportGuestCapabilities` (55, legacy absolute capabilities).
    pub const REPORT_GUEST_CAPABILITIES: Self = Self(55);
    /// `VMMDevReq_SetGuestCapabilities` (56, or/not masks).
    pub const SET_GUEST_CAPABILITIES: Self = Self(56);
    /// `VMMDevReq_VideoModeSupported2` (57).
    pub const VIDEO_MODE_SUPPORTED2: Self = Self(57);
    /// `VMMDevReq_ReportGuestInfo2` (58).
    pub const REPORT_GUEST_INFO2: Self = Self(58);
    /// `VMMDevReq_ReportGuestStatus` (59).
    pub const REPORT_GUEST_STATUS: Self = Self(59);
    /// `VMMDevReq_GetDisplayChangeRequestEx` (80).
    pub const GET_DISPLAY_CHANGE_REQUEST_EX: Self = Self(80);
    /// `VMMDevReq_GetDisplayChangeRequestMulti` (81).
    pub const GET_DISPLAY_CHANGE_REQUEST_MULTI: Self = Self(81);
    /// `VMMDevReq_GetSessionId` (217).
    pub const GET_SESSION_ID: Self = Self(217);
    /// `VMMDevReq_GuestHeartbeat` (219).
    pub const GUEST_HEARTBEAT: Self = Self(219);
    /// `VMMDevReq_HeartbeatConfigure` (220).
    pub const HEARTBEAT_CONFIGURE: Self = Self(220);
    /// `VMMDevReq_GetMouseStatusEx` (223, VirtualBox 7.0+).
    pub const GET_MOUSE_STATUS_EX: Self = Self(223);
    /// `VMMDevReq_HGCMConnect` (60, asynchronous).
    pub const HGCM_CONNECT: Self = Self(60);
    /// `VMMDevReq_HGCMDisconnect` (61, asynchronous).
    pub const HGCM_DISCONNECT: Self = Self(61);
    /// `VMMDevReq_HGCMCall32` (62, 12-byte parameters, asynchronous).
    pub const HGCM_CALL32: Self = Self(62);
    /// `VMMDevReq_HGCMCall64` (63, 16-byte parameters, asynchronous).
    pub const HGCM_CALL64: Self = Self(63);
    /// `VMMDevReq_HGCMCancel` (64, legacy: sent at the call's own address).
    pub const HGCM_CANCEL: Self = Self(64);
    /// `VMMDevReq_HGCMCancel2` (65, synchronous).
    pub const HGCM_CANCEL2: Self = Self(65);
}

/// A VirtualBox status code (`int32`, IPRT convention): `>= 0` success (informational
/// codes are positive), `< 0` failure. Open: any value may come back from the host.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct VBoxRc(pub i32);

#[allow(missing_docs)] // each constant is the IPRT/VBox status of the same name
impl VBoxRc {
    pub const VINF_SUCCESS: Self = Self(0);
    pub const VERR_GENERAL_FAILURE: Self = Self(-1);
    pub const VERR_INVALID_PARAMETER: Self = Self(-2);
    pub const VERR_INVALID_POINTER: Self = Self(-6);
    pub const VERR_NO_MEMORY: Self = Self(-8);
    pub const VERR_VERSION_MISMATCH: Self = Self(-11);
    pub const VERR_NOT_IMPLEMENTED: Self = Self(-12);
    pub const VERR_WRONG_ORDER: Self = Self(-22);
    pub const VERR_INVALID_FUNCTION: Self = Self(-36);
    pub const VERR_NOT_SUPPORTED: Self = Self(-37);
    pub const VERR_ACCESS_DENIED: Self = Self(-38);
    pub const VERR_BUFFER_OVERFLOW: Self = Self(-41);
    pub const VERR_TOO_MUCH_DATA: Self = Self(-42);
    pub const VERR_TRY_AGAIN: Self = Self(-52);
    pub const VERR_OUT_OF_RANGE: Self = Self(-54);
    pub const VERR_NOT_FOUND: Self = Self(-78);
    pub const VERR_INVALID_STATE: Self = Self(-79);
    pub const VERR_OUT_OF_RESOURCES: Self = Self(-80);
    pub const VERR_INTERNAL_ERROR: Self = Self(-225);
    pub const VINF_HGCM_ASYNC_EXECUTE: Self = Self(2903);
    pub const VERR_PERMISSION_DENIED: Self = Self(-10);
    pub const VERR_INTERRUPTED: Self = Self(-39);
    pub const VERR_PARSE_ERROR: Self = Self(-53);
    pub const VERR_HGCM_SERVICE_NOT_FOUND: Self = Self(-2900);
    pub const VERR_HGCM_INVALID_CLIENT_ID: Self = Self(-2905);
    pub const VERR_HGCM_TOO_MANY_CLIENTS: Self = Self(-2908);
    pub const VERR_HGCM_TOO_MANY_CLIENT_CALLS: Self = Self(-2909);

    /// The value written into `rc` before submitting, so a request the host never
    /// processed is detectable. The host never produces it for the requests we send.
    pub const SENTINEL: Self = Self::VERR_INTERNAL_ERROR;

    /// Success, including positive informational codes (`RT_SUCCESS`).
    pub const fn is_success(self) -> bool {
        self.0 >= 0
    }

    /// Failure (`RT_FAILURE`).
    pub const fn is_failure(self) -> bool {
        self.0 < 0
    }
}

/// `VMMDevPowerState_Pause` (1): the VM suspends.
pub const POWER_STATE_PAUSE: u32 = 1;
/// `VMMDevPowerState_PowerOff` (2): immediate power-off, no ACPI.
pub const POWER_STATE_POWER_OFF: u32 = 2;
/// `VMMDevPowerState_SaveState` (3): save and power off.
pub const POWER_STATE_SAVE_STATE: u32 = 3;

/// `VBoxGuestFacilityType_VBoxGuestDriver` (20): the "system" run level.
pub const FACILITY_TYPE_VBOX_GUEST_DRIVER: u32 = 20;
/// `VBoxGuestFacilityType_Graphics` (1100).
pub const FACILITY_TYPE_GRAPHICS: u32 = 1100;
/// `VBoxGuestFacilityType_All` (0x7FFFFFFE), the largest valid facility.
pub const FACILITY_TYPE_ALL: u32 = 0x7FFF_FFFE;
/// `VBoxGuestFacilityStatus_Inactive` (0).
pub const FACILITY_STATUS_INACTIVE: u32 = 0;
/// `VBoxGuestFacilityStatus_Init` (30).
pub const FACILITY_STATUS_INIT: u32 = 30;
/// `VBoxGuestFacilityStatus_Active` (50).
pub const FACILITY_STATUS_ACTIVE: u32 = 50;
/// `VBoxGuestFacilityStatus_Terminated` (101).
pub const FACILITY_STATUS_TERMINATED: u32 = 101;
/// `VBoxGuestFacilityStatus_Failed` (800).
pub const FACILITY_STATUS_FAILED: u32 = 800;

// ---------------------------------------------------------------------------------------
// Typed flags
// ---------------------------------------------------------------------------------------

bitflags! {
    /// VMMDev event bits (`VMMDEV_EVENT_*`): pending events, the filter mask and what
    /// AcknowledgeEvents returns.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct Events: u32 {
        /// Host mouse capability bits changed.
        const MOUSE_CAPABILITIES_CHANGED = 0x001;
        /// HGCM completion (the guest cannot mask it off).
        const HGCM = 0x002;
        /// A new display-change hint (survives a VM reset).
        const DISPLAY_CHANGE_REQUEST = 0x004;
        /// Credentials for judgement.
        const JUDGE_CREDENTIALS = 0x008;
        /// The VM was restored from a saved state.
        const RESTORED = 0x010;
        /// Seamless mode on/off.
        const SEAMLESS_MODE_CHANGE_REQUEST = 0x020;
        /// Balloon target changed.
        const BALLOON_CHANGE_REQUEST = 0x040;
        /// Statistics interval changed.
        const STATISTICS_INTERVAL_CHANGE_REQUEST = 0x080;
        /// VRDP state changed.
        const VRDP = 0x100;
        /// New absolute pointer position/buttons.
        const MOUSE_POSITION_CHANGED = 0x200;
        /// CPU hot-plug.
        const CPU_HOTPLUG = 0x400;
        // Bits 11..31 are not defined (VMMDEV_EVENT_VALID_EVENT_MASK = 0x7FF).
    }
}

impl Events {
    /// `VMMDEV_EVENT_VALID_EVENT_MASK`.
    pub const VALID_EVENT_MASK: u32 = 0x7FF;
}

bitflags! {
    /// Mouse feature bits (`VMMDEV_MOUSE_*`) of Get/SetMouseStatus.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct MouseFeatures: u32 {
        /// Guest: wants absolute positions via VMMDev.
        const GUEST_CAN_ABSOLUTE = 0x001;
        /// Host: the frontend currently sends absolute (un-captured) input.
        const HOST_WANTS_ABSOLUTE = 0x002;
        /// Guest: cannot draw a cursor; the host must show one.
        const GUEST_NEEDS_HOST_CURSOR = 0x004;
        /// Host: cannot draw the guest's pointer shape.
        const HOST_CANNOT_HWPOINTER = 0x008;
        /// Guest: takes positions from VMMDev events (no PS/2 "jiggle").
        const NEW_PROTOCOL = 0x010;
        /// Host: honours changes of GUEST_NEEDS_HOST_CURSOR.
        const HOST_RECHECKS_NEEDS_HOST_CURSOR = 0x020;
        /// Host: has an absolute pointing device.
        const HOST_HAS_ABS_DEV = 0x040;
        /// Guest: reads buttons and wheel with GetMouseStatusEx.
        const GUEST_USES_FULL_STATE_PROTOCOL = 0x080;
        /// Host: can deliver the full state (buttons, wheel).
        const HOST_USES_FULL_STATE_PROTOCOL = 0x100;
    }
}

impl MouseFeatures {
    /// `VMMDEV_MOUSE_MASK` (7.0.14): every defined bit.
    pub const MASK: u32 = 0x1FF;
    /// `VMMDEV_MOUSE_GUEST_MASK`: the bits SetMouseStatus takes from the guest.
    pub const GUEST_MASK: u32 = 0x095;
    /// `VMMDEV_MOUSE_HOST_MASK`: the bits only the host sets.
    pub const HOST_MASK: u32 = 0x16A;
    /// `VMMDEV_MOUSE_NOTIFY_HOST_MASK`: guest bits whose change Main is told about.
    pub const NOTIFY_HOST_MASK: u32 = 0x005;
    /// `VMMDEV_MOUSE_NOTIFY_GUEST_MASK`: host bits whose change raises an event.
    pub const NOTIFY_GUEST_MASK: u32 = 0x002;
}

bitflags! {
    /// Mouse buttons of GetMouseStatusEx (`VMMDEV_MOUSE_BUTTON_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct MouseButtons: u32 {
        /// Left button.
        const LEFT = 0x01;
        /// Right button.
        const RIGHT = 0x02;
        /// Middle button.
        const MIDDLE = 0x04;
        /// Fourth button (back).
        const X1 = 0x08;
        /// Fifth button (forward).
        const X2 = 0x10;
    }
}

bitflags! {
    /// Guest capability bits (`VMMDEV_GUEST_SUPPORTS_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct GuestCaps: u32 {
        /// Seamless windows.
        const SEAMLESS = 0x1;
        /// Host-window mapping.
        const GUEST_HOST_WINDOW_MAPPING = 0x2;
        /// Graphics: what makes the GUI offer auto-resize.
        const GRAPHICS = 0x4;
    }
}

impl GuestCaps {
    /// `VMMDEV_GUEST_CAPABILITIES_MASK`.
    pub const MASK: u32 = 0x7;
}

bitflags! {
    /// Host feature bits of GetHostVersion (`VMMDEV_HVF_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct HostFeatures: u32 {
        /// HGCM physical page lists.
        const HGCM_PHYS_PAGE_LIST = 0x1;
        /// HGCM embedded buffers.
        const HGCM_EMBEDDED_BUFFERS = 0x2;
        /// HGCM contiguous page lists.
        const HGCM_CONTIGUOUS_PAGE_LIST = 0x4;
        /// HGCM no-bounce page lists.
        const HGCM_NO_BOUNCE_PAGE_LIST = 0x8;
        // Bits 4..30 are not defined.
        /// A 32-bit read of the fast port acknowledges events.
        const FAST_IRQ_ACK = 0x8000_0000;
    }
}

bitflags! {
    /// `VMMDevDisplayDef.fDisplayFlags` (`VMMDEV_DISPLAY_*`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct DisplayFlags: u32 {
        /// The primary display.
        const PRIMARY = 0x01;
        /// The display is switched off.
        const DISABLED = 0x02;
        /// `xOrigin`/`yOrigin` are valid.
        const ORIGIN = 0x04;
        /// `cx` is valid.
        const CX = 0x08;
        /// `cy` is valid.
        const CY = 0x10;
        /// `cBitsPerPixel` is valid.
        const BPP = 0x20;
    }
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

/// A fixed-size VMMDev request: a `#[repr(C)]` struct starting with a [`RequestHeader`].
pub trait Request: IntoBytes + FromBytes + Immutable + KnownLayout + Sized {
    /// The request's header.
    fn header(&self) -> &RequestHeader;
    /// The request's header, mutably.
    fn header_mut(&mut self) -> &mut RequestHeader;

    /// A zeroed request of `request_type` with its header filled in: size =
    /// `size_of::<Self>()`, the header version, and `rc` preset to
    /// [`VBoxRc::SENTINEL`].
    fn new_request(request_type: RequestType) -> Self {
        let mut request = Self::new_zeroed();
        *request.header_mut() = RequestHeader::new(request_type, request_size::<Self>());
        request
    }
}

/// The wire size of a fixed-size request (all request structs are far below 4 GiB).
pub const fn request_size<T>() -> u32 {
    core::mem::size_of::<T>() as u32
}

macro_rules! impl_request {
    ($($ty:ty),* $(,)?) => {$(
        impl Request for $ty {
            fn header(&self) -> &RequestHeader {
                &self.header
            }
            fn header_mut(&mut self) -> &mut RequestHeader {
                &mut self.header
            }
        }
    )*};
}

/// Mirrors `VMMDevRequestHeader` (24 bytes): starts every request.
#[doc(alias = "VMMDevRequestHeader")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct RequestHeader {
    /// Total request size in bytes, header included.
    pub size: u32,
    /// Must be [`VMMDEV_REQUEST_HEADER_VERSION`].
    pub version: u32,
    /// A [`RequestType`] value.
    pub requestType: u32,
    /// Status written back by the host (a [`VBoxRc`]).
    pub rc: i32,
    /// Must be zero.
    pub reserved1: u32,
    /// Requestor flags (`VMMDEV_REQUESTOR_*`).
    pub fRequestor: u32,
}

impl RequestHeader {
    /// A header for a request of `size` bytes, `rc` preset to [`VBoxRc::SENTINEL`] and
    /// the requestor "kernel, driver".
    pub const fn new(request_type: RequestType, size: u32) -> Self {
        Self {
            size,
            version: VMMDEV_REQUEST_HEADER_VERSION,
            requestType: request_type.0,
            rc: VBoxRc::SENTINEL.0,
            reserved1: 0,
            fRequestor: VMMDEV_REQUESTOR_KERNEL | VMMDEV_REQUESTOR_USR_DRV,
        }
    }

    /// The request type as an open enum.
    pub const fn request_type(&self) -> RequestType {
        RequestType(self.requestType)
    }

    /// The status the host wrote back.
    pub const fn rc(&self) -> VBoxRc {
        VBoxRc(self.rc)
    }
}

impl Request for RequestHeader {
    fn header(&self) -> &RequestHeader {
        self
    }
    fn header_mut(&mut self) -> &mut RequestHeader {
        self
    }
}

/// GuestHeartbeat (219) is a bare 24-byte header.
pub type GuestHeartbeat = RequestHeader;

/// Mirrors `VBoxGuestInfo`: the payload of ReportGuestInfo.
#[doc(alias = "VBoxGuestInfo")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct GuestInfo {
    /// [`VMMDEV_VERSION`] (1.04).
    pub interfaceVersion: u32,
    /// A `VBOXOSTYPE`, e.g. [`OSTYPE_OTHER_64BIT`].
    pub osType: u32,
}

/// Mirrors `VMMDevReportGuestInfo` (50, 32 bytes).
#[doc(alias = "VMMDevReportGuestInfo")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct ReportGuestInfo {
    /// Request header.
    pub header: RequestHeader,
    /// Interface version and OS type.
    pub guestInfo: GuestInfo,
}

/// Mirrors `VBoxGuestInfo2`: the payload of ReportGuestInfo2.
#[doc(alias = "VBoxGuestInfo2")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct GuestInfo2 {
    /// Additions major version (host demands 3..=255).
    pub additionsMajor: u16,
    /// Additions minor version (<= 255).
    pub additionsMinor: u16,
    /// Additions build (<= 65535).
    pub additionsBuild: u32,
    /// Additions SVN revision.
    pub additionsRevision: u32,
    /// `VBOXGSTINFO2_F_*`.
    pub additionsFeatures: u32,
    /// NUL-terminated, starting with "major.minor.build".
    pub szName: [u8; 128],
}

/// Mirrors `VMMDevReportGuestInfo2` (58, 168 bytes).
#[doc(alias = "VMMDevReportGuestInfo2")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct ReportGuestInfo2 {
    /// Request header.
    pub header: RequestHeader,
    /// Additions version and name.
    pub guestInfo: GuestInfo2,
}

/// Mirrors `VMMDevReqGuestCapabilities` (55, 28 bytes): absolute capability value.
#[doc(alias = "VMMDevReqGuestCapabilities")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct ReportGuestCapabilities {
    /// Request header.
    pub header: RequestHeader,
    /// [`GuestCaps`] bits.
    pub caps: u32,
}

/// Mirrors `VMMDevReqGuestCapabilities2` (56, 32 bytes): or/not capability masks.
#[doc(alias = "VMMDevReqGuestCapabilities2")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SetGuestCapabilities {
    /// Request header.
    pub header: RequestHeader,
    /// [`GuestCaps`] bits to set.
    pub u32OrMask: u32,
    /// [`GuestCaps`] bits to clear.
    pub u32NotMask: u32,
}

/// Mirrors `VMMDevCtlGuestFilterMask` (42, 32 bytes).
#[doc(alias = "VMMDevCtlGuestFilterMask")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct CtlGuestFilterMask {
    /// Request header.
    pub header: RequestHeader,
    /// [`Events`] to enable.
    pub u32OrMask: u32,
    /// [`Events`] to disable.
    pub u32NotMask: u32,
}

/// Mirrors `VMMDevEvents` (41, 28 bytes): AcknowledgeEvents.
#[doc(alias = "VMMDevEvents")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct AcknowledgeEvents {
    /// Request header.
    pub header: RequestHeader,
    /// Out: the acknowledged [`Events`].
    pub events: u32,
}

/// Mirrors `VMMDevReqHostVersion` (4, 40 bytes).
#[doc(alias = "VMMDevReqHostVersion")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct GetHostVersion {
    /// Request header.
    pub header: RequestHeader,
    /// Host major version.
    pub major: u16,
    /// Host minor version.
    pub minor: u16,
    /// Host build.
    pub build: u32,
    /// Host revision.
    pub revision: u32,
    /// [`HostFeatures`] bits.
    pub features: u32,
}

/// Mirrors `VMMDevReqMouseStatus` (1 Get / 2 Set, 36 bytes).
#[doc(alias = "VMMDevReqMouseStatus")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct MouseStatus {
    /// Request header.
    pub header: RequestHeader,
    /// [`MouseFeatures`] bits.
    pub mouseFeatures: u32,
    /// Absolute X, 0..=0xFFFF.
    pub pointerXPos: i32,
    /// Absolute Y, 0..=0xFFFF.
    pub pointerYPos: i32,
}

/// Mirrors `VMMDevReqMouseStatusEx` (223, 48 bytes).
#[doc(alias = "VMMDevReqMouseStatusEx")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct MouseStatusEx {
    /// The plain mouse status (its header carries type 223).
    pub Core: MouseStatus,
    /// Vertical wheel delta of the last host event.
    pub dz: i32,
    /// Horizontal wheel delta of the last host event.
    pub dw: i32,
    /// [`MouseButtons`] of the last host event.
    pub fButtons: u32,
}

impl Request for MouseStatusEx {
    fn header(&self) -> &RequestHeader {
        &self.Core.header
    }
    fn header_mut(&mut self) -> &mut RequestHeader {
        &mut self.Core.header
    }
}

/// Mirrors `VMMDevReqMousePointer` (3): SetPointerShape, fixed part. The shape data
/// starts at `pointerData` (offset [`SetPointerShape::DATA_OFFSET`]) and runs for
/// [`pointer_shape_data_len`] bytes; the 4 bytes here are the header's minimum, so a
/// request without shape data is exactly 48 bytes.
#[doc(alias = "VMMDevReqMousePointer")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SetPointerShape {
    /// Request header.
    pub header: RequestHeader,
    /// `VBOX_MOUSE_POINTER_*` (see `vbva::wire::PointerFlags`).
    pub fFlags: u32,
    /// Hotspot X.
    pub xHot: u32,
    /// Hotspot Y.
    pub yHot: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// First bytes of the AND mask + colour image.
    pub pointerData: [u8; 4],
}

impl SetPointerShape {
    /// Offset of the shape data in the request.
    pub const DATA_OFFSET: usize = core::mem::offset_of!(SetPointerShape, pointerData);
}

/// Bytes of pointer shape data (AND mask padded to 4 bytes, then 32-bpp colour image)
/// for a `width`×`height` pointer; `None` on overflow. Same format for VMMDev and VBVA.
pub const fn pointer_shape_data_len(width: u32, height: u32) -> Option<u32> {
    let Some(mask_row) = width.checked_add(7) else {
        return None;
    };
    let Some(and_len) = (mask_row / 8).checked_mul(height) else {
        return None;
    };
    let Some(and_padded) = and_len.checked_add(3) else {
        return None;
    };
    let Some(pixels) = width.checked_mul(height) else {
        return None;
    };
    let Some(colour) = pixels.checked_mul(4) else {
        return None;
    };
    (and_padded & !3).checked_add(colour)
}

/// Total size of a SetPointerShape request carrying a `width`×`height` shape:
/// `max(48, 44 + data)`; `None` on overflow.
pub const fn set_pointer_shape_request_size(width: u32, height: u32) -> Option<u32> {
    let Some(data) = pointer_shape_data_len(width, height) else {
        return None;
    };
    let Some(total) = (SetPointerShape::DATA_OFFSET as u32).checked_add(data) else {
        return None;
    };
    let minimum = request_size::<SetPointerShape>();
    Some(if total < minimum { minimum } else { total })
}

/// Mirrors `VMMDevDisplayChangeRequest` (51, 40 bytes, deprecated; display 0 only).
#[doc(alias = "VMMDevDisplayChangeRequest")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct DisplayChangeRequest {
    /// Request header.
    pub header: RequestHeader,
    /// Width (0 when not given).
    pub xres: u32,
    /// Height.
    pub yres: u32,
    /// Bits per pixel.
    pub bpp: u32,
    /// [`EVENT_ACK_CONSUME`] to consume the hint; anything else only peeks.
    pub eventAck: u32,
}

/// `eventAck` value that consumes a hint (`VMMDEV_EVENT_DISPLAY_CHANGE_REQUEST`);
/// any other value only peeks.
pub const EVENT_ACK_CONSUME: u32 = Events::DISPLAY_CHANGE_REQUEST.bits();

/// Mirrors `VMMDevDisplayChangeRequest2` (54, 44 bytes).
#[doc(alias = "VMMDevDisplayChangeRequest2")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct DisplayChangeRequest2 {
    /// Request header.
    pub header: RequestHeader,
    /// Width.
    pub xres: u32,
    /// Height.
    pub yres: u32,
    /// Bits per pixel.
    pub bpp: u32,
    /// [`EVENT_ACK_CONSUME`] to consume.
    pub eventAck: u32,
    /// Out: the display the hint is for.
    pub display: u32,
}

/// Mirrors `VMMDevDisplayChangeRequestEx` (80, 56 bytes).
#[doc(alias = "VMMDevDisplayChangeRequestEx")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct DisplayChangeRequestEx {
    /// Request header.
    pub header: RequestHeader,
    /// Width.
    pub xres: u32,
    /// Height.
    pub yres: u32,
    /// Bits per pixel.
    pub bpp: u32,
    /// [`EVENT_ACK_CONSUME`] to consume.
    pub eventAck: u32,
    /// Out: the display the hint is for.
    pub display: u32,
    /// Origin X in the virtual desktop.
    pub cxOrigin: u32,
    /// Origin Y.
    pub cyOrigin: u32,
    /// C `bool`: the origin is valid.
    pub fChangeOrigin: u8,
    /// C `bool`: the display is enabled.
    pub fEnabled: u8,
    /// Trailing padding to the 4-byte alignment.
    pub _padding: [u8; 2],
}

/// Mirrors `VMMDevDisplayDef` (28 bytes): one display of a Multi request.
#[doc(alias = "VMMDevDisplayDef")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct DisplayDef {
    /// [`DisplayFlags`].
    pub fDisplayFlags: u32,
    /// Display number.
    pub idDisplay: u32,
    /// Origin X.
    pub xOrigin: i32,
    /// Origin Y.
    pub yOrigin: i32,
    /// Width.
    pub cx: u32,
    /// Height.
    pub cy: u32,
    /// Bits per pixel.
    pub cBitsPerPixel: u32,
}

/// Mirrors `VMMDevDisplayChangeRequestMulti` (81) with room for one display (60 bytes,
/// the host's minimum). For `n` displays the request is
/// [`display_change_multi_size`]`(n)` bytes with the defs at
/// [`DisplayChangeRequestMulti::DISPLAYS_OFFSET`].
#[doc(alias = "VMMDevDisplayChangeRequestMulti")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct DisplayChangeRequestMulti {
    /// Request header.
    pub header: RequestHeader,
    /// [`EVENT_ACK_CONSUME`] to consume.
    pub eventAck: u32,
    /// In: capacity of `aDisplays`; out (with ack): number of pending displays.
    pub cDisplays: u32,
    /// The displays.
    pub aDisplays: [DisplayDef; 1],
}

impl DisplayChangeRequestMulti {
    /// Offset of the first [`DisplayDef`].
    pub const DISPLAYS_OFFSET: usize = core::mem::offset_of!(DisplayChangeRequestMulti, aDisplays);
}

/// Size of a GetDisplayChangeRequestMulti request for `displays` defs (`32 + 28·n`).
pub const fn display_change_multi_size(displays: u32) -> u32 {
    DisplayChangeRequestMulti::DISPLAYS_OFFSET as u32
        + displays * core::mem::size_of::<DisplayDef>() as u32
}

/// Mirrors `VMMDevVideoModeSupportedRequest` (52, 40 bytes).
#[doc(alias = "VMMDevVideoModeSupportedRequest")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct VideoModeSupported {
    /// Request header.
    pub header: RequestHeader,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Bits per pixel.
    pub bpp: u32,
    /// Out, C `bool`: the mode is supported.
    pub fSupported: u8,
    /// Trailing padding.
    pub _padding: [u8; 3],
}

/// Mirrors `VMMDevVideoModeSupportedRequest2` (57, 44 bytes).
#[doc(alias = "VMMDevVideoModeSupportedRequest2")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct VideoModeSupported2 {
    /// Request header.
    pub header: RequestHeader,
    /// Display number.
    pub display: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Bits per pixel.
    pub bpp: u32,
    /// Out, C `bool`: the mode is supported.
    pub fSupported: u8,
    /// Trailing padding.
    pub _padding: [u8; 3],
}

/// Mirrors `VMMDevReqHostTime` (10, 32 bytes, pack 4).
#[doc(alias = "VMMDevReqHostTime")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C, packed(4))]
pub struct GetHostTime {
    /// Request header.
    pub header: RequestHeader,
    /// Out: UTC milliseconds since 1970-01-01.
    pub time: u64,
}

/// Mirrors `VMMDevPowerStateRequest` (30, 28 bytes).
#[doc(alias = "VMMDevPowerStateRequest")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct SetPowerStatus {
    /// Request header.
    pub header: RequestHeader,
    /// `POWER_STATE_*`.
    pub powerState: u32,
}

/// Mirrors `VBoxGuestStatus`: payload of ReportGuestStatus.
#[doc(alias = "VBoxGuestStatus")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct GuestStatus {
    /// `FACILITY_TYPE_*`.
    pub facility: u32,
    /// `FACILITY_STATUS_*`.
    pub status: u32,
    /// Reserved flags, 0.
    pub flags: u32,
}

/// Mirrors `VMMDevReportGuestStatus` (59, 36 bytes).
#[doc(alias = "VMMDevReportGuestStatus")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct ReportGuestStatus {
    /// Request header.
    pub header: RequestHeader,
    /// Facility and status.
    pub guestStatus: GuestStatus,
}

/// Mirrors `VMMDevReqSessionId` (217, 32 bytes, pack 4).
#[doc(alias = "VMMDevReqSessionId")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C, packed(4))]
pub struct GetSessionId {
    /// Request header.
    pub header: RequestHeader,
    /// Out: changes on every VM reset and restore.
    pub idSession: u64,
}

/// Mirrors `VMMDevReqHeartbeat` (220, HeartbeatConfigure, 36 bytes, pack 4).
#[doc(alias = "VMMDevReqHeartbeat")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C, packed(4))]
pub struct HeartbeatConfigure {
    /// Request header.
    pub header: RequestHeader,
    /// Out: the host's heartbeat interval in nanoseconds.
    pub cNsInterval: u64,
    /// In, C `bool`: enable the heartbeat.
    pub fEnabled: u8,
    /// Trailing padding.
    pub _padding: [u8; 3],
}

impl_request!(
    ReportGuestInfo,
    ReportGuestInfo2,
    ReportGuestCapabilities,
    SetGuestCapabilities,
    CtlGuestFilterMask,
    AcknowledgeEvents,
    GetHostVersion,
    MouseStatus,
    SetPointerShape,
    DisplayChangeRequest,
    DisplayChangeRequest2,
    DisplayChangeRequestEx,
    DisplayChangeRequestMulti,
    VideoModeSupported,
    VideoModeSupported2,
    GetHostTime,
    SetPowerStatus,
    ReportGuestStatus,
    GetSessionId,
    HeartbeatConfigure,
);

// ---------------------------------------------------------------------------------------
// HGCM (requests 60-65; hgcm-guest-properties.md section 2)
// ---------------------------------------------------------------------------------------

/// `VBOX_HGCM_REQ_DONE`: the host completed the request (ORed into `fu32Flags`).
pub const VBOX_HGCM_REQ_DONE: u32 = 0x1;
/// `VBOX_HGCM_REQ_CANCELLED`: a guest-side marker only; the host never sets it.
pub const VBOX_HGCM_REQ_CANCELLED: u32 = 0x2;
/// `VMMDEV_MAX_HGCM_PARMS`: most parameters of one call.
pub const VMMDEV_MAX_HGCM_PARMS: u32 = 32;
/// `VMMDevHGCMLoc_LocalHost_Existing`: the service location type a guest sends.
pub const VMMDEV_HGCM_LOC_LOCALHOST_EXISTING: u32 = 2;

/// An HGCM parameter type (`HGCMFunctionParameterType`). Open: it is read back
/// from memory the host writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct HgcmParmType(pub u32);

impl HgcmParmType {
    /// `VMMDevHGCMParmType_32bit` (1).
    pub const U32: Self = Self(1);
    /// `VMMDevHGCMParmType_64bit` (2).
    pub const U64: Self = Self(2);
    /// `VMMDevHGCMParmType_LinAddr` (4): copied in at submit and out at completion.
    pub const LINADDR: Self = Self(4);
    /// `VMMDevHGCMParmType_LinAddr_In` (5): copied to the host only.
    pub const LINADDR_IN: Self = Self(5);
    /// `VMMDevHGCMParmType_LinAddr_Out` (6): copied back only (the host reads nothing).
    pub const LINADDR_OUT: Self = Self(6);
}

/// Mirrors `VMMDevHGCMRequestHeader` (32 bytes): starts requests 60-64.
#[doc(alias = "VMMDevHGCMRequestHeader")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HgcmRequestHeader {
    /// Request header; `rc` stays 2903 after an accepted request completes.
    pub header: RequestHeader,
    /// [`VBOX_HGCM_REQ_DONE`] once the host completed the request.
    pub fu32Flags: u32,
    /// The service's status (read it only after DONE).
    pub result: i32,
}

impl HgcmRequestHeader {
    /// Offset of `fu32Flags` (read volatile while waiting).
    pub const FLAGS_OFFSET: usize = core::mem::offset_of!(HgcmRequestHeader, fu32Flags);
    /// Offset of `result`.
    pub const RESULT_OFFSET: usize = core::mem::offset_of!(HgcmRequestHeader, result);
}

/// Mirrors `HGCMServiceLocation` (132 bytes) in its host form.
#[doc(alias = "HGCMServiceLocation")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HgcmServiceLocation {
    /// [`VMMDEV_HGCM_LOC_LOCALHOST_EXISTING`].
    pub r#type: u32,
    /// `u.host.achName`: the service name, NUL-terminated.
    pub achName: [u8; 128],
}

/// Mirrors `VMMDevHGCMConnect` (60, 168 bytes).
#[doc(alias = "VMMDevHGCMConnect")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HgcmConnect {
    /// HGCM header.
    pub header: HgcmRequestHeader,
    /// Which service.
    pub loc: HgcmServiceLocation,
    /// Out: the client id (non-zero, chosen by the host).
    pub u32ClientID: u32,
}

/// Mirrors `VMMDevHGCMDisconnect` (61, 36 bytes).
#[doc(alias = "VMMDevHGCMDisconnect")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HgcmDisconnect {
    /// HGCM header.
    pub header: HgcmRequestHeader,
    /// The client to drop.
    pub u32ClientID: u32,
}

/// Mirrors `VMMDevHGCMCall` (62/63, 44 bytes); the parameters follow at 44.
#[doc(alias = "VMMDevHGCMCall")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HgcmCall {
    /// HGCM header.
    pub header: HgcmRequestHeader,
    /// The client.
    pub u32ClientID: u32,
    /// The service function.
    pub u32Function: u32,
    /// Number of parameters after this struct.
    pub cParms: u32,
}

/// Mirrors `HGCMFunctionParameter64` (16 bytes, pack 4): the union is kept as its
/// widest shape, `value64` at 4 for the 32/64-bit values, `LinAddr` = (`cb` in the low
/// half of `value64`, `uAddr` at 8).
#[doc(alias = "HGCMFunctionParameter64")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C, packed(4))]
pub struct HgcmParameter64 {
    /// An [`HgcmParmType`] value.
    pub r#type: u32,
    /// `u.value32` (low half) / `u.value64` / `u.LinAddr.cb` (low half).
    pub value64: u64,
    /// `u.LinAddr.uAddr` high part of the union (bytes 12..16 overlap `uAddr`'s
    /// upper half): a pointer parameter's address is `addr_low | addr_high << 32`.
    pub addr_high: u32,
}

impl HgcmParameter64 {
    /// Offset of `u.value32` / `u.value64` / `u.LinAddr.cb`.
    pub const VALUE_OFFSET: usize = 4;
    /// Offset of `u.LinAddr.uAddr`.
    pub const ADDR_OFFSET: usize = 8;

    /// A 32-bit value parameter.
    pub const fn value32(value: u32) -> Self {
        Self {
            r#type: HgcmParmType::U32.0,
            value64: value as u64,
            addr_high: 0,
        }
    }

    /// A 64-bit value parameter.
    pub const fn value64(value: u64) -> Self {
        Self {
            r#type: HgcmParmType::U64.0,
            value64: value,
            addr_high: 0,
        }
    }

    /// A linear-address buffer parameter of `kind` (LinAddr, LinAddr_In, LinAddr_Out).
    pub const fn lin_addr(kind: HgcmParmType, size: u32, addr: u64) -> Self {
        Self {
            r#type: kind.0,
            // cb in bytes 4..8, the low half of uAddr in bytes 8..12.
            value64: size as u64 | (addr & 0xFFFF_FFFF) << 32,
            addr_high: (addr >> 32) as u32,
        }
    }
}

/// Mirrors `VMMDevHGCMCancel2` (65, 28 bytes).
#[doc(alias = "VMMDevHGCMCancel2")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct HgcmCancel2 {
    /// Request header (synchronous: `rc` is the answer).
    pub header: RequestHeader,
    /// Physical address of the request to cancel.
    pub physReqToCancel: u32,
}

impl_request!(HgcmCancel2);

// ---------------------------------------------------------------------------------------
// Shared memory (MMIO BAR)
// ---------------------------------------------------------------------------------------

/// The guest-visible start of `VMMDevMemory` (the MMIO BAR), 16 bytes. The rest is the
/// legacy 4 MiB VMMDev VBVA area, which Vitrine does not use. `V` is a union in C
/// (protocol 1.04: a `bool fHaveEvents` at offset 8; 1.03: two `u32`s); it is two
/// `u32`s here, and [`MemoryHeader::HAVE_EVENTS_OFFSET`] names the 1.04 byte.
#[doc(alias = "VMMDevMemory")]
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct MemoryHeader {
    /// `sizeof(VMMDevMemory)`; Linux checks `32 <= size <= BAR length`.
    pub u32Size: u32,
    /// Must be [`VMMDEV_MEMORY_VERSION`].
    pub u32Version: u32,
    /// The protocol-dependent words.
    pub V: MemoryEventWords,
}

/// The `V` union of `VMMDevMemory`, in its protocol-1.03 shape (two `u32`s).
#[derive(Clone, Copy, PartialEq, Eq, Debug, IntoBytes, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct MemoryEventWords {
    /// 1.03: events delivered to the guest. 1.04: its low byte is `fHaveEvents`.
    pub u32HostEvents: u32,
    /// 1.03 only: the guest-written event mask.
    pub u32GuestEventMask: u32,
}

impl MemoryHeader {
    /// Offset of `V.V1_04.fHaveEvents`: the byte the host sets to 1 when it raises the
    /// IRQ and clears on acknowledge (the shared-IRQ "is it ours" check).
    pub const HAVE_EVENTS_OFFSET: usize = core::mem::offset_of!(MemoryHeader, V);
}

// Compile-time sizes (the full check against the layouts table is kernel/tests/layouts.rs).
const _: () = {
    use core::mem::size_of;
    assert!(size_of::<RequestHeader>() == 24);
    assert!(size_of::<ReportGuestInfo>() == 32);
    assert!(size_of::<ReportGuestInfo2>() == 168);
    assert!(size_of::<ReportGuestCapabilities>() == 28);
    assert!(size_of::<SetGuestCapabilities>() == 32);
    assert!(size_of::<CtlGuestFilterMask>() == 32);
    assert!(size_of::<AcknowledgeEvents>() == 28);
    assert!(size_of::<GetHostVersion>() == 40);
    assert!(size_of::<MouseStatus>() == 36);
    assert!(size_of::<MouseStatusEx>() == 48);
    assert!(size_of::<SetPointerShape>() == 48);
    assert!(size_of::<DisplayChangeRequest>() == 40);
    assert!(size_of::<DisplayChangeRequest2>() == 44);
    assert!(size_of::<DisplayChangeRequestEx>() == 56);
    assert!(size_of::<DisplayDef>() == 28);
    assert!(size_of::<DisplayChangeRequestMulti>() == 60);
    assert!(size_of::<VideoModeSupported>() == 40);
    assert!(size_of::<VideoModeSupported2>() == 44);
    assert!(size_of::<GetHostTime>() == 32);
    assert!(size_of::<SetPowerStatus>() == 28);
    assert!(size_of::<ReportGuestStatus>() == 36);
    assert!(size_of::<GetSessionId>() == 32);
    assert!(size_of::<HeartbeatConfigure>() == 36);
    assert!(size_of::<MemoryHeader>() == 16);
    assert!(size_of::<HgcmRequestHeader>() == 32);
    assert!(size_of::<HgcmConnect>() == 168);
    assert!(size_of::<HgcmDisconnect>() == 36);
    assert!(size_of::<HgcmCall>() == 44);
    assert!(size_of::<HgcmParameter64>() == 16);
    assert!(size_of::<HgcmCancel2>() == 28);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_request_is_byte_exact() {
        let request: CtlGuestFilterMask = Request::new_request(RequestType::CTL_GUEST_FILTER_MASK);
        let expected: [u8; 32] = [
            32, 0, 0, 0, // size
            0x01, 0x00, 0x01, 0x00, // version 0x00010001
            42, 0, 0, 0, // CtlGuestFilterMask
            0x1F, 0xFF, 0xFF, 0xFF, // rc = -225 (VERR_INTERNAL_ERROR), the sentinel
            0, 0, 0, 0, // reserved1
            1, 0, 0, 0, // fRequestor: kernel, driver
            0, 0, 0, 0, 0, 0, 0, 0, // or / not masks
        ];
        assert_eq!(request.as_bytes(), expected);
    }

    #[test]
    fn packed_u64_requests_keep_their_layout() {
        let mut request: GetHostTime = Request::new_request(RequestType::GET_HOST_TIME);
        request.time = 0x0102_0304_0506_0708;
        let bytes = request.as_bytes();
        assert_eq!(bytes.len(), 32);
        assert_eq!(bytes[24..32], [8, 7, 6, 5, 4, 3, 2, 1]);
    }

    #[test]
    fn status_codes_classify() {
        assert!(
            VBoxRc(1110).is_success(),
            "informational EM status counts as success"
        );
        assert!(VBoxRc::VINF_SUCCESS.is_success());
        assert!(VBoxRc::VERR_NOT_SUPPORTED.is_failure());
    }
}
