//! VirtualBox integration over VMMDev, as the runtime loop drives it: display hints
//! become mode requests, absolute positions feed the input hub, mouse integration
//! decides who draws the pointer, plus heartbeat and host time.
//!
//! Interrupt handling follows the shared-level-line rule: the IRQ only marks the line
//! fired (masked); `poll` checks VMMDev's pending flag, acknowledges (which lowers the
//! line), acts, and re-arms. A slow poll catches anything a lost interrupt would hide.

pub mod guest_props;
pub mod hint;

use crate::app_api::SystemInfo;
use crate::display::pointer::{arrow_argb, ARROW_HEIGHT, ARROW_HOTSPOT, ARROW_WIDTH};
use crate::drivers::vga::dispi::{report_fallback, ModeLimits};
use crate::drivers::vga::vbva::pointer::PointerShape;
use crate::drivers::vmmdev::hgcm::Hgcm;
use crate::drivers::vmmdev::wire::{Events, MouseFeatures};
use crate::drivers::vmmdev::{self, DisplayHint, PciResources, VmmDev};
use crate::hal::{Clock, Irqs, PhysMem, PhysRegion, PortIo};
use crate::input::Input;
use crate::logging;
use crate::runtime::{EventQueue, PointerOwner};
use crate::status;
use hint::mode_for_hint;

/// The backstop poll interval when no interrupt arrives.
pub const SLOW_POLL_US: u64 = 500_000;
/// How often the host time is re-read for the app's clock.
pub const HOST_TIME_INTERVAL_US: u64 = 60_000_000;
/// Lower bound for the host's heartbeat interval (a hostile 0 must not spin).
const MIN_HEARTBEAT_US: u64 = 100_000;
/// Bytes kept at the end of the request pages for the background heartbeat.
const BEAT_SLOT_LEN: usize = 64;

/// The VMMDev side of the integration.
#[derive(Debug)]
pub struct VboxIntegration {
    vmmdev: VmmDev,
    irq_line: Option<u8>,
    /// The command line allows absolute mouse input.
    mouse_allowed: bool,
    /// The host currently sends absolute positions (HOST_WANTS_ABSOLUTE).
    absolute: Option<bool>,
    mode_limits: Option<ModeLimits>,
    /// The display hands the host a pointer (VBVA).
    host_pointer: bool,
    /// The host draws the arrow through VMMDev (no VBVA) once integration is on.
    vmmdev_pointer: bool,
    /// The arrow has reached the host through VMMDev (later changes are flag-only).
    arrow_uploaded: bool,
    started: bool,
    next_poll_us: u64,
    /// The loop's heartbeat interval; `None` when off or sent from the timer
    /// interrupt instead.
    heartbeat_us: Option<u64>,
    next_heartbeat_us: u64,
    next_time_us: u64,
    errors: u32,
    /// Guest properties over HGCM, when a pool was given and the host accepted it.
    props: Option<guest_props::GuestProperties>,
}

/// What bring-up learned, for the caller's status lines and first mode.
#[derive(Debug, Clone, Copy)]
pub struct BringUp {
    /// A display hint the host already had (the window's size at boot), screen 0.
    pub boot_hint: Option<DisplayHint>,
}

impl VboxIntegration {
    /// Brings VMMDev up (spec §12): guest info, status, the event filter, the graphics
    /// capability; routes its IRQ line; reads a pending display hint without
    /// consuming it. Emits `@vitrine vmmdev version=… irq=N features=…`.
    pub fn start<H: PortIo + PhysMem + Irqs>(
        hal: &mut H,
        pci: PciResources,
        request_page: PhysRegion,
        hgcm_pool: Option<PhysRegion>,
        mouse_allowed: bool,
    ) -> Result<(Self, BringUp), vmmdev::Error> {
        // The last bytes of the request pages hold the heartbeat the timer interrupt
        // sends; the driver's own requests use the rest.
        let (request_page, beat_slot) = match request_page.len().checked_sub(BEAT_SLOT_LEN) {
            Some(rest) if rest >= vmmdev::LARGEST_REQUEST => (
                request_page.sub(0, rest).unwrap_or(request_page),
                request_page.sub(rest, BEAT_SLOT_LEN),
            ),
            _ => (request_page, None),
        };
        let mut vmmdev = VmmDev::new(pci, hal, request_page)?;
        vmmdev.init(hal)?;
        let props = hgcm_pool.and_then(|pool| match Hgcm::new(vmmdev.io_base(), pool) {
            Ok(hgcm) => Some(guest_props::GuestProperties::new(hgcm)),
            Err(error) => {
                status!("hgcm unavailable error={:?}", error);
                None
            }
        });
        let line = pci.interrupt_line;
        let irq_line = (line < 64 && hal.enable_line(line)).then_some(line);
        let (major, minor, build) = vmmdev.host_version();
        status!(
            "vmmdev version={}.{}.{} irq={} features={:#x} display_request={:?}",
            major,
            minor,
            build,
            irq_line.map_or(-1, i32::from),
            vmmdev.host_features().bits(),
            vmmdev.display_request()
        );
        let boot_hint = match vmmdev.fetch_display_hints(hal, false) {
            Ok(hints) => hints.iter().rev().find(|h| h.display == 0).copied(),
            Err(error) => {
                status!("vmmdev error op=boot_hint error={:?}", error);
                None
            }
        };
        let heartbeat_us = match vmmdev.configure_heartbeat(hal) {
            Ok(ns) => Some((ns / 1000).max(MIN_HEARTBEAT_US)),
            Err(error) => {
                logging::info!("vmmdev: no heartbeat ({error:?})");
                None
            }
        };
        // From the timer interrupt, the heartbeat goes on while a long frame is
        // drawn (VirtualBox reports a guest "unresponsive" after two missed
        // intervals, 4 s by default: less than one 4K frame under its interpreter).
        let background_beat = heartbeat_us.is_some()
            && beat_slot
                .and_then(|slot| vmmdev.background_heartbeat(slot))
                .is_some_and(|beat| {
                    let beat = crate::hal::BackgroundBeat {
                        interval_us: beat.interval_us.max(MIN_HEARTBEAT_US),
                        ..beat
                    };
                    hal.beat_in_background(Some(beat))
                });
        logging::info!(
            "vmmdev: heartbeat {}",
            match (heartbeat_us, background_beat) {
                (Some(_), true) => "from the timer interrupt",
                (Some(_), false) => "from the runtime loop",
                (None, _) => "off",
            }
        );
        Ok((
            Self {
                vmmdev,
                irq_line,
                mouse_allowed,
                absolute: None,
                mode_limits: None,
                host_pointer: false,
                vmmdev_pointer: false,
                arrow_uploaded: false,
                started: false,
                next_poll_us: 0,
                heartbeat_us: heartbeat_us.filter(|_| !background_beat),
                next_heartbeat_us: 0,
                next_time_us: 0,
                errors: 0,
                props,
            },
            BringUp { boot_hint },
        ))
    }

    /// Tells the integration what the display can do: the modes a hint may ask for
    /// (`None`: fixed mode, hints are ignored) and whether the host can draw the
    /// pointer.
    pub fn set_display_capabilities(
        &mut self,
        mode_limits: Option<ModeLimits>,
        host_pointer: bool,
    ) {
        self.mode_limits = mode_limits;
        self.host_pointer = host_pointer;
    }

    /// The guest property client, when it runs.
    pub fn guest_properties(&self) -> Option<&guest_props::GuestProperties> {
        self.props.as_ref()
    }

    /// The driver (tests, power-off).
    pub fn vmmdev(&mut self) -> &mut VmmDev {
        &mut self.vmmdev
    }

    /// After a mode change: VirtualBox leaves the host pointer on the same window
    /// pixel and computes the next absolute position for the new size, so the guest
    /// pointer stays on `pixel` too (the input hub would rescale the last absolute
    /// value instead, and a click before the next move would land elsewhere).
    pub fn keep_pointer_at(&self, input: &mut Input, pixel: (i32, i32), size: (u32, u32)) {
        if !self.mouse_integration() || size.0 == 0 || size.1 == 0 {
            return;
        }
        // The host's own pixel → 0..0xFFFF mapping (spec §9.3), which every guest
        // conversion maps back to the same pixel.
        let raw = |p: i32, span: u32| {
            let p = i64::from(p.clamp(0, span as i32 - 1));
            (((p + 1) * 0xFFFF - 49151) / i64::from(span)) as i32
        };
        input.vmmdev_position(raw(pixel.0, size.0), raw(pixel.1, size.1));
    }

    /// Whether the host currently sends absolute positions.
    pub fn mouse_integration(&self) -> bool {
        self.absolute == Some(true)
    }

    /// Withdraws the integration and asks VirtualBox to power the VM off. Returns
    /// only if the host did not (the caller falls back to ACPI).
    pub fn power_off(&mut self, io: &mut impl PortIo) {
        if let Err(error) = self.vmmdev.shutdown(io) {
            logging::warn!("vmmdev: shutdown: {error:?}");
        }
        status!("power off via=vmmdev");
        if let Err(error) = self.vmmdev.power_off(io) {
            status!("vmmdev error op=power_off error={:?}", error);
        }
    }

    /// The next time `poll` must run without an interrupt.
    pub fn next_deadline_us(&self) -> Option<u64> {
        let mut next = self.next_poll_us.min(self.next_time_us);
        if self.heartbeat_us.is_some() {
            next = next.min(self.next_heartbeat_us);
        }
        Some(next)
    }

    /// One loop iteration: services VMMDev when its line fired or the backstop is
    /// due, then heartbeat and host time.
    pub fn poll<H: PortIo + Clock + Irqs>(
        &mut self,
        hal: &mut H,
        fired_lines: u64,
        input: &mut Input,
        queue: &mut EventQueue,
        info: &mut SystemInfo,
    ) {
        let now = hal.now_us();
        if !self.started {
            self.started = true;
            self.first_poll(hal, input, queue, info);
        }
        let fired = self
            .irq_line
            .is_some_and(|line| fired_lines & (1 << line) != 0);
        if fired || now >= self.next_poll_us {
            self.service(hal, input, queue, info);
            self.next_poll_us = now + SLOW_POLL_US;
        }
        if let Some(line) = self.irq_line.filter(|_| fired) {
            hal.rearm(line);
        }
        // Cheap when idle (a few DONE flags read): completions are noticed whether
        // the HGCM event or the slow poll woke the loop.
        if let Some(props) = &mut self.props {
            props.poll(hal, now, info);
        }
        if let Some(interval) = self.heartbeat_us {
            if now >= self.next_heartbeat_us {
                if let Err(error) = self.vmmdev.heartbeat(hal) {
                    self.error("heartbeat", error);
                }
                self.next_heartbeat_us = now + interval;
            }
        }
        if now >= self.next_time_us {
            match self.vmmdev.host_time_ms(hal) {
                Ok(unix_ms) => {
                    info.wall_clock = Some(crate::app_api::WallClockSample {
                        unix_ms,
                        at_uptime_us: now,
                    })
                }
                Err(error) => self.error("host_time", error),
            }
            self.next_time_us = now + HOST_TIME_INTERVAL_US;
        }
    }

    /// Absolute mouse on (when allowed), and the pointer handed to whoever draws it.
    fn first_poll<H: PortIo>(
        &mut self,
        hal: &mut H,
        input: &mut Input,
        queue: &mut EventQueue,
        info: &mut SystemInfo,
    ) {
        if self.mouse_allowed {
            // Buttons and wheel stay on PS/2 (no full-state protocol): PS/2 packets
            // queue every click, while GetMouseStatusEx only samples the latest state,
            // so a press and release between two reads would be lost.
            let wanted = MouseFeatures::GUEST_CAN_ABSOLUTE | MouseFeatures::NEW_PROTOCOL;
            if let Err(error) = self.vmmdev.set_mouse_features(hal, wanted) {
                self.error("set_mouse", error);
                self.mouse_allowed = false;
            }
        }
        // No VBVA pointer: the host gets the arrow through VMMDev, uploaded when the
        // host first sends absolute positions (see `show_vmmdev_arrow`).
        self.vmmdev_pointer = self.mouse_allowed && !self.host_pointer;
        self.update_mouse(hal, input, queue, info, true);
    }

    /// Shows (uploading it the first time) or hides the VMMDev arrow; false when the
    /// host did not take it. VirtualBox's GUI shows an uploaded shape whatever its
    /// VISIBLE flag says (`UISession::sltMousePointerShapeChange`, 7.0.14), so the
    /// arrow goes up only when it should show, and hiding is a flag-only request.
    fn show_vmmdev_arrow<H: PortIo>(&mut self, hal: &mut H, visible: bool) -> bool {
        if !visible && !self.arrow_uploaded {
            return true;
        }
        let arrow = (!self.arrow_uploaded)
            .then(|| {
                PointerShape::from_fn(
                    ARROW_WIDTH,
                    ARROW_HEIGHT,
                    ARROW_HOTSPOT.0,
                    ARROW_HOTSPOT.1,
                    arrow_argb,
                )
            })
            .flatten();
        if !self.arrow_uploaded && arrow.is_none() {
            return false;
        }
        match self.vmmdev.set_pointer_shape(hal, arrow.as_ref(), visible) {
            Ok(()) => {
                self.arrow_uploaded = true;
                true
            }
            Err(error) => {
                self.error(
                    if visible {
                        "pointer_shape"
                    } else {
                        "pointer_visibility"
                    },
                    error,
                );
                false
            }
        }
    }

    fn service<H: PortIo>(
        &mut self,
        hal: &mut H,
        input: &mut Input,
        queue: &mut EventQueue,
        info: &mut SystemInfo,
    ) {
        let events = match self.vmmdev.service_irq(hal) {
            Ok(events) => events,
            Err(error) => {
                self.error("acknowledge", error);
                return;
            }
        };
        if events.contains(Events::MOUSE_CAPABILITIES_CHANGED) {
            self.update_mouse(hal, input, queue, info, false);
        }
        if events.contains(Events::MOUSE_POSITION_CHANGED) && self.absolute == Some(true) {
            match self.vmmdev.mouse_status(hal) {
                Ok(state) => input.vmmdev_position(state.x, state.y),
                Err(error) => self.error("mouse_status", error),
            }
        }
        if events.contains(Events::DISPLAY_CHANGE_REQUEST) {
            match self.vmmdev.fetch_display_hints(hal, true) {
                Ok(hints) => self.apply_hints(&hints, queue, info),
                Err(error) => self.error("display_hint", error),
            }
        }
    }

    /// Re-reads the host's mouse bits; on a change switches the input hub between
    /// absolute (VMMDev) and relative (PS/2) and hands the pointer over.
    fn update_mouse<H: PortIo>(
        &mut self,
        hal: &mut H,
        input: &mut Input,
        queue: &mut EventQueue,
        info: &mut SystemInfo,
        force: bool,
    ) {
        let host_wants = if self.mouse_allowed {
            match self.vmmdev.mouse_status(hal) {
                Ok(state) => state.features.contains(MouseFeatures::HOST_WANTS_ABSOLUTE),
                Err(error) => {
                    self.error("mouse_status", error);
                    false
                }
            }
        } else {
            false
        };
        if self.absolute == Some(host_wants) && !force {
            return;
        }
        self.absolute = Some(host_wants);
        input.set_vmmdev_integration(host_wants);
        if host_wants {
            // The host sends the position with the change only after the next move:
            // read it now so the pointer does not wait at the old place.
            if let Ok(state) = self.vmmdev.mouse_status(hal) {
                input.vmmdev_position(state.x, state.y);
            }
        }
        if self.vmmdev_pointer {
            let shown = self.show_vmmdev_arrow(hal, host_wants);
            if host_wants && shown {
                queue.request_pointer_drawn_by_host();
            } else {
                queue.request_pointer(PointerOwner::Software);
            }
        } else if host_wants && self.host_pointer {
            queue.request_pointer(PointerOwner::Host);
        } else {
            queue.request_pointer(PointerOwner::Software);
        }
        status!(
            "mouse integration={}",
            if host_wants { "on" } else { "off" }
        );
        self.describe(info);
    }

    /// Latest screen-0 hint wins; exactly one mode request per applied hint.
    fn apply_hints(&mut self, hints: &[DisplayHint], queue: &mut EventQueue, info: &SystemInfo) {
        let current = queue.mode_request().unwrap_or((info.width, info.height));
        let mut chosen = None;
        for hint in hints {
            match mode_for_hint(hint, current, self.mode_limits.as_ref()) {
                Ok(choice) => chosen = Some((hint, choice)),
                Err(reason) => status!(
                    "resize rejected screen={} mode={}x{} bpp={} enabled={} reason={}",
                    hint.display,
                    hint.width,
                    hint.height,
                    hint.bpp,
                    hint.enabled,
                    reason.name()
                ),
            }
        }
        let Some((hint, choice)) = chosen else {
            return;
        };
        let (width, height) = (choice.width, choice.height);
        if (width, height) == current {
            logging::debug!("vbox: hint {width}x{height} is the current mode");
            return;
        }
        if (width, height) != (hint.width, hint.height) {
            status!(
                "resize screen=0 mode={}x{} source=vmmdev requested={}x{}",
                width,
                height,
                hint.width,
                hint.height
            );
            report_fallback(hint.width, hint.height, &choice);
        } else {
            status!("resize screen=0 mode={}x{} source=vmmdev", width, height);
        }
        queue.request_mode(width, height);
    }

    /// The status panel's text: short, it shares a row with its label.
    fn describe(&self, info: &mut SystemInfo) {
        info.set_integration(match (self.mouse_allowed, self.absolute) {
            (true, Some(true)) => "on",
            (false, _) => "on, mouse off",
            (true, _) => "on, relative",
        });
    }

    #[inline(never)]
    fn error(&mut self, op: &str, error: vmmdev::Error) {
        self.errors += 1;
        // A broken host could fail every request: log the first few, then every 1000th.
        if self.errors <= 8 || self.errors.is_multiple_of(1000) {
            status!(
                "vmmdev error op={} error={:?} count={}",
                op,
                error,
                self.errors
            );
        }
    }
}
