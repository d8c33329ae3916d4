//! Recovery from a panic or CPU exception: the restart record kept in CMOS across
//! resets, the decision to restart or stay on the error page, and the error page.
//!
//! The metal side (`arch::x86_64::recovery`) reads and writes CMOS, draws the page on
//! the framebuffer the runtime last published and resets the machine; everything
//! here is plain logic and drawing, tested on the host.

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use embedded_graphics::mono_font::ascii::{FONT_10X20, FONT_6X13};
use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};
use embedded_graphics::text::Text;

/// CMOS bytes the record lives in: the top of the first bank, which neither SeaBIOS,
/// OVMF nor the VirtualBox BIOS use (they keep to 0x00-0x5F).
pub const CMOS_RECORD_REGISTERS: [u8; 4] = [0x7C, 0x7D, 0x7E, 0x7F];
/// Marks a record as ours (upper nibble), with the "restart pending" flag in bit 0.
const RECORD_MAGIC: u8 = 0xA0;
const RECORD_PENDING: u8 = 0x01;
/// A fault this soon after boot counts as a quick restart.
pub const QUICK_UPTIME_US: u64 = 120_000_000;
/// After this many quick restarts in a row the kiosk stays on the error page.
pub const MAX_QUICK_RESTARTS: u8 = 3;

/// What survives a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RestartRecord {
    /// A fault asked for a restart that has not been counted at boot yet.
    pub pending: bool,
    /// Restarts after faults since power-on.
    pub count: u8,
    /// Quick restarts in a row (faults within [`QUICK_UPTIME_US`] of boot).
    pub quick_streak: u8,
}

impl RestartRecord {
    /// The four CMOS bytes: magic and flags, count, streak, checksum.
    pub fn encode(self) -> [u8; 4] {
        let flags = RECORD_MAGIC | if self.pending { RECORD_PENDING } else { 0 };
        let body = [flags, self.count, self.quick_streak];
        [body[0], body[1], body[2], checksum(&body)]
    }

    /// The record in `bytes`, or `None` when they are not one of ours (power-on
    /// garbage, another user of the bytes, a torn write).
    pub fn decode(bytes: [u8; 4]) -> Option<Self> {
        let body = [bytes[0], bytes[1], bytes[2]];
        if bytes[0] & 0xF0 != RECORD_MAGIC || bytes[0] & 0x0E != 0 || checksum(&body) != bytes[3] {
            return None;
        }
        Some(Self {
            pending: bytes[0] & RECORD_PENDING != 0,
            count: bytes[1],
            quick_streak: bytes[2],
        })
    }
}

fn checksum(body: &[u8; 3]) -> u8 {
    // Not a plain sum, so all-zero and all-ones CMOS never pass.
    body.iter()
        .fold(0x5Au8, |sum, byte| sum.rotate_left(3) ^ byte)
}

/// At boot: the restarts to report, and the record to write back (the pending flag
/// consumed). A boot without a pending restart is a power-on: the count starts over.
pub fn at_boot(stored: Option<RestartRecord>) -> (u32, RestartRecord) {
    match stored {
        Some(record) if record.pending => (
            u32::from(record.count),
            RestartRecord {
                pending: false,
                ..record
            },
        ),
        _ => (0, RestartRecord::default()),
    }
}

/// What a fault leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Restart after the delay.
    Restart,
    /// Too many quick restarts in a row: stay on the error page.
    StayOnErrorPage,
}

/// At a fault `uptime_us` after boot: the record to write before restarting, and
/// whether to restart at all.
pub fn after_fault(current: RestartRecord, uptime_us: u64) -> (RestartRecord, Decision) {
    let quick_streak = if uptime_us < QUICK_UPTIME_US {
        current.quick_streak.saturating_add(1)
    } else {
        1
    };
    let record = RestartRecord {
        pending: true,
        count: current.count.saturating_add(1),
        quick_streak,
    };
    if quick_streak > MAX_QUICK_RESTARTS {
        let stay = RestartRecord {
            pending: false,
            ..record
        };
        (stay, Decision::StayOnErrorPage)
    } else {
        (record, Decision::Restart)
    }
}

static RESTART_COUNT: AtomicU32 = AtomicU32::new(0);
static QUICK_STREAK: AtomicU32 = AtomicU32::new(0);

/// Records what the boot found (the metal boot path calls this once).
pub fn set_boot_record(count: u32, record: RestartRecord) {
    RESTART_COUNT.store(count, Ordering::SeqCst);
    QUICK_STREAK.store(u32::from(record.quick_streak), Ordering::SeqCst);
}

/// Restarts after faults since power-on (what the status panel shows).
pub fn restart_count() -> u32 {
    RESTART_COUNT.load(Ordering::SeqCst)
}

/// The record as it stands now (the fault path builds on it).
pub fn current_record() -> RestartRecord {
    RestartRecord {
        pending: false,
        count: RESTART_COUNT.load(Ordering::SeqCst).min(255) as u8,
        quick_streak: QUICK_STREAK.load(Ordering::SeqCst).min(255) as u8,
    }
}

// ------------------------------------------------------------------ the screen

/// The framebuffer the runtime draws on, published after every frame so the fault
/// path can reach it without touching the runtime. Zero width: nothing published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedScreen {
    /// Host-visible address of the first pixel.
    pub address: usize,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes per row.
    pub pitch: u32,
}

static SCREEN_ADDRESS: AtomicUsize = AtomicUsize::new(0);
static SCREEN_GEOMETRY: AtomicU64 = AtomicU64::new(0);
static SCREEN_PITCH: AtomicU32 = AtomicU32::new(0);
/// Set while the runtime is inside the display driver: a fault then may have left
/// the display half-programmed, so the error page is not drawn.
static DISPLAY_BUSY: AtomicBool = AtomicBool::new(false);

/// Publishes the 32-bit XRGB framebuffer the runtime draws on.
pub fn publish_screen(screen: PublishedScreen) {
    SCREEN_ADDRESS.store(0, Ordering::SeqCst);
    SCREEN_PITCH.store(screen.pitch, Ordering::SeqCst);
    SCREEN_GEOMETRY.store(
        u64::from(screen.width) << 32 | u64::from(screen.height),
        Ordering::SeqCst,
    );
    SCREEN_ADDRESS.store(screen.address, Ordering::SeqCst);
}

/// The published framebuffer, if any.
pub fn published_screen() -> Option<PublishedScreen> {
    let address = SCREEN_ADDRESS.load(Ordering::SeqCst);
    let geometry = SCREEN_GEOMETRY.load(Ordering::SeqCst);
    let screen = PublishedScreen {
        address,
        width: (geometry >> 32) as u32,
        height: geometry as u32,
        pitch: SCREEN_PITCH.load(Ordering::SeqCst),
    };
    screen.plausible().then_some(screen)
}

impl PublishedScreen {
    /// Whether the error page can be drawn on it: an address, a size, rows of at
    /// least `width` 32-bit pixels.
    pub fn plausible(&self) -> bool {
        self.address != 0
            && self.width > 0
            && self.height > 0
            && u64::from(self.pitch) >= u64::from(self.width) * 4
    }
}

/// A test fault to raise after the next frame (`test-fault=late-...`).
static ARMED_FAULT: AtomicUsize = AtomicUsize::new(0);

/// Arms `raise` to run after the runtime's next frame.
pub fn arm_fault_after_frame(raise: fn()) {
    ARMED_FAULT.store(raise as usize, Ordering::SeqCst);
}

/// Runs the armed test fault, if any (the runtime calls this after each frame).
pub fn fire_armed_fault() {
    let raw = ARMED_FAULT.swap(0, Ordering::SeqCst);
    if raw != 0 {
        // SAFETY: the only non-zero value ever stored is a `fn()` (arm_fault_after_frame).
        let raise: fn() = unsafe { core::mem::transmute::<usize, fn()>(raw) };
        raise();
    }
}

/// Marks the runtime as inside (`true`) or outside the display driver.
pub fn set_display_busy(busy: bool) {
    DISPLAY_BUSY.store(busy, Ordering::SeqCst);
}

/// Whether a fault now would have interrupted the display driver.
pub fn display_busy() -> bool {
    DISPLAY_BUSY.load(Ordering::SeqCst)
}

/// What the error page says.
#[derive(Debug, Clone)]
pub struct ErrorPage<'a> {
    /// What failed, in words ("page fault", "panic").
    pub what: &'a str,
    /// The status line's fields (`vector=14 rip=0x... ` or `msg="..."`).
    pub fields: &'a str,
    /// Restarts after faults since power-on, this one not counted.
    pub restarts: u32,
    /// `Some(seconds)` until the restart, `None` when staying on the page.
    pub restart_in: Option<u32>,
    /// Why the page stays (too many quick restarts), if it does.
    pub staying_because: Option<&'a str>,
}

/// The error page's background: a dark red no kiosk screen uses.
pub const ERROR_BACKGROUND: Rgb888 = Rgb888::new(0x6E, 0x0A, 0x0A);
const ERROR_TEXT: Rgb888 = Rgb888::WHITE;

/// Draws the whole error page on `target`.
pub fn draw_error_page<D: DrawTarget<Color = Rgb888>>(target: &mut D, page: &ErrorPage) {
    let area = target.bounding_box();
    let _ = Rectangle::new(area.top_left, area.size)
        .into_styled(PrimitiveStyle::with_fill(ERROR_BACKGROUND))
        .draw(target);
    let big = MonoTextStyle::new(&FONT_10X20, ERROR_TEXT);
    let small = MonoTextStyle::new(&FONT_6X13, ERROR_TEXT);
    let left = 40;
    let mut y = 60;
    let mut line = |text: &str, style, step| {
        let _ = Text::new(text, Point::new(left, y), style).draw(target);
        y += step;
    };
    line("This screen stopped working.", big, 40);
    let mut what: heapless::String<96> = heapless::String::new();
    let _ = write!(what, "What failed: {}", page.what);
    line(&what, big, 30);
    // The status line's fields, cut into screen-wide pieces.
    let columns = ((area.size.width as i32 - 2 * left) / 6).clamp(20, 200) as usize;
    let mut rest = page.fields;
    for _ in 0..6 {
        if rest.is_empty() {
            break;
        }
        let cut = rest
            .char_indices()
            .nth(columns)
            .map_or(rest.len(), |(index, _)| index);
        line(&rest[..cut], small, 18);
        rest = &rest[cut..];
    }
    line("", small, 20);
    let mut status: heapless::String<96> = heapless::String::new();
    let _ = write!(status, "Restarts so far: {}", page.restarts);
    line(&status, big, 30);
    let mut next: heapless::String<128> = heapless::String::new();
    match (page.restart_in, page.staying_because) {
        (Some(seconds), _) => {
            let _ = write!(next, "Restarting in {seconds} s.");
        }
        (None, Some(reason)) => {
            let _ = write!(next, "Not restarting: {reason}.");
        }
        (None, None) => {
            let _ = write!(next, "Stopped (on-fault=halt).");
        }
    }
    line(&next, big, 30);
}

pub mod handover;
pub mod reset_plan;

#[cfg(test)]
mod tests;
