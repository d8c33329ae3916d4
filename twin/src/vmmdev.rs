//! VMMDev (PCI 80EE:CAFE) as the VirtualBox 7.0.14 host implements it (spec §2–§5).
//!
//! The request port takes a 32-bit guest-physical address; the host reads the header
//! there, applies the §2.3 checks, dispatches, and writes the whole request back with
//! `rc`. Events follow protocol 1.04 (§2.6) or, when the guest reported 0x00010003,
//! the legacy 1.03 path (§2.7). Every rejection the host would produce is also
//! recorded as a protocol error.

use std::collections::BTreeMap;

use crate::errors::{Device, ErrorLog};
use crate::hgcm::{Hgcm, HgcmEnv};
use crate::memory::{GuestMemory, RegionKind};
use crate::pointer::{self, HostPointer};
use crate::wire::*;

/// Number of displays the host tracks hints for.
pub const DISPLAY_COUNT: usize = 64;
/// Longest backdoor log line the host buffers.
const LOG_LINE_MAX: usize = 511;
/// Facilities the host keeps status for.
const FACILITY_TABLE_SIZE: usize = 32;

/// Host configuration of the VMMDev (the CFGM keys the spec names).
#[derive(Debug, Clone)]
pub struct VmmDevConfig {
    /// Host version reported by GetHostVersion: major, minor, build, revision.
    pub host_version: (u16, u16, u32, u32),
    /// Host feature bits (7.0.14 sets the four HGCM bits and FAST_IRQ_ACK).
    pub host_features: u32,
    /// CFGM `HeartbeatInterval` in ns.
    pub heartbeat_interval_ns: u64,
    /// CFGM `GetHostTimeDisabled`.
    pub host_time_disabled: bool,
    /// CFGM `AllowGuestToSaveState`.
    pub allow_save_state: bool,
    /// Largest mode the frontend reports as supported (None: no framebuffer → true).
    pub max_video_mode: Option<(u32, u32)>,
}

impl Default for VmmDevConfig {
    fn default() -> Self {
        Self {
            host_version: (7, 0, 14, 161_095),
            host_features: HVF_HGCM_PHYS_PAGE_LIST
                | HVF_HGCM_EMBEDDED_BUFFERS
                | HVF_HGCM_CONTIGUOUS_PAGE_LIST
                | HVF_HGCM_NO_BOUNCE_PAGE_LIST
                | HVF_FAST_IRQ_ACK,
            heartbeat_interval_ns: 2_000_000_000,
            host_time_disabled: false,
            allow_save_state: true,
            max_video_mode: None,
        }
    }
}

/// What ReportGuestInfo (50) carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestInfo {
    /// `interfaceVersion`.
    pub interface_version: u32,
    /// `osType`.
    pub os_type: u32,
}

/// What ReportGuestInfo2 (58) carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestInfo2 {
    /// Additions major.
    pub major: u16,
    /// Additions minor.
    pub minor: u16,
    /// Additions build.
    pub build: u32,
    /// Additions revision.
    pub revision: u32,
    /// Feature bits.
    pub features: u32,
    /// Name string.
    pub name: String,
}

/// VMMDevDisplayDef: one display's hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DisplayDef {
    /// VMMDEV_DISPLAY_* flags.
    pub flags: u32,
    /// Display index.
    pub id: u32,
    /// X origin.
    pub x: i32,
    /// Y origin.
    pub y: i32,
    /// Width.
    pub cx: u32,
    /// Height.
    pub cy: u32,
    /// Bits per pixel.
    pub bpp: u32,
}

impl DisplayDef {
    fn initial(id: u32) -> Self {
        Self {
            flags: DISPLAY_DISABLED,
            id,
            ..Self::default()
        }
    }

    fn encode(&self) -> [u8; SIZE_DISPLAY_DEF] {
        let mut b = [0u8; SIZE_DISPLAY_DEF];
        for (off, v) in [
            (DEF_FLAGS, self.flags),
            (DEF_ID, self.id),
            (DEF_X, self.x as u32),
            (DEF_Y, self.y as u32),
            (DEF_CX, self.cx),
            (DEF_CY, self.cy),
            (DEF_BPP, self.bpp),
        ] {
            b[off..off + 4].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// vmmdevIsMonitorDefEqual: fields whose flag is clear in `self` (the new def)
    /// are not compared; DISABLED and PRIMARY always are.
    fn same_as(&self, old: &DisplayDef) -> bool {
        let flag = |f| self.flags & f != 0;
        self.id == old.id
            && (!flag(DISPLAY_ORIGIN) || (self.x, self.y) == (old.x, old.y))
            && (!flag(DISPLAY_CX) || self.cx == old.cx)
            && (!flag(DISPLAY_CY) || self.cy == old.cy)
            && (!flag(DISPLAY_BPP) || self.bpp == old.bpp)
            && (self.flags & DISPLAY_DISABLED) == (old.flags & DISPLAY_DISABLED)
            && (self.flags & DISPLAY_PRIMARY) == (old.flags & DISPLAY_PRIMARY)
    }
}

#[derive(Debug, Clone, Copy)]
struct DisplayState {
    latest: DisplayDef,
    last_read: DisplayDef,
    pending: bool,
}

/// A power request the guest made (SetPowerStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    /// 1: the VM suspends.
    Pause,
    /// 2: the VM powers off.
    PowerOff,
    /// 3: save state and power off.
    SaveState,
}

/// One request as the host saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The 32-bit address written to the port.
    pub address: u32,
    /// `requestType`.
    pub request_type: u32,
    /// `size` from the header.
    pub size: u32,
    /// The request bytes as submitted (up to `size`, or the header if unreadable).
    pub submitted: Vec<u8>,
    /// The rc the host wrote back (None when it wrote nothing).
    pub rc: Option<i32>,
}

/// Heartbeat state (§3.16).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Heartbeat {
    /// Whether the guest enabled heartbeats.
    pub active: bool,
    /// Heartbeats received.
    pub count: u64,
    /// When the host would log "guest seems to be unresponsive" (virtual µs).
    pub deadline_us: Option<u64>,
    /// Whether that happened at least once.
    pub flatlined: bool,
}

/// Everything a request needs from the rest of the machine.
pub struct Env<'a> {
    /// Guest memory.
    pub mem: &'a GuestMemory,
    /// Where protocol errors go.
    pub errors: &'a mut ErrorLog,
    /// Virtual time, µs since power-on.
    pub now_us: u64,
    /// VM UTC time, ms since the epoch.
    pub utc_ms: u64,
    /// The host's pointer (SetPointerShape forwards here).
    pub pointer: &'a mut HostPointer,
}

/// The VMMDev host state.
#[derive(Debug)]
pub struct VmmDev {
    config: VmmDevConfig,
    additions_ok: bool,
    legacy_protocol: bool,
    guest_info_raw: [u8; 8],
    guest_info: Option<GuestInfo>,
    guest_info2: Option<GuestInfo2>,
    guest_caps: u32,
    pending_events: u32,
    filter_mask: u32,
    new_filter_mask: Option<u32>,
    irq: bool,
    mouse_caps: u32,
    main_guest_mouse: u32,
    mouse: (i32, i32, i32, i32, u32),
    displays: [DisplayState; DISPLAY_COUNT],
    guest_sent_ack: bool,
    current_monitor: usize,
    session_id: u64,
    heartbeat: Heartbeat,
    facilities: BTreeMap<u32, (u32, u32)>,
    power: Vec<PowerAction>,
    log_buffer: Vec<u8>,
    log_lines: Vec<String>,
    requests: Vec<RequestRecord>,
    events_raised: u32,
    injected_failures: BTreeMap<u32, (i32, u32)>,
    hgcm: Hgcm,
}

impl VmmDev {
    /// A freshly constructed device.
    pub fn new(config: VmmDevConfig, session_id: u64) -> Self {
        let displays = std::array::from_fn(|i| DisplayState {
            latest: DisplayDef::initial(i as u32),
            last_read: DisplayDef::initial(i as u32),
            pending: false,
        });
        Self {
            config,
            additions_ok: false,
            legacy_protocol: false,
            guest_info_raw: [0; 8],
            guest_info: None,
            guest_info2: None,
            guest_caps: 0,
            pending_events: 0,
            filter_mask: 0,
            new_filter_mask: None,
            irq: false,
            mouse_caps: MOUSE_HOST_RECHECKS_NEEDS_HOST_CURSOR | MOUSE_HOST_USES_FULL_STATE_PROTOCOL,
            main_guest_mouse: 0,
            mouse: (0, 0, 0, 0, 0),
            displays,
            guest_sent_ack: false,
            current_monitor: 0,
            session_id,
            heartbeat: Heartbeat::default(),
            facilities: BTreeMap::new(),
            power: Vec::new(),
            log_buffer: Vec::new(),
            log_lines: Vec::new(),
            requests: Vec::new(),
            events_raised: 0,
            injected_failures: BTreeMap::new(),
            hgcm: Hgcm::default(),
        }
    }

    /// HGCM and the guest property service.
    pub fn hgcm(&self) -> &Hgcm {
        &self.hgcm
    }

    /// HGCM, mutably (host-side property changes, hostile hooks).
    pub fn hgcm_mut(&mut self) -> &mut Hgcm {
        &mut self.hgcm
    }

    /// Writes HGCM completions that are due and raises VMMDEV_EVENT_HGCM for them.
    pub fn complete_hgcm(
        &mut self,
        mem: &GuestMemory,
        errors: &mut ErrorLog,
        now_us: u64,
        utc_ns: u64,
    ) {
        let mut env = HgcmEnv {
            mem,
            errors,
            now_us,
            utc_ns,
        };
        if self.hgcm.complete_due(&mut env) > 0 {
            self.post_events(EVENT_HGCM, mem);
        }
    }

    /// Writes the VMMDevMemory header as the host does at construction and reset.
    pub fn init_memory(&self, mem: &GuestMemory) {
        let b = &mem.region(RegionKind::VmmDevMemory).backing;
        b.fill(0, b.len(), 0);
        self.init_memory_header(mem);
    }

    /// The size and version fields of VMMDevMemory, on a region already zeroed.
    pub fn init_memory_header(&self, mem: &GuestMemory) {
        let b = &mem.region(RegionKind::VmmDevMemory).backing;
        b.write_u32(MEM_SIZE as u64, VMMDEV_MEMORY_SIZE);
        b.write_u32(MEM_VERSION as u64, VMMDEV_MEMORY_VERSION);
    }

    /// VM reset (vmmdevReset): guest state forgotten; the latest hints and the
    /// DISPLAY_CHANGE_REQUEST pending bit survive, `lastRead` goes back to DISABLED;
    /// the heartbeat timer stops but its "active" flag stays (§3.10, §3.16, §5).
    pub fn reset(&mut self, mem: &GuestMemory, session_id: u64) {
        self.additions_ok = false;
        self.legacy_protocol = false;
        self.guest_info_raw = [0; 8];
        self.guest_info = None;
        self.guest_info2 = None;
        self.guest_caps = 0;
        self.pending_events &= EVENT_DISPLAY_CHANGE_REQUEST;
        self.filter_mask = 0;
        self.new_filter_mask = None;
        self.irq = false;
        self.mouse_caps &= !MOUSE_GUEST_MASK;
        self.main_guest_mouse = 0;
        self.mouse = (0, 0, 0, 0, 0);
        for (i, d) in self.displays.iter_mut().enumerate() {
            d.last_read = DisplayDef::initial(i as u32);
        }
        self.current_monitor = 0;
        self.guest_sent_ack = false;
        self.heartbeat.deadline_us = None;
        self.facilities.clear();
        self.session_id = session_id;
        self.log_buffer.clear();
        self.init_memory(mem);
    }

    // ---- introspection ----

    /// Whether INTA is asserted.
    pub fn irq_asserted(&self) -> bool {
        self.irq
    }
    /// Whether a ReportGuestInfo was accepted.
    pub fn additions_ok(&self) -> bool {
        self.additions_ok
    }
    /// Whether the guest speaks the legacy 1.03 protocol.
    pub fn legacy_protocol(&self) -> bool {
        self.legacy_protocol
    }
    /// ReportGuestInfo contents.
    pub fn guest_info(&self) -> Option<GuestInfo> {
        self.guest_info
    }
    /// ReportGuestInfo2 contents.
    pub fn guest_info2(&self) -> Option<&GuestInfo2> {
        self.guest_info2.as_ref()
    }
    /// Guest capabilities (VMMDEV_GUEST_SUPPORTS_*).
    pub fn guest_capabilities(&self) -> u32 {
        self.guest_caps
    }
    /// The installed event filter mask.
    pub fn filter_mask(&self) -> u32 {
        self.filter_mask
    }
    /// Pending (not yet acknowledged) events.
    pub fn pending_events(&self) -> u32 {
        self.pending_events
    }
    /// The mouse capability word (host and guest bits).
    pub fn mouse_features(&self) -> u32 {
        self.mouse_caps
    }
    /// The guest mouse bits Main knows about (updated only on a notifying change).
    pub fn main_guest_mouse_features(&self) -> u32 {
        self.main_guest_mouse
    }
    /// Facility statuses reported: facility → (status, flags).
    pub fn facilities(&self) -> &BTreeMap<u32, (u32, u32)> {
        &self.facilities
    }
    /// Heartbeat state.
    pub fn heartbeat(&self) -> Heartbeat {
        self.heartbeat
    }
    /// Power requests received.
    pub fn power_actions(&self) -> &[PowerAction] {
        &self.power
    }
    /// Backdoor log lines (port 0x504).
    pub fn log_lines(&self) -> &[String] {
        &self.log_lines
    }
    /// Every request the host processed, in order.
    pub fn requests(&self) -> &[RequestRecord] {
        &self.requests
    }
    /// How many times INTA went from low to high.
    pub fn irq_raise_count(&self) -> u32 {
        self.events_raised
    }
    /// The latest hint and the last one the guest read, for a display.
    pub fn display_hint(&self, display: usize) -> Option<(DisplayDef, DisplayDef, bool)> {
        self.displays
            .get(display)
            .map(|d| (d.latest, d.last_read, d.pending))
    }
    /// The session id (GetSessionId).
    pub fn session_id(&self) -> u64 {
        self.session_id
    }

    // ---- events ----

    fn mmio_set_have_events(&self, mem: &GuestMemory, value: u8) {
        mem.region(RegionKind::VmmDevMemory)
            .backing
            .write(MEM_HAVE_EVENTS as u64, &[value]);
    }

    fn set_irq(&mut self, level: bool) {
        if level && !self.irq {
            self.events_raised += 1;
        }
        self.irq = level;
    }

    /// 1.03 raise: deliver pending & the mask the guest wrote into VMMDevMemory+0x0C.
    fn legacy_raise(&mut self, mem: &GuestMemory) {
        let b = &mem.region(RegionKind::VmmDevMemory).backing;
        let mask = b.read_u32(MEM_GUEST_MASK_103 as u64).unwrap_or(0);
        let events = self.pending_events & mask;
        b.write_u32(MEM_HOST_EVENTS_103 as u64, events);
        self.pending_events &= !events;
        self.set_irq(events != 0);
    }

    /// The host posts events (vmmdevNotifyGuestWorker).
    pub fn post_events(&mut self, events: u32, mem: &GuestMemory) {
        if !self.additions_ok {
            self.pending_events |= events;
            return;
        }
        if self.legacy_protocol {
            self.pending_events |= events;
            self.legacy_raise(mem);
            return;
        }
        let had = self.pending_events & self.filter_mask != 0;
        self.pending_events |= events;
        if !had && self.pending_events & self.filter_mask != 0 {
            self.mmio_set_have_events(mem, 1);
            self.set_irq(true);
        }
    }

    fn maybe_set_irq(&mut self, mem: &GuestMemory) {
        if self.additions_ok && self.pending_events & self.filter_mask != 0 {
            self.mmio_set_have_events(mem, 1);
            self.set_irq(true);
        }
    }

    fn acknowledge(&mut self, mem: &GuestMemory) -> u32 {
        if self.legacy_protocol {
            self.legacy_raise(mem);
            return 0;
        }
        if let Some(mask) = self.new_filter_mask.take() {
            self.filter_mask = mask;
        }
        let events = self.pending_events & self.filter_mask;
        self.pending_events &= !self.filter_mask;
        self.mmio_set_have_events(mem, 0);
        self.set_irq(false);
        events
    }

    /// 32-bit read of BAR0+8: the fast IRQ acknowledge.
    pub fn fast_ack(&mut self, mem: &GuestMemory) -> u32 {
        if !self.additions_ok || self.legacy_protocol {
            return 0xFFFF_FFFF;
        }
        self.acknowledge(mem)
    }

    // ---- host controls ----

    /// Test hook (a hostile or failing host): the next `count` requests of
    /// `request_type` that pass the header checks are answered with `rc` and no
    /// other effect. Not recorded as a protocol error. A count of 0 cancels a
    /// pending injection (the fuzzer found 0 kept as a count that underflowed).
    pub fn inject_failure(&mut self, request_type: u32, rc: i32, count: u32) {
        if count == 0 {
            self.injected_failures.remove(&request_type);
        } else {
            self.injected_failures.insert(request_type, (rc, count));
        }
    }

    /// The frontend switches absolute (integration on) or relative input.
    pub fn set_host_wants_absolute(&mut self, wants: bool, mem: &GuestMemory) {
        let old = self.mouse_caps;
        if wants {
            self.mouse_caps |= MOUSE_HOST_WANTS_ABSOLUTE;
        } else {
            self.mouse_caps &= !MOUSE_HOST_WANTS_ABSOLUTE;
        }
        if old != self.mouse_caps {
            self.post_events(EVENT_MOUSE_CAPABILITIES_CHANGED, mem);
        }
    }

    /// An absolute event reaches the VMMDev (vmmdevIPort_SetAbsoluteMouse).
    pub fn absolute_event(
        &mut self,
        x: i32,
        y: i32,
        dz: i32,
        dw: i32,
        buttons: u32,
        mem: &GuestMemory,
    ) {
        let (ox, oy, _, _, ob) = self.mouse;
        if (x, y, buttons) != (ox, oy, ob) || dz != 0 || dw != 0 {
            self.mouse = (x, y, dz, dw, buttons);
            self.post_events(EVENT_MOUSE_POSITION_CHANGED, mem);
        }
    }

    /// Main forwards a video mode hint (vmmdevIPort_RequestDisplayChange).
    pub fn request_display_change(
        &mut self,
        defs: &[DisplayDef],
        force: bool,
        notify: bool,
        mem: &GuestMemory,
    ) {
        let mut any = false;
        for def in defs {
            let Some(state) = self.displays.get_mut(def.id as usize) else {
                continue;
            };
            let changed = force || !def.same_as(&state.last_read);
            state.latest = *def;
            state.pending = changed && notify;
            any |= changed;
        }
        if any && notify {
            self.post_events(EVENT_DISPLAY_CHANGE_REQUEST, mem);
        }
    }

    /// One byte written to the backdoor log port 0x504.
    pub fn backdoor_log_byte(&mut self, byte: u8) {
        if byte == b'\n' || byte == b'\r' {
            if !self.log_buffer.is_empty() {
                let line = String::from_utf8_lossy(&self.log_buffer).into_owned();
                self.log_lines.push(line);
                self.log_buffer.clear();
            }
        } else if self.log_buffer.len() < LOG_LINE_MAX {
            self.log_buffer.push(byte);
        }
    }

    /// Advances the heartbeat timer to `now_us`.
    pub fn tick(&mut self, now_us: u64) {
        if let Some(deadline) = self.heartbeat.deadline_us {
            if now_us >= deadline {
                self.heartbeat.flatlined = true;
                self.heartbeat.deadline_us = None;
            }
        }
    }

    fn heartbeat_timeout_us(&self) -> u64 {
        2 * self.config.heartbeat_interval_ns / 1000
    }

    // ---- requests ----

    /// The guest wrote `addr` to the request port.
    pub fn handle_request(&mut self, addr: u32, env: &mut Env) {
        let phys = u64::from(addr);
        let mut header = [0u8; SIZE_HEADER];
        if env.mem.read(phys, &mut header).is_none() {
            env.errors.record(
                Device::VmmDev,
                format!("request address {addr:#x} is not in guest memory (host reads garbage)"),
            );
            return;
        }
        let field =
            |b: &[u8], off: usize| u32::from_le_bytes(b[off..off + 4].try_into().expect("4"));
        let size = field(&header, HDR_SIZE);
        let version = field(&header, HDR_VERSION);
        let request_type = field(&header, HDR_TYPE);
        let mut record = RequestRecord {
            address: addr,
            request_type,
            size,
            submitted: header.to_vec(),
            rc: None,
        };
        if (size as usize) < SIZE_HEADER {
            env.errors.record(
                Device::VmmDev,
                format!("request type {request_type} at {addr:#x}: size {size} < 24, ignored without write-back"),
            );
            self.requests.push(record);
            return;
        }
        if version != REQUEST_HEADER_VERSION {
            env.errors.record(
                Device::VmmDev,
                format!("request type {request_type}: header version {version:#x} != 0x10001, ignored without write-back"),
            );
            self.requests.push(record);
            return;
        }
        let header_only = |rc: i32, env: &mut Env, record: &mut RequestRecord| {
            env.mem.write(phys + HDR_RC as u64, &rc.to_le_bytes());
            record.rc = Some(rc);
        };
        if size > MAX_REQUEST_SIZE {
            env.errors.record(
                Device::VmmDev,
                format!("request type {request_type}: size {size} > 1 MiB"),
            );
            header_only(VERR_NOT_SUPPORTED, env, &mut record);
            self.requests.push(record);
            return;
        }
        let pre_info_ok = matches!(
            request_type,
            REQ_REPORT_GUEST_INFO
                | REQ_REPORT_GUEST_INFO2
                | REQ_WRITE_CORE_DUMP
                | REQ_GET_HOST_VERSION
        );
        if !self.additions_ok && !pre_info_ok {
            env.errors.record(
                Device::VmmDev,
                format!("request type {request_type} before ReportGuestInfo succeeded: VERR_NOT_SUPPORTED"),
            );
            header_only(VERR_NOT_SUPPORTED, env, &mut record);
            self.requests.push(record);
            return;
        }
        let mut req = vec![0u8; size as usize];
        if env.mem.read(phys, &mut req).is_none() {
            env.errors.record(
                Device::VmmDev,
                format!("request type {request_type} at {addr:#x} size {size} runs outside guest memory"),
            );
            self.requests.push(record);
            return;
        }
        record.submitted = req.clone();
        if let Some((rc, left)) = self.injected_failures.get_mut(&request_type) {
            let rc = *rc;
            *left -= 1;
            if *left == 0 {
                self.injected_failures.remove(&request_type);
            }
            req[HDR_RC..HDR_RC + 4].copy_from_slice(&rc.to_le_bytes());
            env.mem.write(phys, &req);
            record.rc = Some(rc);
            self.requests.push(record);
            return;
        }
        if (REQ_HGCM_CONNECT..=REQ_HGCM_CANCEL2).contains(&request_type) {
            let utc_ns = env.utc_ms.saturating_mul(1_000_000);
            let mut hgcm_env = HgcmEnv {
                mem: env.mem,
                errors: env.errors,
                now_us: env.now_us,
                utc_ns,
            };
            let rc = self.hgcm.request(phys, &mut req, &mut hgcm_env);
            record.rc = Some(rc);
            self.requests.push(record);
            if rc == VINF_HGCM_ASYNC_EXECUTE {
                // The first accepted HGCM command enables its event for good (§4).
                self.filter_mask |= EVENT_HGCM;
                if let Some(mask) = self.new_filter_mask.as_mut() {
                    *mask |= EVENT_HGCM;
                }
            }
            // Immediate completions happen before the guest's `out` returns.
            self.complete_hgcm(env.mem, env.errors, env.now_us, utc_ns);
            return;
        }
        let rc = self.dispatch(request_type, &mut req, env);
        // Idle (None) never sets rc.
        if let Some(rc) = rc {
            req[HDR_RC..HDR_RC + 4].copy_from_slice(&rc.to_le_bytes());
            if rc < 0 {
                env.errors.record(
                    Device::VmmDev,
                    format!("request type {request_type} (size {size}) failed with rc {rc}"),
                );
            }
        }
        record.rc = rc;
        env.mem.write(phys, &req);
        self.requests.push(record);
    }

    fn dispatch(&mut self, request_type: u32, req: &mut [u8], env: &mut Env) -> Option<i32> {
        let size = req.len();
        let rd =
            |req: &[u8], off: usize| u32::from_le_bytes(req[off..off + 4].try_into().expect("4"));
        let exact = |want: usize| size == want;
        let rc = match request_type {
            REQ_GET_MOUSE_STATUS | REQ_GET_MOUSE_STATUS_EX => {
                let ex = request_type == REQ_GET_MOUSE_STATUS_EX;
                if !exact(if ex {
                    SIZE_MOUSE_STATUS_EX
                } else {
                    SIZE_MOUSE_STATUS
                }) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                let (x, y, dz, dw, buttons) = self.mouse;
                put32(req, REQ_BODY, self.mouse_caps & MOUSE_MASK);
                put32(req, MOUSE_X, x as u32);
                put32(req, MOUSE_Y, y as u32);
                if ex {
                    put32(req, MOUSE_DZ, dz as u32);
                    put32(req, MOUSE_DW, dw as u32);
                    put32(req, MOUSE_BUTTONS, buttons);
                }
                VINF_SUCCESS
            }
            REQ_SET_MOUSE_STATUS => {
                if !exact(SIZE_MOUSE_STATUS) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                let new_guest = rd(req, REQ_BODY) & MOUSE_GUEST_MASK;
                let old = self.mouse_caps;
                self.mouse_caps = (old & !MOUSE_GUEST_MASK) | new_guest;
                if (old ^ self.mouse_caps) & MOUSE_NOTIFY_HOST_MASK != 0 {
                    self.main_guest_mouse = self.mouse_caps & MOUSE_GUEST_MASK;
                }
                VINF_SUCCESS
            }
            REQ_SET_POINTER_SHAPE => self.set_pointer_shape(req, env),
            REQ_GET_HOST_VERSION => {
                if !exact(SIZE_HOST_VERSION) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                let (major, minor, build, revision) = self.config.host_version;
                req[HV_MAJOR..HV_MAJOR + 2].copy_from_slice(&major.to_le_bytes());
                req[HV_MINOR..HV_MINOR + 2].copy_from_slice(&minor.to_le_bytes());
                put32(req, HV_BUILD, build);
                put32(req, HV_REVISION, revision);
                put32(req, HV_FEATURES, self.config.host_features);
                VINF_SUCCESS
            }
            REQ_IDLE => return None,
            REQ_GET_HOST_TIME => {
                if !exact(SIZE_HOST_TIME) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                if self.config.host_time_disabled {
                    return Some(VERR_NOT_SUPPORTED);
                }
                req[HOST_TIME..HOST_TIME + 8].copy_from_slice(&env.utc_ms.to_le_bytes());
                VINF_SUCCESS
            }
            REQ_GET_HYPERVISOR_INFO | REQ_SET_HYPERVISOR_INFO => {
                if !exact(SIZE_HYPERVISOR_INFO) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                if request_type == REQ_SET_HYPERVISOR_INFO && (rd(req, 24) != 0 || rd(req, 28) != 0)
                {
                    VERR_TRY_AGAIN
                } else {
                    put32(req, 24, 0);
                    put32(req, 28, 0);
                    VINF_SUCCESS
                }
            }
            REQ_SET_POWER_STATUS => {
                if !exact(SIZE_POWER) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                match rd(req, POWER_STATE) {
                    1 => {
                        self.power.push(PowerAction::Pause);
                        VINF_EM_SUSPEND
                    }
                    2 => {
                        self.power.push(PowerAction::PowerOff);
                        VINF_EM_OFF
                    }
                    3 if self.config.allow_save_state => {
                        self.power.push(PowerAction::SaveState);
                        VINF_EM_SUSPEND
                    }
                    3 => VERR_ACCESS_DENIED,
                    _ => VERR_INVALID_PARAMETER,
                }
            }
            REQ_ACKNOWLEDGE_EVENTS => {
                if !exact(SIZE_EVENTS) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                let events = self.acknowledge(env.mem);
                if !self.legacy_protocol {
                    put32(req, EVENTS, events);
                }
                VINF_SUCCESS
            }
            REQ_CTL_GUEST_FILTER_MASK => {
                if !exact(SIZE_FILTER) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                let or = rd(req, FILTER_OR);
                let not = rd(req, FILTER_NOT) & !EVENT_HGCM;
                if self.pending_events & self.filter_mask != 0 {
                    let base = self.new_filter_mask.unwrap_or(self.filter_mask);
                    self.new_filter_mask = Some((base | or) & !not);
                } else {
                    self.filter_mask = (self.filter_mask | or) & !not;
                    self.maybe_set_irq(env.mem);
                }
                VINF_SUCCESS
            }
            REQ_REPORT_GUEST_INFO => {
                if !exact(SIZE_INFO) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                let raw: [u8; 8] = req[24..32].try_into().expect("8");
                if raw != self.guest_info_raw || self.guest_info.is_none() {
                    self.guest_info_raw = raw;
                    let version = rd(req, INFO_VERSION);
                    self.guest_info = Some(GuestInfo {
                        interface_version: version,
                        os_type: rd(req, INFO_OSTYPE),
                    });
                    self.additions_ok = version >> 16 == 1 && version & 0xFFFF <= 4;
                    self.legacy_protocol = version == 0x0001_0003;
                }
                if !self.additions_ok {
                    VERR_VERSION_MISMATCH
                } else {
                    self.set_irq(false);
                    VINF_SUCCESS
                }
            }
            REQ_REPORT_GUEST_INFO2 => {
                if !exact(SIZE_INFO2) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                match parse_guest_info2(req) {
                    Ok(info) => {
                        self.guest_info2 = Some(info);
                        self.set_irq(false);
                        VINF_SUCCESS
                    }
                    Err(rc) => rc,
                }
            }
            REQ_GET_DISPLAY_CHANGE | REQ_GET_DISPLAY_CHANGE2 | REQ_GET_DISPLAY_CHANGE_EX => {
                let want = match request_type {
                    REQ_GET_DISPLAY_CHANGE => SIZE_DC,
                    REQ_GET_DISPLAY_CHANGE2 => SIZE_DC2,
                    _ => SIZE_DCEX,
                };
                if !exact(want) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                self.get_display_change(request_type, req, env.mem);
                VINF_SUCCESS
            }
            REQ_GET_DISPLAY_CHANGE_MULTI => self.get_display_change_multi(req),
            REQ_VIDEO_MODE_SUPPORTED | REQ_VIDEO_MODE_SUPPORTED2 => {
                let v2 = request_type == REQ_VIDEO_MODE_SUPPORTED2;
                if !exact(if v2 { SIZE_VMS2 } else { SIZE_VMS }) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                let base = if v2 { VMS_WIDTH + 4 } else { VMS_WIDTH };
                let (w, h) = (rd(req, base), rd(req, base + 4));
                let ok = self
                    .config
                    .max_video_mode
                    .is_none_or(|(mw, mh)| w <= mw && h <= mh);
                req[if v2 { VMS2_SUPPORTED } else { VMS_SUPPORTED }] = u8::from(ok);
                VINF_SUCCESS
            }
            REQ_GET_HEIGHT_REDUCTION => {
                if !exact(SIZE_HEIGHT_REDUCTION) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                put32(req, HEIGHT_REDUCTION, 0);
                VINF_SUCCESS
            }
            REQ_REPORT_GUEST_CAPABILITIES => {
                if !exact(SIZE_CAPS) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                self.guest_caps = rd(req, CAPS_CAPS) | GUEST_SUPPORTS_GRAPHICS;
                VINF_SUCCESS
            }
            REQ_SET_GUEST_CAPABILITIES => {
                if !exact(SIZE_CAPS2) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                self.guest_caps = (self.guest_caps | rd(req, CAPS2_OR)) & !rd(req, CAPS2_NOT);
                VINF_SUCCESS
            }
            REQ_REPORT_GUEST_STATUS => {
                if !exact(SIZE_STATUS) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                let facility = rd(req, STATUS_FACILITY);
                let status = rd(req, STATUS_STATUS);
                if facility == 0 || facility > 0x7FFF_FFFE {
                    VERR_INVALID_PARAMETER
                } else if status > 0xFFFF {
                    VERR_OUT_OF_RANGE
                } else if !self.facilities.contains_key(&facility)
                    && self.facilities.len() >= FACILITY_TABLE_SIZE
                {
                    VERR_OUT_OF_RESOURCES
                } else {
                    self.facilities
                        .insert(facility, (status, rd(req, STATUS_FLAGS)));
                    VINF_SUCCESS
                }
            }
            REQ_GET_SESSION_ID => {
                if !exact(SIZE_SESSION_ID) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                req[SESSION_ID..SESSION_ID + 8].copy_from_slice(&self.session_id.to_le_bytes());
                VINF_SUCCESS
            }
            REQ_WRITE_CORE_DUMP => {
                if !exact(SIZE_CORE_DUMP) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                VERR_ACCESS_DENIED
            }
            REQ_GUEST_HEARTBEAT => {
                self.heartbeat.count += 1;
                if self.heartbeat.active {
                    self.heartbeat.deadline_us = Some(env.now_us + self.heartbeat_timeout_us());
                }
                VINF_SUCCESS
            }
            REQ_HEARTBEAT_CONFIGURE => {
                if !exact(SIZE_HEARTBEAT) {
                    return Some(VERR_INVALID_PARAMETER);
                }
                req[HB_INTERVAL..HB_INTERVAL + 8]
                    .copy_from_slice(&self.config.heartbeat_interval_ns.to_le_bytes());
                let enable = req[HB_ENABLED] != 0;
                if enable != self.heartbeat.active {
                    self.heartbeat.active = enable;
                    self.heartbeat.deadline_us =
                        enable.then(|| env.now_us + self.heartbeat_timeout_us());
                }
                VINF_SUCCESS
            }
            _ => VERR_NOT_IMPLEMENTED,
        };
        Some(rc)
    }

    fn set_pointer_shape(&mut self, req: &[u8], env: &mut Env) -> i32 {
        let size = req.len();
        if size < SIZE_POINTER {
            return VERR_INVALID_PARAMETER;
        }
        let rd = |off: usize| u32::from_le_bytes(req[off..off + 4].try_into().expect("4"));
        let flags = rd(PTR_FLAGS);
        let (w, h) = (rd(PTR_WIDTH), rd(PTR_HEIGHT));
        let mut shape = None;
        if size > SIZE_POINTER && flags & POINTER_SHAPE != 0 {
            if w > 8192 || h > 8192 {
                return VERR_INVALID_PARAMETER;
            }
            let need = PTR_DATA as u64 + pointer::data_len(w, h);
            if need > size as u64 {
                return VERR_INVALID_PARAMETER;
            }
            shape = Some(pointer::decode(
                flags,
                rd(PTR_XHOT),
                rd(PTR_YHOT),
                w,
                h,
                &req[PTR_DATA..],
            ));
        }
        env.pointer
            .guest_request(shape, flags & POINTER_VISIBLE != 0);
        VINF_SUCCESS
    }

    fn values_of(&self, display: usize) -> DisplayDef {
        let d = &self.displays[display];
        if self.guest_sent_ack {
            d.last_read
        } else {
            d.latest
        }
    }

    fn mark_read(&mut self, display: usize) {
        let d = &mut self.displays[display];
        d.pending = false;
        d.last_read = d.latest;
    }

    fn get_display_change(&mut self, request_type: u32, req: &mut [u8], mem: &GuestMemory) {
        let ack = u32::from_le_bytes(req[DC_EVENTACK..DC_EVENTACK + 4].try_into().expect("4"))
            == EVENT_DISPLAY_CHANGE_REQUEST;
        let display = if request_type == REQ_GET_DISPLAY_CHANGE {
            if ack {
                self.mark_read(0);
                self.guest_sent_ack = true;
            }
            0
        } else {
            if ack {
                self.guest_sent_ack = true;
                if let Some(i) = self.displays.iter().position(|d| d.pending) {
                    self.mark_read(i);
                    self.current_monitor = i;
                    if self.displays.iter().any(|d| d.pending) {
                        self.post_events(EVENT_DISPLAY_CHANGE_REQUEST, mem);
                    }
                }
            }
            self.current_monitor
        };
        let def = self.values_of(display);
        let pick = |flag: u32, v: u32| if def.flags & flag != 0 { v } else { 0 };
        put32(req, DC_XRES, pick(DISPLAY_CX, def.cx));
        put32(req, DC_YRES, pick(DISPLAY_CY, def.cy));
        put32(req, DC_BPP, pick(DISPLAY_BPP, def.bpp));
        if request_type != REQ_GET_DISPLAY_CHANGE {
            put32(req, DC2_DISPLAY, display as u32);
        }
        if request_type == REQ_GET_DISPLAY_CHANGE_EX {
            put32(req, DCEX_X, def.x as u32);
            put32(req, DCEX_Y, def.y as u32);
            req[DCEX_CHANGE_ORIGIN] = u8::from(def.flags & DISPLAY_ORIGIN != 0);
            req[DCEX_ENABLED] = u8::from(def.flags & DISPLAY_DISABLED == 0);
        }
    }

    fn get_display_change_multi(&mut self, req: &mut [u8]) -> i32 {
        let size = req.len();
        let count = u32::from_le_bytes(req[DCM_COUNT..DCM_COUNT + 4].try_into().expect("4"));
        if size < SIZE_DCM_MIN
            || count == 0
            || count as usize > DISPLAY_COUNT
            || size < DCM_DISPLAYS + SIZE_DISPLAY_DEF * count as usize
        {
            return VERR_INVALID_PARAMETER;
        }
        let ack = u32::from_le_bytes(req[DCM_EVENTACK..DCM_EVENTACK + 4].try_into().expect("4"))
            == EVENT_DISPLAY_CHANGE_REQUEST;
        let slot = |i: usize| DCM_DISPLAYS + i * SIZE_DISPLAY_DEF;
        if ack {
            let mut written = 0usize;
            let mut pending_total = 0u32;
            for i in 0..DISPLAY_COUNT {
                let d = &mut self.displays[i];
                d.last_read = d.latest;
                if d.pending {
                    if written < count as usize {
                        req[slot(written)..slot(written) + SIZE_DISPLAY_DEF]
                            .copy_from_slice(&d.last_read.encode());
                        written += 1;
                    }
                    pending_total += 1;
                    d.pending = false;
                }
            }
            put32(req, DCM_COUNT, pending_total);
            self.guest_sent_ack = true;
        } else {
            for i in 0..count as usize {
                let def = self.values_of(i);
                req[slot(i)..slot(i) + SIZE_DISPLAY_DEF].copy_from_slice(&def.encode());
            }
        }
        VINF_SUCCESS
    }
}

fn put32(req: &mut [u8], off: usize, v: u32) {
    req[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// vmmdevReqHandler_ReportGuestInfo2's checks (§3.3).
fn parse_guest_info2(req: &[u8]) -> Result<GuestInfo2, i32> {
    let u16_at = |off: usize| u16::from_le_bytes(req[off..off + 2].try_into().expect("2"));
    let u32_at = |off: usize| u32::from_le_bytes(req[off..off + 4].try_into().expect("4"));
    let (major, minor, build) = (
        u16_at(INFO2_MAJOR),
        u16_at(INFO2_MINOR),
        u32_at(INFO2_BUILD),
    );
    if major < 3 {
        return Err(VERR_INVALID_PARAMETER);
    }
    if major > 255 || minor > 255 || build > 65535 {
        return Err(VERR_OUT_OF_RANGE);
    }
    let name_bytes = &req[INFO2_NAME..INFO2_NAME + 128];
    let nul = name_bytes
        .iter()
        .position(|&b| b == 0)
        .ok_or(VERR_INVALID_PARAMETER)?;
    let name = String::from_utf8_lossy(&name_bytes[..nul]).into_owned();
    let prefix = format!("{major}.{minor}.{build}");
    let suffix = name.strip_prefix(&prefix).ok_or(VERR_INVALID_PARAMETER)?;
    let strict = (major, minor, build) >= (4, 1, 50);
    if !suffix.is_empty() && !valid_version_suffix(suffix) && strict {
        return Err(VERR_INVALID_PARAMETER);
    }
    Ok(GuestInfo2 {
        major,
        minor,
        build,
        revision: u32_at(INFO2_REVISION),
        features: u32_at(INFO2_FEATURES),
        name,
    })
}

fn valid_build_tag(tag: &str) -> bool {
    ["RC", "BETA", "ALPHA"].iter().any(|t| {
        tag.strip_prefix(t).is_some_and(|n| {
            n.is_empty()
                || (n.bytes().all(|b| b.is_ascii_digit())
                    && n.parse::<u32>().is_ok_and(|v| v <= 255))
        })
    })
}

fn valid_publisher_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"()[]{}+-.,".contains(&b))
}

/// `_TAG`, `_TAG_PUBLISHER` or `_PUBLISHER` after "major.minor.build".
fn valid_version_suffix(suffix: &str) -> bool {
    let Some(rest) = suffix.strip_prefix('_') else {
        return false;
    };
    match rest.split_once('_') {
        Some((tag, publisher)) => valid_build_tag(tag) && valid_publisher_tag(publisher),
        None => valid_build_tag(rest) || valid_publisher_tag(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_suffix_rules() {
        assert!(valid_version_suffix("_RC1"));
        assert!(valid_version_suffix("_BETA2_OSE"));
        assert!(valid_version_suffix("_OSE"));
        assert!(!valid_version_suffix("_RC256_x"));
        assert!(!valid_version_suffix("-foo"));
        assert!(!valid_version_suffix("_a b"));
    }

    #[test]
    fn display_def_equality_ignores_unflagged_fields() {
        let old = DisplayDef {
            flags: DISPLAY_CX | DISPLAY_CY,
            id: 0,
            cx: 800,
            cy: 600,
            bpp: 32,
            ..DisplayDef::default()
        };
        let mut new = old;
        new.bpp = 16;
        assert!(new.same_as(&old), "BPP flag clear: bpp not compared");
        new.flags |= DISPLAY_BPP;
        assert!(!new.same_as(&old));
        let mut disabled = old;
        disabled.flags |= DISPLAY_DISABLED;
        assert!(!disabled.same_as(&old));
    }
}
