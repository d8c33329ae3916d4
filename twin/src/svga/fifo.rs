//! The SVGA II FIFO as the host worker reads it (vmsvga.md 5.2–5.4, 6): validity
//! checks, commands with wrap-around, waiting for partial commands, malformed input,
//! and QEMU's variant (section 11).

use super::wire::*;
use super::{Svga, SvgaCtx, SvgaFault, SvgaHost, SvgaUpdate};
use crate::errors::Device;
use crate::memory::Backing;
use crate::pointer::PointerShape;

/// QEMU processes at most this many commands per run.
const QEMU_MAX_COMMANDS: u32 = 1023;
/// Cursors the host refuses from this size on (header skipped only).
const VBOX_CURSOR_LIMIT: u32 = 2048;

fn reg(fifo: &Backing, index: u32) -> u32 {
    fifo.read_u32(u64::from(index) * 4).unwrap_or(0)
}

fn set_reg(fifo: &Backing, index: u32, value: u32) {
    fifo.write_u32(u64::from(index) * 4, value);
}

/// Writes FIFO_BUSY when MIN covers it (VirtualBox).
pub(crate) fn set_fifo_busy(fifo: &Backing, busy: bool) {
    if reg(fifo, FIFO_MIN) >= (FIFO_BUSY + 1) * 4 {
        set_reg(fifo, FIFO_BUSY, u32::from(busy));
    }
}

/// Whether commands or a cursor-bypass-3 update wait.
pub(crate) fn has_work(svga: &Svga, fifo: &Backing) -> bool {
    reg(fifo, FIFO_NEXT_CMD) != reg(fifo, FIFO_STOP)
        || (reg(fifo, FIFO_MIN) >= (FIFO_CURSOR_COUNT + 1) * 4
            && reg(fifo, FIFO_CURSOR_COUNT) != svga.last_cursor_count)
}

/// The ring as the checks of 5.2 (or QEMU's) accept it: (min, max, stop).
fn valid_ring(svga: &Svga, ctx: &mut SvgaCtx<'_>) -> Option<(u32, u32, u32)> {
    let fifo = ctx.fifo;
    let (min, max, stop) = (
        reg(fifo, FIFO_MIN),
        reg(fifo, FIFO_MAX),
        reg(fifo, FIFO_STOP),
    );
    let size = svga.config.fifo_size;
    let ok = match svga.config.host {
        SvgaHost::VirtualBox => {
            min >= 16
                && max > min
                && max <= size
                && min % 4 == 0
                && max % 4 == 0
                && (min..=max).contains(&stop)
        }
        SvgaHost::Qemu => {
            let limit = size.min(64 * 1024);
            min >= 16
                && max >= min.saturating_add(10 * 1024)
                && max <= limit
                && min <= limit
                && stop <= limit
                && [min, max, stop].iter().all(|v| v.is_multiple_of(4))
                && (min..=max).contains(&stop)
        }
    };
    if svga.fault == SvgaFault::FifoRejected {
        // The host's doing, not the guest's: nothing to hold against the guest.
        return None;
    }
    if !ok {
        ctx.errors.record(
            Device::Svga,
            format!("FIFO ignored: MIN {min:#x} MAX {max:#x} STOP {stop:#x} (size {size:#x})"),
        );
        return None;
    }
    Some((min, max, stop & !3))
}

/// A cursor of the ring for reading a command that may wrap.
struct Reader<'a> {
    fifo: &'a Backing,
    min: u32,
    max: u32,
    at: u32,
    /// Bytes readable before NEXT_CMD.
    available: u32,
}

impl Reader<'_> {
    fn word(&mut self) -> u32 {
        let v = reg(self.fifo, self.at / 4);
        self.skip(4);
        v
    }
    fn skip(&mut self, bytes: u32) {
        let ring = self.max - self.min;
        let offset = (self.at - self.min + bytes % ring) % ring;
        self.at = self.min + offset;
    }
    fn bytes(&mut self, n: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n.div_ceil(4) {
            out.extend_from_slice(&self.word().to_le_bytes());
        }
        out.truncate(n as usize);
        out
    }
    /// Word `index` after the current position, without moving.
    fn peek(&self, index: u32) -> u32 {
        let mut r = Reader { ..*self };
        r.skip(index * 4);
        reg(r.fifo, r.at / 4)
    }
}

/// What one command at STOP amounts to.
enum Step {
    /// Consume `bytes` (id included) and act.
    Consume(u32),
    /// Consume `bytes` without acting (a malformed command's header).
    Skip(u32),
    /// Only part of the command is there yet.
    Incomplete,
}

/// Processes the FIFO until NEXT_CMD == STOP; returns whether anything was consumed.
pub(crate) fn process(svga: &mut Svga, ctx: &mut SvgaCtx<'_>) -> bool {
    if !(svga.enabled() && svga.config_done()) {
        return pick_up_cursor(svga, ctx);
    }
    let mut progressed = pick_up_cursor(svga, ctx);
    let Some((min, max, mut stop)) = valid_ring(svga, ctx) else {
        return progressed;
    };
    let qemu = svga.config.host == SvgaHost::Qemu;
    let mut count = 0;
    loop {
        let next = reg(ctx.fifo, FIFO_NEXT_CMD);
        if next == stop || (qemu && count >= QEMU_MAX_COMMANDS) {
            break;
        }
        if !(min..max).contains(&next) || !next.is_multiple_of(4) {
            ctx.errors.record(
                Device::Svga,
                format!("FIFO NEXT_CMD {next:#x} outside the ring"),
            );
            break;
        }
        let ring = max - min;
        let available = (next + ring - stop) % ring;
        let mut reader = Reader {
            fifo: ctx.fifo,
            min,
            max,
            at: stop,
            available,
        };
        match command(svga, ctx, &mut reader, ring) {
            // A refused header is skipped only once NEXT_CMD covers it (section 5.3:
            // the host waits for the payload it reads). Skipping past NEXT_CMD sent
            // STOP round the whole ring (a fuzzer-found hang).
            Step::Consume(bytes) | Step::Skip(bytes) if bytes <= available => {
                let mut skip = Reader { at: stop, ..reader };
                skip.skip(bytes);
                stop = skip.at;
                set_reg(ctx.fifo, FIFO_STOP, stop);
                progressed = true;
                count += 1;
                raise_progress(svga);
            }
            Step::Consume(_) | Step::Skip(_) | Step::Incomplete => {
                // VirtualBox waits for the rest; QEMU rewinds and retries later. A
                // guest must advance NEXT_CMD only over whole commands.
                ctx.errors.record(
                    Device::Svga,
                    format!("FIFO command at {stop:#x} incomplete (NEXT_CMD {next:#x})"),
                );
                break;
            }
        }
    }
    progressed
}

fn raise_progress(svga: &mut Svga) {
    if svga.irqmask_has(IRQFLAG_FIFO_PROGRESS) {
        svga.irq_status |= IRQFLAG_FIFO_PROGRESS;
    }
}

/// Cursor bypass 3 (VirtualBox, MIN ≥ 56).
fn pick_up_cursor(svga: &mut Svga, ctx: &mut SvgaCtx<'_>) -> bool {
    if svga.config.host == SvgaHost::Qemu
        || reg(ctx.fifo, FIFO_MIN) < (FIFO_CURSOR_LAST_UPDATED + 1) * 4
    {
        return false;
    }
    let count = reg(ctx.fifo, FIFO_CURSOR_COUNT);
    if count == svga.last_cursor_count {
        return false;
    }
    svga.last_cursor_count = count;
    if svga.cursor_defined {
        ctx.pointer.visible = reg(ctx.fifo, FIFO_CURSOR_ON) != 0;
        ctx.pointer.updates += 1;
    }
    set_reg(ctx.fifo, FIFO_CURSOR_LAST_UPDATED, count);
    true
}

/// Parses and carries out the command at the reader (sections 5.4, 6, 11).
fn command(svga: &mut Svga, ctx: &mut SvgaCtx<'_>, r: &mut Reader<'_>, ring: u32) -> Step {
    let qemu = svga.config.host == SvgaHost::Qemu;
    let id = r.peek(0);
    // Bytes of the whole command (id included), or the header to skip when malformed.
    // Saturating: a payload length near 4 GiB is "larger than the ring" (section
    // 5.4: only the id is skipped), not an overflow (found by the svga fuzz target).
    let need = |payload: u32| {
        Step::Consume(
            payload
                .checked_next_multiple_of(4)
                .and_then(|p| p.checked_add(4))
                .unwrap_or(u32::MAX),
        )
    };
    let fixed = |size: usize| size as u32;
    let step = match id {
        CMD_INVALID_CMD => need(0),
        CMD_UPDATE | CMD_UPDATE_VERBOSE => need(fixed(if id == CMD_UPDATE {
            SIZE_UPDATE
        } else {
            SIZE_UPDATE_VERBOSE
        })),
        CMD_RECT_FILL => need(fixed(SIZE_RECT_FILL)),
        CMD_RECT_COPY => need(fixed(SIZE_RECT_COPY)),
        CMD_RECT_ROP_COPY => need(fixed(SIZE_RECT_ROP_COPY)),
        CMD_DISPLAY_CURSOR | CMD_MOVE_CURSOR => need(fixed(SIZE_CURSOR_WORDS)),
        CMD_DEFINE_CURSOR => {
            let (w, h, and_d, xor_d) = (r.peek(4), r.peek(5), r.peek(6), r.peek(7));
            if !qemu
                && (w >= VBOX_CURSOR_LIMIT || h >= VBOX_CURSOR_LIMIT || and_d > 32 || xor_d > 32)
            {
                malformed(ctx, id, 4 + fixed(SIZE_DEFINE_CURSOR))
            } else {
                let and_d = if qemu { 1 } else { and_d };
                // Saturating: QEMU mode has no size limit here (fuzzer-found overflow).
                need(
                    fixed(SIZE_DEFINE_CURSOR)
                        .saturating_add(mask_bytes(w, h, and_d))
                        .saturating_add(mask_bytes(w, h, xor_d)),
                )
            }
        }
        CMD_DEFINE_ALPHA_CURSOR => {
            let (w, h) = (r.peek(4), r.peek(5));
            if !qemu && (w >= VBOX_CURSOR_LIMIT || h >= VBOX_CURSOR_LIMIT) {
                malformed(ctx, id, 4 + fixed(SIZE_DEFINE_ALPHA_CURSOR))
            } else {
                need(
                    fixed(SIZE_DEFINE_ALPHA_CURSOR)
                        .saturating_add(w.saturating_mul(h).saturating_mul(4)),
                )
            }
        }
        CMD_FENCE if qemu => need(0),
        CMD_FENCE => need(fixed(SIZE_FENCE)),
        CMD_ESCAPE => need(fixed(SIZE_ESCAPE).saturating_add(r.peek(2))),
        CMD_DEFINE_SCREEN if !qemu => {
            let size = r.peek(1);
            if size >= svga.config.fifo_size {
                malformed(ctx, id, 8)
            } else {
                need(size)
            }
        }
        CMD_DESTROY_SCREEN if !qemu => need(fixed(SIZE_DESTROY_SCREEN)),
        CMD_DEFINE_GMRFB if !qemu => need(fixed(SIZE_DEFINE_GMRFB)),
        CMD_BLIT_GMRFB_TO_SCREEN if !qemu => need(fixed(SIZE_BLIT_GMRFB_TO_SCREEN)),
        CMD_BLIT_SCREEN_TO_GMRFB if !qemu => need(fixed(SIZE_BLIT_SCREEN_TO_GMRFB)),
        CMD_ANNOTATION_FILL if !qemu => need(fixed(SIZE_ANNOTATION_FILL)),
        CMD_ANNOTATION_COPY if !qemu => need(fixed(SIZE_ANNOTATION_COPY)),
        id if id >= 1040 && !qemu => need(r.peek(1).saturating_add(4)),
        _ => {
            ctx.errors.record(
                Device::Svga,
                format!("unknown FIFO command {id}: only its id is skipped"),
            );
            return Step::Skip(4);
        }
    };
    let Step::Consume(bytes) = step else {
        return step;
    };
    if bytes > ring - 4 {
        ctx.errors.record(
            Device::Svga,
            format!("FIFO command {id} of {bytes} bytes exceeds the ring: only its id is skipped"),
        );
        return Step::Skip(4);
    }
    if bytes > r.available {
        return Step::Incomplete;
    }
    r.word();
    execute(svga, ctx, r, id, bytes);
    Step::Consume(bytes)
}

/// A command whose header the host refuses: only `bytes` are skipped.
fn malformed(ctx: &mut SvgaCtx<'_>, id: u32, bytes: u32) -> Step {
    ctx.errors.record(
        Device::Svga,
        format!(
            "FIFO command {id} refused: only {bytes} bytes skipped, the rest is parsed as commands"
        ),
    );
    Step::Skip(bytes)
}

/// Bytes of one cursor mask: scanlines padded to 32 bits, depth 15 read as 16.
/// Saturating: in QEMU mode neither the width nor the depth is checked before the
/// length, and padding a saturated scanline overflowed (svga fuzz finding).
fn mask_bytes(width: u32, height: u32, depth: u32) -> u32 {
    let depth = if depth == 15 { 16 } else { depth };
    let scanline = width
        .saturating_mul(depth)
        .checked_next_multiple_of(32)
        .map_or(u32::MAX / 8, |bits| bits / 8);
    scanline.saturating_mul(height)
}

fn execute(svga: &mut Svga, ctx: &mut SvgaCtx<'_>, r: &mut Reader<'_>, id: u32, bytes: u32) {
    let qemu = svga.config.host == SvgaHost::Qemu;
    match id {
        CMD_UPDATE | CMD_UPDATE_VERBOSE => {
            let (x, y, width, height) = (r.word(), r.word(), r.word(), r.word());
            update(svga, ctx, x, y, width, height);
        }
        CMD_RECT_COPY | CMD_RECT_ROP_COPY => {
            let v: Vec<u32> = (0..6).map(|_| r.word()).collect();
            let rop = if id == CMD_RECT_ROP_COPY {
                r.word()
            } else {
                ROP_COPY
            };
            rect_copy(svga, ctx, &v, rop);
        }
        CMD_DEFINE_CURSOR => {
            let h: Vec<u32> = (0..7).map(|_| r.word()).collect();
            let (hot_x, hot_y, w, hgt, and_d, xor_d) = (h[1], h[2], h[3], h[4], h[5], h[6]);
            let and_d = if qemu { 1 } else { and_d };
            let depth_ok = |d: u32| [1, 8, 15, 16, 24, 32].contains(&d);
            let qemu_ok = !qemu
                || (w <= 256
                    && hgt <= 256
                    && mask_bytes(w, hgt, 1) / 4 <= 1024
                    && mask_bytes(w, hgt, xor_d) / 4 <= 4096
                    && matches!(xor_d, 1 | 32));
            if !depth_ok(and_d) || !depth_ok(xor_d) || !qemu_ok {
                ctx.errors.record(
                    Device::Svga,
                    format!("DEFINE_CURSOR {w}x{hgt} AND {and_d} XOR {xor_d} ignored"),
                );
                return;
            }
            let and = r.bytes(mask_bytes(w, hgt, and_d));
            let xor = r.bytes(mask_bytes(w, hgt, xor_d));
            let shape = masked_shape(w, hgt, hot_x, hot_y, and_d, &and, xor_d, &xor);
            svga.install_cursor(shape, ctx);
        }
        CMD_DEFINE_ALPHA_CURSOR => {
            let h: Vec<u32> = (0..5).map(|_| r.word()).collect();
            if qemu {
                ctx.errors
                    .record(Device::Svga, "QEMU ignores DEFINE_ALPHA_CURSOR");
                return;
            }
            let (w, hgt) = (h[3], h[4]);
            let data = r.bytes(w * hgt * 4);
            let mut rgba = Vec::with_capacity(data.len());
            for px in data.chunks(4) {
                rgba.extend_from_slice(&[px[2], px[1], px[0], px[3]]);
            }
            let shape = PointerShape {
                width: w,
                height: hgt,
                hot_x: h[1],
                hot_y: h[2],
                rgba,
                invert: vec![false; (w * hgt) as usize],
                alpha: true,
            };
            svga.install_cursor(shape, ctx);
        }
        CMD_FENCE if !qemu => {
            let fence = r.word();
            svga.fences.push(fence);
            if reg(ctx.fifo, FIFO_MIN) > FIFO_FENCE * 4 {
                set_reg(ctx.fifo, FIFO_FENCE, fence);
            }
            if svga.irqmask_has(IRQFLAG_ANY_FENCE) {
                svga.irq_status |= IRQFLAG_ANY_FENCE;
            } else if svga.irqmask_has(IRQFLAG_FENCE_GOAL)
                && reg(ctx.fifo, FIFO_MIN) > FIFO_FENCE_GOAL * 4
                && reg(ctx.fifo, FIFO_FENCE_GOAL) == fence
            {
                svga.irq_status |= IRQFLAG_FENCE_GOAL;
            }
        }
        CMD_DEFINE_SCREEN => {
            ctx.errors.record(
                Device::Svga,
                format!("DEFINE_SCREEN ({bytes} bytes): screen objects are not modelled"),
            );
        }
        _ => {} // Consumed: RECT_FILL (no-op on VirtualBox), escapes, annotations...
    }
}

/// UPDATE: repaint a rectangle of screen 0 (VirtualBox: not clipped, ignored when
/// empty or without screen; QEMU: clipped, an invalid rectangle means the whole screen).
fn update(svga: &mut Svga, ctx: &mut SvgaCtx<'_>, x: u32, y: u32, width: u32, height: u32) {
    let Some(screen) = svga.screen() else {
        return;
    };
    let rect = if svga.config.host == SvgaHost::Qemu {
        let valid = x < screen.width
            && y < screen.height
            && width > 0
            && height > 0
            && x.saturating_add(width) <= screen.width
            && y.saturating_add(height) <= screen.height;
        if valid {
            SvgaUpdate {
                x,
                y,
                width,
                height,
            }
        } else {
            SvgaUpdate {
                x: 0,
                y: 0,
                width: screen.width,
                height: screen.height,
            }
        }
    } else {
        if width == 0 || height == 0 {
            return;
        }
        if x.saturating_add(width) > screen.width || y.saturating_add(height) > screen.height {
            ctx.errors.record(
                Device::Svga,
                format!(
                    "UPDATE {x},{y} {width}x{height} beyond the {}x{} screen (not clipped)",
                    screen.width, screen.height
                ),
            );
        }
        SvgaUpdate {
            x,
            y,
            width,
            height,
        }
    };
    svga.updates.push(rect);
    svga.new_updates.push(rect);
}

fn rect_copy(svga: &mut Svga, ctx: &mut SvgaCtx<'_>, v: &[u32], rop: u32) {
    let Some(screen) = svga.screen() else {
        return;
    };
    let (sx, sy, dx, dy, w, h) = (v[0], v[1], v[2], v[3], v[4], v[5]);
    let (mw, mh) = svga.max_size();
    if rop != ROP_COPY
        || [sx, dx, w].iter().any(|&c| c >= mw)
        || [sy, dy, h].iter().any(|&c| c >= mh)
    {
        return;
    }
    let bpp = screen.bpp.div_ceil(8) as usize;
    let row = w as usize * bpp;
    let lines: Vec<Vec<u8>> = (0..h)
        .map(|line| {
            let at = u64::from(screen.vram_offset)
                + u64::from(sy + line) * u64::from(screen.pitch)
                + u64::from(sx) * bpp as u64;
            ctx.vram.read_vec(at, row).unwrap_or_default()
        })
        .collect();
    for (line, data) in lines.iter().enumerate() {
        let at = u64::from(screen.vram_offset)
            + u64::from(dy + line as u32) * u64::from(screen.pitch)
            + u64::from(dx) * bpp as u64;
        ctx.vram.write(at, data);
    }
    update(svga, ctx, dx, dy, w, h);
}

/// The shape a masked cursor shows: AND 1 = transparent (XOR 0) or inverting.
#[allow(clippy::too_many_arguments)]
fn masked_shape(
    w: u32,
    h: u32,
    hot_x: u32,
    hot_y: u32,
    and_depth: u32,
    and: &[u8],
    xor_depth: u32,
    xor: &[u8],
) -> PointerShape {
    let bit = |data: &[u8], depth: u32, x: u32, y: u32| -> u32 {
        let row = mask_bytes(w, 1, depth) as usize;
        let base = y as usize * row;
        match depth {
            1 => {
                u32::from(data.get(base + x as usize / 8).copied().unwrap_or(0) >> (7 - x % 8) & 1)
            }
            32 => {
                let i = base + x as usize * 4;
                data.get(i..i + 4)
                    .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            d => {
                let bytes = (if d == 15 { 16 } else { d } / 8) as usize;
                let i = base + x as usize * bytes;
                data.get(i..i + bytes).map_or(0, |b| {
                    b.iter().rev().fold(0, |acc, &v| acc << 8 | u32::from(v))
                })
            }
        }
    };
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    let mut invert = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let and_bit = bit(and, and_depth, x, y) != 0;
            let colour = bit(xor, xor_depth, x, y);
            let colour = if xor_depth == 1 {
                if colour != 0 {
                    0xFF_FFFF
                } else {
                    0
                }
            } else {
                colour
            };
            let (r, g, b) = ((colour >> 16) as u8, (colour >> 8) as u8, colour as u8);
            match (and_bit, colour != 0) {
                (false, _) => {
                    rgba.extend_from_slice(&[r, g, b, 0xFF]);
                    invert.push(false);
                }
                (true, false) => {
                    rgba.extend_from_slice(&[0, 0, 0, 0]);
                    invert.push(false);
                }
                (true, true) => {
                    rgba.extend_from_slice(&[0, 0, 0, 0]);
                    invert.push(true);
                }
            }
        }
    }
    PointerShape {
        width: w,
        height: h,
        hot_x,
        hot_y,
        rgba,
        invert,
        alpha: false,
    }
}
