//! VBVA: the VirtualBox video acceleration protocol over HGSMI — host configuration,
//! mode set by VBVA_INFO_VIEW/INFO_SCREEN, the per-screen dirty-rectangle ring, mode
//! hints, the host-drawn pointer and host commands.
//!
//! Driver API (used by the display backend and the runtime loop):
//! - [`Vbva::init`] once, after PCI found the VGA (80EE:BEEF) and mapped VRAM;
//! - [`Vbva::set_mode`] for each accepted hint. DISPI registers for screen 0 belong to
//!   the DISPI driver: `set_mode` calls back into the caller to program them between
//!   disabling and re-enabling the ring, so the order is the one the host expects;
//! - [`Vbva::present`] after each frame with the canvas's dirty rectangles;
//! - [`Vbva::service_irq`] when the VGA line fired (or from a slow poll), then
//!   [`Vbva::query_mode_hint`] when it reports a hint;
//! - [`Vbva::set_pointer_shape`], [`Vbva::set_pointer_visible`],
//!   [`Vbva::report_cursor_position`] for the host-drawn pointer.
//!
//! Every method takes the port I/O as a parameter, so the same `Platform` serves all
//! drivers; VRAM is reached only through the `PhysRegion` given to `init`.

pub mod pointer;
pub mod records;
pub mod ring;
pub mod wire;

use super::hgsmi::{
    self,
    layout::{VramLayout, VramRange},
    wire::{HostFlags, BUFFER_OVERHEAD, HGSMI_CH_VBVA},
    Hgsmi, HgsmiError,
};
use crate::drivers::vmmdev::wire::VBoxRc;
use crate::hal::{PhysRegion, PortIo};
use crate::logging;
use embedded_graphics::geometry::{Point, Size};
use embedded_graphics::primitives::Rectangle;
use pointer::PointerShape;
use records::{DirtyRecord, Ring, RingFull};
use wire::{Caps, EnableFlags, PointerFlags, ScreenFlags};
use zerocopy::{FromBytes, IntoBytes};

/// Pre-filled into result fields: the host overwrites it only when it handled the
/// command, so an unchanged value means "ignored" (HGSMI reports no errors itself).
const NOT_HANDLED: i32 = VBoxRc::VERR_NOT_SUPPORTED.0;
/// Most screens VirtualBox supports; also the most mode hints the host returns.
const MAX_MONITORS: u32 = wire::VBOX_VIDEO_MAX_SCREENS;
/// Bound on host commands handled per call, so a host that never drains its queue
/// cannot keep the loop here.
const MAX_HOST_COMMANDS_PER_CALL: u32 = 64;
/// Largest width/height the VGA accepts (VBE_DISPI_MAX_XRES/YRES).
const MAX_DIMENSION: u32 = 16384;
const BYTES_PER_PIXEL: u32 = 4;

/// What went wrong in the VBVA driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VbvaError {
    /// The HGSMI transport failed (no HGSMI, VRAM, heap).
    Hgsmi(HgsmiError),
    /// The host did not answer the QUERY_CONF32 sanity probe: HGSMI commands are not
    /// being processed, so VBVA cannot be used.
    HostSilent {
        /// What came back instead of 0xFFFFFFFF.
        value: u32,
    },
    /// The mode does not fit the framebuffer area of VRAM, or has a zero or too large
    /// dimension.
    ModeRejected {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
    /// The DISPI driver could not program the mode (the device dropped the ENABLE write).
    VbeRejected,
    /// The ring stayed full after a flush: the host does not consume records. The
    /// records not sent are reported so the caller can present them again.
    RingStuck {
        /// Rectangles that were not recorded.
        unsent: usize,
    },
}

impl From<HgsmiError> for VbvaError {
    fn from(error: HgsmiError) -> Self {
        Self::Hgsmi(error)
    }
}

/// Result of a VBVA operation.
pub type Result<T = ()> = core::result::Result<T, VbvaError>;

/// What the host told us with QUERY_CONF32, sanitised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostConfig {
    /// Monitors configured for the VM (1..=64).
    pub monitors: u32,
    /// The host heap the host wants (bytes; 0 = none).
    pub host_heap_size: u32,
    /// The host supports VBVA_QUERY_MODE_HINTS.
    pub mode_hints: bool,
    /// The host wants VBVA_CURSOR_POSITION reports.
    pub cursor_reporting: bool,
    /// The host can draw a pointer (VBOX_VBVA_CURSOR_CAPABILITY_HARDWARE).
    pub hardware_cursor: bool,
    /// Largest VBVA record the host accepts.
    pub max_record_size: u32,
}

/// A 32-bpp mode for screen 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenMode {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ScreenMode {
    /// Bytes per line (32 bpp, no padding: always a multiple of 4).
    pub fn pitch(&self) -> u32 {
        self.width * BYTES_PER_PIXEL
    }
}

/// A mode hint as the host stored it for screen 0 (VBVAMODEHINT), unvalidated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeHint {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bits per pixel (the GUI sends 0 and the host substitutes the current value).
    pub bpp: u32,
    /// Desktop position, or 0xFFFFFFFF when the host gave none.
    pub origin_x: u32,
    /// Desktop position, or 0xFFFFFFFF when the host gave none.
    pub origin_y: u32,
    /// The host wants the screen on.
    pub enabled: bool,
}

/// Acknowledge rounds [`Vbva::service_irq`] makes before leaving the rest for its
/// next call.
const MAX_IRQ_ROUNDS: usize = 4;

/// What [`Vbva::service_irq`] found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostNotifications {
    /// The VGA raised its interrupt (the line is shared: false means "not ours").
    pub irq: bool,
    /// A new mode hint is waiting: call [`Vbva::query_mode_hint`].
    pub mode_hint: bool,
    /// Host commands completed during this call.
    pub host_commands: u32,
}

/// What one [`Vbva::present`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PresentStats {
    /// Records written.
    pub records: usize,
    /// VBVA_FLUSH commands sent (one per frame, more when the ring filled up).
    pub flushes: usize,
    /// The host had switched VBVA off (a ring error) and it was switched back on.
    /// Our caps were dropped meanwhile, so a mode hint sent then raised no IRQ:
    /// query it now.
    pub reenabled: bool,
}

/// The VBVA driver for screen 0 of the VirtualBox VGA.
#[derive(Debug)]
pub struct Vbva {
    hgsmi: Hgsmi,
    layout: VramLayout,
    config: HostConfig,
    ring: Ring,
    /// The host accepted our VBVA_ENABLE for screen 0 and has not disabled it since.
    ring_enabled: bool,
    /// The caps the host currently holds (it resets them when screen 0's ring goes off).
    caps_sent: bool,
    mode: Option<ScreenMode>,
    other_screens_noted: bool,
}

impl Vbva {
    /// Detects HGSMI and sets up the host side: host flags location, QUERY_CONF32,
    /// host heap, capabilities; other screens are reported disabled. Emits the
    /// `@vitrine hgsmi …` status line.
    ///
    /// `vram` is the mapped VRAM BAR (at least the size the device reports). On error
    /// the caller falls back to plain DISPI: VBVA has not been enabled, so the host
    /// keeps refreshing screen 0 from the framebuffer.
    ///
    /// The caps include VBVACAPS_IRQ, so the host may assert the VGA line as soon as
    /// this returns (a hint from before boot): keep the line masked until the loop
    /// services it with [`service_irq`](Self::service_irq), or poll. No mode is set
    /// and no ring is enabled yet; call [`set_mode`](Self::set_mode) next.
    pub fn init(io: &mut impl PortIo, vram: PhysRegion) -> Result<Self> {
        let vram_size = hgsmi::detect(io)?;
        let hgsmi = Hgsmi::new(vram, vram_size)?;
        // First, so the host has somewhere to put IRQ reasons before anything can
        // raise one (spec §7.7, §7.8).
        hgsmi.report_host_flags_location(io)?;
        let config = query_host_config(&hgsmi, io)?;
        let layout = VramLayout::plan(vram_size, config.host_heap_size)
            .map_err(|e| VbvaError::Hgsmi(HgsmiError::VramTooSmall(e)))?;
        let ring = hgsmi
            .vram()
            .sub(layout.ring.offset as usize, layout.ring.size as usize)
            .and_then(Ring::new)
            .ok_or(HgsmiError::OutsideVram {
                offset: layout.ring.offset,
            })?;
        let mut vbva = Self {
            hgsmi,
            layout,
            config,
            ring,
            ring_enabled: false,
            caps_sent: false,
            mode: None,
            other_screens_noted: false,
        };
        if let Some(heap) = layout.host_heap {
            vbva.send_host_heap(io, heap)?;
        }
        vbva.send_caps(io)?;
        for screen in 1..config.monitors {
            vbva.disable_screen(io, screen)?;
        }
        crate::status!(
            "hgsmi heap_kib={} host_heap_kib={} monitors={}",
            vbva.hgsmi.heap().capacity_bytes() / 1024,
            layout.host_heap.map_or(0, |h| h.size / 1024),
            config.monitors
        );
        Ok(vbva)
    }

    /// The host configuration read at init.
    pub fn host_config(&self) -> &HostConfig {
        &self.config
    }

    /// The VRAM window.
    pub fn vram(&self) -> &PhysRegion {
        self.hgsmi.vram()
    }

    /// The VRAM plan.
    pub fn layout(&self) -> &VramLayout {
        &self.layout
    }

    /// Bytes available for screen 0's framebuffer (at VRAM offset 0).
    pub fn framebuffer_capacity(&self) -> u32 {
        self.layout.framebuffer.size
    }

    /// The current mode, once [`set_mode`](Self::set_mode) succeeded.
    pub fn mode(&self) -> Option<ScreenMode> {
        self.mode
    }

    /// Whether dirty rectangles go to the host through the ring (otherwise the host
    /// refreshes from the framebuffer by itself).
    pub fn ring_enabled(&self) -> bool {
        self.ring_enabled
    }

    /// Free blocks of the guest command heap (the pool must drain back to full).
    pub fn free_heap_blocks(&self) -> usize {
        self.hgsmi.heap().free_blocks()
    }

    /// Blocks of the guest command heap.
    pub fn heap_blocks(&self) -> usize {
        self.hgsmi.heap().capacity_blocks()
    }

    /// Sets screen 0 to `mode` (32 bpp, pitch = width × 4, framebuffer at VRAM 0) and
    /// returns the mode the device took.
    ///
    /// Order, as VirtualBox's own guest drivers do it: `program_vbe` (the DISPI
    /// driver writes XRES, YRES, BPP, ENABLE without switching DISPI off, and returns
    /// the mode the device accepted, or `None` when it dropped the ENABLE write) →
    /// VBVA_INFO_VIEW → VBVA_INFO_SCREEN → ring on if it is not yet (the first mode
    /// set) → caps if not sent → VBVA_REPORT_INPUT_MAPPING. The ring stays on across
    /// a mode change: switching it off makes VirtualBox 7.0.14 forget the guest's
    /// caps (`vbvaDisable` resets them when screen 0's ring goes,
    /// Devices/Graphics/DevVGA_VBVA.cpp) and show the old mode until the next
    /// update. The caller then presents one full frame.
    ///
    /// A mode that does not fit the framebuffer area (or has a zero or >16384
    /// dimension) is refused before anything is touched, so the old mode stays. If the
    /// ring cannot be enabled the mode still stands and the host refreshes from the
    /// framebuffer; this is logged and [`ring_enabled`](Self::ring_enabled) says so.
    ///
    /// While the ring is off the host holds no caps, so a hint arriving in that window
    /// raises no IRQ: after a mode set, query the hint once more (an equal hint is
    /// simply ignored). On [`VbvaError::VbeRejected`] set the previous mode again.
    pub fn set_mode<P: PortIo>(
        &mut self,
        io: &mut P,
        mode: ScreenMode,
        program_vbe: impl FnOnce(&mut P, ScreenMode) -> Option<ScreenMode>,
    ) -> Result<ScreenMode> {
        self.check_fits(mode)?;
        self.mode = None;
        let Some(mode) = program_vbe(io, mode) else {
            logging::warn!("vbva: DISPI rejected {}x{}", mode.width, mode.height);
            return Err(VbvaError::VbeRejected);
        };
        self.check_fits(mode)?;
        self.send_view(io, 0)?;
        let mut screen = wire::InfoScreen {
            u32ViewIndex: 0,
            i32OriginX: 0,
            i32OriginY: 0,
            u32StartOffset: 0,
            u32LineSize: mode.pitch(),
            u32Width: mode.width,
            u32Height: mode.height,
            u16BitsPerPixel: 32,
            u16Flags: ScreenFlags::ACTIVE.bits(),
        };
        self.exchange(io, wire::VBVA_INFO_SCREEN, &mut screen)?;
        self.mode = Some(mode);
        if !self.ring_enabled {
            self.enable_ring(io)?;
        }
        if !self.caps_sent {
            self.send_caps(io)?;
        }
        let mut mapping = wire::ReportInputMapping {
            x: 0,
            y: 0,
            cx: mode.width,
            cy: mode.height,
        };
        self.exchange(io, wire::VBVA_REPORT_INPUT_MAPPING, &mut mapping)?;
        Ok(mode)
    }

    fn check_fits(&self, mode: ScreenMode) -> Result {
        let fits = u64::from(mode.pitch()) * u64::from(mode.height)
            <= u64::from(self.layout.framebuffer.size);
        if mode.width == 0
            || mode.height == 0
            || mode.width > MAX_DIMENSION
            || mode.height > MAX_DIMENSION
            || !fits
        {
            logging::warn!(
                "vbva: mode {}x{} does not fit {} framebuffer bytes; not set",
                mode.width,
                mode.height,
                self.layout.framebuffer.size
            );
            return Err(VbvaError::ModeRejected {
                width: mode.width,
                height: mode.height,
            });
        }
        Ok(())
    }

    /// Sends `dirty` (screen-0 pixel rectangles, as the canvas tracked them) as ring
    /// records and flushes, so the host repaints exactly those areas.
    ///
    /// Rectangles are clipped to the mode; empty ones are skipped. A full ring is
    /// flushed and writing goes on. Without a ring (or before a mode is set) this does
    /// nothing: the host then refreshes from the framebuffer itself.
    pub fn present(
        &mut self,
        io: &mut impl PortIo,
        dirty: impl IntoIterator<Item = Rectangle>,
    ) -> Result<PresentStats> {
        let mut stats = PresentStats::default();
        let Some(mode) = self.mode else {
            return Ok(stats);
        };
        if !self.ring_enabled {
            return Ok(stats);
        }
        let clip = move |rect: Rectangle| {
            DirtyRecord::clipped(
                rect.top_left.x,
                rect.top_left.y,
                rect.size.width,
                rect.size.height,
                mode.width,
                mode.height,
            )
        };
        let mut dirty = dirty.into_iter();
        if !self.ring.host_enabled() {
            // A ring error on the host side switched VBVA off everywhere (and dropped
            // our caps); the host refreshed from the framebuffer meanwhile. Start over
            // and repaint everything once.
            logging::warn!("vbva: host disabled the ring; re-enabling and repainting");
            self.ring_enabled = false;
            self.enable_ring(io)?;
            self.send_caps(io)?;
            if !self.ring_enabled {
                return Ok(stats);
            }
            stats.reenabled = true;
            let whole = Rectangle::new(Point::zero(), Size::new(mode.width, mode.height));
            if let Some(record) = clip(whole) {
                if !self.push_record(io, &record, &mut stats)? {
                    return Err(VbvaError::RingStuck {
                        unsent: 1 + dirty.count(),
                    });
                }
            }
        }
        while let Some(rect) = dirty.next() {
            let Some(record) = clip(rect) else {
                continue;
            };
            if !self.push_record(io, &record, &mut stats)? {
                return Err(VbvaError::RingStuck {
                    unsent: 1 + dirty.count(),
                });
            }
        }
        if stats.records > 0 {
            self.flush(io, &mut stats)?;
        }
        Ok(stats)
    }

    /// Uploads `shape` as the host-drawn pointer (VBVA_MOUSE_POINTER_SHAPE with
    /// SHAPE|ALPHA and VISIBLE as asked). Returns whether the host accepted it; a
    /// refusal is logged and the caller should draw the pointer itself.
    pub fn set_pointer_shape(
        &mut self,
        io: &mut impl PortIo,
        shape: &PointerShape,
        visible: bool,
    ) -> Result<bool> {
        let mut flags = PointerFlags::SHAPE | PointerFlags::ALPHA;
        flags.set(PointerFlags::VISIBLE, visible);
        let head = wire::MousePointerShape {
            i32Result: NOT_HANDLED,
            fu32Flags: flags.bits(),
            u32HotX: shape.hot_x,
            u32HotY: shape.hot_y,
            u32Width: shape.width,
            u32Height: shape.height,
        };
        let head_len = size_of::<wire::MousePointerShape>();
        let data_len = shape.data_len();
        let result = self.hgsmi.submit(
            io,
            HGSMI_CH_VBVA,
            wire::VBVA_MOUSE_POINTER_SHAPE,
            head_len + data_len,
            |data| {
                data.write_bytes(0, head.as_bytes());
                shape.write_data(|at, bytes| data.write_bytes(head_len + at, bytes));
            },
            |data| data.read_u32(0) as i32,
        )?;
        if result != 0 {
            logging::warn!("vbva: host refused the pointer shape (rc {result})");
            return Ok(false);
        }
        Ok(true)
    }

    /// Shows or hides the host-drawn pointer without sending the shape again.
    pub fn set_pointer_visible(&mut self, io: &mut impl PortIo, visible: bool) -> Result<bool> {
        // The host reads at least a full VBVAMOUSEPOINTERSHAPE (24 bytes plus 4 of data).
        let head = wire::MousePointerShape {
            i32Result: NOT_HANDLED,
            fu32Flags: if visible {
                PointerFlags::VISIBLE.bits()
            } else {
                0
            },
            u32HotX: 0,
            u32HotY: 0,
            u32Width: 0,
            u32Height: 0,
        };
        let result = self.hgsmi.submit(
            io,
            HGSMI_CH_VBVA,
            wire::VBVA_MOUSE_POINTER_SHAPE,
            size_of::<wire::MousePointerShape>() + 4,
            |data| data.write_bytes(0, head.as_bytes()),
            |data| data.read_u32(0) as i32,
        )?;
        if result != 0 {
            logging::warn!("vbva: host refused pointer visibility {visible} (rc {result})");
        }
        Ok(result == 0)
    }

    /// Reports where the guest pointer is, when the host asked for that
    /// (GUEST_CURSOR_REPORTING); otherwise does nothing.
    pub fn report_cursor_position(&mut self, io: &mut impl PortIo, x: u32, y: u32) -> Result {
        if !self.config.cursor_reporting {
            return Ok(());
        }
        let mut position = wire::CursorPosition {
            fReportPosition: 1,
            x,
            y,
        };
        self.exchange(io, wire::VBVA_CURSOR_POSITION, &mut position)
    }

    /// Reads the host's mode hint for screen 0 (VBVA_QUERY_MODE_HINTS), when the host
    /// supports hints and has one. Hints for other screens are noted once and ignored.
    pub fn query_mode_hint(&mut self, io: &mut impl PortIo) -> Result<Option<ModeHint>> {
        if !self.config.mode_hints {
            return Ok(None);
        }
        let count = self.config.monitors.min(MAX_MONITORS) as usize;
        let head_len = size_of::<wire::QueryModeHints>();
        let hint_len = size_of::<wire::ModeHint>();
        let query = wire::QueryModeHints {
            cHintsQueried: count as u16,
            cbHintStructureGuest: hint_len as u16,
            rc: NOT_HANDLED,
        };
        let mut other_enabled = 0u32;
        let (rc, hint) = self.hgsmi.submit(
            io,
            HGSMI_CH_VBVA,
            wire::VBVA_QUERY_MODE_HINTS,
            head_len + count * hint_len,
            |data| data.write_bytes(0, query.as_bytes()),
            |data| {
                let rc = data.read_u32(4) as i32;
                let mut raw = [0u8; size_of::<wire::ModeHint>()];
                for screen in 1..count {
                    data.read_bytes(head_len + screen * hint_len, &mut raw);
                    let hint = wire::ModeHint::read_from_bytes(&raw).ok();
                    if hint.is_some_and(|h| h.magic == wire::VBVAMODEHINT_MAGIC && h.fEnabled != 0)
                    {
                        other_enabled += 1;
                    }
                }
                data.read_bytes(head_len, &mut raw);
                (rc, wire::ModeHint::read_from_bytes(&raw).ok())
            },
        )?;
        if rc != 0 {
            logging::warn!("vbva: QUERY_MODE_HINTS failed (rc {rc}); no hint taken");
            return Ok(None);
        }
        if other_enabled > 0 && !self.other_screens_noted {
            self.other_screens_noted = true;
            logging::info!(
                "vbva: ignoring hints for {other_enabled} other screen(s): screen 0 only"
            );
        }
        Ok(hint
            .filter(|h| h.magic == wire::VBVAMODEHINT_MAGIC)
            .map(|h| ModeHint {
                width: h.cx,
                height: h.cy,
                bpp: h.cBPP,
                origin_x: h.dx,
                origin_y: h.dy,
                enabled: h.fEnabled != 0,
            }))
    }

    /// Services the VGA interrupt: reads the host flags, completes pending host
    /// commands, and acknowledges the interrupt. Safe to call when the shared line
    /// fired for another device, and from a periodic poll.
    pub fn service_irq(&mut self, io: &mut impl PortIo) -> HostNotifications {
        let mut notes = HostNotifications::default();
        // Reasons raised while IRQ was still set wait in the host and come back with
        // IRQ on the acknowledge (DevVGA keeps the line up): service them now, not at
        // the next wake-up, which may be far off when nothing else happens. Bounded:
        // a host that re-raises forever gets the rest at the next call.
        for _ in 0..MAX_IRQ_ROUNDS {
            let flags = self.hgsmi.host_flags();
            notes.irq |= flags.contains(HostFlags::IRQ);
            if flags.contains(HostFlags::COMMANDS_PENDING) {
                notes.host_commands += self.process_host_commands(io);
            }
            if !flags.contains(HostFlags::IRQ) {
                break;
            }
            // Old hosts never cleared HOTPLUG; Linux trusts it only without VSYNC.
            notes.mode_hint |= flags
                .intersects(HostFlags::HOTPLUG | HostFlags::CURSOR_CAPABILITIES)
                && !flags.contains(HostFlags::VSYNC);
            self.hgsmi.acknowledge_irq(io);
        }
        notes
    }

    /// Completes every queued host→guest command (there is nothing to act on without
    /// VHWA: the host only needs them back). Offsets outside the host heap are logged
    /// and not touched. Returns how many were completed.
    pub fn process_host_commands(&mut self, io: &mut impl PortIo) -> u32 {
        let mut completed = 0;
        for _ in 0..MAX_HOST_COMMANDS_PER_CALL {
            let Some(offset) = self.hgsmi.next_host_command(io) else {
                break;
            };
            if !self.host_command_in_heap(offset) {
                logging::warn!("vbva: host command at bad offset {offset:#x}; skipped");
                continue;
            }
            self.hgsmi.complete_host_command(io, offset);
            completed += 1;
        }
        completed
    }

    /// Turns VBVA off for screen 0 (before handing the display to something else).
    pub fn shutdown(&mut self, io: &mut impl PortIo) -> Result {
        if self.ring_enabled {
            self.disable_ring(io)?;
        }
        Ok(())
    }

    fn host_command_in_heap(&self, offset: u32) -> bool {
        let Some(heap) = self.layout.host_heap else {
            return false;
        };
        let frame = BUFFER_OVERHEAD;
        if !heap.contains(offset, frame as u32) {
            return false;
        }
        let data_size = self.hgsmi.vram().read_u32(offset as usize);
        heap.contains(offset, (frame as u32).saturating_add(data_size))
    }

    /// Writes one record, flushing once if the ring is full. Returns false when the
    /// ring is still full after the flush (the host is not consuming).
    fn push_record(
        &mut self,
        io: &mut impl PortIo,
        record: &DirtyRecord,
        stats: &mut PresentStats,
    ) -> Result<bool> {
        if self.ring.push(record) == Err(RingFull) {
            self.flush(io, stats)?;
            if self.ring.push(record).is_err() {
                logging::warn!("vbva: ring still full after a flush; host not consuming");
                return Ok(false);
            }
        }
        stats.records += 1;
        Ok(true)
    }

    fn flush(&mut self, io: &mut impl PortIo, stats: &mut PresentStats) -> Result {
        let mut flush = wire::Flush { u32Reserved: 0 };
        self.exchange(io, wire::VBVA_FLUSH, &mut flush)?;
        stats.flushes += 1;
        Ok(())
    }

    fn enable_ring(&mut self, io: &mut impl PortIo) -> Result {
        for attempt in 0..2 {
            self.ring.reset();
            let mut enable = wire::EnableEx {
                Base: wire::Enable {
                    u32Flags: (EnableFlags::ENABLE
                        | EnableFlags::EXTENDED
                        | EnableFlags::ABSOFFSET)
                        .bits(),
                    u32Offset: self.layout.ring.offset,
                    i32Result: NOT_HANDLED,
                },
                u32ScreenId: 0,
            };
            self.exchange(io, wire::VBVA_ENABLE, &mut enable)?;
            let result = enable.Base.i32Result;
            if result >= 0 && self.ring.host_enabled() {
                self.ring_enabled = true;
                return Ok(());
            }
            if VBoxRc(result) == VBoxRc::VERR_INVALID_STATE && attempt == 0 {
                // A ring from before a driver restart is still on: switch it off first.
                logging::info!("vbva: screen 0 already had a ring; disabling it first");
                self.disable_ring(io)?;
                continue;
            }
            logging::warn!(
                "vbva: VBVA_ENABLE failed (rc {result}); host refreshes from the framebuffer"
            );
            break;
        }
        self.ring_enabled = false;
        Ok(())
    }

    fn disable_ring(&mut self, io: &mut impl PortIo) -> Result {
        let mut disable = wire::EnableEx {
            Base: wire::Enable {
                u32Flags: (EnableFlags::DISABLE | EnableFlags::EXTENDED).bits(),
                u32Offset: 0,
                i32Result: NOT_HANDLED,
            },
            u32ScreenId: 0,
        };
        self.exchange(io, wire::VBVA_ENABLE, &mut disable)?;
        self.ring_enabled = false;
        // Disabling screen 0's ring makes the host forget our caps (spec §8.5).
        self.caps_sent = false;
        Ok(())
    }

    /// VBVA_INFO_CAPS twice: the IRQ capability in both, mode hints only in the second
    /// (older hosts accept VIDEO_MODE_HINTS only in a separate message).
    fn send_caps(&mut self, io: &mut impl PortIo) -> Result {
        let base = Caps::IRQ | Caps::DISABLE_CURSOR_INTEGRATION | Caps::USE_VBVA_ONLY;
        let mut messages = [Some(base), None];
        if self.config.mode_hints {
            messages[1] = Some(base | Caps::VIDEO_MODE_HINTS);
        }
        for caps in messages.into_iter().flatten() {
            let mut message = wire::CapsCommand {
                rc: NOT_HANDLED,
                fCaps: caps.bits(),
            };
            self.exchange(io, wire::VBVA_INFO_CAPS, &mut message)?;
            if message.rc != 0 {
                logging::warn!("vbva: VBVA_INFO_CAPS {caps:?} refused (rc {})", message.rc);
            }
        }
        self.caps_sent = true;
        Ok(())
    }

    fn send_host_heap(&mut self, io: &mut impl PortIo, heap: VramRange) -> Result {
        let mut info = wire::InfoHeap {
            u32HeapOffset: heap.offset,
            u32HeapSize: heap.size,
        };
        self.exchange(io, wire::VBVA_INFO_HEAP, &mut info)
    }

    fn send_view(&mut self, io: &mut impl PortIo, screen: u32) -> Result {
        let framebuffer = self.layout.framebuffer;
        let mut view = wire::InfoView {
            u32ViewIndex: screen,
            u32ViewOffset: framebuffer.offset,
            u32ViewSize: framebuffer.size,
            u32MaxScreenSize: framebuffer.size,
        };
        self.exchange(io, wire::VBVA_INFO_VIEW, &mut view)
    }

    /// Screens other than 0 are out of scope: tell the host they are unplugged so
    /// its windows show them as disabled rather than stale.
    fn disable_screen(&mut self, io: &mut impl PortIo, screen: u32) -> Result {
        self.send_view(io, screen)?;
        let mut info = wire::InfoScreen {
            u32ViewIndex: screen,
            i32OriginX: 0,
            i32OriginY: 0,
            u32StartOffset: 0,
            u32LineSize: 0,
            u32Width: 0,
            u32Height: 0,
            u16BitsPerPixel: 0,
            u16Flags: (ScreenFlags::ACTIVE | ScreenFlags::DISABLED).bits(),
        };
        self.exchange(io, wire::VBVA_INFO_SCREEN, &mut info)
    }

    fn exchange<T>(&self, io: &mut impl PortIo, info: u16, value: &mut T) -> Result
    where
        T: IntoBytes + FromBytes + zerocopy::Immutable + zerocopy::KnownLayout + Copy,
    {
        Ok(self.hgsmi.exchange(io, HGSMI_CH_VBVA, info, value)?)
    }
}

/// Reads QUERY_CONF32 values, replacing missing or absurd answers with safe ones.
fn query_host_config(hgsmi: &Hgsmi, io: &mut impl PortIo) -> Result<HostConfig> {
    let query = |io: &mut _, index: u32, sentinel: u32| -> Result<u32> {
        let mut conf = wire::Conf32 {
            u32Index: index,
            u32Value: sentinel,
        };
        hgsmi.exchange(io, HGSMI_CH_VBVA, wire::VBVA_QUERY_CONF32, &mut conf)?;
        Ok(conf.u32Value)
    };
    // The host answers index 0xFFFFFFFF with 0xFFFFFFFF; silence means HGSMI is dead.
    let probe = query(io, u32::MAX, 0)?;
    if probe != u32::MAX {
        logging::warn!("vbva: host did not answer the QUERY_CONF32 probe ({probe:#x})");
        return Err(VbvaError::HostSilent { value: probe });
    }
    let unsupported = NOT_HANDLED as u32;
    let mut monitors = query(io, wire::VBOX_VBVA_CONF32_MONITOR_COUNT, 0)?;
    if monitors == 0 || monitors > MAX_MONITORS {
        logging::warn!("vbva: host reports {monitors} monitors; using 1");
        monitors = 1;
    }
    let host_heap_size = query(io, wire::VBOX_VBVA_CONF32_HOST_HEAP_SIZE, 0)?;
    let mode_hints = query(io, wire::VBOX_VBVA_CONF32_MODE_HINT_REPORTING, unsupported)? == 0;
    let cursor_reporting = query(
        io,
        wire::VBOX_VBVA_CONF32_GUEST_CURSOR_REPORTING,
        unsupported,
    )? == 0;
    let cursor_caps = query(io, wire::VBOX_VBVA_CONF32_CURSOR_CAPABILITIES, 0)?;
    let mut max_record_size = query(io, wire::VBOX_VBVA_CONF32_MAX_RECORD_SIZE, 0)?;
    let record_len = size_of::<wire::CmdHdr>() as u32;
    if max_record_size < record_len {
        // Older hosts do not know the index; ours are 8 bytes, far below any real limit.
        logging::info!("vbva: host max record size {max_record_size}; assuming records fit");
        max_record_size = wire::VBVA_MAX_RECORD_SIZE;
    }
    Ok(HostConfig {
        monitors,
        host_heap_size,
        mode_hints,
        cursor_reporting,
        hardware_cursor: cursor_caps & wire::VBOX_VBVA_CURSOR_CAPABILITY_HARDWARE != 0,
        max_record_size,
    })
}

/// Switches screen 0's VBVA off from the fault path (see `recovery::handover`): a
/// VBVA_ENABLE(DISABLE) written at `offset` of `vram` and submitted. False when it
/// does not fit there.
pub fn disable_from_fault(io: &mut impl PortIo, vram: &PhysRegion, offset: u32) -> bool {
    let disable = wire::EnableEx {
        Base: wire::Enable {
            u32Flags: (EnableFlags::DISABLE | EnableFlags::EXTENDED).bits(),
            u32Offset: 0,
            i32Result: NOT_HANDLED,
        },
        u32ScreenId: 0,
    };
    hgsmi::submit_at(
        vram,
        io,
        offset,
        HGSMI_CH_VBVA,
        wire::VBVA_ENABLE,
        disable.as_bytes(),
    )
}
