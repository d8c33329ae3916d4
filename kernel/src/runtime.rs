//! The runtime loop: gathers events from the event sources and the display, hands
//! them to the app, draws, presents the dirty rectangles, and idles until the next
//! interrupt or tick.
//!
//! Generic over the platform, the display backend, the app and the event sources, so
//! the same loop runs on metal and hosted (tests, twin scenarios).

use crate::app_api::{App, SystemInfo};
use crate::display::pointer::{scale_for, SoftwarePointer};
use crate::display::{report_mode, Display};
use crate::event::{Event, InputEvent};
use crate::hal::Platform;
use crate::logging;
use crate::status;
use heapless::Deque;

/// Input events the queue holds between two loop iterations (as many as the input
/// hub's queue, so draining it in one go never drops anything).
pub const QUEUE_CAPACITY: usize = crate::input::QUEUE_CAPACITY;

/// Events waiting for the app, plus the latest mode request.
///
/// Moves are coalesced (the latest position wins); buttons, wheel and keys are never
/// coalesced. When the queue is full a move is merged into the last queued move; only
/// if there is none is an event dropped, and it is counted.
#[derive(Debug, Default)]
pub struct EventQueue {
    events: Deque<InputEvent, QUEUE_CAPACITY>,
    mode_request: Option<(u32, u32)>,
    pointer_request: Option<PointerRequest>,
    dropped: u64,
}

/// How a source wants the pointer drawn; the latest request wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PointerRequest {
    /// The runtime draws it.
    Software,
    /// The display's host pointer, which the host moves with its own mouse
    /// (VirtualBox); software if the display has none.
    Host,
    /// The display's host pointer, placed at every position the guest sees (QEMU's
    /// vmware-svga with an absolute vmmouse); software if the display has none.
    HostAtGuestPosition,
    /// A source already made the host draw it (VMMDev SetPointerShape).
    DrawnBySource,
}

/// Who draws the pointer: the host (a shape uploaded once, moved by the host) or the
/// runtime (software pointer with save-under).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointerOwner {
    /// The host draws it, when the display can hand it a shape; else software.
    Host,
    /// The runtime draws it.
    Software,
}

impl PointerOwner {
    /// The word in `@vitrine pointer shape=…`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Software => "software",
        }
    }
}

impl EventQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        Self {
            events: Deque::new(),
            mode_request: None,
            pointer_request: None,
            dropped: 0,
        }
    }

    /// Queues an input event. Returns false if it had to be dropped (full queue).
    pub fn push_input(&mut self, event: InputEvent) -> bool {
        if let InputEvent::PointerMove { .. } = event {
            if let Some(InputEvent::PointerMove { .. }) = self.events.back() {
                if let Some(last) = self.events.back_mut() {
                    *last = event;
                }
                return true;
            }
            if self.events.is_full() {
                // Merge into the newest queued move, if any: order with respect to
                // clicks after it changes only for the pointer position.
                if let Some(slot) = self
                    .events
                    .iter_mut()
                    .rev()
                    .find(|e| matches!(e, InputEvent::PointerMove { .. }))
                {
                    *slot = event;
                    return true;
                }
            }
        }
        if self.events.push_back(event).is_err() {
            self.dropped += 1;
            return false;
        }
        true
    }

    /// Asks for a mode change; the latest request before the next iteration wins.
    pub fn request_mode(&mut self, width: u32, height: u32) {
        self.mode_request = Some((width, height));
    }

    /// The mode request waiting for the next iteration, if any.
    pub fn mode_request(&self) -> Option<(u32, u32)> {
        self.mode_request
    }

    /// Asks for the pointer to be drawn by `owner`; the latest request wins. For
    /// `Host` the display is asked to show its host pointer (software if it cannot).
    pub fn request_pointer(&mut self, owner: PointerOwner) {
        self.pointer_request = Some(match owner {
            PointerOwner::Host => PointerRequest::Host,
            PointerOwner::Software => PointerRequest::Software,
        });
    }

    /// The source already made the host draw the pointer (VMMDev SetPointerShape):
    /// the runtime stops drawing it and leaves the display's host pointer hidden.
    pub fn request_pointer_drawn_by_host(&mut self) {
        self.pointer_request = Some(PointerRequest::DrawnBySource);
    }

    /// Asks for the display's host pointer, moved by the runtime to each pointer
    /// position (the pointer is absolute, so the host's mouse and the guest's
    /// pointer agree, but the host does not move the cursor by itself); software if
    /// the display has no host pointer.
    pub fn request_host_pointer_at_guest_position(&mut self) {
        self.pointer_request = Some(PointerRequest::HostAtGuestPosition);
    }

    /// Events dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Number of queued input events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// No input events queued.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Takes the oldest queued input event.
    pub fn pop(&mut self) -> Option<InputEvent> {
        self.events.pop_front()
    }

    /// Takes the pending mode request (the runtime applies it; tests inspect it).
    pub fn take_mode_request(&mut self) -> Option<(u32, u32)> {
        self.mode_request.take()
    }
}

/// The input hub (`input::Input::drain_into`) feeds the runtime's queue directly.
impl crate::input::EventSink for EventQueue {
    fn push(&mut self, event: InputEvent) {
        self.push_input(event);
    }
}

/// Something that produces events: input drivers, VMMDev, a scripted test source.
///
/// `poll` runs once per loop iteration, after interrupts fired or a tick/deadline
/// passed. It services its devices (re-arming their lines), queues input and mode
/// requests, and may update the system info (integration state, wall clock).
pub trait EventSource<H: Platform> {
    /// Services the device; `fired_lines` has bit N set when IRQ line N fired.
    fn poll(
        &mut self,
        hal: &mut H,
        fired_lines: u64,
        queue: &mut EventQueue,
        info: &mut SystemInfo,
    );

    /// When this source next needs polling without an interrupt (slow-poll backstop).
    fn next_deadline_us(&self) -> Option<u64> {
        None
    }
}

impl<H: Platform> EventSource<H> for () {
    fn poll(&mut self, _: &mut H, _: u64, _: &mut EventQueue, _: &mut SystemInfo) {}
}

macro_rules! tuple_source {
    ($($name:ident),+) => {
        impl<H: Platform, $($name: EventSource<H>),+> EventSource<H> for ($($name,)+) {
            #[allow(non_snake_case)]
            fn poll(&mut self, hal: &mut H, fired: u64, queue: &mut EventQueue, info: &mut SystemInfo) {
                let ($($name,)+) = self;
                $($name.poll(hal, fired, queue, info);)+
            }
            #[allow(non_snake_case)]
            fn next_deadline_us(&self) -> Option<u64> {
                let ($($name,)+) = self;
                [$($name.next_deadline_us()),+].into_iter().flatten().min()
            }
        }
    };
}
tuple_source!(A);
tuple_source!(A, B);
tuple_source!(A, B, C);
tuple_source!(A, B, C, D);

/// Loop settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Interval of `Event::Tick`, in microseconds.
    pub tick_interval_us: u64,
    /// Whether the app gets `Event::Tick` at all (`bench=quiet` turns it off to show
    /// the idle floor).
    pub ticks: bool,
    /// Whether each frame that shows input reports `@vitrine latency` (`bench=latency`).
    pub report_latency: bool,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            tick_interval_us: 250_000,
            ticks: true,
            report_latency: false,
        }
    }
}

/// Which input a latency sample belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LatencyKind {
    Button,
    Key,
}

impl LatencyKind {
    fn of(event: &InputEvent) -> Option<Self> {
        match event {
            InputEvent::Button { .. } => Some(Self::Button),
            InputEvent::Key { .. } => Some(Self::Key),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Button => "button",
            Self::Key => "key",
        }
    }
}

/// One presented frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameReport {
    /// Frame number, from 1.
    pub n: u64,
    /// Draw + present time in microseconds.
    pub t_us: u64,
    /// Pixels in the dirty rectangles.
    pub dirty_px: u64,
}

/// What one loop iteration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepReport {
    /// Events delivered to the app (resize, input, tick).
    pub events: u32,
    /// The frame drawn, if any.
    pub frame: Option<FrameReport>,
    /// The loop idled (nothing to do).
    pub idled: bool,
}

/// The runtime: owns the display, the app and the event sources.
#[derive(Debug)]
pub struct Runtime<D, A, S> {
    display: D,
    app: A,
    sources: S,
    queue: EventQueue,
    info: SystemInfo,
    config: RuntimeConfig,
    next_tick_us: u64,
    resize_pending: bool,
    report_next_frame: bool,
    software_pointer: Option<SoftwarePointer>,
    pointer_owner: Option<PointerOwner>,
    /// The host pointer is on and the runtime places it (`HostAtGuestPosition`).
    host_pointer_follows: bool,
    pointer_position: Option<(i32, i32)>,
    pointer_moved: bool,
    /// Option names the app does not declare, already logged.
    unknown_options:
        heapless::Vec<crate::app_options::OptionName, { crate::app_options::MAX_OPTIONS }>,
}

impl<D: Display, A: App, S> Runtime<D, A, S> {
    /// Takes ownership of the parts and reports the display mode. The first
    /// iteration delivers `Resize` with the current mode, so the first frame is complete.
    pub fn new<H: Platform>(
        hal: &mut H,
        display: D,
        app: A,
        sources: S,
        config: RuntimeConfig,
    ) -> Self {
        report_mode(&display);
        let mode = display.mode();
        let mut info = SystemInfo {
            width: mode.width,
            height: mode.height,
            display_backend: display.backend_name(),
            uptime_us: hal.now_us(),
            restarts: crate::recovery::restart_count(),
            ..SystemInfo::default()
        };
        info.set_integration("off");
        info.timers.set_now(info.uptime_us);
        Self {
            display,
            app,
            sources,
            queue: EventQueue::new(),
            info,
            config,
            next_tick_us: hal.now_us(),
            resize_pending: true,
            report_next_frame: true,
            software_pointer: None,
            pointer_owner: None,
            host_pointer_follows: false,
            pointer_position: None,
            pointer_moved: false,
            unknown_options: heapless::Vec::new(),
        }
    }

    /// Draws the pointer in software (save-under) when the host cannot draw it, or
    /// stops doing so (removing it from the screen at the next frame).
    pub fn set_software_pointer(&mut self, on: bool) {
        match (on, self.software_pointer.is_some()) {
            (true, false) => self.software_pointer = Some(SoftwarePointer::new()),
            (false, true) => {
                if let Some(mut pointer) = self.software_pointer.take() {
                    pointer.hide(self.display.canvas());
                }
            }
            _ => {}
        }
        self.pointer_moved = true;
    }

    /// The app, to change (hosted tests and the soak read what it recorded).
    pub fn app_mut(&mut self) -> &mut A {
        &mut self.app
    }

    /// The display backend.
    pub fn display(&self) -> &D {
        &self.display
    }
    /// The display backend, mutably (for the VirtualBox drivers' setup).
    pub fn display_mut(&mut self) -> &mut D {
        &mut self.display
    }
    /// The app.
    pub fn app(&self) -> &A {
        &self.app
    }
    /// The event sources.
    pub fn sources_mut(&mut self) -> &mut S {
        &mut self.sources
    }
    /// What the app sees in `SystemInfo`.
    pub fn info(&self) -> &SystemInfo {
        &self.info
    }
    /// Sets the integration text of the status panel (system bring-up).
    pub fn set_integration_text(&mut self, text: &str) {
        self.info.set_integration(text);
    }
    /// The queue, for code that feeds events from outside the sources (tests, tools).
    /// Sets one of the app's options at run time (a second source beside the
    /// command line, e.g. VirtualBox guest properties): stored at once, announced
    /// to the app as `Event::OptionChanged` at the next step when the value changed.
    /// Event sources can do the same from `poll` through `info.options.set`.
    pub fn set_option(
        &mut self,
        name: &str,
        value: &str,
    ) -> Result<crate::app_options::OptionChange, crate::app_options::OptionError> {
        self.info.options.set(name, value)
    }

    /// The boot-time options (from the command line), in place before the first
    /// event; no change events.
    pub fn set_initial_options(&mut self, options: &crate::app_options::AppOptions) {
        for (name, value) in options.iter() {
            if let Err(error) = self.info.options.set_initial(name, value) {
                logging::warn!("options: app.{name} not kept: {error:?}");
            }
        }
    }

    /// When the loop must run next: the periodic tick (unless ticks are off), the
    /// app's earliest timer or an event source's deadline, whichever comes first (the
    /// idle wait arms its one-shot timer for it); `u64::MAX` when nothing is due.
    pub fn next_deadline_us<H: Platform>(&self) -> u64
    where
        S: EventSource<H>,
    {
        [
            self.config.ticks.then_some(self.next_tick_us),
            self.info.timers.next_due_us(),
            self.sources.next_deadline_us(),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(u64::MAX)
    }

    pub fn queue_mut(&mut self) -> &mut EventQueue {
        &mut self.queue
    }

    /// Runs forever.
    pub fn run<H: Platform>(mut self, hal: &mut H) -> !
    where
        S: EventSource<H>,
    {
        loop {
            self.step(hal);
        }
    }

    /// One iteration: poll, apply a mode request, deliver events, draw and present if
    /// anything changed, otherwise idle until an interrupt or the next deadline.
    pub fn step<H: Platform>(&mut self, hal: &mut H) -> StepReport
    where
        S: EventSource<H>,
    {
        let fired_at_us = hal.take_fired_at_us();
        let fired = hal.take_fired();
        self.display.poll(hal, fired, &mut self.queue);
        self.sources
            .poll(hal, fired, &mut self.queue, &mut self.info);
        self.info.uptime_us = hal.now_us();
        self.info.timers.set_now(self.info.uptime_us);

        if let Some((width, height)) = self.queue.take_mode_request() {
            self.apply_mode(hal, width, height);
        }
        if let Some(request) = self.queue.pointer_request.take() {
            self.apply_pointer(hal, request);
        }

        let mut report = StepReport::default();
        let mut redraw = false;
        let mut latency_kind = None;
        if self.resize_pending {
            self.resize_pending = false;
            let mode = self.display.mode();
            self.info.width = mode.width;
            self.info.height = mode.height;
            self.info.counts.resizes += 1;
            redraw |= self.app.event(
                &Event::Resize {
                    width: mode.width,
                    height: mode.height,
                },
                &self.info,
            );
            report.events += 1;
        }
        while let Some(input) = self.queue.pop() {
            self.info.counts.input += 1;
            match input {
                InputEvent::PointerMove { x, y } => {
                    self.pointer_position = Some((x, y));
                    self.pointer_moved = true;
                }
                InputEvent::PointerPresence { inside: false } => {
                    self.pointer_position = None;
                    self.pointer_moved = true;
                }
                _ => {}
            }
            latency_kind = latency_kind.or(LatencyKind::of(&input));
            redraw |= self.app.event(&Event::Input(input), &self.info);
            report.events += 1;
        }
        self.info.counts.dropped = self.queue.dropped();
        let now = self.info.uptime_us;
        // Bounded: each timer fires at most once a step, each change is told once.
        for _ in 0..crate::timers::MAX_TIMERS {
            let Some(id) = self.info.timers.take_due(now) else {
                break;
            };
            redraw |= self.app.event(&Event::Timer(id), &self.info);
            report.events += 1;
        }
        for _ in 0..crate::app_options::MAX_PENDING_CHANGES {
            let Some(name) = self.info.options.take_change() else {
                break;
            };
            let known = self.app.options();
            if !known.is_empty() && !known.contains(&name.as_str()) {
                // Not one of the app's options (e.g. a host property it does not
                // read): said once, then ignored.
                if !self.unknown_options.contains(&name) && self.unknown_options.push(name).is_ok()
                {
                    logging::warn!("options: `{name}` is not an option of this app; ignored");
                }
                continue;
            }
            redraw |= self.app.event(&Event::OptionChanged(name), &self.info);
            report.events += 1;
        }
        if self.config.ticks && now >= self.next_tick_us {
            self.info.counts.ticks += 1;
            redraw |= self.app.event(&Event::Tick { now_us: now }, &self.info);
            report.events += 1;
            // Skip missed ticks rather than delivering a burst.
            self.next_tick_us = (self.next_tick_us + self.config.tick_interval_us).max(now + 1);
        }

        if report.events > 0 {
            let state = self.app.state().unwrap_or("");
            if state != self.info.app_state.as_str() {
                self.info.set_app_state(state);
            }
        }

        let pointer_changed = core::mem::take(&mut self.pointer_moved);
        if pointer_changed && self.host_pointer_follows {
            self.place_host_pointer(hal);
        }
        if redraw || pointer_changed {
            report.frame = Some(self.frame(hal, redraw));
            if let (true, Some(kind), Some(at)) =
                (self.config.report_latency, latency_kind, fired_at_us)
            {
                status!(
                    "latency kind={} us={}",
                    kind.name(),
                    hal.now_us().saturating_sub(at)
                );
            }
        } else if report.events == 0 {
            hal.wait(self.next_deadline_us());
            report.idled = true;
        }
        report
    }

    /// Hands the pointer to the host when asked and the display can, else draws it in
    /// software; reports `@vitrine pointer shape=host|software` when that changes.
    fn apply_pointer<H: Platform>(&mut self, hal: &mut H, request: PointerRequest) {
        let drawn = request == PointerRequest::DrawnBySource;
        let can = match request {
            PointerRequest::Software => false,
            PointerRequest::Host | PointerRequest::DrawnBySource => true,
            PointerRequest::HostAtGuestPosition => self.display.places_host_pointer(),
        };
        let host = can && (drawn || self.display.show_host_pointer(hal, true));
        if !host || drawn {
            self.display.show_host_pointer(hal, false);
        }
        self.host_pointer_follows = host && request == PointerRequest::HostAtGuestPosition;
        let owner = if host {
            PointerOwner::Host
        } else {
            PointerOwner::Software
        };
        self.set_software_pointer(!host);
        if self.pointer_owner != Some(owner) {
            self.pointer_owner = Some(owner);
            status!("pointer shape={}", owner.name());
        }
    }

    /// Puts the host pointer where the pointer is, or hides it while the pointer is
    /// off the screen (register writes only: no framebuffer byte changes).
    fn place_host_pointer<H: Platform>(&mut self, hal: &mut H) {
        match self.pointer_position {
            Some((x, y)) => self.display.move_host_pointer(hal, x, y),
            None => {
                self.display.show_host_pointer(hal, false);
            }
        }
    }

    /// Who draws the pointer now (`None` until a source asked).
    pub fn pointer_owner(&self) -> Option<PointerOwner> {
        self.pointer_owner
    }

    fn apply_mode<H: Platform>(&mut self, hal: &mut H, width: u32, height: u32) {
        crate::recovery::set_display_busy(true);
        let result = self.display.set_mode(hal, width, height);
        crate::recovery::set_display_busy(false);
        match result {
            Ok(_) => {
                if let Some(pointer) = &mut self.software_pointer {
                    pointer.forget();
                }
                report_mode(&self.display);
                self.resize_pending = true;
                self.report_next_frame = true;
            }
            Err(error) => {
                status!(
                    "display mode_error requested={}x{} error={:?}",
                    width,
                    height,
                    error
                );
            }
        }
    }

    fn frame<H: Platform>(&mut self, hal: &mut H, app_changed: bool) -> FrameReport {
        let start = hal.now_us();
        self.info.counts.frames += 1;
        let height = self.info.height;
        let canvas = self.display.canvas();
        // The pointer comes off before the app draws, so it never draws around it
        // and the saved pixels stay true.
        if let Some(pointer) = &mut self.software_pointer {
            pointer.hide(canvas);
        }
        if app_changed {
            self.app.draw(canvas, &self.info);
        }
        if let (Some(pointer), Some((x, y))) = (&mut self.software_pointer, self.pointer_position) {
            pointer.set_scale(scale_for(height));
            pointer.show(canvas, x, y);
        }
        let dirty = self.display.canvas().take_dirty();
        let dirty_px = dirty.iter().map(|r| r.area()).sum();
        crate::recovery::set_display_busy(true);
        let presented = self.display.present(hal, &dirty);
        crate::recovery::set_display_busy(false);
        if let Err(error) = presented {
            status!("display present_error error={:?}", error);
        }
        publish_screen(self.display.canvas().framebuffer());
        crate::recovery::handover::publish(self.display.fault_handover());
        crate::recovery::fire_armed_fault();
        let report = FrameReport {
            n: self.info.counts.frames,
            t_us: hal.now_us().saturating_sub(start),
            dirty_px,
        };
        if core::mem::take(&mut self.report_next_frame) {
            status!(
                "frame n={} t_us={} dirty_px={}",
                report.n,
                report.t_us,
                report.dirty_px
            );
        }
        report
    }
}

/// Tells the fault path where the error page can be drawn (32-bit XRGB only).
fn publish_screen(framebuffer: &crate::display::framebuffer::Framebuffer) {
    if framebuffer.format() != crate::display::framebuffer::PixelFormat::XRGB8888 {
        return;
    }
    crate::recovery::publish_screen(crate::recovery::PublishedScreen {
        address: framebuffer.region().as_ptr() as usize,
        width: framebuffer.width(),
        height: framebuffer.height(),
        pitch: framebuffer.pitch(),
    });
}

#[cfg(test)]
mod tests;
