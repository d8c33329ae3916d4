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

/// What the app is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// An option the app declared (`App::options`) was set, changed or removed at run
    /// time; read it with `info.options.entry(id)` or `info.options.get(key)`.
    OptionChanged(crate::options::OptionId),
}
