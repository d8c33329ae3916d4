//! The kiosk under the real runtime loop, hosted: a fake machine, an in-memory
//! display, and scripted input and resize hints.

use std::cell::Cell;
use std::sync::Mutex;
use vitrine::app::{Button, InputEvent, SystemInfo};
use vitrine::display::memory::MemoryDisplay;
use vitrine::hal::*;
use vitrine::runtime::{EventQueue, EventSource, Runtime, RuntimeConfig};
use vitrine_app::Kiosk;

#[derive(Default)]
struct Machine {
    now: Cell<u64>,
}
impl PortIo for Machine {
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
impl PhysMem for Machine {
    fn map(&mut self, _: u64, _: usize) -> Option<PhysRegion> {
        None
    }
}
impl PciConfig for Machine {
    fn read_config(&mut self, _: u8, _: u8, _: u8, _: u8) -> u32 {
        u32::MAX
    }
    fn write_config(&mut self, _: u8, _: u8, _: u8, _: u8, _: u32) {}
}
impl Clock for Machine {
    fn now_us(&self) -> u64 {
        self.now.set(self.now.get() + 50);
        self.now.get()
    }
}
impl Irqs for Machine {
    fn enable_line(&mut self, _: u8) -> bool {
        true
    }
    fn take_fired(&mut self) -> u64 {
        0
    }
    fn rearm(&mut self, _: u8) {}
    fn wait(&mut self, deadline: u64) {
        self.now.set(self.now.get().max(deadline));
    }
}

/// Feeds one scripted step per poll.
struct Script(std::collections::VecDeque<Step>);
enum Step {
    Input(Vec<InputEvent>),
    Modes(Vec<(u32, u32)>),
    Nothing,
}
impl<H: Platform> EventSource<H> for Script {
    fn poll(&mut self, _: &mut H, _: u64, queue: &mut EventQueue, _: &mut SystemInfo) {
        match self.0.pop_front() {
            Some(Step::Input(events)) => {
                for e in events {
                    queue.push_input(e);
                }
            }
            Some(Step::Modes(modes)) => {
                for (w, h) in modes {
                    queue.request_mode(w, h);
                }
            }
            _ => {}
        }
    }
}

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
fn capture(args: core::fmt::Arguments) {
    LINES.lock().unwrap().push(args.to_string());
}

fn click_at(x: i32, y: i32) -> Step {
    Step::Input(vec![
        InputEvent::PointerMove { x, y },
        InputEvent::Button {
            button: Button::Left,
            pressed: true,
        },
        InputEvent::Button {
            button: Button::Left,
            pressed: false,
        },
    ])
}

#[test]
fn clicks_and_resizes_through_the_runtime() {
    vitrine::status::set_sink(capture);
    let mut machine = Machine::default();
    let mut buffer = vec![0u32; 3840 * 2160];
    let display = MemoryDisplay::new(&mut buffer, 800, 600).unwrap();
    let espresso = vitrine_app::layout(800, 600).buttons[0].center();
    let tea_big = vitrine_app::layout(1920, 1080).buttons[2].center();
    let script = Script(
        [
            Step::Nothing,
            click_at(espresso.x, espresso.y),
            Step::Nothing,
            Step::Modes(vec![(1024, 768), (3840, 2160), (1920, 1080)]),
            click_at(tea_big.x, tea_big.y),
        ]
        .into(),
    );
    let mut rt = Runtime::new(
        &mut machine,
        display,
        Kiosk::new(),
        script,
        RuntimeConfig::default(),
    );
    let reports: Vec<_> = (0..8).map(|_| rt.step(&mut machine)).collect();

    let first = reports[0].frame.expect("first frame");
    assert_eq!(first.dirty_px, 800 * 600);
    let click = reports[1].frame.expect("click frame");
    assert!(
        click.dirty_px < 800 * 600 / 5,
        "a click repaints little: {}",
        click.dirty_px
    );
    let resize = reports[3].frame.expect("resize frame");
    assert_eq!(
        resize.dirty_px,
        1920 * 1080,
        "exactly one full redraw at the last hint"
    );
    assert_eq!(rt.app().counters(), [1, 0, 1]);
    assert_eq!(rt.app().layout().screen.size.width, 1920);
    assert_eq!(rt.info().counts.resizes, 2);

    let lines = LINES.lock().unwrap();
    let clicks: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("@vitrine click "))
        .collect();
    assert_eq!(
        clicks,
        [
            &format!(
                "@vitrine click x={} y={} button=left target=button1",
                espresso.x, espresso.y
            ),
            &format!(
                "@vitrine click x={} y={} button=left target=button3",
                tea_big.x, tea_big.y
            ),
        ]
    );
    // The status sink is global and tests run in parallel: pick this test's display
    // by its buffer (3840x2160 pixels = 32400 KiB).
    let modes: Vec<&String> = lines
        .iter()
        .filter(|l| {
            l.starts_with("@vitrine display backend=memory") && l.ends_with("vram_kib=32400")
        })
        .collect();
    assert_eq!(modes.len(), 2, "{modes:?}");
    assert!(modes[1].contains("mode=1920x1080"));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("@vitrine frame n=1 ") && l.ends_with("dirty_px=480000")));
}

#[test]
fn an_idle_kiosk_only_redraws_its_clock_and_status_once_a_second() {
    let mut machine = Machine::default();
    let mut buffer = vec![0u32; 1024 * 768];
    let display = MemoryDisplay::new(&mut buffer, 1024, 768).unwrap();
    let mut rt = Runtime::new(
        &mut machine,
        display,
        Kiosk::new(),
        (),
        RuntimeConfig::default(),
    );
    rt.step(&mut machine);
    let mut frames = 0;
    while machine.now.get() < 10_000_000 {
        if let Some(f) = rt.step(&mut machine).frame {
            frames += 1;
            assert!(
                f.dirty_px < 1024 * 768 / 3,
                "idle frame repainted {} px",
                f.dirty_px
            );
        }
    }
    assert!((9..=11).contains(&frames), "{frames} frames in 10 s");
}
