//! Offsets, sizes and constants of the guest interface, as the twin reads them.
//!
//! Written from the spec (§2–§8) and checked against `tests/data/virtualbox-layouts.json`
//! (compiled from the VirtualBox 7.0.14 headers) by the tests at the bottom: every
//! constant names the C symbol it mirrors, every offset names its struct and field.

/// Declares constants together with the C name each one mirrors, for the table test.
macro_rules! mirrored {
    ($( $(#[$doc:meta])* $name:ident : $ty:ty = $val:expr => $cname:literal; )*) => {
        $( $(#[$doc])* pub const $name: $ty = $val; )*
        /// (C name, value) of every mirrored constant, for the layouts test.
        #[cfg(test)]
        pub(crate) const MIRRORED: &[(&str, i64)] = &[ $( ($cname, $val as i64) ),* ];
    };
}
pub(crate) use mirrored;

mirrored! {
    /// Request header version.
    REQUEST_HEADER_VERSION: u32 = 0x10001 => "VMMDEV_REQUEST_HEADER_VERSION";
    /// Largest request the host reads.
    MAX_REQUEST_SIZE: u32 = 0x100000 => "VMMDEV_MAX_VMMDEVREQ_SIZE";
    /// VMMDevMemory version.
    VMMDEV_MEMORY_VERSION: u32 = 1 => "VMMDEV_MEMORY_VERSION";
    /// VMMDev BAR1 size.
    VMMDEV_RAM_SIZE: u32 = 4 * 1024 * 1024 => "VMMDEV_RAM_SIZE";
    /// VMMDev BAR2 size.
    VMMDEV_HEAP_SIZE: u32 = 16 * 1024 => "VMMDEV_HEAP_SIZE";
    /// Request port offset in BAR0.
    PORT_OFF_REQUEST: u16 = 0 => "VMMDEV_PORT_OFF_REQUEST";
    /// Fast request / IRQ-ack port offset in BAR0.
    PORT_OFF_REQUEST_FAST: u16 = 8 => "VMMDEV_PORT_OFF_REQUEST_FAST";
    /// Host feature: fast IRQ acknowledge port.
    HVF_FAST_IRQ_ACK: u32 = 0x8000_0000 => "VMMDEV_HVF_FAST_IRQ_ACK";
    /// Host feature: HGCM physical page lists.
    HVF_HGCM_PHYS_PAGE_LIST: u32 = 1 => "VMMDEV_HVF_HGCM_PHYS_PAGE_LIST";
    /// Host feature: HGCM embedded buffers.
    HVF_HGCM_EMBEDDED_BUFFERS: u32 = 2 => "VMMDEV_HVF_HGCM_EMBEDDED_BUFFERS";
    /// Host feature: HGCM contiguous page lists.
    HVF_HGCM_CONTIGUOUS_PAGE_LIST: u32 = 4 => "VMMDEV_HVF_HGCM_CONTIGUOUS_PAGE_LIST";
    /// Host feature: HGCM no-bounce page lists.
    HVF_HGCM_NO_BOUNCE_PAGE_LIST: u32 = 8 => "VMMDEV_HVF_HGCM_NO_BOUNCE_PAGE_LIST";

    /// VINF_SUCCESS.
    VINF_SUCCESS: i32 = 0 => "VINF_SUCCESS";
    /// VERR_INVALID_PARAMETER.
    VERR_INVALID_PARAMETER: i32 = -2 => "VERR_INVALID_PARAMETER";
    /// VERR_VERSION_MISMATCH.
    VERR_VERSION_MISMATCH: i32 = -11 => "VERR_VERSION_MISMATCH";
    /// VERR_NOT_IMPLEMENTED.
    VERR_NOT_IMPLEMENTED: i32 = -12 => "VERR_NOT_IMPLEMENTED";
    /// VERR_NOT_SUPPORTED.
    VERR_NOT_SUPPORTED: i32 = -37 => "VERR_NOT_SUPPORTED";
    /// VERR_ACCESS_DENIED.
    VERR_ACCESS_DENIED: i32 = -38 => "VERR_ACCESS_DENIED";
    /// VERR_TRY_AGAIN.
    VERR_TRY_AGAIN: i32 = -52 => "VERR_TRY_AGAIN";
    /// VERR_OUT_OF_RANGE.
    VERR_OUT_OF_RANGE: i32 = -54 => "VERR_OUT_OF_RANGE";
    /// VERR_INVALID_STATE.
    VERR_INVALID_STATE: i32 = -79 => "VERR_INVALID_STATE";
    /// VERR_OUT_OF_RESOURCES.
    VERR_OUT_OF_RESOURCES: i32 = -80 => "VERR_OUT_OF_RESOURCES";

    /// Request: GetMouseStatus.
    REQ_GET_MOUSE_STATUS: u32 = 1 => "VMMDevReq_GetMouseStatus";
    /// Request: SetMouseStatus.
    REQ_SET_MOUSE_STATUS: u32 = 2 => "VMMDevReq_SetMouseStatus";
    /// Request: SetPointerShape.
    REQ_SET_POINTER_SHAPE: u32 = 3 => "VMMDevReq_SetPointerShape";
    /// Request: GetHostVersion.
    REQ_GET_HOST_VERSION: u32 = 4 => "VMMDevReq_GetHostVersion";
    /// Request: Idle.
    REQ_IDLE: u32 = 5 => "VMMDevReq_Idle";
    /// Request: GetHostTime.
    REQ_GET_HOST_TIME: u32 = 10 => "VMMDevReq_GetHostTime";
    /// Request: GetHypervisorInfo.
    REQ_GET_HYPERVISOR_INFO: u32 = 20 => "VMMDevReq_GetHypervisorInfo";
    /// Request: SetHypervisorInfo.
    REQ_SET_HYPERVISOR_INFO: u32 = 21 => "VMMDevReq_SetHypervisorInfo";
    /// Request: SetPowerStatus.
    REQ_SET_POWER_STATUS: u32 = 30 => "VMMDevReq_SetPowerStatus";
    /// Request: AcknowledgeEvents.
    REQ_ACKNOWLEDGE_EVENTS: u32 = 41 => "VMMDevReq_AcknowledgeEvents";
    /// Request: CtlGuestFilterMask.
    REQ_CTL_GUEST_FILTER_MASK: u32 = 42 => "VMMDevReq_CtlGuestFilterMask";
    /// Request: ReportGuestInfo.
    REQ_REPORT_GUEST_INFO: u32 = 50 => "VMMDevReq_ReportGuestInfo";
    /// Request: GetDisplayChangeRequest.
    REQ_GET_DISPLAY_CHANGE: u32 = 51 => "VMMDevReq_GetDisplayChangeRequest";
    /// Request: VideoModeSupported.
    REQ_VIDEO_MODE_SUPPORTED: u32 = 52 => "VMMDevReq_VideoModeSupported";
    /// Request: GetHeightReduction.
    REQ_GET_HEIGHT_REDUCTION: u32 = 53 => "VMMDevReq_GetHeightReduction";
    /// Request: GetDisplayChangeRequest2.
    REQ_GET_DISPLAY_CHANGE2: u32 = 54 => "VMMDevReq_GetDisplayChangeRequest2";
    /// Request: ReportGuestCapabilities.
    REQ_REPORT_GUEST_CAPABILITIES: u32 = 55 => "VMMDevReq_ReportGuestCapabilities";
    /// Request: SetGuestCapabilities.
    REQ_SET_GUEST_CAPABILITIES: u32 = 56 => "VMMDevReq_SetGuestCapabilities";
    /// Request: VideoModeSupported2.
    REQ_VIDEO_MODE_SUPPORTED2: u32 = 57 => "VMMDevReq_VideoModeSupported2";
    /// Request: ReportGuestInfo2.
    REQ_REPORT_GUEST_INFO2: u32 = 58 => "VMMDevReq_ReportGuestInfo2";
    /// Request: ReportGuestStatus.
    REQ_REPORT_GUEST_STATUS: u32 = 59 => "VMMDevReq_ReportGuestStatus";
    /// Request: GetDisplayChangeRequestEx.
    REQ_GET_DISPLAY_CHANGE_EX: u32 = 80 => "VMMDevReq_GetDisplayChangeRequestEx";
    /// Request: GetDisplayChangeRequestMulti.
    REQ_GET_DISPLAY_CHANGE_MULTI: u32 = 81 => "VMMDevReq_GetDisplayChangeRequestMulti";
    /// Request: LogString (release hosts: not implemented).
    REQ_LOG_STRING: u32 = 200 => "VMMDevReq_LogString";
    /// Request: GetSessionId.
    REQ_GET_SESSION_ID: u32 = 217 => "VMMDevReq_GetSessionId";
    /// Request: WriteCoreDump.
    REQ_WRITE_CORE_DUMP: u32 = 218 => "VMMDevReq_WriteCoreDump";
    /// Request: GuestHeartbeat.
    REQ_GUEST_HEARTBEAT: u32 = 219 => "VMMDevReq_GuestHeartbeat";
    /// Request: HeartbeatConfigure.
    REQ_HEARTBEAT_CONFIGURE: u32 = 220 => "VMMDevReq_HeartbeatConfigure";
    /// Request: GetMouseStatusEx.
    REQ_GET_MOUSE_STATUS_EX: u32 = 223 => "VMMDevReq_GetMouseStatusEx";

    /// Event: host mouse capabilities changed.
    EVENT_MOUSE_CAPABILITIES_CHANGED: u32 = 0x1 => "VMMDEV_EVENT_MOUSE_CAPABILITIES_CHANGED";
    /// Event: HGCM (never maskable).
    EVENT_HGCM: u32 = 0x2 => "VMMDEV_EVENT_HGCM";
    /// Event: display change request.
    EVENT_DISPLAY_CHANGE_REQUEST: u32 = 0x4 => "VMMDEV_EVENT_DISPLAY_CHANGE_REQUEST";
    /// Event: mouse position changed.
    EVENT_MOUSE_POSITION_CHANGED: u32 = 0x200 => "VMMDEV_EVENT_MOUSE_POSITION_CHANGED";

    /// Mouse: guest can take absolute positions.
    MOUSE_GUEST_CAN_ABSOLUTE: u32 = 0x1 => "VMMDEV_MOUSE_GUEST_CAN_ABSOLUTE";
    /// Mouse: host sends absolute positions.
    MOUSE_HOST_WANTS_ABSOLUTE: u32 = 0x2 => "VMMDEV_MOUSE_HOST_WANTS_ABSOLUTE";
    /// Mouse: guest needs the host to draw the cursor.
    MOUSE_GUEST_NEEDS_HOST_CURSOR: u32 = 0x4 => "VMMDEV_MOUSE_GUEST_NEEDS_HOST_CURSOR";
    /// Mouse: guest uses the event-based protocol.
    MOUSE_NEW_PROTOCOL: u32 = 0x10 => "VMMDEV_MOUSE_NEW_PROTOCOL";
    /// Mouse: host rechecks NEEDS_HOST_CURSOR.
    MOUSE_HOST_RECHECKS_NEEDS_HOST_CURSOR: u32 = 0x20 => "VMMDEV_MOUSE_HOST_RECHECKS_NEEDS_HOST_CURSOR";
    /// Mouse: guest reads buttons/wheel via GetMouseStatusEx.
    MOUSE_GUEST_USES_FULL_STATE_PROTOCOL: u32 = 0x80 => "VMMDEV_MOUSE_GUEST_USES_FULL_STATE_PROTOCOL";
    /// Mouse: host can deliver full state.
    MOUSE_HOST_USES_FULL_STATE_PROTOCOL: u32 = 0x100 => "VMMDEV_MOUSE_HOST_USES_FULL_STATE_PROTOCOL";
    /// Mouse: all bits.
    MOUSE_MASK: u32 = 0x1FF => "VMMDEV_MOUSE_MASK";
    /// Mouse: guest-owned bits.
    MOUSE_GUEST_MASK: u32 = 0x95 => "VMMDEV_MOUSE_GUEST_MASK";
    /// Mouse: bits whose change Main is told about.
    MOUSE_NOTIFY_HOST_MASK: u32 = 0x5 => "VMMDEV_MOUSE_NOTIFY_HOST_MASK";

    /// Guest capability: graphics (auto-resize).
    GUEST_SUPPORTS_GRAPHICS: u32 = 0x4 => "VMMDEV_GUEST_SUPPORTS_GRAPHICS";

    /// Display def flag: primary.
    DISPLAY_PRIMARY: u32 = 0x1 => "VMMDEV_DISPLAY_PRIMARY";
    /// Display def flag: disabled.
    DISPLAY_DISABLED: u32 = 0x2 => "VMMDEV_DISPLAY_DISABLED";
    /// Display def flag: origin valid.
    DISPLAY_ORIGIN: u32 = 0x4 => "VMMDEV_DISPLAY_ORIGIN";
    /// Display def flag: cx valid.
    DISPLAY_CX: u32 = 0x8 => "VMMDEV_DISPLAY_CX";
    /// Display def flag: cy valid.
    DISPLAY_CY: u32 = 0x10 => "VMMDEV_DISPLAY_CY";
    /// Display def flag: bpp valid.
    DISPLAY_BPP: u32 = 0x20 => "VMMDEV_DISPLAY_BPP";

    /// Pointer flag: visible.
    POINTER_VISIBLE: u32 = 1 => "VBOX_MOUSE_POINTER_VISIBLE";
    /// Pointer flag: alpha channel valid.
    POINTER_ALPHA: u32 = 2 => "VBOX_MOUSE_POINTER_ALPHA";
    /// Pointer flag: shape data present.
    POINTER_SHAPE: u32 = 4 => "VBOX_MOUSE_POINTER_SHAPE";

    /// DISPI index port.
    DISPI_IOPORT_INDEX: u16 = 0x1CE => "VBE_DISPI_IOPORT_INDEX";
    /// DISPI data port.
    DISPI_IOPORT_DATA: u16 = 0x1CF => "VBE_DISPI_IOPORT_DATA";
    /// DISPI register ID.
    DISPI_INDEX_ID: u16 = 0 => "VBE_DISPI_INDEX_ID";
    /// DISPI register XRES.
    DISPI_INDEX_XRES: u16 = 1 => "VBE_DISPI_INDEX_XRES";
    /// DISPI register YRES.
    DISPI_INDEX_YRES: u16 = 2 => "VBE_DISPI_INDEX_YRES";
    /// DISPI register BPP.
    DISPI_INDEX_BPP: u16 = 3 => "VBE_DISPI_INDEX_BPP";
    /// DISPI register ENABLE.
    DISPI_INDEX_ENABLE: u16 = 4 => "VBE_DISPI_INDEX_ENABLE";
    /// DISPI register BANK.
    DISPI_INDEX_BANK: u16 = 5 => "VBE_DISPI_INDEX_BANK";
    /// DISPI register VIRT_WIDTH.
    DISPI_INDEX_VIRT_WIDTH: u16 = 6 => "VBE_DISPI_INDEX_VIRT_WIDTH";
    /// DISPI register VIRT_HEIGHT.
    DISPI_INDEX_VIRT_HEIGHT: u16 = 7 => "VBE_DISPI_INDEX_VIRT_HEIGHT";
    /// DISPI register X_OFFSET.
    DISPI_INDEX_X_OFFSET: u16 = 8 => "VBE_DISPI_INDEX_X_OFFSET";
    /// DISPI register Y_OFFSET.
    DISPI_INDEX_Y_OFFSET: u16 = 9 => "VBE_DISPI_INDEX_Y_OFFSET";
    /// DISPI register VBOX_VIDEO.
    DISPI_INDEX_VBOX_VIDEO: u16 = 0xA => "VBE_DISPI_INDEX_VBOX_VIDEO";
    /// DISPI register FB_BASE_HI.
    DISPI_INDEX_FB_BASE_HI: u16 = 0xB => "VBE_DISPI_INDEX_FB_BASE_HI";
    /// DISPI register CFG.
    DISPI_INDEX_CFG: u16 = 0xC => "VBE_DISPI_INDEX_CFG";
    /// DISPI ID 0.
    DISPI_ID0: u16 = 0xB0C0 => "VBE_DISPI_ID0";
    /// DISPI ID 4.
    DISPI_ID4: u16 = 0xB0C4 => "VBE_DISPI_ID4";
    /// DISPI ID VBOX_VIDEO.
    DISPI_ID_VBOX_VIDEO: u16 = 0xBE00 => "VBE_DISPI_ID_VBOX_VIDEO";
    /// DISPI ID HGSMI.
    DISPI_ID_HGSMI: u16 = 0xBE01 => "VBE_DISPI_ID_HGSMI";
    /// DISPI ID ANYX.
    DISPI_ID_ANYX: u16 = 0xBE02 => "VBE_DISPI_ID_ANYX";
    /// DISPI ID CFG.
    DISPI_ID_CFG: u16 = 0xBE03 => "VBE_DISPI_ID_CFG";
    /// ENABLE: enabled.
    DISPI_ENABLED: u16 = 0x01 => "VBE_DISPI_ENABLED";
    /// ENABLE: report capabilities.
    DISPI_GETCAPS: u16 = 0x02 => "VBE_DISPI_GETCAPS";
    /// ENABLE: LFB (ignored by the device).
    DISPI_LFB_ENABLED: u16 = 0x40 => "VBE_DISPI_LFB_ENABLED";
    /// ENABLE: do not clear VRAM.
    DISPI_NOCLEARMEM: u16 = 0x80 => "VBE_DISPI_NOCLEARMEM";
    /// Max XRES.
    DISPI_MAX_XRES: u16 = 16384 => "VBE_DISPI_MAX_XRES";
    /// Max YRES.
    DISPI_MAX_YRES: u16 = 16384 => "VBE_DISPI_MAX_YRES";
    /// Max BPP.
    DISPI_MAX_BPP: u16 = 32 => "VBE_DISPI_MAX_BPP";
    /// CFG id mask.
    DISPI_CFG_MASK_ID: u16 = 0x0FFF => "VBE_DISPI_CFG_MASK_ID";
    /// CFG "query support" bit.
    DISPI_CFG_MASK_SUPPORT: u16 = 0x1000 => "VBE_DISPI_CFG_MASK_SUPPORT";
    /// CFG id: version.
    DISPI_CFG_ID_VERSION: u16 = 0 => "VBE_DISPI_CFG_ID_VERSION";
    /// CFG id: VRAM size.
    DISPI_CFG_ID_VRAM_SIZE: u16 = 1 => "VBE_DISPI_CFG_ID_VRAM_SIZE";
    /// CFG id: VMSVGA DX (the highest id 7.0.14 knows).
    DISPI_CFG_ID_VMSVGA_DX: u16 = 4 => "VBE_DISPI_CFG_ID_VMSVGA_DX";

    /// HGSMI host port.
    PORT_HGSMI_HOST: u16 = 0x3B0 => "VGA_PORT_HGSMI_HOST";
    /// HGSMI guest port.
    PORT_HGSMI_GUEST: u16 = 0x3D0 => "VGA_PORT_HGSMI_GUEST";
    /// HGSMI channel: HGSMI setup.
    HGSMI_CH_HGSMI: u8 = 1 => "HGSMI_CH_HGSMI";
    /// HGSMI channel: VBVA.
    HGSMI_CH_VBVA: u8 = 2 => "HGSMI_CH_VBVA";
    /// HGSMI setup command: host flags location.
    HGSMI_CC_HOST_FLAGS_LOCATION: u16 = 0 => "HGSMI_CC_HOST_FLAGS_LOCATION";
    /// Host flag: host commands pending.
    HOSTFLAGS_COMMANDS_PENDING: u32 = 0x1 => "HGSMIHOSTFLAGS_COMMANDS_PENDING";
    /// Host flag: IRQ raised.
    HOSTFLAGS_IRQ: u32 = 0x2 => "HGSMIHOSTFLAGS_IRQ";
    /// Host flag: vsync.
    HOSTFLAGS_VSYNC: u32 = 0x10 => "HGSMIHOSTFLAGS_VSYNC";
    /// Host flag: hotplug (mode hint).
    HOSTFLAGS_HOTPLUG: u32 = 0x20 => "HGSMIHOSTFLAGS_HOTPLUG";
    /// Host flag: cursor capabilities.
    HOSTFLAGS_CURSOR_CAPABILITIES: u32 = 0x40 => "HGSMIHOSTFLAGS_CURSOR_CAPABILITIES";

    /// VBVA command: QUERY_CONF32.
    VBVA_QUERY_CONF32: u16 = 1 => "VBVA_QUERY_CONF32";
    /// VBVA command: SET_CONF32.
    VBVA_SET_CONF32: u16 = 2 => "VBVA_SET_CONF32";
    /// VBVA command: INFO_VIEW.
    VBVA_INFO_VIEW: u16 = 3 => "VBVA_INFO_VIEW";
    /// VBVA command: INFO_HEAP.
    VBVA_INFO_HEAP: u16 = 4 => "VBVA_INFO_HEAP";
    /// VBVA command: FLUSH.
    VBVA_FLUSH: u16 = 5 => "VBVA_FLUSH";
    /// VBVA command: INFO_SCREEN.
    VBVA_INFO_SCREEN: u16 = 6 => "VBVA_INFO_SCREEN";
    /// VBVA command: ENABLE.
    VBVA_ENABLE: u16 = 7 => "VBVA_ENABLE";
    /// VBVA command: MOUSE_POINTER_SHAPE.
    VBVA_MOUSE_POINTER_SHAPE: u16 = 8 => "VBVA_MOUSE_POINTER_SHAPE";
    /// VBVA command: INFO_CAPS.
    VBVA_INFO_CAPS: u16 = 12 => "VBVA_INFO_CAPS";
    /// VBVA command: SCANLINE_CFG.
    VBVA_SCANLINE_CFG: u16 = 13 => "VBVA_SCANLINE_CFG";
    /// VBVA command: QUERY_MODE_HINTS.
    VBVA_QUERY_MODE_HINTS: u16 = 19 => "VBVA_QUERY_MODE_HINTS";
    /// VBVA command: REPORT_INPUT_MAPPING.
    VBVA_REPORT_INPUT_MAPPING: u16 = 20 => "VBVA_REPORT_INPUT_MAPPING";
    /// VBVA command: CURSOR_POSITION.
    VBVA_CURSOR_POSITION: u16 = 21 => "VBVA_CURSOR_POSITION";
    /// QUERY_CONF32 index: monitor count.
    CONF32_MONITOR_COUNT: u32 = 0 => "VBOX_VBVA_CONF32_MONITOR_COUNT";
    /// QUERY_CONF32 index: host heap size.
    CONF32_HOST_HEAP_SIZE: u32 = 1 => "VBOX_VBVA_CONF32_HOST_HEAP_SIZE";
    /// QUERY_CONF32 index: mode hint reporting.
    CONF32_MODE_HINT_REPORTING: u32 = 2 => "VBOX_VBVA_CONF32_MODE_HINT_REPORTING";
    /// QUERY_CONF32 index: guest cursor reporting.
    CONF32_GUEST_CURSOR_REPORTING: u32 = 3 => "VBOX_VBVA_CONF32_GUEST_CURSOR_REPORTING";
    /// QUERY_CONF32 index: cursor capabilities.
    CONF32_CURSOR_CAPABILITIES: u32 = 4 => "VBOX_VBVA_CONF32_CURSOR_CAPABILITIES";
    /// QUERY_CONF32 index: screen flags.
    CONF32_SCREEN_FLAGS: u32 = 5 => "VBOX_VBVA_CONF32_SCREEN_FLAGS";
    /// QUERY_CONF32 index: max record size.
    CONF32_MAX_RECORD_SIZE: u32 = 6 => "VBOX_VBVA_CONF32_MAX_RECORD_SIZE";
    /// VBVA enable flag: enable.
    VBVA_F_ENABLE: u32 = 1 => "VBVA_F_ENABLE";
    /// VBVA enable flag: disable.
    VBVA_F_DISABLE: u32 = 2 => "VBVA_F_DISABLE";
    /// VBVA enable flag: screen id given (VBVAENABLE_EX).
    VBVA_F_EXTENDED: u32 = 4 => "VBVA_F_EXTENDED";
    /// VBVA enable flag: offset from VRAM start.
    VBVA_F_ABSOFFSET: u32 = 8 => "VBVA_F_ABSOFFSET";
    /// Ring host events: VBVA active.
    VBVA_F_MODE_ENABLED: u32 = 1 => "VBVA_F_MODE_ENABLED";
    /// Ring host events: VRDP reset (always set by 7.0.14 on enable).
    HOST_EVENTS_F_VRDP_RESET: u32 = 0x80 => "VBOX_VIDEO_INFO_HOST_EVENTS_F_VRDP_RESET";
    /// Record flag: still being written.
    VBVA_F_RECORD_PARTIAL: u32 = 0x8000_0000 => "VBVA_F_RECORD_PARTIAL";
    /// Records per ring.
    VBVA_MAX_RECORDS: u32 = 64 => "VBVA_MAX_RECORDS";
    /// Largest record.
    VBVA_MAX_RECORD_SIZE: u32 = 0x0800_0000 => "VBVA_MAX_RECORD_SIZE";
    /// Screen flag: active.
    SCREEN_F_ACTIVE: u16 = 1 => "VBVA_SCREEN_F_ACTIVE";
    /// Screen flag: disabled (monitor unplugged).
    SCREEN_F_DISABLED: u16 = 2 => "VBVA_SCREEN_F_DISABLED";
    /// Screen flag: blank with these dimensions.
    SCREEN_F_BLANK: u16 = 4 => "VBVA_SCREEN_F_BLANK";
    /// Screen flag: blank keeping the previous dimensions.
    SCREEN_F_BLANK2: u16 = 8 => "VBVA_SCREEN_F_BLANK2";
    /// Caps: guest handles VGA IRQs.
    VBVACAPS_IRQ: u32 = 2 => "VBVACAPS_IRQ";
    /// Caps: guest reads mode hints.
    VBVACAPS_VIDEO_MODE_HINTS: u32 = 4 => "VBVACAPS_VIDEO_MODE_HINTS";
    /// Caps: guest can switch to a software cursor.
    VBVACAPS_DISABLE_CURSOR_INTEGRATION: u32 = 8 => "VBVACAPS_DISABLE_CURSOR_INTEGRATION";
    /// Caps: VBE disable does not pause VBVA.
    VBVACAPS_USE_VBVA_ONLY: u32 = 16 => "VBVACAPS_USE_VBVA_ONLY";
    /// Mode hint magic.
    VBVAMODEHINT_MAGIC: u32 = 0x0801_ADD9 => "VBVAMODEHINT_MAGIC";
    /// Adapter information area at the end of VRAM.
    VBVA_ADAPTER_INFORMATION_SIZE: u32 = 65536 => "VBVA_ADAPTER_INFORMATION_SIZE";
    /// Most screens.
    MAX_SCREENS: u32 = 64 => "VBOX_VIDEO_MAX_SCREENS";

    /// Request: HGCMConnect.
    REQ_HGCM_CONNECT: u32 = 60 => "VMMDevReq_HGCMConnect";
    /// Request: HGCMDisconnect.
    REQ_HGCM_DISCONNECT: u32 = 61 => "VMMDevReq_HGCMDisconnect";
    /// Request: HGCMCall32 (12-byte parameters).
    REQ_HGCM_CALL32: u32 = 62 => "VMMDevReq_HGCMCall32";
    /// Request: HGCMCall64 (16-byte parameters).
    REQ_HGCM_CALL64: u32 = 63 => "VMMDevReq_HGCMCall64";
    /// Request: HGCMCancel (legacy, at the call's own address).
    REQ_HGCM_CANCEL: u32 = 64 => "VMMDevReq_HGCMCancel";
    /// Request: HGCMCancel2.
    REQ_HGCM_CANCEL2: u32 = 65 => "VMMDevReq_HGCMCancel2";
    /// HGCM request flag: the host completed it.
    HGCM_REQ_DONE: u32 = 1 => "VBOX_HGCM_REQ_DONE";
    /// HGCM request flag: guest-side "cancelled" marker (never set by the host).
    HGCM_REQ_CANCELLED: u32 = 2 => "VBOX_HGCM_REQ_CANCELLED";
    /// Most parameters per call.
    HGCM_MAX_PARMS: u32 = 32 => "VMMDEV_MAX_HGCM_PARMS";
    /// Most bytes one pointer parameter may carry.
    HGCM_MAX_DATA_SIZE: u32 = 128 * 1024 * 1024 => "VMMDEV_MAX_HGCM_DATA_SIZE";
    /// Service location: invalid.
    HGCM_LOC_INVALID: u32 = 0 => "VMMDevHGCMLoc_Invalid";
    /// Service location: local host.
    HGCM_LOC_LOCALHOST: u32 = 1 => "VMMDevHGCMLoc_LocalHost";
    /// Service location: local host, existing service.
    HGCM_LOC_LOCALHOST_EXISTING: u32 = 2 => "VMMDevHGCMLoc_LocalHost_Existing";
    /// Parameter type: 32-bit value.
    PARM_32BIT: u32 = 1 => "VMMDevHGCMParmType_32bit";
    /// Parameter type: 64-bit value.
    PARM_64BIT: u32 = 2 => "VMMDevHGCMParmType_64bit";
    /// Parameter type: physical address (rejected).
    PARM_PHYSADDR: u32 = 3 => "VMMDevHGCMParmType_PhysAddr";
    /// Parameter type: linear address, both directions.
    PARM_LINADDR: u32 = 4 => "VMMDevHGCMParmType_LinAddr";
    /// Parameter type: linear address, to the host.
    PARM_LINADDR_IN: u32 = 5 => "VMMDevHGCMParmType_LinAddr_In";
    /// Parameter type: linear address, from the host.
    PARM_LINADDR_OUT: u32 = 6 => "VMMDevHGCMParmType_LinAddr_Out";
    /// Parameter type: locked linear address (guest-driver internal, rejected).
    PARM_LINADDR_LOCKED: u32 = 7 => "VMMDevHGCMParmType_LinAddr_Locked";
    /// Parameter type: locked linear address, out (rejected).
    PARM_LINADDR_LOCKED_OUT: u32 = 9 => "VMMDevHGCMParmType_LinAddr_Locked_Out";
    /// Parameter type: page list.
    PARM_PAGELIST: u32 = 10 => "VMMDevHGCMParmType_PageList";
    /// Parameter type: embedded buffer.
    PARM_EMBEDDED: u32 = 11 => "VMMDevHGCMParmType_Embedded";
    /// Parameter type: no-bounce page list.
    PARM_NO_BOUNCE_PAGELIST: u32 = 13 => "VMMDevHGCMParmType_NoBouncePageList";
    /// Direction flag: to the host.
    HGCM_DIR_TO_HOST: u32 = 1 => "VBOX_HGCM_F_PARM_DIRECTION_TO_HOST";
    /// Direction flag: from the host.
    HGCM_DIR_FROM_HOST: u32 = 2 => "VBOX_HGCM_F_PARM_DIRECTION_FROM_HOST";
    /// Direction flags: both.
    HGCM_DIR_BOTH: u32 = 3 => "VBOX_HGCM_F_PARM_DIRECTION_BOTH";
    /// VINF_HGCM_ASYNC_EXECUTE: `header.rc` of an accepted HGCM request (stays so).
    VINF_HGCM_ASYNC_EXECUTE: i32 = 2903 => "VINF_HGCM_ASYNC_EXECUTE";
    /// VERR_HGCM_SERVICE_NOT_FOUND.
    VERR_HGCM_SERVICE_NOT_FOUND: i32 = -2900 => "VERR_HGCM_SERVICE_NOT_FOUND";
    /// VERR_HGCM_INVALID_CLIENT_ID.
    VERR_HGCM_INVALID_CLIENT_ID: i32 = -2905 => "VERR_HGCM_INVALID_CLIENT_ID";
    /// VERR_HGCM_TOO_MANY_CLIENTS.
    VERR_HGCM_TOO_MANY_CLIENTS: i32 = -2908 => "VERR_HGCM_TOO_MANY_CLIENTS";
    /// VERR_HGCM_TOO_MANY_CLIENT_CALLS.
    VERR_HGCM_TOO_MANY_CLIENT_CALLS: i32 = -2909 => "VERR_HGCM_TOO_MANY_CLIENT_CALLS";
    /// VERR_INVALID_POINTER.
    VERR_INVALID_POINTER: i32 = -6 => "VERR_INVALID_POINTER";
    /// VERR_PERMISSION_DENIED.
    VERR_PERMISSION_DENIED: i32 = -10 => "VERR_PERMISSION_DENIED";
    /// VERR_INVALID_FLAGS.
    VERR_INVALID_FLAGS: i32 = -13 => "VERR_INVALID_FLAGS";
    /// VERR_INTERRUPTED.
    VERR_INTERRUPTED: i32 = -39 => "VERR_INTERRUPTED";
    /// VERR_BUFFER_OVERFLOW.
    VERR_BUFFER_OVERFLOW: i32 = -41 => "VERR_BUFFER_OVERFLOW";
    /// VERR_TOO_MUCH_DATA.
    VERR_TOO_MUCH_DATA: i32 = -42 => "VERR_TOO_MUCH_DATA";
    /// VERR_PARSE_ERROR.
    VERR_PARSE_ERROR: i32 = -53 => "VERR_PARSE_ERROR";
    /// VERR_NOT_FOUND.
    VERR_NOT_FOUND: i32 = -78 => "VERR_NOT_FOUND";
    /// Guest properties: longest name, NUL included.
    GUEST_PROP_MAX_NAME_LEN: u32 = 64 => "GUEST_PROP_MAX_NAME_LEN";
    /// Guest properties: longest value, NUL included.
    GUEST_PROP_MAX_VALUE_LEN: u32 = 1024 => "GUEST_PROP_MAX_VALUE_LEN";
    /// Guest properties: most properties.
    GUEST_PROP_MAX_PROPS: u32 = 256 => "GUEST_PROP_MAX_PROPS";
    /// Guest properties: longest pattern string.
    GUEST_PROP_MAX_PATTERN_LEN: u32 = 1024 => "GUEST_PROP_MAX_PATTERN_LEN";
    /// Guest properties: notifications kept.
    GUEST_PROP_MAX_GUEST_NOTIFICATIONS: u32 = 256 => "GUEST_PROP_MAX_GUEST_NOTIFICATIONS";
    /// Guest properties: pending waits per client must stay below this.
    GUEST_PROP_MAX_GUEST_CONCURRENT_WAITS: u32 = 16 => "GUEST_PROP_MAX_GUEST_CONCURRENT_WAITS";
    /// Flag: TRANSIENT.
    GUEST_PROP_F_TRANSIENT: u32 = 2 => "GUEST_PROP_F_TRANSIENT";
    /// Flag: RDONLYGUEST.
    GUEST_PROP_F_RDONLYGUEST: u32 = 4 => "GUEST_PROP_F_RDONLYGUEST";
    /// Flag: RDONLYHOST.
    GUEST_PROP_F_RDONLYHOST: u32 = 8 => "GUEST_PROP_F_RDONLYHOST";
    /// Flag: READONLY (both).
    GUEST_PROP_F_READONLY: u32 = 12 => "GUEST_PROP_F_READONLY";
    /// Flag: TRANSRESET.
    GUEST_PROP_F_TRANSRESET: u32 = 16 => "GUEST_PROP_F_TRANSRESET";
    /// Longest formatted flags string, NUL included.
    GUEST_PROP_MAX_FLAGS_LEN: u32 = 35 => "GUEST_PROP_MAX_FLAGS_LEN";
    /// Guest function GET_PROP.
    GUEST_PROP_FN_GET_PROP: u32 = 1 => "GUEST_PROP_FN_GET_PROP";
    /// Guest function SET_PROP.
    GUEST_PROP_FN_SET_PROP: u32 = 2 => "GUEST_PROP_FN_SET_PROP";
    /// Guest function SET_PROP_VALUE.
    GUEST_PROP_FN_SET_PROP_VALUE: u32 = 3 => "GUEST_PROP_FN_SET_PROP_VALUE";
    /// Guest function DEL_PROP.
    GUEST_PROP_FN_DEL_PROP: u32 = 4 => "GUEST_PROP_FN_DEL_PROP";
    /// Guest function ENUM_PROPS.
    GUEST_PROP_FN_ENUM_PROPS: u32 = 5 => "GUEST_PROP_FN_ENUM_PROPS";
    /// Guest function GET_NOTIFICATION.
    GUEST_PROP_FN_GET_NOTIFICATION: u32 = 6 => "GUEST_PROP_FN_GET_NOTIFICATION";
}

/// VWRN_NOT_FOUND (+78): GET_NOTIFICATION's "your timestamp is gone" success
/// (hgcm-guest-properties.md §8; not in the layouts table).
pub const VWRN_NOT_FOUND: i32 = 78;
/// VINF_PERMISSION_DENIED (+10): a guest write refused by the global RDONLYGUEST flag.
pub const VINF_PERMISSION_DENIED: i32 = 10;

/// VINF_EM_OFF: the status a PowerOff request leaves in `rc` (VBox/err.h).
pub const VINF_EM_OFF: i32 = 1109;
/// VINF_EM_SUSPEND: the status a Pause or SaveState request leaves in `rc`.
pub const VINF_EM_SUSPEND: i32 = 1110;
/// VMMDevMemory size as the host reports it in `u32Size`.
pub const VMMDEV_MEMORY_SIZE: u32 = 0x3F_FD28;

/// Declares offset constants with the (struct, field) each mirrors.
macro_rules! offsets {
    ($( $(#[$doc:meta])* $name:ident = $val:expr => ($s:literal, $f:literal); )*) => {
        $( $(#[$doc])* pub const $name: usize = $val; )*
        /// (struct, field, offset) of every offset constant, for the layouts test.
        #[cfg(test)]
        pub(crate) const OFFSETS: &[(&str, &str, usize)] = &[ $( ($s, $f, $val) ),* ];
    };
}

offsets! {
    /// Request header: size.
    HDR_SIZE = 0 => ("VMMDevRequestHeader", "size");
    /// Request header: version.
    HDR_VERSION = 4 => ("VMMDevRequestHeader", "version");
    /// Request header: request type.
    HDR_TYPE = 8 => ("VMMDevRequestHeader", "requestType");
    /// Request header: rc.
    HDR_RC = 12 => ("VMMDevRequestHeader", "rc");
    /// Request payload start (= header size).
    REQ_BODY = 24 => ("VMMDevReqMouseStatus", "mouseFeatures");
    /// Mouse status: x.
    MOUSE_X = 28 => ("VMMDevReqMouseStatus", "pointerXPos");
    /// Mouse status: y.
    MOUSE_Y = 32 => ("VMMDevReqMouseStatus", "pointerYPos");
    /// Mouse status Ex: dz.
    MOUSE_DZ = 36 => ("VMMDevReqMouseStatusEx", "dz");
    /// Mouse status Ex: dw.
    MOUSE_DW = 40 => ("VMMDevReqMouseStatusEx", "dw");
    /// Mouse status Ex: buttons.
    MOUSE_BUTTONS = 44 => ("VMMDevReqMouseStatusEx", "fButtons");
    /// Pointer: flags.
    PTR_FLAGS = 24 => ("VMMDevReqMousePointer", "fFlags");
    /// Pointer: hot x.
    PTR_XHOT = 28 => ("VMMDevReqMousePointer", "xHot");
    /// Pointer: hot y.
    PTR_YHOT = 32 => ("VMMDevReqMousePointer", "yHot");
    /// Pointer: width.
    PTR_WIDTH = 36 => ("VMMDevReqMousePointer", "width");
    /// Pointer: height.
    PTR_HEIGHT = 40 => ("VMMDevReqMousePointer", "height");
    /// Pointer: data.
    PTR_DATA = 44 => ("VMMDevReqMousePointer", "pointerData");
    /// Host version: major.
    HV_MAJOR = 24 => ("VMMDevReqHostVersion", "major");
    /// Host version: minor.
    HV_MINOR = 26 => ("VMMDevReqHostVersion", "minor");
    /// Host version: build.
    HV_BUILD = 28 => ("VMMDevReqHostVersion", "build");
    /// Host version: revision.
    HV_REVISION = 32 => ("VMMDevReqHostVersion", "revision");
    /// Host version: features.
    HV_FEATURES = 36 => ("VMMDevReqHostVersion", "features");
    /// Host time: time.
    HOST_TIME = 24 => ("VMMDevReqHostTime", "time");
    /// Power: state.
    POWER_STATE = 24 => ("VMMDevPowerStateRequest", "powerState");
    /// Events: events.
    EVENTS = 24 => ("VMMDevEvents", "events");
    /// Filter mask: or.
    FILTER_OR = 24 => ("VMMDevCtlGuestFilterMask", "u32OrMask");
    /// Filter mask: not.
    FILTER_NOT = 28 => ("VMMDevCtlGuestFilterMask", "u32NotMask");
    /// Guest info: interface version.
    INFO_VERSION = 24 => ("VMMDevReportGuestInfo", "guestInfo.interfaceVersion");
    /// Guest info: OS type.
    INFO_OSTYPE = 28 => ("VMMDevReportGuestInfo", "guestInfo.osType");
    /// Guest info 2: major.
    INFO2_MAJOR = 24 => ("VMMDevReportGuestInfo2", "guestInfo.additionsMajor");
    /// Guest info 2: minor.
    INFO2_MINOR = 26 => ("VMMDevReportGuestInfo2", "guestInfo.additionsMinor");
    /// Guest info 2: build.
    INFO2_BUILD = 28 => ("VMMDevReportGuestInfo2", "guestInfo.additionsBuild");
    /// Guest info 2: revision.
    INFO2_REVISION = 32 => ("VMMDevReportGuestInfo2", "guestInfo.additionsRevision");
    /// Guest info 2: features.
    INFO2_FEATURES = 36 => ("VMMDevReportGuestInfo2", "guestInfo.additionsFeatures");
    /// Guest info 2: name.
    INFO2_NAME = 40 => ("VMMDevReportGuestInfo2", "guestInfo.szName");
    /// Guest status: facility.
    STATUS_FACILITY = 24 => ("VMMDevReportGuestStatus", "guestStatus.facility");
    /// Guest status: status.
    STATUS_STATUS = 28 => ("VMMDevReportGuestStatus", "guestStatus.status");
    /// Guest status: flags.
    STATUS_FLAGS = 32 => ("VMMDevReportGuestStatus", "guestStatus.flags");
    /// Capabilities (55): caps.
    CAPS_CAPS = 24 => ("VMMDevReqGuestCapabilities", "caps");
    /// Capabilities (56): or.
    CAPS2_OR = 24 => ("VMMDevReqGuestCapabilities2", "u32OrMask");
    /// Capabilities (56): not.
    CAPS2_NOT = 28 => ("VMMDevReqGuestCapabilities2", "u32NotMask");
    /// Display change (51): xres.
    DC_XRES = 24 => ("VMMDevDisplayChangeRequest", "xres");
    /// Display change (51): yres.
    DC_YRES = 28 => ("VMMDevDisplayChangeRequest", "yres");
    /// Display change (51): bpp.
    DC_BPP = 32 => ("VMMDevDisplayChangeRequest", "bpp");
    /// Display change (51): eventAck.
    DC_EVENTACK = 36 => ("VMMDevDisplayChangeRequest", "eventAck");
    /// Display change 2: display.
    DC2_DISPLAY = 40 => ("VMMDevDisplayChangeRequest2", "display");
    /// Display change Ex: x origin.
    DCEX_X = 44 => ("VMMDevDisplayChangeRequestEx", "cxOrigin");
    /// Display change Ex: y origin.
    DCEX_Y = 48 => ("VMMDevDisplayChangeRequestEx", "cyOrigin");
    /// Display change Ex: origin valid.
    DCEX_CHANGE_ORIGIN = 52 => ("VMMDevDisplayChangeRequestEx", "fChangeOrigin");
    /// Display change Ex: enabled.
    DCEX_ENABLED = 53 => ("VMMDevDisplayChangeRequestEx", "fEnabled");
    /// Display change Multi: eventAck.
    DCM_EVENTACK = 24 => ("VMMDevDisplayChangeRequestMulti", "eventAck");
    /// Display change Multi: count.
    DCM_COUNT = 28 => ("VMMDevDisplayChangeRequestMulti", "cDisplays");
    /// Display change Multi: array.
    DCM_DISPLAYS = 32 => ("VMMDevDisplayChangeRequestMulti", "aDisplays");
    /// Display def: flags.
    DEF_FLAGS = 0 => ("VMMDevDisplayDef", "fDisplayFlags");
    /// Display def: id.
    DEF_ID = 4 => ("VMMDevDisplayDef", "idDisplay");
    /// Display def: x origin.
    DEF_X = 8 => ("VMMDevDisplayDef", "xOrigin");
    /// Display def: y origin.
    DEF_Y = 12 => ("VMMDevDisplayDef", "yOrigin");
    /// Display def: width.
    DEF_CX = 16 => ("VMMDevDisplayDef", "cx");
    /// Display def: height.
    DEF_CY = 20 => ("VMMDevDisplayDef", "cy");
    /// Display def: bpp.
    DEF_BPP = 24 => ("VMMDevDisplayDef", "cBitsPerPixel");
    /// Video mode supported (52): width.
    VMS_WIDTH = 24 => ("VMMDevVideoModeSupportedRequest", "width");
    /// Video mode supported (52): result.
    VMS_SUPPORTED = 36 => ("VMMDevVideoModeSupportedRequest", "fSupported");
    /// Video mode supported 2 (57): display.
    VMS2_DISPLAY = 24 => ("VMMDevVideoModeSupportedRequest2", "display");
    /// Video mode supported 2 (57): result.
    VMS2_SUPPORTED = 40 => ("VMMDevVideoModeSupportedRequest2", "fSupported");
    /// Height reduction.
    HEIGHT_REDUCTION = 24 => ("VMMDevGetHeightReductionRequest", "heightReduction");
    /// Session id.
    SESSION_ID = 24 => ("VMMDevReqSessionId", "idSession");
    /// Heartbeat: interval.
    HB_INTERVAL = 24 => ("VMMDevReqHeartbeat", "cNsInterval");
    /// Heartbeat: enabled.
    HB_ENABLED = 32 => ("VMMDevReqHeartbeat", "fEnabled");
    /// VMMDevMemory: size.
    MEM_SIZE = 0 => ("VMMDevMemory", "u32Size");
    /// VMMDevMemory: version.
    MEM_VERSION = 4 => ("VMMDevMemory", "u32Version");
    /// VMMDevMemory: 1.04 "have events" byte.
    MEM_HAVE_EVENTS = 8 => ("VMMDevMemory", "V.V1_04.fHaveEvents");
    /// VMMDevMemory: 1.03 host events.
    MEM_HOST_EVENTS_103 = 8 => ("VMMDevMemory", "V.V1_03.u32HostEvents");
    /// VMMDevMemory: 1.03 guest event mask.
    MEM_GUEST_MASK_103 = 12 => ("VMMDevMemory", "V.V1_03.u32GuestEventMask");

    /// HGSMI header: data size.
    HGSMI_HDR_DATA_SIZE = 0 => ("HGSMIBUFFERHEADER", "u32DataSize");
    /// HGSMI header: channel.
    HGSMI_HDR_CHANNEL = 5 => ("HGSMIBUFFERHEADER", "u8Channel");
    /// HGSMI header: channel info.
    HGSMI_HDR_CHANNEL_INFO = 6 => ("HGSMIBUFFERHEADER", "u16ChannelInfo");
    /// HGSMI tail: reserved.
    HGSMI_TAIL_RESERVED = 0 => ("HGSMIBUFFERTAIL", "u32Reserved");
    /// HGSMI tail: checksum.
    HGSMI_TAIL_CHECKSUM = 4 => ("HGSMIBUFFERTAIL", "u32Checksum");
    /// Location: offset.
    LOCATION_OFFSET = 0 => ("HGSMIBUFFERLOCATION", "offLocation");
    /// Location: size.
    LOCATION_SIZE = 4 => ("HGSMIBUFFERLOCATION", "cbLocation");
    /// Host flags word.
    HOST_FLAGS = 0 => ("HGSMIHOSTFLAGS", "u32HostFlags");

    /// CONF32: index.
    CONF32_INDEX = 0 => ("VBVACONF32", "u32Index");
    /// CONF32: value.
    CONF32_VALUE = 4 => ("VBVACONF32", "u32Value");
    /// View: index.
    VIEW_INDEX = 0 => ("VBVAINFOVIEW", "u32ViewIndex");
    /// View: offset.
    VIEW_OFFSET = 4 => ("VBVAINFOVIEW", "u32ViewOffset");
    /// View: size.
    VIEW_SIZE = 8 => ("VBVAINFOVIEW", "u32ViewSize");
    /// View: max screen size.
    VIEW_MAX_SCREEN = 12 => ("VBVAINFOVIEW", "u32MaxScreenSize");
    /// Heap: offset.
    HEAP_OFFSET = 0 => ("VBVAINFOHEAP", "u32HeapOffset");
    /// Heap: size.
    HEAP_SIZE = 4 => ("VBVAINFOHEAP", "u32HeapSize");
    /// Screen: view index.
    SCREEN_VIEW = 0 => ("VBVAINFOSCREEN", "u32ViewIndex");
    /// Screen: x origin.
    SCREEN_ORIGIN_X = 4 => ("VBVAINFOSCREEN", "i32OriginX");
    /// Screen: y origin.
    SCREEN_ORIGIN_Y = 8 => ("VBVAINFOSCREEN", "i32OriginY");
    /// Screen: start offset.
    SCREEN_START = 12 => ("VBVAINFOSCREEN", "u32StartOffset");
    /// Screen: line size.
    SCREEN_LINE_SIZE = 16 => ("VBVAINFOSCREEN", "u32LineSize");
    /// Screen: width.
    SCREEN_WIDTH = 20 => ("VBVAINFOSCREEN", "u32Width");
    /// Screen: height.
    SCREEN_HEIGHT = 24 => ("VBVAINFOSCREEN", "u32Height");
    /// Screen: bpp.
    SCREEN_BPP = 28 => ("VBVAINFOSCREEN", "u16BitsPerPixel");
    /// Screen: flags.
    SCREEN_FLAGS = 30 => ("VBVAINFOSCREEN", "u16Flags");
    /// Enable: flags.
    ENABLE_FLAGS = 0 => ("VBVAENABLE", "u32Flags");
    /// Enable: offset.
    ENABLE_OFFSET = 4 => ("VBVAENABLE", "u32Offset");
    /// Enable: result.
    ENABLE_RESULT = 8 => ("VBVAENABLE", "i32Result");
    /// Enable Ex: screen id.
    ENABLE_SCREEN_ID = 12 => ("VBVAENABLE_EX", "u32ScreenId");
    /// Pointer shape: result.
    SHAPE_RESULT = 0 => ("VBVAMOUSEPOINTERSHAPE", "i32Result");
    /// Pointer shape: flags.
    SHAPE_FLAGS = 4 => ("VBVAMOUSEPOINTERSHAPE", "fu32Flags");
    /// Pointer shape: hot x.
    SHAPE_HOT_X = 8 => ("VBVAMOUSEPOINTERSHAPE", "u32HotX");
    /// Pointer shape: hot y.
    SHAPE_HOT_Y = 12 => ("VBVAMOUSEPOINTERSHAPE", "u32HotY");
    /// Pointer shape: width.
    SHAPE_WIDTH = 16 => ("VBVAMOUSEPOINTERSHAPE", "u32Width");
    /// Pointer shape: height.
    SHAPE_HEIGHT = 20 => ("VBVAMOUSEPOINTERSHAPE", "u32Height");
    /// Pointer shape: data.
    SHAPE_DATA = 24 => ("VBVAMOUSEPOINTERSHAPE", "au8Data");
    /// Caps: rc.
    CAPS_RC = 0 => ("VBVACAPS", "rc");
    /// Caps: flags.
    CAPS_FLAGS = 4 => ("VBVACAPS", "fCaps");
    /// Scanline cfg: rc.
    SCANLINE_RC = 0 => ("VBVASCANLINECFG", "rc");
    /// Scanline cfg: flags.
    SCANLINE_FLAGS = 4 => ("VBVASCANLINECFG", "fFlags");
    /// Query mode hints: count.
    QMH_COUNT = 0 => ("VBVAQUERYMODEHINTS", "cHintsQueried");
    /// Query mode hints: structure size.
    QMH_STRUCT_SIZE = 2 => ("VBVAQUERYMODEHINTS", "cbHintStructureGuest");
    /// Query mode hints: rc.
    QMH_RC = 4 => ("VBVAQUERYMODEHINTS", "rc");
    /// Mode hint: magic.
    HINT_MAGIC = 0 => ("VBVAMODEHINT", "magic");
    /// Mode hint: cx.
    HINT_CX = 4 => ("VBVAMODEHINT", "cx");
    /// Mode hint: cy.
    HINT_CY = 8 => ("VBVAMODEHINT", "cy");
    /// Mode hint: bpp.
    HINT_BPP = 12 => ("VBVAMODEHINT", "cBPP");
    /// Mode hint: display.
    HINT_DISPLAY = 16 => ("VBVAMODEHINT", "cDisplay");
    /// Mode hint: dx.
    HINT_DX = 20 => ("VBVAMODEHINT", "dx");
    /// Mode hint: dy.
    HINT_DY = 24 => ("VBVAMODEHINT", "dy");
    /// Mode hint: enabled.
    HINT_ENABLED = 28 => ("VBVAMODEHINT", "fEnabled");
    /// Input mapping: x.
    MAPPING_X = 0 => ("VBVAREPORTINPUTMAPPING", "x");
    /// Input mapping: y.
    MAPPING_Y = 4 => ("VBVAREPORTINPUTMAPPING", "y");
    /// Input mapping: cx.
    MAPPING_CX = 8 => ("VBVAREPORTINPUTMAPPING", "cx");
    /// Input mapping: cy.
    MAPPING_CY = 12 => ("VBVAREPORTINPUTMAPPING", "cy");
    /// Cursor position: report flag.
    CURSOR_REPORT = 0 => ("VBVACURSORPOSITION", "fReportPosition");
    /// Cursor position: x.
    CURSOR_X = 4 => ("VBVACURSORPOSITION", "x");
    /// Cursor position: y.
    CURSOR_Y = 8 => ("VBVACURSORPOSITION", "y");
    /// Ring: host events.
    RING_HOST_EVENTS = 0 => ("VBVABUFFER", "hostFlags.u32HostEvents");
    /// Ring: supported orders.
    RING_SUPPORTED_ORDERS = 4 => ("VBVABUFFER", "hostFlags.u32SupportedOrders");
    /// Ring: host read position.
    RING_OFF_DATA = 8 => ("VBVABUFFER", "off32Data");
    /// Ring: guest write position.
    RING_OFF_FREE = 12 => ("VBVABUFFER", "off32Free");
    /// Ring: records.
    RING_RECORDS = 16 => ("VBVABUFFER", "aRecords");
    /// Ring: first record (host).
    RING_INDEX_FIRST = 272 => ("VBVABUFFER", "indexRecordFirst");
    /// Ring: free record (guest).
    RING_INDEX_FREE = 276 => ("VBVABUFFER", "indexRecordFree");
    /// Ring: partial write threshold.
    RING_THRESHOLD = 280 => ("VBVABUFFER", "cbPartialWriteThreshold");
    /// Ring: data size.
    RING_CB_DATA = 284 => ("VBVABUFFER", "cbData");
    /// Ring: data.
    RING_DATA = 288 => ("VBVABUFFER", "au8Data");
    /// Dirty rect header: x.
    CMDHDR_X = 0 => ("VBVACMDHDR", "x");
    /// Dirty rect header: y.
    CMDHDR_Y = 2 => ("VBVACMDHDR", "y");
    /// Dirty rect header: w.
    CMDHDR_W = 4 => ("VBVACMDHDR", "w");
    /// Dirty rect header: h.
    CMDHDR_H = 6 => ("VBVACMDHDR", "h");
    /// HGCM header: flags (DONE).
    HGCM_FLAGS = 24 => ("VMMDevHGCMRequestHeader", "fu32Flags");
    /// HGCM header: the service's status.
    HGCM_RESULT = 28 => ("VMMDevHGCMRequestHeader", "result");
    /// Connect: location type.
    CONNECT_LOC_TYPE = 32 => ("VMMDevHGCMConnect", "loc.type");
    /// Connect: service name.
    CONNECT_NAME = 36 => ("VMMDevHGCMConnect", "loc.u.host.achName");
    /// Connect: client id (out).
    CONNECT_CLIENT_ID = 164 => ("VMMDevHGCMConnect", "u32ClientID");
    /// Disconnect: client id.
    DISCONNECT_CLIENT_ID = 32 => ("VMMDevHGCMDisconnect", "u32ClientID");
    /// Call: client id.
    CALL_CLIENT_ID = 32 => ("VMMDevHGCMCall", "u32ClientID");
    /// Call: function.
    CALL_FUNCTION = 36 => ("VMMDevHGCMCall", "u32Function");
    /// Call: parameter count.
    CALL_PARMS = 40 => ("VMMDevHGCMCall", "cParms");
    /// Parameter: type.
    PARM_TYPE = 0 => ("HGCMFunctionParameter64", "type");
    /// Parameter: 32/64-bit value, or a pointer's size.
    PARM_VALUE = 4 => ("HGCMFunctionParameter64", "u.value64");
    /// Parameter (64-bit form): pointer address.
    PARM64_ADDR = 8 => ("HGCMFunctionParameter64", "u.LinAddr.uAddr");
    /// Parameter (32-bit form): pointer address.
    PARM32_ADDR = 8 => ("HGCMFunctionParameter32", "u.LinAddr.uAddr");
    /// Parameter: embedded cbData.
    PARM_EMBEDDED_SIZE = 8 => ("HGCMFunctionParameter64", "u.Embedded.cbData");
    /// Cancel2: the request to cancel.
    CANCEL2_PHYS = 24 => ("VMMDevHGCMCancel2", "physReqToCancel");
}

/// Declares size constants with the struct each mirrors.
macro_rules! sizes {
    ($( $(#[$doc:meta])* $name:ident = $val:expr => $s:literal; )*) => {
        $( $(#[$doc])* pub const $name: usize = $val; )*
        /// (struct, size) of every size constant, for the layouts test.
        #[cfg(test)]
        pub(crate) const SIZES: &[(&str, usize)] = &[ $( ($s, $val) ),* ];
    };
}
pub(crate) use sizes;

sizes! {
    /// Request header.
    SIZE_HEADER = 24 => "VMMDevRequestHeader";
    /// Mouse status.
    SIZE_MOUSE_STATUS = 36 => "VMMDevReqMouseStatus";
    /// Mouse status Ex.
    SIZE_MOUSE_STATUS_EX = 48 => "VMMDevReqMouseStatusEx";
    /// Pointer shape without data.
    SIZE_POINTER = 48 => "VMMDevReqMousePointer";
    /// Host version.
    SIZE_HOST_VERSION = 40 => "VMMDevReqHostVersion";
    /// Host time.
    SIZE_HOST_TIME = 32 => "VMMDevReqHostTime";
    /// Hypervisor info.
    SIZE_HYPERVISOR_INFO = 32 => "VMMDevReqHypervisorInfo";
    /// Power status.
    SIZE_POWER = 28 => "VMMDevPowerStateRequest";
    /// Events.
    SIZE_EVENTS = 28 => "VMMDevEvents";
    /// Filter mask.
    SIZE_FILTER = 32 => "VMMDevCtlGuestFilterMask";
    /// Guest info.
    SIZE_INFO = 32 => "VMMDevReportGuestInfo";
    /// Guest info 2.
    SIZE_INFO2 = 168 => "VMMDevReportGuestInfo2";
    /// Guest status.
    SIZE_STATUS = 36 => "VMMDevReportGuestStatus";
    /// Capabilities (55).
    SIZE_CAPS = 28 => "VMMDevReqGuestCapabilities";
    /// Capabilities (56).
    SIZE_CAPS2 = 32 => "VMMDevReqGuestCapabilities2";
    /// Display change (51).
    SIZE_DC = 40 => "VMMDevDisplayChangeRequest";
    /// Display change 2.
    SIZE_DC2 = 44 => "VMMDevDisplayChangeRequest2";
    /// Display change Ex.
    SIZE_DCEX = 56 => "VMMDevDisplayChangeRequestEx";
    /// Display change Multi with one def.
    SIZE_DCM_MIN = 60 => "VMMDevDisplayChangeRequestMulti";
    /// Display def.
    SIZE_DISPLAY_DEF = 28 => "VMMDevDisplayDef";
    /// Video mode supported.
    SIZE_VMS = 40 => "VMMDevVideoModeSupportedRequest";
    /// Video mode supported 2.
    SIZE_VMS2 = 44 => "VMMDevVideoModeSupportedRequest2";
    /// Height reduction.
    SIZE_HEIGHT_REDUCTION = 28 => "VMMDevGetHeightReductionRequest";
    /// Session id.
    SIZE_SESSION_ID = 32 => "VMMDevReqSessionId";
    /// Write core dump.
    SIZE_CORE_DUMP = 28 => "VMMDevReqWriteCoreDump";
    /// Heartbeat configure.
    SIZE_HEARTBEAT = 36 => "VMMDevReqHeartbeat";
    /// HGSMI header.
    SIZE_HGSMI_HEADER = 16 => "HGSMIBUFFERHEADER";
    /// HGSMI tail.
    SIZE_HGSMI_TAIL = 8 => "HGSMIBUFFERTAIL";
    /// Host flags.
    SIZE_HOST_FLAGS = 16 => "HGSMIHOSTFLAGS";
    /// Location.
    SIZE_LOCATION = 8 => "HGSMIBUFFERLOCATION";
    /// CONF32.
    SIZE_CONF32 = 8 => "VBVACONF32";
    /// Info view.
    SIZE_INFO_VIEW = 16 => "VBVAINFOVIEW";
    /// Info heap.
    SIZE_INFO_HEAP = 8 => "VBVAINFOHEAP";
    /// Flush.
    SIZE_FLUSH = 4 => "VBVAFLUSH";
    /// Info screen.
    SIZE_INFO_SCREEN = 32 => "VBVAINFOSCREEN";
    /// Enable.
    SIZE_ENABLE = 12 => "VBVAENABLE";
    /// Enable Ex.
    SIZE_ENABLE_EX = 16 => "VBVAENABLE_EX";
    /// Pointer shape (with its 4-byte placeholder array).
    SIZE_SHAPE = 28 => "VBVAMOUSEPOINTERSHAPE";
    /// Caps.
    SIZE_VBVA_CAPS = 8 => "VBVACAPS";
    /// Scanline cfg.
    SIZE_SCANLINE_CFG = 16 => "VBVASCANLINECFG";
    /// Query mode hints head.
    SIZE_QMH = 8 => "VBVAQUERYMODEHINTS";
    /// Mode hint.
    SIZE_MODE_HINT = 32 => "VBVAMODEHINT";
    /// Input mapping.
    SIZE_INPUT_MAPPING = 16 => "VBVAREPORTINPUTMAPPING";
    /// Cursor position.
    SIZE_CURSOR_POSITION = 12 => "VBVACURSORPOSITION";
    /// Dirty rect header.
    SIZE_CMDHDR = 8 => "VBVACMDHDR";
    /// VMMDevMemory.
    SIZE_VMMDEV_MEMORY = 0x3F_FD28 => "VMMDevMemory";
    /// HGCM connect.
    SIZE_HGCM_CONNECT = 168 => "VMMDevHGCMConnect";
    /// HGCM disconnect.
    SIZE_HGCM_DISCONNECT = 36 => "VMMDevHGCMDisconnect";
    /// HGCM call header (parameters follow).
    SIZE_HGCM_CALL = 44 => "VMMDevHGCMCall";
    /// HGCM cancel (legacy).
    SIZE_HGCM_CANCEL = 32 => "VMMDevHGCMCancel";
    /// HGCM cancel 2.
    SIZE_HGCM_CANCEL2 = 28 => "VMMDevHGCMCancel2";
    /// 64-bit parameter.
    SIZE_PARM64 = 16 => "HGCMFunctionParameter64";
    /// 32-bit parameter.
    SIZE_PARM32 = 12 => "HGCMFunctionParameter32";
}

/// Size of the VBVABUFFER head before `au8Data` (the C sizeof is 289 because of the
/// one-byte placeholder array).
pub const RING_HEAD_SIZE: usize = RING_DATA;

#[cfg(test)]
mod tests {
    use super::*;

    fn layouts() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/virtualbox-layouts.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("layouts copy"))
            .expect("valid JSON")
    }

    #[test]
    fn copy_of_layouts_matches_the_shared_spec() {
        let shared = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/spec/layouts.json"
        );
        if let Ok(text) = std::fs::read_to_string(shared) {
            let ours = std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/virtualbox-layouts.json"
            ))
            .unwrap();
            assert_eq!(text, ours, "twin/tests/data copy is stale");
        }
    }

    #[test]
    fn every_constant_matches_the_headers() {
        let json = layouts();
        for (name, value) in MIRRORED {
            let expected = json["constants"][name]
                .as_i64()
                .unwrap_or_else(|| panic!("{name} missing from layouts.json"));
            assert_eq!(*value, expected, "{name}");
        }
        assert_eq!(VMMDEV_MEMORY_SIZE as usize, SIZE_VMMDEV_MEMORY);
    }

    #[test]
    fn every_offset_matches_the_headers() {
        let json = layouts();
        for (s, f, off) in OFFSETS {
            let expected = json["structs"][s]["fields"][f]["offset"]
                .as_u64()
                .unwrap_or_else(|| panic!("{s}.{f} missing"));
            assert_eq!(*off as u64, expected, "{s}.{f}");
        }
        for (s, size) in SIZES {
            let expected = json["structs"][s]["size"]
                .as_u64()
                .unwrap_or_else(|| panic!("{s} missing"));
            assert_eq!(*size as u64, expected, "sizeof {s}");
        }
    }
}
