//! The input source against the fake i8042: IRQ lines, the re-arm race, the backstop.

use super::*;
use crate::drivers::ps2::tests::FakeI8042;
use crate::drivers::vmmouse::BACKDOOR_MAGIC;
use crate::event::{InputEvent, Key};
use crate::hal::{Clock, Irqs, PciConfig, PhysMem, PhysRegion, PortIo};
use std::cell::Cell;
use std::collections::VecDeque;
use std::vec::Vec;

/// The fake i8042 on a machine whose clock the test sets, recording IRQ calls.
/// `on_rearm` bytes land in the controller the moment a line is re-armed (the race).
struct Machine {
    i8042: FakeI8042,
    now: Cell<u64>,
    enabled: Vec<u8>,
    rearmed: Vec<u8>,
    routable: bool,
    on_rearm: Vec<u8>,
}

impl Machine {
    fn new() -> Self {
        Self {
            i8042: FakeI8042::new(),
            now: Cell::new(1_000),
            enabled: Vec::new(),
            rearmed: Vec::new(),
            routable: true,
            on_rearm: Vec::new(),
        }
    }
}

impl PortIo for Machine {
    fn in8(&mut self, port: u16) -> u8 {
        self.i8042.in8(port)
    }
    fn in16(&mut self, port: u16) -> u16 {
        self.i8042.in16(port)
    }
    fn in32(&mut self, port: u16) -> u32 {
        self.i8042.in32(port)
    }
    fn out8(&mut self, port: u16, value: u8) {
        self.i8042.out8(port, value)
    }
    fn out16(&mut self, port: u16, value: u16) {
        self.i8042.out16(port, value)
    }
    fn out32(&mut self, port: u16, value: u32) {
        self.i8042.out32(port, value)
    }
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
        self.now.get()
    }
}
impl Irqs for Machine {
    fn enable_line(&mut self, line: u8) -> bool {
        self.enabled.push(line);
        self.routable
    }
    fn take_fired(&mut self) -> u64 {
        0
    }
    fn rearm(&mut self, line: u8) {
        self.rearmed.push(line);
        let bytes = core::mem::take(&mut self.on_rearm);
        self.i8042.queue(&bytes, false);
    }
    fn wait(&mut self, _: u64) {}
}

fn info(width: u32, height: u32) -> SystemInfo {
    SystemInfo {
        width,
        height,
        ..SystemInfo::default()
    }
}

fn drain(queue: &mut EventQueue) -> Vec<InputEvent> {
    core::iter::from_fn(|| queue.pop()).collect()
}

fn key(c: char, pressed: bool) -> InputEvent {
    InputEvent::Key {
        key: Key::Char(c),
        pressed,
    }
}

#[test]
fn init_enables_both_lines_and_a_keyboard_irq_delivers_the_key() {
    let mut m = Machine::new();
    let mut source = InputSource::init(&mut m, NoBackdoor, true, (800, 600));
    assert_eq!(m.enabled, [1, 12]);
    assert!(
        source.devices().vmmouse().is_none(),
        "no backdoor, no vmmouse"
    );
    assert_eq!(source.devices().name(), "ps2");
    let (mut queue, mut info) = (EventQueue::new(), info(800, 600));
    // The first poll is due at once (backstop); it finds nothing.
    source.poll(&mut m, 0, &mut queue, &mut info);
    assert!(queue.is_empty());

    m.i8042.queue(&[0x1E, 0x9E], false); // 'a' down, up (set 1)
    source.poll(&mut m, 1 << 1, &mut queue, &mut info);
    assert_eq!(drain(&mut queue), [key('a', true), key('a', false)]);
    assert_eq!(m.rearmed, [1], "only the fired line is re-armed");
}

#[test]
fn a_byte_arriving_before_the_rearm_is_read_in_the_same_poll() {
    let mut m = Machine::new();
    let mut source = InputSource::init(&mut m, NoBackdoor, false, (800, 600));
    let (mut queue, mut info) = (EventQueue::new(), info(800, 600));
    source.poll(&mut m, 0, &mut queue, &mut info);
    m.i8042.queue(&[0x1E], false);
    // 'a' up comes in just as line 1 is re-armed: no new edge will announce it.
    m.on_rearm = vec![0x9E];
    source.poll(&mut m, 1 << 1, &mut queue, &mut info);
    assert_eq!(drain(&mut queue), [key('a', true), key('a', false)]);
}

#[test]
fn without_an_irq_the_devices_are_read_at_the_backstop_deadline() {
    let mut m = Machine::new();
    let mut source = InputSource::init(&mut m, NoBackdoor, false, (800, 600));
    let (mut queue, mut info) = (EventQueue::new(), info(800, 600));
    source.poll(&mut m, 0, &mut queue, &mut info);
    let deadline = EventSource::<Machine>::next_deadline_us(&source).unwrap();
    assert_eq!(deadline, m.now.get() + BACKSTOP_POLL_US);

    m.i8042.queue(&[0x1E], false);
    m.now.set(deadline - 1);
    source.poll(&mut m, 0, &mut queue, &mut info);
    assert!(
        queue.is_empty(),
        "not due yet, no IRQ: the device is left alone"
    );
    m.now.set(deadline);
    source.poll(&mut m, 0, &mut queue, &mut info);
    assert_eq!(drain(&mut queue), [key('a', true)]);
    assert!(m.rearmed.is_empty());
}

#[test]
fn unroutable_lines_make_the_backstop_poll_fast() {
    let mut m = Machine::new();
    m.routable = false;
    let mut source = InputSource::init(&mut m, NoBackdoor, false, (800, 600));
    let (mut queue, mut info) = (EventQueue::new(), info(800, 600));
    source.poll(&mut m, 0, &mut queue, &mut info);
    assert_eq!(
        EventSource::<Machine>::next_deadline_us(&source),
        Some(m.now.get() + POLL_ONLY_INTERVAL_US)
    );
}

#[test]
fn the_pointer_follows_the_mode_in_system_info() {
    let mut m = Machine::new();
    let mut source = InputSource::init(&mut m, NoBackdoor, false, (800, 600));
    let (mut queue, mut info) = (EventQueue::new(), info(1920, 1080));
    // A mouse packet far to the right: clamped to the 1920-wide screen, not 800.
    m.i8042.queue(&[0x08, 0x7F, 0x00, 0x00], true);
    m.i8042.queue(&[0x08, 0x7F, 0x00, 0x00], true);
    m.i8042.queue(&[0x08, 0x7F, 0x00, 0x00], true);
    source.poll(&mut m, 1 << 12, &mut queue, &mut info);
    let moves: Vec<_> = drain(&mut queue)
        .into_iter()
        .filter_map(|e| match e {
            InputEvent::PointerMove { x, y } => Some((x, y)),
            _ => None,
        })
        .collect();
    assert_eq!(moves.last(), Some(&(960 + 3 * 127, 540)));
    assert_eq!(m.rearmed, [12]);
}

#[test]
fn positions_fed_by_another_driver_are_delivered_on_the_next_poll() {
    let mut m = Machine::new();
    let mut source = InputSource::init(&mut m, NoBackdoor, false, (800, 600));
    let (mut queue, mut info) = (EventQueue::new(), info(800, 600));
    source.poll(&mut m, 0, &mut queue, &mut info);
    source.input_mut().set_vmmdev_integration(true);
    source.input_mut().vmmdev_position(0, 0);
    source.poll(&mut m, 0, &mut queue, &mut info);
    assert!(drain(&mut queue).contains(&InputEvent::PointerMove { x: 0, y: 0 }));
}

/// A vmmouse that is there and in absolute mode: one queued packet per `event`.
#[derive(Default)]
struct Vmmouse {
    enabled: bool,
    words: VecDeque<u32>,
}

impl Vmmouse {
    fn event(&mut self, x: u32, y: u32, buttons: u32) {
        self.words.extend([buttons, x, y, 0]);
    }
}

impl VmwareBackdoor for Vmmouse {
    fn call(&mut self, regs: &mut BackdoorRegs) {
        match regs.ecx {
            10 => {
                regs.eax = 6;
                regs.ebx = BACKDOOR_MAGIC;
            }
            41 if regs.ebx == 0x4541_4552 => {
                self.enabled = true;
                self.words.push_back(0x3442_554A);
            }
            41 => {}
            40 => regs.eax = self.words.len() as u32,
            39 => {
                let mut next = || self.words.pop_front().unwrap_or(0);
                regs.eax = next();
                if regs.ebx > 1 {
                    regs.ebx = next();
                    regs.ecx = next();
                    regs.edx = next();
                }
            }
            _ => regs.eax = u32::MAX,
        }
    }
}

#[test]
fn the_vmmouse_drives_the_hub_it_is_lent_and_ps2_motion_is_ignored() {
    let mut m = Machine::new();
    let mut devices = PcInput::init(&mut m, Vmmouse::default(), true);
    assert_eq!(devices.name(), "ps2+vmmouse");
    assert_eq!(m.enabled, [1, 12]);
    let mut hub = Input::new(800, 600);
    devices.backdoor.event(0x8000, 0x4000, 0);
    // A PS/2 jiggle packet far to the right, as hypervisors send to raise IRQ 12.
    m.i8042.queue(&[0x08, 0x7F, 0x00, 0x00], true);
    assert!(devices.poll(&mut m, 1 << 12, &mut hub));
    let events: Vec<_> = core::iter::from_fn(|| hub.pop()).collect();
    assert!(
        events.contains(&InputEvent::PointerMove { x: 400, y: 150 }),
        "{events:?}"
    );
    assert_eq!(hub.pointer().position(), (400, 150));
}
