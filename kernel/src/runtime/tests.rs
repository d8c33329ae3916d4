//! The runtime loop against a fake platform, an in-memory display and a test app.

use super::*;
use crate::display::memory::MemoryDisplay;
use crate::event::Button;
use crate::hal::{Clock, Irqs, PciConfig, PhysMem, PhysRegion, PortIo};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use std::sync::Mutex;

/// A machine with no devices: a clock that advances 10 µs per read and jumps to the
/// deadline when the loop waits.
#[derive(Default)]
struct FakePlatform {
    now: std::cell::Cell<u64>,
    waits: u32,
    fired: u64,
    fired_at: Option<u64>,
    last_deadline: u64,
}

impl PortIo for FakePlatform {
    fn in8(&mut self, _: u16) -> u8 {
        0xFF
    }
    fn in16(&mut self, _: u16) -> u16 {
        0xFFFF
    }
    fn in32(&mut self, _: u16) -> u32 {
        u32::MAX
    }
    fn out8(&mut self, _: u16, _: u8) {}
    fn out16(&mut self, _: u16, _: u16) {}
    fn out32(&mut self, _: u16, _: u32) {}
}
impl PhysMem for FakePlatform {
    fn map(&mut self, _: u64, _: usize) -> Option<PhysRegion> {
        None
    }
}
impl PciConfig for FakePlatform {
    fn read_config(&mut self, _: u8, _: u8, _: u8, _: u8) -> u32 {
        u32::MAX
    }
    fn write_config(&mut self, _: u8, _: u8, _: u8, _: u8, _: u32) {}
}
impl Clock for FakePlatform {
    fn now_us(&self) -> u64 {
        let t = self.now.get() + 10;
        self.now.set(t);
        t
    }
}
impl Irqs for FakePlatform {
    fn enable_line(&mut self, _: u8) -> bool {
        true
    }
    fn take_fired(&mut self) -> u64 {
        core::mem::take(&mut self.fired)
    }
    fn take_fired_at_us(&mut self) -> Option<u64> {
        self.fired_at.take()
    }
    fn rearm(&mut self, _: u8) {}
    fn wait(&mut self, deadline_us: u64) {
        self.waits += 1;
        self.last_deadline = deadline_us;
        // A wait without a deadline still ends (as metal's timer shots do): 1 s.
        let wake = deadline_us.min(self.now.get() + 1_000_000);
        if wake > self.now.get() {
            self.now.set(wake);
        }
    }
}

/// Records every event; draws a full-screen background on resize and a 4×4 square
/// at the pointer on each move.
#[derive(Default)]
struct RecordingApp {
    events: Vec<Event>,
    full: bool,
    square: Option<(i32, i32)>,
    draws: u32,
}

impl App for RecordingApp {
    fn event(&mut self, event: &Event, _info: &SystemInfo) -> bool {
        self.events.push(*event);
        match *event {
            Event::Resize { .. } => {
                self.full = true;
                true
            }
            Event::Input(InputEvent::PointerMove { x, y }) => {
                self.square = Some((x, y));
                true
            }
            Event::Input(InputEvent::Button { .. }) => true,
            _ => false,
        }
    }
    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _info: &SystemInfo) {
        self.draws += 1;
        if core::mem::take(&mut self.full) {
            let _ = target.clear(Rgb888::new(10, 20, 30));
        }
        if let Some((x, y)) = self.square.take() {
            let _ = target.fill_solid(
                &Rectangle::new(Point::new(x, y), Size::new(4, 4)),
                Rgb888::WHITE,
            );
        }
    }
}

/// Plays back a script: (iteration, action).
struct Script {
    iteration: u32,
    actions: Vec<(u32, Action)>,
}
#[derive(Clone, Copy)]
enum Action {
    Input(InputEvent),
    Mode(u32, u32),
}

impl<H: Platform> EventSource<H> for Script {
    fn poll(&mut self, _hal: &mut H, _fired: u64, queue: &mut EventQueue, info: &mut SystemInfo) {
        for &(at, action) in &self.actions {
            if at == self.iteration {
                match action {
                    Action::Input(e) => {
                        queue.push_input(e);
                    }
                    Action::Mode(w, h) => queue.request_mode(w, h),
                }
            }
        }
        if self.iteration == 3 {
            info.set_integration("vmmdev ok");
        }
        self.iteration += 1;
    }
}

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
fn capture(args: core::fmt::Arguments) {
    LINES.lock().unwrap().push(args.to_string());
}

fn moved(x: i32, y: i32) -> InputEvent {
    InputEvent::PointerMove { x, y }
}

#[test]
fn first_frame_is_full_and_reported_then_only_changes_are_presented() {
    crate::status::set_sink(capture);
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 1024 * 768];
    let display = MemoryDisplay::new(&mut buffer, 800, 600).unwrap();
    let script = Script {
        iteration: 0,
        actions: vec![(2, Action::Input(moved(100, 50)))],
    };
    let mut rt = Runtime::new(
        &mut hal,
        display,
        RecordingApp::default(),
        script,
        RuntimeConfig::default(),
    );
    let first = rt.step(&mut hal);
    let frame = first.frame.expect("first iteration draws");
    assert_eq!(frame.n, 1);
    assert_eq!(frame.dirty_px, 800 * 600);
    assert_eq!(
        rt.app().events[0],
        Event::Resize {
            width: 800,
            height: 600
        }
    );
    assert_eq!(rt.display().pixel(799, 599), 0x000A_141E);

    let idle = rt.step(&mut hal);
    assert!(idle.idled && idle.frame.is_none());
    let moved = rt.step(&mut hal);
    assert_eq!(moved.frame.map(|f| f.dirty_px), Some(16));
    assert_eq!(rt.display().pixel(101, 51), 0x00FF_FFFF);
    rt.step(&mut hal);
    assert_eq!(rt.info().integration.as_str(), "vmmdev ok");

    let lines = LINES.lock().unwrap();
    assert!(lines
        .iter()
        .any(|l| l == "@vitrine display backend=memory mode=800x600 pitch=3200 vram_kib=3072"));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("@vitrine frame n=1 t_us=") && l.ends_with(" dirty_px=480000")));
}

#[test]
fn ticks_arrive_at_the_interval_and_the_loop_idles_between() {
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 640 * 480];
    let display = MemoryDisplay::new(&mut buffer, 640, 480).unwrap();
    let config = RuntimeConfig {
        tick_interval_us: 1000,
        ..RuntimeConfig::default()
    };
    let mut rt = Runtime::new(&mut hal, display, RecordingApp::default(), (), config);
    for _ in 0..100 {
        rt.step(&mut hal);
    }
    let ticks: Vec<u64> = rt
        .app()
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Tick { now_us } => Some(*now_us),
            _ => None,
        })
        .collect();
    assert!(ticks.len() >= 40, "ticks: {}", ticks.len());
    for pair in ticks.windows(2) {
        assert!(pair[1] - pair[0] >= 1000 - 20, "ticks too close: {pair:?}");
    }
    assert!(hal.waits >= 40);
    assert_eq!(rt.info().counts.ticks, ticks.len() as u64);
}

#[test]
fn without_ticks_an_idle_loop_waits_for_no_deadline_and_gets_no_tick() {
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 640 * 480];
    let display = MemoryDisplay::new(&mut buffer, 640, 480).unwrap();
    let config = RuntimeConfig {
        tick_interval_us: 1000,
        ticks: false,
        ..RuntimeConfig::default()
    };
    let mut rt = Runtime::new(&mut hal, display, RecordingApp::default(), (), config);
    for _ in 0..20 {
        rt.step(&mut hal);
    }
    assert!(!rt
        .app()
        .events
        .iter()
        .any(|e| matches!(e, Event::Tick { .. })));
    assert_eq!(rt.info().counts.ticks, 0);
    assert!(hal.waits >= 18, "waits: {}", hal.waits);
    assert_eq!(hal.last_deadline, u64::MAX, "nothing to wake up for");
}

#[test]
fn latency_is_reported_from_the_interrupt_to_the_end_of_the_present() {
    crate::status::set_sink(capture);
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 640 * 480];
    let display = MemoryDisplay::new(&mut buffer, 640, 480).unwrap();
    let press = InputEvent::Button {
        button: Button::Left,
        pressed: true,
    };
    let script = Script {
        iteration: 0,
        actions: vec![(2, Action::Input(press)), (4, Action::Input(moved(5, 5)))],
    };
    let config = RuntimeConfig {
        report_latency: true,
        ..RuntimeConfig::default()
    };
    let mut rt = Runtime::new(&mut hal, display, RecordingApp::default(), script, config);
    rt.step(&mut hal);
    rt.step(&mut hal);
    let irq_at = hal.now.get() - 7_000;
    hal.fired_at = Some(irq_at);
    let frame = rt.step(&mut hal).frame.expect("the press is drawn");
    let done = hal.now.get();
    rt.step(&mut hal);
    hal.fired_at = Some(hal.now.get());
    assert!(rt.step(&mut hal).frame.is_some(), "the move is drawn");
    let lines = LINES.lock().unwrap();
    let samples: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("@vitrine latency kind=button us="))
        .map(|us| us.parse().unwrap())
        .collect();
    // Other tests share the capture: find ours by its range.
    assert!(
        samples
            .iter()
            .any(|&us| us >= 7_000 + frame.t_us && us <= done - irq_at),
        "samples {samples:?}, frame {frame:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("latency kind=pointer")),
        "a move is not a latency sample"
    );
}

#[test]
fn mode_requests_coalesce_into_one_mode_set_and_one_full_redraw() {
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 1920 * 1080];
    let display = MemoryDisplay::new(&mut buffer, 800, 600).unwrap();
    let script = Script {
        iteration: 0,
        actions: vec![
            (2, Action::Mode(1024, 768)),
            (2, Action::Mode(3000, 3000)),
            (2, Action::Mode(1280, 800)),
        ],
    };
    let mut rt = Runtime::new(
        &mut hal,
        display,
        RecordingApp::default(),
        script,
        RuntimeConfig::default(),
    );
    let reports: Vec<StepReport> = (0..5).map(|_| rt.step(&mut hal)).collect();
    let resizes: Vec<&Event> = rt
        .app()
        .events
        .iter()
        .filter(|e| matches!(e, Event::Resize { .. }))
        .collect();
    assert_eq!(
        resizes,
        vec![
            &Event::Resize {
                width: 800,
                height: 600
            },
            &Event::Resize {
                width: 1280,
                height: 800
            }
        ]
    );
    assert_eq!(reports[2].frame.map(|f| f.dirty_px), Some(1280 * 800));
    assert_eq!(rt.info().width, 1280);
    assert_eq!(rt.app().draws, 2);
}

#[test]
fn a_bad_mode_request_is_logged_and_the_old_mode_kept() {
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 800 * 600];
    let display = MemoryDisplay::new(&mut buffer, 800, 600).unwrap();
    let script = Script {
        iteration: 0,
        actions: vec![(1, Action::Mode(65535, 65535)), (1, Action::Mode(0, 0))],
    };
    let mut rt = Runtime::new(
        &mut hal,
        display,
        RecordingApp::default(),
        script,
        RuntimeConfig::default(),
    );
    for _ in 0..4 {
        rt.step(&mut hal);
    }
    // 0x0 falls back to 640x480, which fits the buffer.
    assert_eq!((rt.info().width, rt.info().height), (640, 480));
}

#[test]
fn moves_coalesce_but_clicks_are_never_dropped() {
    let mut queue = EventQueue::new();
    let click = |pressed| InputEvent::Button {
        button: Button::Left,
        pressed,
    };
    for i in 0..1000 {
        queue.push_input(moved(i, i));
    }
    assert_eq!(queue.len(), 1);
    for i in 0..(QUEUE_CAPACITY as i32 - 2) {
        assert!(queue.push_input(click(i % 2 == 0)));
    }
    // Full now (1 move + 62 clicks + this one); later moves merge into the queued move.
    assert!(queue.push_input(moved(7, 7)));
    assert!(queue.push_input(moved(9, 9)));
    assert_eq!(queue.dropped(), 0);
    assert_eq!(queue.len(), QUEUE_CAPACITY);
    assert!(
        !queue.push_input(click(true)),
        "a full queue reports the drop"
    );
    assert_eq!(queue.dropped(), 1);
    let mut clicks = 0;
    let mut last_move = None;
    while let Some(e) = queue.pop() {
        match e {
            InputEvent::Button { .. } => clicks += 1,
            InputEvent::PointerMove { x, y } => last_move = Some((x, y)),
            _ => {}
        }
    }
    assert_eq!(clicks, QUEUE_CAPACITY - 2);
    assert_eq!(last_move, Some((9, 9)));
}

#[test]
fn software_pointer_follows_moves_and_leaves_no_trace() {
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 800 * 600];
    let display = MemoryDisplay::new(&mut buffer, 800, 600).unwrap();
    let script = Script {
        iteration: 0,
        actions: vec![
            (
                2,
                Action::Input(InputEvent::PointerPresence { inside: true }),
            ),
            (3, Action::Input(moved(300, 200))),
            (5, Action::Input(moved(500, 400))),
            (
                7,
                Action::Input(InputEvent::PointerPresence { inside: false }),
            ),
        ],
    };
    let mut rt = Runtime::new(
        &mut hal,
        display,
        NoSquareApp::default(),
        script,
        RuntimeConfig::default(),
    );
    rt.set_software_pointer(true);
    for _ in 0..4 {
        rt.step(&mut hal);
    }
    let background = 0x000A_141E;
    assert_eq!(rt.display().pixel(300, 200), 0, "pointer tip drawn (black)");
    assert_eq!(
        rt.display().pixel(302, 205),
        0x00FF_FFFF,
        "pointer fill drawn"
    );
    for _ in 0..2 {
        rt.step(&mut hal);
    }
    assert_eq!(
        rt.display().pixel(302, 205),
        background,
        "old position restored"
    );
    assert_eq!(rt.display().pixel(502, 405), 0x00FF_FFFF);
    for _ in 0..3 {
        rt.step(&mut hal);
    }
    for y in 0..600 {
        for x in 0..800 {
            assert_eq!(
                rt.display().pixel(x, y),
                background,
                "trace left at ({x},{y})"
            );
        }
    }
    assert_eq!(
        rt.app().draws,
        1,
        "moving the pointer does not redraw the app"
    );
}

/// Paints the background once and ignores input.
#[derive(Default)]
struct NoSquareApp {
    draws: u32,
    full: bool,
}

impl App for NoSquareApp {
    fn event(&mut self, event: &Event, _info: &SystemInfo) -> bool {
        self.full |= matches!(event, Event::Resize { .. });
        self.full
    }
    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _info: &SystemInfo) {
        self.draws += 1;
        if core::mem::take(&mut self.full) {
            let _ = target.clear(Rgb888::new(10, 20, 30));
        }
    }
}

#[test]
fn pointer_requests_fall_back_to_software_when_the_display_has_no_host_pointer() {
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 640 * 480];
    let display = MemoryDisplay::new(&mut buffer, 640, 480).unwrap();
    let mut rt = Runtime::new(
        &mut hal,
        display,
        NoSquareApp::default(),
        (),
        RuntimeConfig::default(),
    );
    assert_eq!(rt.pointer_owner(), None);
    rt.queue_mut().request_pointer(PointerOwner::Host);
    rt.step(&mut hal);
    assert_eq!(rt.pointer_owner(), Some(PointerOwner::Software));
    // A source made the host draw it (VMMDev): the runtime stops drawing it.
    rt.queue_mut().push_input(moved(100, 100));
    rt.queue_mut().request_pointer_drawn_by_host();
    rt.step(&mut hal);
    assert_eq!(rt.pointer_owner(), Some(PointerOwner::Host));
    assert_eq!(
        rt.display().pixel(101, 105),
        0x000A_141E,
        "no software arrow"
    );
    rt.queue_mut().request_pointer(PointerOwner::Software);
    rt.step(&mut hal);
    rt.queue_mut().push_input(moved(200, 100));
    rt.step(&mut hal);
    assert_eq!(
        rt.display().pixel(202, 105),
        0x00FF_FFFF,
        "software arrow drawn"
    );
}

/// Starts a 3 ms periodic and a 5 ms one-shot timer on its first event.
#[derive(Default)]
struct TimerApp {
    fired: Vec<(crate::timers::TimerId, u64)>,
    changes: Vec<String>,
    started: bool,
}

impl App for TimerApp {
    fn event(&mut self, event: &Event, info: &SystemInfo) -> bool {
        use crate::timers::TimerId;
        if !core::mem::replace(&mut self.started, true) {
            info.timers.every(TimerId(1), 3_000).unwrap();
            info.timers.after(TimerId(2), 5_000).unwrap();
        }
        match event {
            Event::Timer(id) => self.fired.push((*id, info.uptime_us)),
            Event::OptionChanged(name) => self.changes.push(std::format!(
                "{name}={}",
                info.options.get(name.as_str()).unwrap_or("?")
            )),
            _ => {}
        }
        false
    }
    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, _: &mut D, _: &SystemInfo) {}
}

#[test]
fn app_timers_fire_on_time_and_the_loop_sleeps_until_the_earliest() {
    use crate::timers::TimerId;
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 64 * 48];
    let display = MemoryDisplay::new(&mut buffer, 64, 48).unwrap();
    // A slow tick, so the waits are decided by the timers.
    let config = RuntimeConfig {
        tick_interval_us: 1_000_000,
        ..RuntimeConfig::default()
    };
    let mut rt = Runtime::new(&mut hal, display, TimerApp::default(), (), config);
    let start = hal.now.get();
    while hal.now.get() < start + 20_000 {
        rt.step(&mut hal);
    }
    let periodic: Vec<u64> = rt
        .app()
        .fired
        .iter()
        .filter(|(id, _)| *id == TimerId(1))
        .map(|(_, t)| t - start)
        .collect();
    let once: Vec<u64> = rt
        .app()
        .fired
        .iter()
        .filter(|(id, _)| *id == TimerId(2))
        .map(|(_, t)| t - start)
        .collect();
    assert_eq!(once.len(), 1, "one-shot fired {once:?}");
    assert!((5_000..5_100).contains(&once[0]), "{once:?}");
    assert!(periodic.len() >= 6, "{periodic:?}");
    for (n, t) in periodic.iter().enumerate() {
        let want = 3_000 * (n as u64 + 1);
        assert!(
            (want..want + 100).contains(t),
            "firing {n} at {t}: {periodic:?}"
        );
    }
    // The idle deadline is the periodic timer's next one, not the 1 s tick.
    let next = rt.next_deadline_us::<FakePlatform>();
    assert!(next < hal.now.get() + 3_100, "next deadline {next}");
}

#[test]
fn option_changes_reach_the_app_once_each_with_the_new_value() {
    let mut hal = FakePlatform::default();
    let mut buffer = vec![0u32; 64 * 48];
    let display = MemoryDisplay::new(&mut buffer, 64, 48).unwrap();
    let mut rt = Runtime::new(
        &mut hal,
        display,
        TimerApp::default(),
        (),
        RuntimeConfig::default(),
    );
    let mut boot = crate::app_options::AppOptions::new();
    boot.set_initial("title", "Gare de Lyon").unwrap();
    rt.set_initial_options(&boot);
    rt.step(&mut hal);
    assert!(rt.app().changes.is_empty(), "boot options raise no event");
    assert_eq!(rt.info().options.get("title"), Some("Gare de Lyon"));
    rt.set_option("title", "Genève").unwrap();
    rt.set_option("title", "Genève").unwrap();
    rt.set_option("rows", "8").unwrap();
    rt.step(&mut hal);
    rt.step(&mut hal);
    assert_eq!(rt.app().changes, ["title=Genève", "rows=8"]);
}
