//! The App API: what an app implements, and what the runtime tells it.
//!
//! The app is a plain value the runtime owns (no heap). The runtime calls `event` for
//! every event and `draw` when any event said something visible changed; the app
//! draws only what changed (everything after a `Resize`), and the runtime presents
//! exactly the rectangles it drew.

pub use crate::app_options::{AppOptions, OptionName};
pub use crate::display::Canvas;
pub use crate::event::{Button, Event, InputEvent, Key};
pub use crate::interaction::{Interaction, UiEvent, UiEvents, WidgetId};
pub use crate::timers::{TimerError, TimerId, Timers};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::DrawTarget;
use embedded_graphics::primitives::Rectangle;

/// Text the integration drivers put in the status panel.
pub type StatusText = heapless::String<48>;

/// A kiosk app.
///
/// ```
/// use vitrine::app::{App, Event, SystemInfo};
/// use embedded_graphics::{pixelcolor::Rgb888, prelude::*};
///
/// struct Blank { dirty: bool }
/// impl App for Blank {
///     fn event(&mut self, event: &Event, _info: &SystemInfo) -> bool {
///         self.dirty |= matches!(event, Event::Resize { .. });
///         self.dirty
///     }
///     fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _info: &SystemInfo) {
///         if core::mem::take(&mut self.dirty) {
///             let _ = target.clear(Rgb888::CSS_NAVY);
///         }
///     }
/// }
/// ```
pub trait App {
    /// Handles one event. Returns true when something visible changed, so the runtime
    /// calls `draw` before it idles. `Resize` always comes first and after every mode
    /// change; the app must redraw everything then.
    fn event(&mut self, event: &Event, info: &SystemInfo) -> bool;

    /// Draws what changed since the last call. Every pixel drawn is reported to the
    /// display as dirty, so drawing less is presenting less.
    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, info: &SystemInfo);

    /// The option names this app reads (e.g. `["title", "page"]`). When it lists
    /// any, only these reach it as `Event::OptionChanged`; another name set at run
    /// time (a host property) is logged once and ignored. Empty (the default): every
    /// change is delivered.
    fn options(&self) -> &'static [&'static str] {
        &[]
    }

    /// A short app-defined state the platform publishes for the host (VirtualBox:
    /// `/Vitrine/Status/State`), e.g. the page shown. `None`: nothing to publish.
    fn state(&self) -> Option<&str> {
        None
    }

    /// Reports the app's interactive widgets and where they are now (the ids its
    /// [`Interaction`] uses), for tools that drive the app from outside: host
    /// renders (`APP render --events "click 0"`), screenshot and click checks. The
    /// default reports none.
    fn widgets(&self, visit: &mut dyn FnMut(WidgetId, Rectangle)) {
        let _ = visit;
    }
}

/// How many events of each kind the runtime has delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventCounts {
    /// Input events (pointer, buttons, wheel, keys).
    pub input: u64,
    /// Mode changes.
    pub resizes: u64,
    /// Timer ticks.
    pub ticks: u64,
    /// Frames drawn and presented.
    pub frames: u64,
    /// Input events that could not be queued (the queue coalesces moves first).
    pub dropped: u64,
}

/// What the runtime knows about the system, for the app's status panel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemInfo {
    /// Screen width in pixels.
    pub width: u32,
    /// Screen height in pixels.
    pub height: u32,
    /// The display backend: `vbe`, `firmware`, `vbva`, `memory`.
    pub display_backend: &'static str,
    /// VirtualBox integration state, as the drivers describe it ("off" until they say).
    pub integration: StatusText,
    /// Microseconds since boot.
    pub uptime_us: u64,
    /// Event statistics.
    pub counts: EventCounts,
    /// Wall-clock time (Unix milliseconds, UTC) and the uptime when it was read; the
    /// VirtualBox host-time driver fills it.
    pub wall_clock: Option<WallClockSample>,
    /// The app's options (`app.NAME=VALUE` on the kernel command line, and changes
    /// at run time, announced by `Event::OptionChanged`).
    pub options: AppOptions,
    /// The app's timers: `info.timers.every(TimerId(1), 1_000_000)` brings
    /// `Event::Timer(TimerId(1))` every second.
    pub timers: Timers,
    /// What `App::state` last returned (published to the host as a guest property).
    pub app_state: StatusText,
    /// Restarts after faults since power-on (`on-fault=restart`), counted across
    /// resets in CMOS.
    pub restarts: u32,
}

/// A wall-clock reading, so the time can be extrapolated with the monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClockSample {
    /// Milliseconds since 1970-01-01 UTC.
    pub unix_ms: u64,
    /// `uptime_us` at the moment of the reading.
    pub at_uptime_us: u64,
}

impl SystemInfo {
    /// The wall-clock time now, in Unix milliseconds, if known.
    pub fn wall_clock_unix_ms(&self) -> Option<u64> {
        self.wall_clock
            .map(|s| s.unix_ms + self.uptime_us.saturating_sub(s.at_uptime_us) / 1000)
    }

    /// Sets the integration text (truncated to fit).
    pub fn set_integration(&mut self, text: &str) {
        copy_truncated(&mut self.integration, text);
    }

    /// Sets the app state text (truncated to fit).
    pub fn set_app_state(&mut self, text: &str) {
        copy_truncated(&mut self.app_state, text);
    }
}

fn copy_truncated(to: &mut StatusText, text: &str) {
    to.clear();
    for c in text.chars() {
        if to.push(c).is_err() {
            break;
        }
    }
}
