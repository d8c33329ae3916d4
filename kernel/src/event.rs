//! Events the runtime delivers to the app.
//!
//! Input drivers produce `InputEvent`s (coordinates already in screen pixels); the
//! runtime turns them, plus resizes and ticks, into `Event`s for the app.

/// A mouse button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Button {
    Left,
    Right,
    Middle,
}

/// A key the app can act on. Printable keys carry their character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Tab,
    /// Shift+Tab.
    BackTab,
    Escape,
    Backspace,
    Delete,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    /// Anything else, by its decoder's code.
    Other(u16),
}

/// What input drivers report, already mapped to screen pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputEvent {
    /// The pointer is now at (x, y), in pixels of the current mode.
    PointerMove {
        x: i32,
        y: i32,
    },
    /// The pointer left the guest screen (host took it back) or entered it.
    PointerPresence {
        inside: bool,
    },
    Button {
        button: Button,
        pressed: bool,
    },
    /// Positive is away from the user (scroll up).
    Wheel {
        delta: i32,
    },
    Key {
        key: Key,
        pressed: bool,
    },
}

/// What the app is told. New kinds may be added: match with a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The screen is now `width`×`height`; the app must lay out again and redraw all.
    Resize {
        width: u32,
        height: u32,
    },
    Input(InputEvent),
    /// The periodic tick, with the monotonic time.
    Tick {
        now_us: u64,
    },
    /// A timer the app started (`info.timers.after` / `every`) is due.
    Timer(crate::timers::TimerId),
    /// One of the app's options changed at run time; its new value is in
    /// `info.options`.
    OptionChanged(crate::app_options::OptionName),
}
