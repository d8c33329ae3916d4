//! VMMDev (PCI 80EE:CAFE): the VirtualBox guest device — guest reporting, events,
//! display-change hints, absolute mouse, host time, heartbeat and power-off.
//!
//! Written against `crate::hal` only. The caller finds the device on the PCI bus and
//! passes its resources ([`PciResources`]) plus one request page below 4 GiB (a
//! `PhysRegion` from a static pool whose physical address is known). Every request is
//! copied into that page, its physical address is written to the request port, and the
//! host has processed it when the `out` returns (spec §2.1–2.3). `rc` is preset to a
//! sentinel so an ignored request is told apart from a host error.

pub mod hgcm;
pub mod wire;

use crate::logging;
use core::fmt::Write;
use core::sync::atomic::{fence, Ordering};

use crate::hal::{BackgroundBeat, PciConfig, PhysMem, PhysRegion, PortIo};
use wire::*;
use zerocopy::{FromBytes, IntoBytes};

/// What the PCI scan found for VMMDev.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciResources {
    /// I/O BAR 0 base (the request port is at +0).
    pub io_base: u16,
    /// Physical address of memory BAR 1 (VMMDevMemory).
    pub mmio_phys: u64,
    /// Length of memory BAR 1.
    pub mmio_len: usize,
    /// PCI Interrupt Line (config offset 0x3C).
    pub interrupt_line: u8,
}

const PCI_COMMAND: u8 = 0x04;
const PCI_COMMAND_IO: u32 = 1 << 0;
const PCI_COMMAND_MEMORY: u32 = 1 << 1;
const PCI_BAR0: u8 = 0x10;
const PCI_BAR1: u8 = 0x14;
const PCI_INTERRUPT_LINE: u8 = 0x3C;

impl PciResources {
    /// Reads VMMDev's resources from configuration space: `Ok(None)` when the function
    /// is not 80EE:CAFE. Turns I/O and memory decoding on if firmware left them off
    /// (the BARs are only mapped while they are set), and sizes BAR 1 by the usual
    /// all-ones probe, restoring the BAR afterwards.
    pub fn probe(
        cfg: &mut impl PciConfig,
        bus: u8,
        device: u8,
        function: u8,
    ) -> Result<Option<Self>> {
        let id = cfg.read_config(bus, device, function, 0);
        if id != u32::from(VMMDEV_VENDORID) | u32::from(VMMDEV_DEVICEID) << 16 {
            return Ok(None);
        }
        let command = cfg.read_config(bus, device, function, PCI_COMMAND);
        let decoding = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
        if command & decoding != decoding {
            logging::info!(
                "vmmdev: enabling I/O and memory decoding (command was {:#06x})",
                command & 0xFFFF
            );
            // The upper half is the status register, whose bits are write-1-to-clear:
            // write zeros there.
            cfg.write_config(
                bus,
                device,
                function,
                PCI_COMMAND,
                (command & 0xFFFF) | decoding,
            );
        }
        let bar0 = cfg.read_config(bus, device, function, PCI_BAR0);
        let bar1 = cfg.read_config(bus, device, function, PCI_BAR1);
        if bar0 & 1 == 0 || bar1 & 1 != 0 {
            return Err(Error::BadBars { bar0, bar1 });
        }
        cfg.write_config(bus, device, function, PCI_BAR1, 0xFFFF_FFFF);
        let mask = cfg.read_config(bus, device, function, PCI_BAR1) & !0xF;
        cfg.write_config(bus, device, function, PCI_BAR1, bar1);
        let io_base = bar0 & !3;
        let mmio_len = (!mask).wrapping_add(1) as usize;
        if io_base == 0 || io_base > 0xFFFF || bar1 & !0xF == 0 || mask == 0 {
            return Err(Error::BadBars { bar0, bar1 });
        }
        Ok(Some(Self {
            io_base: io_base as u16,
            mmio_phys: u64::from(bar1 & !0xF),
            mmio_len,
            interrupt_line: cfg.read_config(bus, device, function, PCI_INTERRUPT_LINE) as u8,
        }))
    }
}

/// What went wrong talking to VMMDev. Every variant keeps the raw value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// BAR 0 is not an I/O BAR or BAR 1 not a memory BAR, or one is unassigned.
    BadBars {
        /// BAR 0 as read.
        bar0: u32,
        /// BAR 1 as read.
        bar1: u32,
    },
    /// The MMIO BAR could not be mapped.
    MmioUnmapped(u64),
    /// VMMDevMemory has the wrong version or an impossible size.
    BadMemory {
        /// `u32Version` found.
        version: u32,
        /// `u32Size` found.
        size: u32,
    },
    /// The request page ends above 4 GiB: the 32-bit port cannot address it.
    RequestPageAbove4GiB(u64),
    /// The request does not fit in the request page (bytes needed).
    RequestTooLarge(usize),
    /// The host left `rc` untouched: it ignored the request (bad header, no device).
    NotProcessed(RequestType),
    /// Every HGCM slot is in use (the caller retries after a completion).
    PoolFull,
    /// The host did not complete an HGCM request in time; it was cancelled.
    Timeout(RequestType),
    /// The host answered with a failure status.
    Host {
        /// The request that failed.
        request: RequestType,
        /// The status the host returned.
        rc: VBoxRc,
    },
}

/// Result of a VMMDev operation.
pub type Result<T = ()> = core::result::Result<T, Error>;

/// The "Guest Additions" version Vitrine reports when the host gives no version of
/// its own. Normally Vitrine reports the host's own version (GetHostVersion): it
/// speaks the host's protocol itself, so it is as new as the host by construction,
/// and the GUI, which compares the additions' version with its own, never calls it
/// outdated; a fixed number would turn "outdated" with every host update.
pub const ADDITIONS_VERSION: (u16, u16, u32) = (7, 0, 14);

/// Most displays one GetDisplayChangeRequestMulti asks about: the host's own limit,
/// so no pending hint is ever dropped for lack of a slot (the host marks hints that
/// did not fit as read).
pub const MAX_DISPLAYS: usize = 64;

/// Bytes of the largest request Vitrine sends (Multi with [`MAX_DISPLAYS`]).
pub const LARGEST_REQUEST: usize = display_change_multi_size(MAX_DISPLAYS as u32) as usize;

/// Largest SetPointerShape request (a 32×32 alpha pointer needs 4268 bytes; the
/// arrow needs under 1 KiB). Built on the stack, so kept small.
pub const MAX_POINTER_REQUEST: usize = 2048;
const POINTER_VISIBLE: u32 = 0x1;
const POINTER_ALPHA: u32 = 0x2;
const POINTER_SHAPE: u32 = 0x4;

/// Events Vitrine enables in the filter mask.
pub const WANTED_EVENTS: Events = Events::DISPLAY_CHANGE_REQUEST
    .union(Events::MOUSE_POSITION_CHANGED)
    .union(Events::MOUSE_CAPABILITIES_CHANGED);

/// Which display-change request the host understands (best first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisplayRequest {
    /// GetDisplayChangeRequestMulti (81).
    Multi,
    /// GetDisplayChangeRequestEx (80).
    Ex,
    /// GetDisplayChangeRequest2 (54).
    Two,
}

/// One display's hint as the host sent it (not validated: the runtime clamps it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayHint {
    /// Display number.
    pub display: u32,
    /// Width in pixels (0 = not given).
    pub width: u32,
    /// Height in pixels (0 = not given).
    pub height: u32,
    /// Bits per pixel (0 = not given).
    pub bpp: u32,
    /// Position in the virtual desktop, when the host gave one.
    pub origin: Option<(i32, i32)>,
    /// False when the host switched the display off.
    pub enabled: bool,
}

/// Hints from one fetch.
pub type DisplayHints = heapless::Vec<DisplayHint, MAX_DISPLAYS>;

/// Absolute mouse state (positions 0..=0xFFFF across the input mapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MouseState {
    /// Host and guest feature bits.
    pub features: MouseFeatures,
    /// Absolute X.
    pub x: i32,
    /// Absolute Y.
    pub y: i32,
    /// Buttons (full-state protocol only; empty otherwise).
    pub buttons: MouseButtons,
    /// Vertical wheel delta (full-state protocol only).
    pub dz: i32,
    /// Horizontal wheel delta (full-state protocol only).
    pub dw: i32,
}

/// The additions version to report for a host of `host` version: the host's own,
/// or [`ADDITIONS_VERSION`] when it reported none (0.0.0).
pub fn additions_version(host: (u16, u16, u32)) -> (u16, u16, u32) {
    if host.0 == 0 {
        ADDITIONS_VERSION
    } else {
        host
    }
}

/// The VMMDev driver: owns the request page and the device state it learned.
#[derive(Debug)]
pub struct VmmDev {
    io_base: u16,
    memory: PhysRegion,
    request_page: PhysRegion,
    host_version: (u16, u16, u32),
    host_features: HostFeatures,
    display_request: DisplayRequest,
    guest_mouse: MouseFeatures,
    heartbeat_interval_ns: Option<u64>,
}

impl VmmDev {
    /// Checks the resources and the request page, and maps VMMDevMemory. Sends nothing.
    pub fn new(
        pci: PciResources,
        mem: &mut impl PhysMem,
        request_page: PhysRegion,
    ) -> Result<Self> {
        let page_end = request_page
            .phys()
            .saturating_add(request_page.len() as u64);
        if page_end > 1 << 32 {
            return Err(Error::RequestPageAbove4GiB(request_page.phys()));
        }
        if request_page.len() < LARGEST_REQUEST {
            return Err(Error::RequestTooLarge(LARGEST_REQUEST));
        }
        let memory = mem
            .map(pci.mmio_phys, pci.mmio_len)
            .ok_or(Error::MmioUnmapped(pci.mmio_phys))?;
        let mut header = [0u8; core::mem::size_of::<MemoryHeader>()];
        memory.read_bytes(0, &mut header);
        let header = MemoryHeader::read_from_bytes(&header)
            .map_err(|_| Error::MmioUnmapped(pci.mmio_phys))?;
        let size_ok = (core::mem::size_of::<MemoryHeader>() as u32 * 2..=pci.mmio_len as u32)
            .contains(&header.u32Size);
        if header.u32Version != VMMDEV_MEMORY_VERSION || !size_ok {
            return Err(Error::BadMemory {
                version: header.u32Version,
                size: header.u32Size,
            });
        }
        Ok(Self {
            io_base: pci.io_base,
            memory,
            request_page,
            host_version: (0, 0, 0),
            host_features: HostFeatures::empty(),
            display_request: DisplayRequest::Multi,
            guest_mouse: MouseFeatures::empty(),
            heartbeat_interval_ns: None,
        })
    }

    /// Bring-up (spec §12): host version; guest info (Info2 first, falling back to
    /// Info1-then-Info2 on hosts without Info2); guest status "active"; the event filter;
    /// the graphics capability (what makes the GUI offer auto-resize).
    ///
    /// The filter request can already raise the IRQ (a hint queued before a reboot):
    /// keep the line masked, or the handler ready, before calling this.
    pub fn init(&mut self, io: &mut impl PortIo) -> Result {
        let mut version: GetHostVersion = Request::new_request(RequestType::GET_HOST_VERSION);
        self.submit(io, &mut version)?;
        self.host_version = (version.major, version.minor, version.build);
        self.host_features = HostFeatures::from_bits_retain(version.features);

        match self.report_guest_info2(io) {
            Ok(()) => self.report_guest_info(io)?,
            Err(Error::Host { rc, .. })
                if rc == VBoxRc::VERR_NOT_SUPPORTED || rc == VBoxRc::VERR_NOT_IMPLEMENTED =>
            {
                self.report_guest_info(io)?;
                if let Err(error) = self.report_guest_info2(io) {
                    logging::warn!("vmmdev: ReportGuestInfo2 refused ({error:?}); continuing");
                }
            }
            Err(error) => return Err(error),
        }
        self.report_status(io, FACILITY_TYPE_VBOX_GUEST_DRIVER, FACILITY_STATUS_ACTIVE)?;
        self.set_filter_mask(io, WANTED_EVENTS, !WANTED_EVENTS)?;
        self.set_capabilities(io, GuestCaps::GRAPHICS, GuestCaps::empty())
    }

    /// The I/O BAR base (the request port is at +0); HGCM submits through it too.
    pub fn io_base(&self) -> u16 {
        self.io_base
    }

    /// Host version (major, minor, build) from GetHostVersion.
    pub fn host_version(&self) -> (u16, u16, u32) {
        self.host_version
    }

    /// Host feature bits from GetHostVersion.
    pub fn host_features(&self) -> HostFeatures {
        self.host_features
    }

    /// The display-change request currently used (downgraded when the host lacks one).
    pub fn display_request(&self) -> DisplayRequest {
        self.display_request
    }

    fn report_guest_info(&mut self, io: &mut impl PortIo) -> Result {
        let mut info: ReportGuestInfo = Request::new_request(RequestType::REPORT_GUEST_INFO);
        info.guestInfo = GuestInfo {
            interfaceVersion: VMMDEV_VERSION,
            osType: OSTYPE_OTHER_64BIT,
        };
        self.submit(io, &mut info)
    }

    fn report_guest_info2(&mut self, io: &mut impl PortIo) -> Result {
        let mut info: ReportGuestInfo2 = Request::new_request(RequestType::REPORT_GUEST_INFO2);
        let (major, minor, build) = additions_version(self.host_version);
        info.guestInfo.additionsMajor = major;
        info.guestInfo.additionsMinor = minor;
        info.guestInfo.additionsBuild = build;
        // The host wants the name to start with "major.minor.build".
        let mut name = heapless::String::<32>::new();
        let _ = write!(name, "{major}.{minor}.{build}");
        info.guestInfo.szName[..name.len()].copy_from_slice(name.as_bytes());
        self.submit(io, &mut info)
    }

    /// ReportGuestStatus for one facility.
    pub fn report_status(&mut self, io: &mut impl PortIo, facility: u32, status: u32) -> Result {
        let mut request: ReportGuestStatus = Request::new_request(RequestType::REPORT_GUEST_STATUS);
        request.guestStatus = GuestStatus {
            facility,
            status,
            flags: 0,
        };
        self.submit(io, &mut request)
    }

    /// CtlGuestFilterMask.
    pub fn set_filter_mask(&mut self, io: &mut impl PortIo, or: Events, not: Events) -> Result {
        let mut request: CtlGuestFilterMask =
            Request::new_request(RequestType::CTL_GUEST_FILTER_MASK);
        request.u32OrMask = or.bits();
        request.u32NotMask = not.bits();
        self.submit(io, &mut request)
    }

    /// SetGuestCapabilities.
    pub fn set_capabilities(
        &mut self,
        io: &mut impl PortIo,
        or: GuestCaps,
        not: GuestCaps,
    ) -> Result {
        let mut request: SetGuestCapabilities =
            Request::new_request(RequestType::SET_GUEST_CAPABILITIES);
        request.u32OrMask = or.bits();
        request.u32NotMask = not.bits();
        self.submit(io, &mut request)
    }

    // ----------------------------------------------------------------- events

    /// True when the host says it raised the IRQ (`fHaveEvents`): the cheap check for
    /// a shared interrupt line.
    pub fn events_pending(&self) -> bool {
        self.memory.read_u8(MemoryHeader::HAVE_EVENTS_OFFSET) != 0
    }

    /// The interrupt path for a possibly shared line: `Ok(empty)` when VMMDev did not
    /// raise it (`fHaveEvents` clear), else acknowledges (which lowers the line) and
    /// returns the events for the runtime loop to act on.
    pub fn service_irq(&mut self, io: &mut impl PortIo) -> Result<Events> {
        if !self.events_pending() {
            return Ok(Events::empty());
        }
        self.acknowledge_events(io)
    }

    /// Acknowledges and returns the pending events (lowers the IRQ line).
    pub fn acknowledge_events(&mut self, io: &mut impl PortIo) -> Result<Events> {
        let mut request: AcknowledgeEvents = Request::new_request(RequestType::ACKNOWLEDGE_EVENTS);
        self.submit(io, &mut request)?;
        Ok(Events::from_bits_retain(request.events))
    }

    // ----------------------------------------------------------------- display

    /// Fetches display-change hints with the best request the host supports
    /// (Multi → Ex → 2). `consume` sends eventAck = 4 (the hint is marked read, as
    /// after an event); otherwise the hint is only peeked (the boot-time query).
    /// Ex and 2 return one display per call; the host re-posts the event while more
    /// are pending.
    pub fn fetch_display_hints(
        &mut self,
        io: &mut impl PortIo,
        consume: bool,
    ) -> Result<DisplayHints> {
        let event_ack = if consume { EVENT_ACK_CONSUME } else { 0 };
        loop {
            let attempt = match self.display_request {
                DisplayRequest::Multi => self.fetch_multi(io, event_ack),
                DisplayRequest::Ex => self.fetch_ex(io, event_ack),
                DisplayRequest::Two => self.fetch_two(io, event_ack),
            };
            match attempt {
                Err(Error::Host { rc, .. })
                    if (rc == VBoxRc::VERR_NOT_IMPLEMENTED || rc == VBoxRc::VERR_NOT_SUPPORTED)
                        && self.display_request != DisplayRequest::Two =>
                {
                    self.display_request = match self.display_request {
                        DisplayRequest::Multi => DisplayRequest::Ex,
                        _ => DisplayRequest::Two,
                    };
                    logging::info!(
                        "vmmdev: falling back to {:?} display requests",
                        self.display_request
                    );
                }
                other => return other,
            }
        }
    }

    fn fetch_multi(&mut self, io: &mut impl PortIo, event_ack: u32) -> Result<DisplayHints> {
        let size = LARGEST_REQUEST;
        let mut buffer = [0u8; LARGEST_REQUEST];
        let header = RequestHeader::new(RequestType::GET_DISPLAY_CHANGE_REQUEST_MULTI, size as u32);
        buffer[..24].copy_from_slice(header.as_bytes());
        buffer[24..28].copy_from_slice(&event_ack.to_le_bytes());
        buffer[28..32].copy_from_slice(&(MAX_DISPLAYS as u32).to_le_bytes());
        self.submit_bytes(io, &mut buffer)?;
        // With ack the host reports how many displays were pending, which may exceed
        // the slots offered (the extra ones are lost: the host marks them read).
        let reported = u32::from_le_bytes([buffer[28], buffer[29], buffer[30], buffer[31]]);
        if reported as usize > MAX_DISPLAYS {
            logging::warn!("vmmdev: host reported {reported} display hints for {MAX_DISPLAYS} slots; reading {MAX_DISPLAYS}");
        }
        let mut hints = DisplayHints::new();
        let defs = &buffer[DisplayChangeRequestMulti::DISPLAYS_OFFSET..];
        for chunk in defs
            .chunks_exact(core::mem::size_of::<DisplayDef>())
            .take((reported as usize).min(MAX_DISPLAYS))
        {
            let Ok(def) = DisplayDef::read_from_bytes(chunk) else {
                continue;
            };
            let flags = DisplayFlags::from_bits_retain(def.fDisplayFlags);
            // `push` cannot fail: at most MAX_DISPLAYS chunks are taken.
            let _ = hints.push(DisplayHint {
                display: def.idDisplay,
                width: if flags.contains(DisplayFlags::CX) {
                    def.cx
                } else {
                    0
                },
                height: if flags.contains(DisplayFlags::CY) {
                    def.cy
                } else {
                    0
                },
                bpp: if flags.contains(DisplayFlags::BPP) {
                    def.cBitsPerPixel
                } else {
                    0
                },
                origin: flags
                    .contains(DisplayFlags::ORIGIN)
                    .then_some((def.xOrigin, def.yOrigin)),
                enabled: !flags.contains(DisplayFlags::DISABLED),
            });
        }
        Ok(hints)
    }

    fn fetch_ex(&mut self, io: &mut impl PortIo, event_ack: u32) -> Result<DisplayHints> {
        let mut request: DisplayChangeRequestEx =
            Request::new_request(RequestType::GET_DISPLAY_CHANGE_REQUEST_EX);
        request.eventAck = event_ack;
        self.submit(io, &mut request)?;
        let mut hints = DisplayHints::new();
        let _ = hints.push(DisplayHint {
            display: request.display,
            width: request.xres,
            height: request.yres,
            bpp: request.bpp,
            origin: (request.fChangeOrigin != 0)
                .then_some((request.cxOrigin as i32, request.cyOrigin as i32)),
            enabled: request.fEnabled != 0,
        });
        Ok(hints)
    }

    fn fetch_two(&mut self, io: &mut impl PortIo, event_ack: u32) -> Result<DisplayHints> {
        let mut request: DisplayChangeRequest2 =
            Request::new_request(RequestType::GET_DISPLAY_CHANGE_REQUEST2);
        request.eventAck = event_ack;
        self.submit(io, &mut request)?;
        let mut hints = DisplayHints::new();
        let _ = hints.push(DisplayHint {
            display: request.display,
            width: request.xres,
            height: request.yres,
            bpp: request.bpp,
            origin: None,
            enabled: true,
        });
        Ok(hints)
    }

    // ----------------------------------------------------------------- mouse

    /// Turns absolute positioning on: CAN_ABSOLUTE | NEW_PROTOCOL, plus the full-state
    /// protocol when the host offers it, in one request (Main is only told about
    /// changes of CAN_ABSOLUTE/NEEDS_HOST_CURSOR, so all bits go together).
    pub fn enable_absolute_mouse(&mut self, io: &mut impl PortIo) -> Result<MouseFeatures> {
        let host = self.mouse_status(io)?.features;
        let mut wanted = MouseFeatures::GUEST_CAN_ABSOLUTE | MouseFeatures::NEW_PROTOCOL;
        if host.contains(MouseFeatures::HOST_USES_FULL_STATE_PROTOCOL) {
            wanted |= MouseFeatures::GUEST_USES_FULL_STATE_PROTOCOL;
        }
        self.set_mouse_features(io, wanted)?;
        Ok(wanted)
    }

    /// SetMouseStatus with the given guest bits (host bits are ignored by the host).
    pub fn set_mouse_features(&mut self, io: &mut impl PortIo, features: MouseFeatures) -> Result {
        let mut request: MouseStatus = Request::new_request(RequestType::SET_MOUSE_STATUS);
        request.mouseFeatures = features.bits() & MouseFeatures::GUEST_MASK;
        self.submit(io, &mut request)?;
        self.guest_mouse = MouseFeatures::from_bits_retain(request.mouseFeatures);
        Ok(())
    }

    /// Reads the mouse state: GetMouseStatusEx when the full-state protocol is on,
    /// GetMouseStatus otherwise.
    pub fn mouse_status(&mut self, io: &mut impl PortIo) -> Result<MouseState> {
        if self
            .guest_mouse
            .contains(MouseFeatures::GUEST_USES_FULL_STATE_PROTOCOL)
        {
            let mut request: MouseStatusEx = Request::new_request(RequestType::GET_MOUSE_STATUS_EX);
            self.submit(io, &mut request)?;
            return Ok(MouseState {
                features: MouseFeatures::from_bits_retain(request.Core.mouseFeatures),
                x: request.Core.pointerXPos,
                y: request.Core.pointerYPos,
                buttons: MouseButtons::from_bits_retain(request.fButtons),
                dz: request.dz,
                dw: request.dw,
            });
        }
        let mut request: MouseStatus = Request::new_request(RequestType::GET_MOUSE_STATUS);
        self.submit(io, &mut request)?;
        Ok(MouseState {
            features: MouseFeatures::from_bits_retain(request.mouseFeatures),
            x: request.pointerXPos,
            y: request.pointerYPos,
            buttons: MouseButtons::empty(),
            dz: 0,
            dw: 0,
        })
    }

    // ----------------------------------------------------------------- pointer

    /// SetPointerShape: uploads `shape` (with alpha) and shows or hides the pointer
    /// the host draws; `None` changes only the visibility (a 48-byte request, the
    /// host keeps the last shape). Shapes whose request exceeds
    /// [`MAX_POINTER_REQUEST`] bytes are refused with `RequestTooLarge`.
    pub fn set_pointer_shape(
        &mut self,
        io: &mut impl PortIo,
        shape: Option<&crate::drivers::vga::vbva::pointer::PointerShape>,
        visible: bool,
    ) -> Result {
        let mut buffer = [0u8; MAX_POINTER_REQUEST];
        let mut flags = if visible { POINTER_VISIBLE } else { 0 };
        let mut size = request_size::<SetPointerShape>() as usize;
        let (mut hot, mut dims) = ((0, 0), (0, 0));
        if let Some(shape) = shape {
            let data = &mut buffer[SetPointerShape::DATA_OFFSET..];
            let len = shape.encode(data).ok_or(Error::RequestTooLarge(
                SetPointerShape::DATA_OFFSET + shape.data_len(),
            ))?;
            size = size.max(SetPointerShape::DATA_OFFSET + len);
            flags |= POINTER_ALPHA | POINTER_SHAPE;
            hot = (shape.hot_x, shape.hot_y);
            dims = (shape.width, shape.height);
        }
        let header = RequestHeader::new(RequestType::SET_POINTER_SHAPE, size as u32);
        buffer[..24].copy_from_slice(header.as_bytes());
        for (i, value) in [flags, hot.0, hot.1, dims.0, dims.1]
            .into_iter()
            .enumerate()
        {
            buffer[24 + 4 * i..28 + 4 * i].copy_from_slice(&value.to_le_bytes());
        }
        self.submit_bytes(io, &mut buffer[..size])
    }

    // ----------------------------------------------------------------- time, heartbeat, power

    /// VM UTC time in milliseconds since 1970-01-01.
    pub fn host_time_ms(&mut self, io: &mut impl PortIo) -> Result<u64> {
        let mut request: GetHostTime = Request::new_request(RequestType::GET_HOST_TIME);
        self.submit(io, &mut request)?;
        Ok(request.time)
    }

    /// The session id (changes on VM reset and snapshot restore).
    pub fn session_id(&mut self, io: &mut impl PortIo) -> Result<u64> {
        let mut request: GetSessionId = Request::new_request(RequestType::GET_SESSION_ID);
        self.submit(io, &mut request)?;
        Ok(request.idSession)
    }

    /// Configures the heartbeat as Linux does (off, then on) and returns the host's
    /// interval in nanoseconds; send [`VmmDev::heartbeat`] at that interval.
    pub fn configure_heartbeat(&mut self, io: &mut impl PortIo) -> Result<u64> {
        for enabled in [false, true] {
            let mut request: HeartbeatConfigure =
                Request::new_request(RequestType::HEARTBEAT_CONFIGURE);
            request.fEnabled = u8::from(enabled);
            self.submit(io, &mut request)?;
            self.heartbeat_interval_ns = Some(request.cNsInterval);
        }
        Ok(self.heartbeat_interval_ns.unwrap_or(0))
    }

    /// The heartbeat interval the host asked for, once configured.
    pub fn heartbeat_interval_ns(&self) -> Option<u64> {
        self.heartbeat_interval_ns
    }

    /// Writes a GuestHeartbeat request into `slot` (below 4 GiB; it must stay in
    /// place while the beat runs) and returns the port write that submits it, at the
    /// host's interval, for the timer interrupt to repeat. `None` before
    /// [`VmmDev::configure_heartbeat`] or when `slot` is too small or too high.
    pub fn background_heartbeat(&self, slot: PhysRegion) -> Option<BackgroundBeat> {
        let interval_ns = self.heartbeat_interval_ns.filter(|&ns| ns > 0)?;
        let mut request: GuestHeartbeat = Request::new_request(RequestType::GUEST_HEARTBEAT);
        let bytes = request.as_mut_bytes();
        let phys = u32::try_from(slot.phys()).ok()?;
        if slot.len() < bytes.len() || u64::from(phys) + bytes.len() as u64 > 1 << 32 {
            return None;
        }
        slot.write_bytes(0, bytes);
        fence(Ordering::SeqCst);
        Some(BackgroundBeat {
            port: self.io_base + VMMDEV_PORT_OFF_REQUEST,
            value: phys,
            interval_us: interval_ns / 1000,
        })
    }

    /// One GuestHeartbeat.
    pub fn heartbeat(&mut self, io: &mut impl PortIo) -> Result {
        let mut request: GuestHeartbeat = Request::new_request(RequestType::GUEST_HEARTBEAT);
        self.submit(io, &mut request)
    }

    /// Withdraws what `init` and the mouse set up (before power-off or handing over).
    pub fn shutdown(&mut self, io: &mut impl PortIo) -> Result {
        self.set_mouse_features(io, MouseFeatures::empty())?;
        self.set_filter_mask(io, Events::empty(), Events::all())?;
        self.set_capabilities(io, GuestCaps::empty(), GuestCaps::all())
    }

    /// SetPowerStatus(PowerOff): VirtualBox powers the VM off inside the `out`. If this
    /// returns, the host refused (or this is not VirtualBox): fall back to ACPI S5.
    pub fn power_off(&mut self, io: &mut impl PortIo) -> Result {
        let mut request: SetPowerStatus = Request::new_request(RequestType::SET_POWER_STATUS);
        request.powerState = POWER_STATE_POWER_OFF;
        self.submit(io, &mut request)
    }

    // ----------------------------------------------------------------- transport

    /// Submits a fixed-size request and copies the host's answer back into it.
    fn submit<R: Request>(&mut self, io: &mut impl PortIo, request: &mut R) -> Result {
        let request_type = request.header().request_type();
        request.header_mut().rc = VBoxRc::SENTINEL.0;
        self.submit_bytes(io, request.as_mut_bytes())
            .map_err(|error| match error {
                Error::NotProcessed(_) => Error::NotProcessed(request_type),
                Error::Host { rc, .. } => Error::Host {
                    request: request_type,
                    rc,
                },
                other => other,
            })
    }

    /// Submits the request in `bytes` (a header with `rc` preset, then the body) and
    /// copies the page back into `bytes`.
    // Out of line: each of the ~19 requests inlined it.
    #[inline(never)]
    fn submit_bytes(&mut self, io: &mut impl PortIo, bytes: &mut [u8]) -> Result {
        let Ok(header) = RequestHeader::read_from_prefix(bytes).map(|(header, _)| header) else {
            return Err(Error::RequestTooLarge(bytes.len()));
        };
        if bytes.len() > self.request_page.len() {
            return Err(Error::RequestTooLarge(bytes.len()));
        }
        self.request_page.write_bytes(0, bytes);
        // The request must be in memory before the host reads it, and the answer must
        // be read only after the `out` returned.
        fence(Ordering::SeqCst);
        // Fits: `new` checked that the page ends below 4 GiB.
        io.out32(
            self.io_base + VMMDEV_PORT_OFF_REQUEST,
            self.request_page.phys() as u32,
        );
        fence(Ordering::SeqCst);
        self.request_page.read_bytes(0, bytes);
        let Ok((answer, _)) = RequestHeader::read_from_prefix(bytes) else {
            return Err(Error::RequestTooLarge(bytes.len()));
        };
        let rc = answer.rc();
        if rc == VBoxRc::SENTINEL {
            return Err(Error::NotProcessed(header.request_type()));
        }
        if rc.is_failure() {
            return Err(Error::Host {
                request: header.request_type(),
                rc,
            });
        }
        Ok(())
    }
}

/// Mirrors bytes to the backdoor log port 0x504 (VBox.log); works before any other
/// VMMDev setup, and is ignored elsewhere.
pub fn backdoor_log(io: &mut impl PortIo, bytes: &[u8]) {
    for &byte in bytes {
        io.out8(VBG_DEBUG_PORT, byte);
    }
}
