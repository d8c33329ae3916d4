//! An app wrapper that records what the runtime delivered to the app (input and
//! resizes, in order) and how often it drew, so tests and the soak can check that
//! every click and key arrived exactly once and every hint gave one redraw.

use std::ops::{Deref, DerefMut};
use vitrine::app::{App, Event, SystemInfo};

/// Events kept before the oldest are dropped (a long sim that never takes them).
const MAX_KEPT: usize = 4096;

/// `app`, with a log of the events it got.
#[derive(Debug)]
pub struct Recorded<A> {
    app: A,
    events: Vec<Event>,
    draws: u64,
}

impl<A> Recorded<A> {
    /// Wraps `app`.
    pub fn new(app: A) -> Self {
        Self {
            app,
            events: Vec::new(),
            draws: 0,
        }
    }

    /// The input and resize events delivered since the last call (ticks left out).
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// How many times the app drew so far.
    pub fn draws(&self) -> u64 {
        self.draws
    }
}

impl<A: App> App for Recorded<A> {
    fn event(&mut self, event: &Event, info: &SystemInfo) -> bool {
        if !matches!(event, Event::Tick { .. }) {
            if self.events.len() == MAX_KEPT {
                self.events.remove(0);
            }
            self.events.push(*event);
        }
        self.app.event(event, info)
    }

    fn draw<
        D: embedded_graphics::prelude::DrawTarget<Color = embedded_graphics::pixelcolor::Rgb888>,
    >(
        &mut self,
        target: &mut D,
        info: &SystemInfo,
    ) {
        self.draws += 1;
        self.app.draw(target, info)
    }

    fn options(&self) -> &'static [&'static str] {
        self.app.options()
    }

    fn state(&self) -> Option<&str> {
        self.app.state()
    }

    fn widgets(
        &self,
        visit: &mut dyn FnMut(vitrine::app::WidgetId, embedded_graphics::primitives::Rectangle),
    ) {
        self.app.widgets(visit)
    }
}

impl<A> Deref for Recorded<A> {
    type Target = A;
    fn deref(&self) -> &A {
        &self.app
    }
}

impl<A> DerefMut for Recorded<A> {
    fn deref_mut(&mut self) -> &mut A {
        &mut self.app
    }
}
