//! The VBVA channel (HGSMI channel 2) as the 7.0.14 host handles it (spec §8):
//! views, screens, the per-screen command rings with the host's consume rules,
//! capabilities, mode hints, pointer shape, cursor position and input mapping.

use crate::errors::{Device, ErrorLog};
use crate::hgsmi::Hgsmi;
use crate::memory::Backing;
use crate::pointer::{self, HostPointer};
use crate::wire::*;

/// QUERY_CONF32 value for VBOX_VBVA_CONF32_HOST_HEAP_SIZE.
const HOST_HEAP_SIZE: u32 = 65536;
/// Cursor capability: the host can draw the pointer.
const CURSOR_CAPABILITY_HARDWARE: u32 = 0x2;
/// Largest `u32LineSize` the host accepts.
const MAX_LINE_SIZE: u32 = 262_140;

/// A rectangle in screen pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x: i32,
    /// Top.
    pub y: i32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

impl Rect {
    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        let x0 = self.x.min(other.x);
        let y0 = self.y.min(other.y);
        let x1 = (self.x + self.w as i32).max(other.x + other.w as i32);
        let y1 = (self.y + self.h as i32).max(other.y + other.h as i32);
        Rect {
            x: x0,
            y: y0,
            w: (x1 - x0) as u32,
            h: (y1 - y0) as u32,
        }
    }
}

/// The dirty rectangles one flush delivered for one screen (screen coordinates:
/// the host subtracts the screen origin), and their bounding box, which is what the
/// host repaints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirtyUpdate {
    /// Screen index.
    pub screen: u32,
    /// Each record's rectangle.
    pub rects: Vec<Rect>,
    /// The merged box sent to the frontend.
    pub bounding_box: Rect,
}

/// VBVAINFOVIEW as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    /// View offset in VRAM.
    pub offset: u32,
    /// View size.
    pub size: u32,
    /// Largest screen it may hold.
    pub max_screen_size: u32,
}

/// VBVAINFOSCREEN as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenInfo {
    /// View index.
    pub view: u32,
    /// X origin in the virtual desktop.
    pub origin_x: i32,
    /// Y origin.
    pub origin_y: i32,
    /// Start offset relative to the view.
    pub start_offset: u32,
    /// Pitch in bytes.
    pub line_size: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Bits per pixel.
    pub bpp: u16,
    /// VBVA_SCREEN_F_* flags.
    pub flags: u16,
}

/// A mode hint as the VGA stores it for VBVA_QUERY_MODE_HINTS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeHint {
    /// Width.
    pub cx: u32,
    /// Height.
    pub cy: u32,
    /// Bits per pixel.
    pub bpp: u32,
    /// X origin, or 0xFFFFFFFF when none was given.
    pub dx: u32,
    /// Y origin, or 0xFFFFFFFF.
    pub dy: u32,
    /// Enabled.
    pub enabled: bool,
}

#[derive(Debug, Clone)]
struct Ring {
    offset: u32,
    cb_data: u32,
    threshold: u32,
    off_data: u32,
    index_first: u32,
    partial: Option<Vec<u8>>,
}

/// VBVA host state.
#[derive(Debug)]
pub struct Vbva {
    monitor_count: u32,
    views: Vec<View>,
    screens: Vec<Option<ScreenInfo>>,
    rings: Vec<Option<Ring>>,
    caps: u32,
    paused: bool,
    hints: Vec<Option<ModeHint>>,
    input_mapping: Option<(i32, i32, u32, u32)>,
    guest_cursor: Option<(u32, u32)>,
    scanline_flags: u32,
    updates: Vec<DirtyUpdate>,
    new_updates: Vec<DirtyUpdate>,
    changed_screens: Vec<u32>,
    flushes: u32,
}

/// What a VBVA command needs from the rest of the VGA.
pub struct VbvaCtx<'a> {
    /// VRAM.
    pub vram: &'a Backing,
    /// Protocol errors.
    pub errors: &'a mut ErrorLog,
    /// The HGSMI instance (host heap, IRQ).
    pub hgsmi: &'a mut Hgsmi,
    /// The host pointer.
    pub pointer: &'a mut HostPointer,
    /// HGSMI offset of the buffer being processed (views attribute it to a screen).
    pub buffer_offset: u32,
}

fn rd32(d: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(d[off..off + 4].try_into().expect("4"))
}

fn wr32(d: &mut [u8], off: usize, v: u32) {
    d[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

impl Vbva {
    /// A VBVA context for `monitor_count` screens (paused, nothing enabled).
    pub fn new(monitor_count: u32) -> Self {
        let n = monitor_count as usize;
        Self {
            monitor_count,
            views: vec![View::default(); n],
            screens: vec![None; n],
            rings: vec![None; n],
            caps: 0,
            paused: true,
            hints: vec![None; MAX_SCREENS as usize],
            input_mapping: None,
            guest_cursor: None,
            scanline_flags: 0,
            updates: Vec::new(),
            new_updates: Vec::new(),
            changed_screens: Vec::new(),
            flushes: 0,
        }
    }

    /// Monitor count (CFGM MonitorCount).
    pub fn monitor_count(&self) -> u32 {
        self.monitor_count
    }
    /// The VBVA_INFO_CAPS value in force.
    pub fn caps(&self) -> u32 {
        self.caps
    }
    /// Whether VBVA is paused (VBE disabled without USE_VBVA_ONLY, or never enabled).
    pub fn paused(&self) -> bool {
        self.paused
    }
    /// The view of a screen.
    pub fn view(&self, screen: u32) -> Option<View> {
        self.views.get(screen as usize).copied()
    }
    /// The screen info of a screen.
    pub fn screen(&self, screen: u32) -> Option<ScreenInfo> {
        self.screens.get(screen as usize).copied().flatten()
    }
    /// Whether a ring is enabled on a screen.
    pub fn ring_enabled(&self, screen: u32) -> bool {
        self.rings.get(screen as usize).is_some_and(|r| r.is_some())
    }
    /// VRAM offset of a screen's ring.
    pub fn ring_offset(&self, screen: u32) -> Option<u32> {
        self.rings.get(screen as usize)?.as_ref().map(|r| r.offset)
    }
    /// Input mapping rectangle (x, y, cx, cy).
    pub fn input_mapping(&self) -> Option<(i32, i32, u32, u32)> {
        self.input_mapping
    }
    /// Last guest cursor position reported with VBVA_CURSOR_POSITION.
    pub fn guest_cursor(&self) -> Option<(u32, u32)> {
        self.guest_cursor
    }
    /// VBVA_SCANLINE_CFG flags.
    pub fn scanline_flags(&self) -> u32 {
        self.scanline_flags
    }
    /// All dirty updates received so far.
    pub fn updates(&self) -> &[DirtyUpdate] {
        &self.updates
    }
    /// Takes the dirty updates not yet applied to the host view.
    pub fn take_new_updates(&mut self) -> Vec<DirtyUpdate> {
        std::mem::take(&mut self.new_updates)
    }
    /// Takes the screens whose INFO_SCREEN changed.
    pub fn take_changed_screens(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.changed_screens)
    }
    /// Clears the dirty update history.
    pub fn clear_updates(&mut self) {
        self.updates.clear();
    }
    /// Flushes processed so far.
    pub fn flush_count(&self) -> u32 {
        self.flushes
    }
    /// Stored mode hint of a display.
    pub fn mode_hint(&self, display: u32) -> Option<ModeHint> {
        self.hints.get(display as usize).copied().flatten()
    }

    /// VBVAOnVBEChanged: VBE ENABLE pauses/unpauses VBVA unless USE_VBVA_ONLY.
    pub fn on_vbe_enable(&mut self, enabled: bool) {
        if self.caps & VBVACAPS_USE_VBVA_ONLY == 0 {
            self.paused = !enabled;
        }
    }

    /// Main stores a hint (vbvaSendModeHintWorker): HOTPLUG IRQ only with caps
    /// IRQ + VIDEO_MODE_HINTS and `notify`.
    pub fn set_mode_hint(
        &mut self,
        display: u32,
        hint: ModeHint,
        notify: bool,
        hgsmi: &mut Hgsmi,
        vram: &Backing,
    ) {
        if let Some(slot) = self.hints.get_mut(display as usize) {
            *slot = Some(hint);
        }
        let need = VBVACAPS_IRQ | VBVACAPS_VIDEO_MODE_HINTS;
        if notify && self.caps & need == need {
            hgsmi.raise_irq(vram, HOSTFLAGS_HOTPLUG);
        }
    }

    /// The channel handler: command `info` with data at VRAM `data_offset`.
    pub fn handle(&mut self, info: u16, data_offset: u32, data_size: u32, ctx: &mut VbvaCtx) {
        let size = data_size as usize;
        let Some(mut data) = ctx.vram.read_vec(u64::from(data_offset), size) else {
            ctx.errors.record(Device::Vbva, "command data outside VRAM");
            return;
        };
        let min = |need: usize, ctx: &mut VbvaCtx, name: &str| -> bool {
            if size < need {
                ctx.errors.record(
                    Device::Vbva,
                    format!("{name}: data size {size} < {need}, ignored"),
                );
                false
            } else {
                true
            }
        };
        let mut write_back = true;
        match info {
            VBVA_QUERY_CONF32 => {
                if !min(SIZE_CONF32, ctx, "QUERY_CONF32") {
                    return;
                }
                let value = match rd32(&data, CONF32_INDEX) {
                    CONF32_MONITOR_COUNT => Some(self.monitor_count),
                    CONF32_HOST_HEAP_SIZE => Some(HOST_HEAP_SIZE),
                    CONF32_MODE_HINT_REPORTING | CONF32_GUEST_CURSOR_REPORTING => Some(0),
                    CONF32_CURSOR_CAPABILITIES => Some(CURSOR_CAPABILITY_HARDWARE),
                    CONF32_SCREEN_FLAGS => Some(u32::from(
                        SCREEN_F_ACTIVE | SCREEN_F_DISABLED | SCREEN_F_BLANK | SCREEN_F_BLANK2,
                    )),
                    CONF32_MAX_RECORD_SIZE => Some(VBVA_MAX_RECORD_SIZE),
                    0xFFFF_FFFF => Some(0xFFFF_FFFF),
                    other => {
                        ctx.errors.record(
                            Device::Vbva,
                            format!("QUERY_CONF32 index {other} unknown: value untouched"),
                        );
                        None
                    }
                };
                if let Some(v) = value {
                    wr32(&mut data, CONF32_VALUE, v);
                }
            }
            VBVA_SET_CONF32 => {
                if min(SIZE_CONF32, ctx, "SET_CONF32") && rd32(&data, CONF32_INDEX) > 1 {
                    ctx.errors.record(
                        Device::Vbva,
                        "SET_CONF32 with an index other than 0/1 ignored",
                    );
                }
                write_back = false;
            }
            VBVA_INFO_VIEW => {
                write_back = false;
                if !min(SIZE_INFO_VIEW, ctx, "INFO_VIEW") {
                    return;
                }
                for chunk in data.chunks_exact(SIZE_INFO_VIEW) {
                    if !self.info_view(chunk, ctx) {
                        break;
                    }
                }
            }
            VBVA_INFO_HEAP => {
                write_back = false;
                if !min(SIZE_INFO_HEAP, ctx, "INFO_HEAP") {
                    return;
                }
                let (off, sz) = (rd32(&data, HEAP_OFFSET), rd32(&data, HEAP_SIZE));
                let vram = ctx.vram.len() as u64;
                let (o, s) = (u64::from(off), u64::from(sz));
                if o >= vram || s > vram || o > vram - s || !(32..0x8000_0000).contains(&sz) {
                    ctx.errors
                        .record(Device::Vbva, format!("INFO_HEAP {off:#x}/{sz:#x} rejected"));
                } else if !ctx.hgsmi.set_host_heap(off, sz) {
                    ctx.errors.record(
                        Device::Vbva,
                        "INFO_HEAP refused: host allocations outstanding (VERR_ACCESS_DENIED)",
                    );
                }
            }
            VBVA_FLUSH => {
                write_back = false;
                if min(SIZE_FLUSH, ctx, "FLUSH") {
                    self.flush(ctx.vram, ctx.errors);
                }
            }
            VBVA_INFO_SCREEN => {
                write_back = false;
                if min(SIZE_INFO_SCREEN, ctx, "INFO_SCREEN") {
                    self.info_screen(&data, ctx);
                }
            }
            VBVA_ENABLE => {
                if !min(SIZE_ENABLE, ctx, "ENABLE") {
                    return;
                }
                let rc = self.enable(&data, ctx);
                wr32(&mut data, ENABLE_RESULT, rc as u32);
                if rc < 0 {
                    ctx.errors
                        .record(Device::Vbva, format!("VBVA_ENABLE failed with {rc}"));
                }
            }
            VBVA_MOUSE_POINTER_SHAPE => {
                if !min(SIZE_SHAPE, ctx, "MOUSE_POINTER_SHAPE") {
                    return;
                }
                let rc = Self::pointer_shape(&data, ctx);
                wr32(&mut data, SHAPE_RESULT, rc as u32);
                if rc < 0 {
                    ctx.errors.record(
                        Device::Vbva,
                        format!("MOUSE_POINTER_SHAPE failed with {rc}"),
                    );
                }
            }
            VBVA_INFO_CAPS => {
                if !min(SIZE_VBVA_CAPS, ctx, "INFO_CAPS") {
                    return;
                }
                self.caps = rd32(&data, CAPS_FLAGS);
                wr32(&mut data, CAPS_RC, VINF_SUCCESS as u32);
            }
            VBVA_SCANLINE_CFG => {
                if !min(SIZE_SCANLINE_CFG, ctx, "SCANLINE_CFG") {
                    return;
                }
                self.scanline_flags = rd32(&data, SCANLINE_FLAGS);
                wr32(&mut data, SCANLINE_RC, VINF_SUCCESS as u32);
            }
            VBVA_QUERY_MODE_HINTS => {
                if !min(SIZE_QMH, ctx, "QUERY_MODE_HINTS") {
                    return;
                }
                self.query_mode_hints(&mut data, ctx);
            }
            VBVA_REPORT_INPUT_MAPPING => {
                write_back = false;
                if min(SIZE_INPUT_MAPPING, ctx, "REPORT_INPUT_MAPPING") {
                    self.input_mapping = Some((
                        rd32(&data, MAPPING_X) as i32,
                        rd32(&data, MAPPING_Y) as i32,
                        rd32(&data, MAPPING_CX),
                        rd32(&data, MAPPING_CY),
                    ));
                }
            }
            VBVA_CURSOR_POSITION => {
                if !min(SIZE_CURSOR_POSITION, ctx, "CURSOR_POSITION") {
                    return;
                }
                if rd32(&data, CURSOR_REPORT) != 0 {
                    self.guest_cursor = Some((rd32(&data, CURSOR_X), rd32(&data, CURSOR_Y)));
                }
                wr32(&mut data, CURSOR_X, 0);
                wr32(&mut data, CURSOR_Y, 0);
            }
            other => {
                write_back = false;
                ctx.errors.record(
                    Device::Vbva,
                    format!("VBVA command {other} is not handled by the 7.0.14 host"),
                );
            }
        }
        if write_back {
            ctx.vram.write(u64::from(data_offset), &data);
        }
    }

    fn info_view(&mut self, d: &[u8], ctx: &mut VbvaCtx) -> bool {
        let index = rd32(d, VIEW_INDEX);
        let view = View {
            offset: rd32(d, VIEW_OFFSET),
            size: rd32(d, VIEW_SIZE),
            max_screen_size: rd32(d, VIEW_MAX_SCREEN),
        };
        let vram = ctx.vram.len() as u64;
        let (o, s) = (u64::from(view.offset), u64::from(view.size));
        let ok = index < self.monitor_count
            && o <= vram
            && s <= vram
            && o <= vram - s
            && view.max_screen_size <= view.size;
        if ok {
            self.views[index as usize] = view;
        } else {
            ctx.errors
                .record(Device::Vbva, format!("INFO_VIEW {index} {view:?} rejected"));
        }
        ok
    }

    fn info_screen(&mut self, d: &[u8], ctx: &mut VbvaCtx) {
        let s = ScreenInfo {
            view: rd32(d, SCREEN_VIEW),
            origin_x: rd32(d, SCREEN_ORIGIN_X) as i32,
            origin_y: rd32(d, SCREEN_ORIGIN_Y) as i32,
            start_offset: rd32(d, SCREEN_START),
            line_size: rd32(d, SCREEN_LINE_SIZE),
            width: rd32(d, SCREEN_WIDTH),
            height: rd32(d, SCREEN_HEIGHT),
            bpp: u16::from_le_bytes([d[SCREEN_BPP], d[SCREEN_BPP + 1]]),
            flags: u16::from_le_bytes([d[SCREEN_FLAGS], d[SCREEN_FLAGS + 1]]),
        };
        let reject = |why: &str, ctx: &mut VbvaCtx| {
            ctx.errors
                .record(Device::Vbva, format!("INFO_SCREEN {s:?} ignored: {why}"));
        };
        if s.view >= self.monitor_count {
            return reject("view index >= monitor count", ctx);
        }
        let view = self.views[s.view as usize];
        let bytes_pp = if s.bpp == 0 {
            1
        } else {
            u32::from(s.bpp).div_ceil(8)
        };
        if s.bpp > 32 || s.width > 65535 || s.height > 65535 || s.line_size > MAX_LINE_SIZE {
            return reject("bpp/width/height/line size out of range", ctx);
        }
        if s.width > s.line_size / bytes_pp {
            return reject("width does not fit the line size", ctx);
        }
        let screen_bytes = u64::from(s.line_size) * u64::from(s.height);
        // maxScreenSize <= viewSize (INFO_VIEW checked it), so the subtraction holds.
        if s.start_offset > view.size
            || screen_bytes > u64::from(view.max_screen_size)
            || u64::from(s.start_offset) > u64::from(view.size) - screen_bytes
        {
            return reject(
                "does not fit the view (was VBVA_INFO_VIEW sent first?)",
                ctx,
            );
        }
        self.screens[s.view as usize] = Some(s);
        if s.flags & SCREEN_F_DISABLED == 0 {
            self.input_mapping = None;
        }
        self.changed_screens.push(s.view);
    }

    fn enable(&mut self, d: &[u8], ctx: &mut VbvaCtx) -> i32 {
        let flags = rd32(d, ENABLE_FLAGS);
        let offset = rd32(d, ENABLE_OFFSET);
        let screen = if flags & VBVA_F_EXTENDED != 0 {
            if d.len() < SIZE_ENABLE_EX {
                return VERR_INVALID_PARAMETER;
            }
            rd32(d, ENABLE_SCREEN_ID)
        } else {
            match self.views.iter().position(|v| {
                ctx.buffer_offset >= v.offset
                    && u64::from(ctx.buffer_offset) < u64::from(v.offset) + u64::from(v.size)
            }) {
                Some(i) => i as u32,
                None => return VERR_INVALID_PARAMETER,
            }
        };
        if screen >= self.monitor_count {
            return VERR_INVALID_PARAMETER;
        }
        let (enable, disable) = (flags & VBVA_F_ENABLE != 0, flags & VBVA_F_DISABLE != 0);
        if enable == disable {
            return VERR_INVALID_PARAMETER;
        }
        let vram = ctx.vram.len() as u64;
        if disable {
            self.flush(ctx.vram, ctx.errors);
            if let Some(ring) = self.rings[screen as usize].take() {
                ctx.vram
                    .write_u32(u64::from(ring.offset) + RING_HOST_EVENTS as u64, 0);
                ctx.vram
                    .write_u32(u64::from(ring.offset) + RING_SUPPORTED_ORDERS as u64, 0);
            }
            if screen == 0 {
                self.caps = 0;
            }
            return VINF_SUCCESS;
        }
        if u64::from(offset) >= vram {
            return VERR_INVALID_PARAMETER;
        }
        let abs = if flags & VBVA_F_ABSOFFSET != 0 {
            if u64::from(offset) > vram - RING_HEAD_SIZE as u64 {
                return VERR_INVALID_PARAMETER;
            }
            u64::from(offset)
        } else {
            let view = self.views[screen as usize];
            if offset > view.size {
                return VERR_INVALID_PARAMETER;
            }
            u64::from(offset) + u64::from(view.offset)
        };
        if abs >= vram {
            return VERR_INVALID_PARAMETER;
        }
        self.flush(ctx.vram, ctx.errors);
        let r = |off: usize| ctx.vram.read_u32(abs + off as u64).unwrap_or(u32::MAX);
        let cb_data = r(RING_CB_DATA);
        let threshold = r(RING_THRESHOLD);
        let total = RING_HEAD_SIZE as u64 + u64::from(cb_data);
        if total > vram
            || abs > vram - total
            || r(RING_OFF_DATA) != 0
            || r(RING_OFF_FREE) != 0
            || r(RING_INDEX_FIRST) != 0
            || r(RING_INDEX_FREE) != 0
            || threshold == 0
            || threshold >= cb_data
        {
            ctx.errors.record(
                Device::Vbva,
                format!("VBVABUFFER at {abs:#x} invalid (cbData {cb_data}, threshold {threshold}, indices must be 0)"),
            );
            return VERR_INVALID_PARAMETER;
        }
        if self.rings[screen as usize].is_some() {
            return VERR_INVALID_STATE;
        }
        self.rings[screen as usize] = Some(Ring {
            offset: abs as u32,
            cb_data,
            threshold,
            off_data: 0,
            index_first: 0,
            partial: None,
        });
        ctx.vram.write_u32(
            abs + RING_HOST_EVENTS as u64,
            VBVA_F_MODE_ENABLED | HOST_EVENTS_F_VRDP_RESET,
        );
        ctx.vram.write_u32(abs + RING_SUPPORTED_ORDERS as u64, 0);
        self.paused = false;
        VINF_SUCCESS
    }

    fn pointer_shape(d: &[u8], ctx: &mut VbvaCtx) -> i32 {
        let flags = rd32(d, SHAPE_FLAGS);
        let mut shape = None;
        if flags & POINTER_SHAPE != 0 {
            let (w, h) = (rd32(d, SHAPE_WIDTH), rd32(d, SHAPE_HEIGHT));
            // The host's limit test uses AND (spec §8.8, pitfall 22).
            if w > 2048 && h > 2048 {
                return VERR_INVALID_PARAMETER;
            }
            if pointer::data_len(w, h) > (d.len() - SHAPE_DATA) as u64 {
                return VERR_INVALID_PARAMETER;
            }
            shape = Some(pointer::decode(
                flags,
                rd32(d, SHAPE_HOT_X),
                rd32(d, SHAPE_HOT_Y),
                w,
                h,
                &d[SHAPE_DATA..],
            ));
        }
        ctx.pointer
            .guest_request(shape, flags & POINTER_VISIBLE != 0);
        VINF_SUCCESS
    }

    fn query_mode_hints(&self, d: &mut [u8], ctx: &mut VbvaCtx) {
        let count = usize::from(u16::from_le_bytes([d[QMH_COUNT], d[QMH_COUNT + 1]]));
        let each = usize::from(u16::from_le_bytes([
            d[QMH_STRUCT_SIZE],
            d[QMH_STRUCT_SIZE + 1],
        ]));
        if d.len() < SIZE_QMH + count * each {
            wr32(d, QMH_RC, VERR_INVALID_PARAMETER as u32);
            ctx.errors.record(
                Device::Vbva,
                "QUERY_MODE_HINTS: data smaller than the hints asked for",
            );
            return;
        }
        d[SIZE_QMH..].fill(0xFF);
        for i in 0..count.min(MAX_SCREENS as usize) {
            let mut bytes = [0xFFu8; SIZE_MODE_HINT];
            if let Some(h) = self.hints[i] {
                wr32(&mut bytes, HINT_MAGIC, VBVAMODEHINT_MAGIC);
                wr32(&mut bytes, HINT_CX, h.cx);
                wr32(&mut bytes, HINT_CY, h.cy);
                wr32(&mut bytes, HINT_BPP, h.bpp);
                // cDisplay is never written by the host: it stays 0xFFFFFFFF.
                wr32(&mut bytes, HINT_DX, h.dx);
                wr32(&mut bytes, HINT_DY, h.dy);
                wr32(&mut bytes, HINT_ENABLED, u32::from(h.enabled));
            }
            let n = each.min(SIZE_MODE_HINT);
            let at = SIZE_QMH + i * each;
            d[at..at + n].copy_from_slice(&bytes[..n]);
        }
        wr32(d, QMH_RC, VINF_SUCCESS as u32);
    }

    /// Processes every enabled ring (vbvaFlush); on a ring error VBVA is disabled on
    /// all screens and the caps are reset, as the host does.
    pub fn flush(&mut self, vram: &Backing, errors: &mut ErrorLog) {
        self.flushes += 1;
        for screen in 0..self.rings.len() {
            if self.rings[screen].is_none() {
                continue;
            }
            match self.process_ring(screen, vram) {
                Ok(rects) if !rects.is_empty() => {
                    let bounding_box = rects.iter().skip(1).fold(rects[0], |acc, r| acc.union(r));
                    let update = DirtyUpdate {
                        screen: screen as u32,
                        rects,
                        bounding_box,
                    };
                    self.updates.push(update.clone());
                    self.new_updates.push(update);
                }
                Ok(_) => {}
                Err(why) => {
                    errors.record(
                        Device::Vbva,
                        format!("ring of screen {screen}: {why}; VBVA disabled on all screens, caps reset"),
                    );
                    for ring in self.rings.iter_mut().filter_map(Option::take) {
                        vram.write_u32(u64::from(ring.offset) + RING_HOST_EVENTS as u64, 0);
                    }
                    self.caps = 0;
                    return;
                }
            }
        }
    }

    fn fetch(ring: &mut Ring, vram: &Backing, len: u32, out: &mut Vec<u8>) {
        let data = u64::from(ring.offset) + RING_HEAD_SIZE as u64;
        let first = len.min(ring.cb_data - ring.off_data);
        let mut buf = vec![0u8; len as usize];
        vram.read(data + u64::from(ring.off_data), &mut buf[..first as usize]);
        vram.read(data, &mut buf[first as usize..]);
        out.extend_from_slice(&buf);
        ring.off_data = (ring.off_data + len) % ring.cb_data;
    }

    fn process_ring(&mut self, screen: usize, vram: &Backing) -> Result<Vec<Rect>, String> {
        let origin = self.screens[screen].map_or((0, 0), |s| (s.origin_x, s.origin_y));
        let ring = self.rings[screen].as_mut().expect("checked by caller");
        let base = u64::from(ring.offset);
        let mut rects = Vec::new();
        loop {
            let index_free = vram
                .read_u32(base + RING_INDEX_FREE as u64)
                .unwrap_or(u32::MAX);
            if index_free >= VBVA_MAX_RECORDS {
                return Err(format!("indexRecordFree {index_free} >= 64"));
            }
            if ring.index_first == index_free {
                break;
            }
            let record = vram
                .read_u32(base + RING_RECORDS as u64 + 4 * u64::from(ring.index_first))
                .unwrap_or(0);
            let len = record & !VBVA_F_RECORD_PARTIAL;
            if len > VBVA_MAX_RECORD_SIZE {
                return Err(format!("record length {len} > 128 MiB"));
            }
            let have = ring.partial.as_ref().map_or(0, |p| p.len() as u32);
            if record & VBVA_F_RECORD_PARTIAL != 0 {
                if len >= ring.cb_data - ring.threshold {
                    let chunk = len.saturating_sub(have);
                    if chunk >= ring.cb_data {
                        return Err(format!("partial chunk {chunk} >= cbData {}", ring.cb_data));
                    }
                    let mut p = ring.partial.take().unwrap_or_default();
                    Self::fetch(ring, vram, chunk, &mut p);
                    ring.partial = Some(p);
                    vram.write_u32(base + RING_OFF_DATA as u64, ring.off_data);
                }
                break;
            }
            let cmd = if let Some(mut p) = ring.partial.take() {
                let chunk = len.saturating_sub(have);
                if chunk >= ring.cb_data {
                    return Err(format!("partial chunk {chunk} >= cbData {}", ring.cb_data));
                }
                Self::fetch(ring, vram, chunk, &mut p);
                p
            } else {
                if len >= ring.cb_data {
                    return Err(format!(
                        "record length {len} >= cbData {} (overflow)",
                        ring.cb_data
                    ));
                }
                let mut c = Vec::new();
                Self::fetch(ring, vram, len, &mut c);
                c
            };
            ring.index_first = (ring.index_first + 1) % VBVA_MAX_RECORDS;
            vram.write_u32(base + RING_OFF_DATA as u64, ring.off_data);
            vram.write_u32(base + RING_INDEX_FIRST as u64, ring.index_first);
            if cmd.len() < SIZE_CMDHDR {
                return Err(format!(
                    "record of {} bytes is shorter than a VBVACMDHDR",
                    cmd.len()
                ));
            }
            let i16_at = |o: usize| i16::from_le_bytes([cmd[o], cmd[o + 1]]);
            let u16_at = |o: usize| u16::from_le_bytes([cmd[o], cmd[o + 1]]);
            rects.push(Rect {
                x: i32::from(i16_at(CMDHDR_X)) - origin.0,
                y: i32::from(i16_at(CMDHDR_Y)) - origin.1,
                w: u32::from(u16_at(CMDHDR_W)),
                h: u32::from(u16_at(CMDHDR_H)),
            });
        }
        Ok(rects)
    }
}
