//! The soak: the whole hosted kiosk against the twin, driven by random host actions
//! (valid and hostile resize hints, hint floods, mouse moves, clicks, wheel,
//! integration toggling, keys, refused VMMDev requests, bad HGSMI host commands,
//! VBVA ring errors or, on the SVGA II personalities, a stuck or FIFO-rejecting
//! SVGA host, the ACPI power button), with invariants checked after every step:
//!
//! - no panic, no protocol error the host would log, no hang (the sim's own checks);
//! - every click and key the host sent reaches the app exactly once, in order;
//! - the last valid hint wins within one redraw (one `Resize` for a flood), and a
//!   hint the guest must reject leaves the mode alone;
//! - the HGSMI guest heap is fully free at quiescence;
//! - the host's picture equals the guest framebuffer after each flush (SVGA: while
//!   the host processes its FIFO and nothing waits to be carried to the next frame);
//! - the pointer is drawn exactly once (by the host or by the guest) after a move;
//! - no input event is dropped.
//!
//! Everything follows from the machine and the seed: a failure names both and the
//! step to replay.

use crate::scenario::{ButtonName, Command};
use crate::sim::{scancode, Sim, SimError, SimOptions};
use twin::svga::SvgaFault;
use twin::GraphicsController;
use vitrine::app::{Button, Event, InputEvent, Key};
use vitrine::display::system::SystemDisplay;
use vitrine::display::Display;
use vitrine::drivers::vmmdev::hgcm::SLOT_COUNT as HGCM_SLOTS;

/// The machine a soak runs on: the graphics controller, as VirtualBox names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SoakMachine {
    /// VBoxVGA: VBE DISPI + HGSMI/VBVA (what seed 1's million steps ran on).
    #[default]
    VBoxVga,
    /// VBoxSVGA (80EE:BEEF with the SVGA II registers).
    VBoxSvga,
    /// VMSVGA (15AD:0405).
    VmSvga,
}

impl SoakMachine {
    /// Every machine, in the order `cargo xtask test` soaks them.
    pub const ALL: [SoakMachine; 3] = [Self::VBoxVga, Self::VBoxSvga, Self::VmSvga];

    /// The name `--machine` takes (the `controller=` of sim scripts).
    pub fn name(self) -> &'static str {
        match self {
            Self::VBoxVga => "vboxvga",
            Self::VBoxSvga => "vboxsvga",
            Self::VmSvga => "vmsvga",
        }
    }

    /// The machine called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    fn controller(self) -> GraphicsController {
        match self {
            Self::VBoxVga => GraphicsController::VBoxVga,
            Self::VBoxSvga => GraphicsController::VBoxSvga,
            Self::VmSvga => GraphicsController::VmSvga,
        }
    }
}

/// What one soak did.
#[derive(Debug, Default, Clone)]
pub struct SoakReport {
    /// Steps (host actions) carried out.
    pub steps: u64,
    /// Guest runtime iterations.
    pub guest_steps: u64,
    /// Clicks and keys sent and checked.
    pub inputs_checked: u64,
    /// Hints sent (valid, hostile).
    pub hints: (u64, u64),
    /// Framebuffer/host-view comparisons made.
    pub frames_compared: u64,
    /// Power-button presses (each followed by a fresh boot).
    pub reboots: u64,
    /// VBVA ring errors the host logged after the soak scribbled on the ring.
    pub vbva_ring_errors: u64,
    /// Quiescent HGCM pools checked.
    pub hgcm_checks: u64,
    /// SVGA host faults installed (stuck worker, stuck BUSY, FIFO rejected).
    pub svga_faults: u64,
    /// Invariant violations, with the step each happened at.
    pub violations: Vec<String>,
}

/// Violations kept in the report (the count is what matters after that).
const MAX_VIOLATIONS_KEPT: usize = 20;

const KEYS: &[&str] = &[
    "a",
    "b",
    "k",
    "z",
    "1",
    "0",
    "enter",
    "tab",
    "escape",
    "backspace",
    "left",
    "right",
    "up",
    "down",
    "home",
    "end",
    "delete",
    "space",
];

/// The app-side key for a key name the host typed (no modifier held).
fn app_key(name: &str) -> Key {
    match name {
        "enter" => Key::Enter,
        "tab" => Key::Tab,
        "escape" => Key::Escape,
        "backspace" => Key::Backspace,
        "left" => Key::Left,
        "right" => Key::Right,
        "up" => Key::Up,
        "down" => Key::Down,
        "home" => Key::Home,
        "end" => Key::End,
        "delete" => Key::Delete,
        "space" => Key::Char(' '),
        other => Key::Char(other.chars().next().unwrap_or('?')),
    }
}

struct Soak {
    rng: fastrand::Rng,
    sim: Sim,
    report: SoakReport,
    step: u64,
    seed: u64,
    last_draws: u64,
    /// Print every host action from this step on (replaying a violation).
    trace_from: Option<u64>,
    machine: SoakMachine,
    /// The SVGA host's fault now (also installed on the machine of a reboot).
    svga_fault: SvgaFault,
    /// A hint went only to VBVA while the host had VBVA off: it may apply at any
    /// later step up to the guest's next frame (which re-enables VBVA).
    unseen_vbva_hint: bool,
}

/// Runs `steps` random host actions from `seed` on `machine`.
pub fn run(steps: u64, seed: u64, machine: SoakMachine) -> SoakReport {
    run_traced(steps, seed, machine, None)
}

/// [`run`], printing every host action from step `trace_from` on.
pub fn run_traced(
    steps: u64,
    seed: u64,
    machine: SoakMachine,
    trace_from: Option<u64>,
) -> SoakReport {
    let sim = boot(seed, machine, SvgaFault::None);
    let mut soak = Soak {
        rng: fastrand::Rng::with_seed(seed),
        sim,
        report: SoakReport::default(),
        step: 0,
        seed,
        last_draws: 0,
        trace_from,
        machine,
        svga_fault: SvgaFault::None,
        unseen_vbva_hint: false,
    };
    while soak.step < steps {
        soak.step += 1;
        soak.one_step();
        if soak.step.is_multiple_of(100_000) {
            eprintln!(
                "soak {} seed {seed}: {} steps, {} violations",
                machine.name(),
                soak.step,
                soak.report.violations.len()
            );
        }
        if soak.step.is_multiple_of(1000) {
            // Keep the per-thread transcript from growing over a million steps.
            crate::status_capture::install();
        }
    }
    soak.report.steps = soak.step;
    soak.report.guest_steps += soak.sim.steps;
    soak.report
}

/// Video memory of the soak's machine: small, so hostile hints are clamped to
/// modes whose frames a million steps can compare pixel by pixel (64 MiB let a hint
/// set 1162x14336), yet room for every valid hint the soak sends.
const SOAK_VRAM: u32 = 8 << 20;

fn boot(seed: u64, machine: SoakMachine, fault: SvgaFault) -> Sim {
    let mut options = SimOptions::default();
    options.machine.vram_size = SOAK_VRAM;
    options.machine.graphics = machine.controller();
    let sim = Sim::boot_with(options, |twin| {
        if let Some(svga) = twin.svga_mut() {
            svga.set_fault(fault);
        }
    });
    let mut sim = sim.unwrap_or_else(|e| {
        panic!(
            "soak {} seed {seed}: the kiosk does not boot: {e}",
            machine.name()
        )
    });
    // What the app got while booting (its first Resize) is not the first step's.
    sim.runtime.app_mut().take_events();
    sim
}

impl Soak {
    fn violation(&mut self, what: String) {
        if self.report.violations.len() < MAX_VIOLATIONS_KEPT {
            let violation = format!(
                "{} seed {} step {}: {what}",
                self.machine.name(),
                self.seed,
                self.step
            );
            // At once: a long soak's violations are replayed while it goes on.
            eprintln!("soak violation: {violation}");
            self.report.violations.push(violation);
        } else {
            self.report.violations.push(String::new());
        }
    }

    fn mode(&self) -> (u32, u32) {
        let mode = self.sim.runtime.display().mode();
        (mode.width, mode.height)
    }

    fn trace(&self, what: impl FnOnce() -> String) {
        if self.trace_from.is_some_and(|from| self.step >= from) {
            println!("step {}: {}", self.step, what());
        }
    }

    fn run_command(&mut self, command: &Command) -> bool {
        self.trace(|| {
            format!(
                "{command:?} (host flags {:#x})",
                self.sim.platform.machine.hgsmi_host_flags()
            )
        });
        match self.sim.command(command) {
            Ok(()) => true,
            Err(error) => {
                self.sim_failed(error);
                false
            }
        }
    }

    /// A failed sim (panic, protocol error, hang) is a violation; the soak goes on
    /// with a fresh boot so one defect does not hide the next.
    fn sim_failed(&mut self, error: SimError) {
        self.violation(format!("{error}"));
        self.reboot();
    }

    fn reboot(&mut self) {
        self.report.guest_steps += self.sim.steps;
        self.sim = boot(self.seed, self.machine, self.svga_fault);
        self.last_draws = 0;
        self.unseen_vbva_hint = false;
    }

    fn one_step(&mut self) {
        let before = self.mode();
        let roll = self.rng.u32(0..1000);
        let mut expected_inputs = Vec::new();
        let mut expected_mode = None;
        let mut max_resizes = None;
        match roll {
            0..=179 => {
                let (w, h) = before;
                let command = Command::Mouse {
                    x: self.rng.i32(-20..w as i32 + 20),
                    y: self.rng.i32(-20..h as i32 + 20),
                };
                if self.run_command(&command) {
                    self.check_pointer();
                }
            }
            180..=329 => {
                let (name, button) = match self.rng.u8(0..3) {
                    0 => (ButtonName::Left, Button::Left),
                    1 => (ButtonName::Right, Button::Right),
                    _ => (ButtonName::Middle, Button::Middle),
                };
                expected_inputs.push(InputEvent::Button {
                    button,
                    pressed: true,
                });
                expected_inputs.push(InputEvent::Button {
                    button,
                    pressed: false,
                });
                self.run_command(&Command::Click(name));
            }
            330..=479 => {
                let name = KEYS[self.rng.usize(0..KEYS.len())];
                debug_assert!(scancode(name).is_some());
                let key = app_key(name);
                expected_inputs.push(InputEvent::Key { key, pressed: true });
                expected_inputs.push(InputEvent::Key {
                    key,
                    pressed: false,
                });
                self.run_command(&Command::Key(name.to_string()));
            }
            480..=529 => {
                let steps = self.rng.i32(-3..=3);
                self.run_command(&Command::Wheel(steps));
            }
            530..=569 => {
                let on = self.rng.bool();
                self.run_command(&Command::Integration(on));
            }
            570..=669 => {
                // A valid hint from the GUI, or a flood of them before the guest runs.
                let count = if self.rng.u8(0..4) == 0 {
                    self.rng.u32(2..6)
                } else {
                    1
                };
                let mut last = before;
                for _ in 0..count {
                    // 640x480 to 1280x800: every size fits SOAK_VRAM.
                    last = (self.rng.u32(80..=160) * 8, self.rng.u32(60..=100) * 8);
                    self.trace(|| format!("host resize {last:?}"));
                    self.sim.platform.machine.resize(0, last.0, last.1);
                }
                self.report.hints.0 += u64::from(count);
                expected_mode = Some(last);
                max_resizes = Some(u64::from(last != before));
                if let Err(error) = self.sim.settle() {
                    self.sim_failed(error);
                    return;
                }
            }
            670..=739 => {
                self.report.hints.1 += 1;
                let screen = if self.rng.u8(0..4) == 0 {
                    self.rng.u32(1..4)
                } else {
                    0
                };
                let width = self.hostile_dimension();
                let height = self.hostile_dimension();
                let bpp = [0, 7, 8, 16, 24, 32, 32, 255][self.rng.usize(0..8)];
                let enabled = self.rng.u8(0..5) != 0;
                let command = if self.rng.bool() {
                    Command::Hint {
                        screen,
                        width,
                        height,
                        bpp,
                        enabled,
                    }
                } else {
                    Command::VbvaHint {
                        screen,
                        width,
                        height,
                        enabled,
                    }
                };
                // Any depth is taken and set at 32 bpp (VirtualBox passes its current
                // depth in hints), so only the screen and the enabled flag reject.
                let rejected = screen != 0 || !enabled;
                let vbva_only = matches!(command, Command::VbvaHint { .. });
                if !rejected && vbva_only && self.host_vbva_off() {
                    // Only in VBVA's hint store, while the host has VBVA off after a
                    // ring error: no HOTPLUG IRQ (the host dropped our caps) and no
                    // VMMDev request (VirtualBox's own hints always raise one). The
                    // guest sees it when it re-enables VBVA at its next frame.
                    self.unseen_vbva_hint = true;
                }
                if rejected && !self.unseen_vbva_hint {
                    expected_mode = Some(before);
                }
                self.run_command(&command);
            }
            740..=789 => {
                let request = [1, 10, 219][self.rng.usize(0..3)];
                let rc = [-1, -2, -37, -54][self.rng.usize(0..4)];
                let count = self.rng.u32(1..=3);
                self.run_command(&Command::Fail { request, rc, count });
            }
            790..=829 => {
                // Host command floods: good-looking and bad offsets.
                for _ in 0..self.rng.u32(1..=8) {
                    let offset = self.rng.u32(..);
                    self.trace(|| format!("host command offset {offset:#x}"));
                    self.sim.platform.machine.inject_host_command_offset(offset);
                }
                if let Err(error) = self.sim.settle() {
                    self.sim_failed(error);
                    return;
                }
            }
            830..=839 => {
                let (vx, vy) = (self.rng.i32(-100..70000), self.rng.i32(-100..70000));
                self.run_command(&Command::MouseRaw(vx, vy));
            }
            840..=869 => self.guest_property_change(),
            870..=884 if self.machine == SoakMachine::VBoxVga => {
                if !self.vbva_ring_error() {
                    return;
                }
            }
            870..=884 => {
                if !self.svga_host_fault() {
                    return;
                }
            }
            885..=998 => {
                let ms = self.rng.u64(1..=1500);
                self.run_command(&Command::Wait(ms));
            }
            _ => {
                if self.rng.u8(0..10) == 0 {
                    self.run_command(&Command::AcpiShutdown);
                    self.report.reboots += 1;
                    self.reboot();
                    return;
                }
            }
        }
        self.check(expected_inputs, expected_mode, max_resizes, before);
    }

    /// `VBoxManage guestproperty set/unset` on what the kiosk reads (title, page),
    /// on keys it does not know, with empty, long and odd values.
    fn guest_property_change(&mut self) {
        const NAMES: &[&str] = &[
            "/Vitrine/Config/title",
            "/Vitrine/Config/page",
            "/Vitrine/Config/unknown",
            "/Vitrine/Other",
        ];
        let name = NAMES[self.rng.usize(0..NAMES.len())].to_string();
        if self.rng.u8(0..5) == 0 {
            self.run_command(&Command::GuestPropDelete(name));
            return;
        }
        let value = match self.rng.u8(0..6) {
            0 => String::new(),
            1 => "x".repeat(self.rng.usize(100..1100)),
            2 => format!("{}", self.rng.u32(..)),
            3 => "\u{e9}t\u{e9} \u{2603}".to_string(),
            _ => format!("Soak {}", self.rng.u16(..)),
        };
        self.run_command(&Command::GuestPropSet { name, value });
    }

    /// Something scribbles on the VBVA ring's free-record index just before the
    /// host flushes it: the host logs the error and disables VBVA (vbvaFlush); the
    /// guest must take the screen back with a full repaint (checked at its next
    /// frame). Returns false when the step failed (already reported).
    fn vbva_ring_error(&mut self) -> bool {
        const INDEX_RECORD_FREE: u64 = 276;
        let ring = match self.sim.runtime.display() {
            SystemDisplay::Vbva(display) => display.vbva().layout().ring.offset,
            _ => return true,
        };
        let machine = &mut self.sim.platform.machine;
        let at = u64::from(machine.config().vram_base) + u64::from(ring) + INDEX_RECORD_FREE;
        let mut old = [0; 4];
        machine.read_phys(at, &mut old);
        // Beyond the 64 records, so the host's check trips (an index inside the ring
        // would not be an error the host can see: it would replay stale records).
        let bad = 64 + self.rng.u32(0..100_000);
        let host_had_ring = self.sim.platform.machine.vbva().ring_enabled(0);
        self.trace(|| format!("vbva ring error: indexRecordFree -> {bad}"));
        let machine = &mut self.sim.platform.machine;
        machine.write_phys(at, &bad.to_le_bytes());
        machine.refresh_display();
        let errors = machine.take_protocol_errors();
        machine.write_phys(at, &old);
        if errors.len() != usize::from(host_had_ring) {
            self.violation(format!(
                "a ring error (host ring enabled: {host_had_ring}) gave {errors:?}"
            ));
        }
        self.report.vbva_ring_errors += errors.len() as u64;
        match self.sim.settle() {
            Ok(()) => true,
            Err(error) => {
                self.sim_failed(error);
                false
            }
        }
    }

    /// The SVGA host misbehaves from now on, or behaves again: its FIFO worker
    /// stops, BUSY stays set, or its FIFO checks reject the FIFO (vmsvga.md 5.2).
    /// Half the draws end a fault, so each lasts about a hundred steps. Returns
    /// false when the step failed (already reported).
    fn svga_host_fault(&mut self) -> bool {
        let fault = match self.rng.u8(0..6) {
            0 => SvgaFault::WorkerStuck,
            1 => SvgaFault::BusyStuck,
            2 => SvgaFault::FifoRejected,
            _ => SvgaFault::None,
        };
        self.trace(|| format!("svga fault {fault:?}"));
        if fault != SvgaFault::None {
            self.report.svga_faults += 1;
        }
        self.svga_fault = fault;
        if let Some(svga) = self.sim.platform.machine.svga_mut() {
            svga.set_fault(fault);
        }
        match self.sim.settle() {
            Ok(()) => true,
            Err(error) => {
                self.sim_failed(error);
                false
            }
        }
    }

    /// The guest draws through VBVA but the host switched it off (a ring error) and
    /// the guest has not switched it back on yet.
    fn host_vbva_off(&self) -> bool {
        matches!(self.sim.runtime.display(), SystemDisplay::Vbva(_))
            && !self.sim.platform.machine.vbva().ring_enabled(0)
    }

    fn hostile_dimension(&mut self) -> u32 {
        match self.rng.u8(0..6) {
            0 => 0,
            1 => self.rng.u32(1..640),
            2 => self.rng.u32(4000..70000),
            3 => u32::MAX - self.rng.u32(0..16),
            _ => self.rng.u32(640..2000),
        }
    }

    fn check(
        &mut self,
        expected_inputs: Vec<InputEvent>,
        expected_mode: Option<(u32, u32)>,
        max_resizes: Option<u64>,
        before: (u32, u32),
    ) {
        let events = self.sim.runtime.app_mut().take_events();
        let delivered: Vec<InputEvent> = events
            .iter()
            .filter_map(|e| match e {
                Event::Input(i @ (InputEvent::Button { .. } | InputEvent::Key { .. })) => Some(*i),
                _ => None,
            })
            .collect();
        if delivered != expected_inputs {
            self.violation(format!(
                "the host sent {expected_inputs:?}, the app got {delivered:?}"
            ));
        }
        self.report.inputs_checked += expected_inputs.len() as u64;
        let resizes = events
            .iter()
            .filter(|e| matches!(e, Event::Resize { .. }))
            .count() as u64;
        let mode = self.mode();
        if let Some(expected) = expected_mode {
            if mode != expected {
                self.violation(format!(
                    "mode {mode:?} after a hint, expected {expected:?} (was {before:?})"
                ));
            }
        }
        if let Some(max) = max_resizes {
            if resizes != max {
                self.violation(format!(
                    "{resizes} resize events for one hint burst, expected {max}"
                ));
            }
        }
        if !(640..=16384).contains(&mode.0) || !(480..=16384).contains(&mode.1) {
            self.violation(format!("mode {mode:?} outside the valid range"));
        }
        if let SystemDisplay::Vbva(display) = self.sim.runtime.display() {
            let vbva = display.vbva();
            if vbva.free_heap_blocks() != vbva.heap_blocks() {
                self.violation(format!(
                    "HGSMI heap not free at quiescence: {} of {} blocks",
                    vbva.free_heap_blocks(),
                    vbva.heap_blocks()
                ));
            }
        }
        self.check_hgcm();
        self.check_svga_fifo();
        if self.unseen_vbva_hint && !self.host_vbva_off() {
            self.unseen_vbva_hint = false;
        }
        let dropped = self.sim.runtime.queue_mut().dropped();
        if dropped != 0 {
            self.violation(format!("{dropped} input events dropped"));
        }
        let draws = self.sim.runtime.app().draws();
        if draws != self.last_draws {
            self.last_draws = draws;
            if self.host_shows_everything() {
                self.compare_frames();
            }
        }
    }

    /// Whether the host has (or takes at its next refresh) every rectangle the
    /// guest flushed. Not while the SVGA host's worker is stopped or rejects the
    /// FIFO, nor while the guest carries rectangles the full ring had no room for
    /// (they go with its next frame): the frame after those is compared.
    fn host_shows_everything(&mut self) -> bool {
        match self.sim.runtime.display() {
            SystemDisplay::Svga(display) => {
                !display.host_behind()
                    && matches!(self.svga_fault, SvgaFault::None | SvgaFault::BusyStuck)
            }
            _ => true,
        }
    }

    /// SVGA's fixed pool is the FIFO ring: once the host had its refresh tick, a
    /// host that processes commands has consumed everything the guest queued.
    fn check_svga_fifo(&mut self) {
        if !matches!(self.svga_fault, SvgaFault::None | SvgaFault::BusyStuck) {
            return;
        }
        let SystemDisplay::Svga(display) = self.sim.runtime.display() else {
            return;
        };
        if display.host_behind() {
            return;
        }
        self.sim.platform.machine.refresh_display();
        let SystemDisplay::Svga(display) = self.sim.runtime.display() else {
            return;
        };
        let fifo = display.svga().fifo();
        if !fifo.is_empty() {
            use vitrine::drivers::vga::svga::wire::{SVGA_FIFO_NEXT_CMD, SVGA_FIFO_STOP};
            let (next, stop) = (
                fifo.register(SVGA_FIFO_NEXT_CMD),
                fifo.register(SVGA_FIFO_STOP),
            );
            self.violation(format!(
                "SVGA FIFO not drained at quiescence: NEXT_CMD {next:#x}, STOP {stop:#x}"
            ));
        }
    }

    /// After a move the pointer is drawn exactly once: by the host (a shape it was
    /// given, integration on) or by the guest in software.
    fn check_pointer(&mut self) {
        let (host, software) = self.sim.pointer_state();
        if host == software {
            self.violation(format!(
                "pointer drawn by the host: {host}, by the guest: {software}"
            ));
        }
    }

    /// At quiescence (nothing in flight but the config wait) the guest's HGCM pool
    /// holds exactly that wait and the host exactly one outstanding command.
    fn check_hgcm(&mut self) {
        let Some(props) = self.sim.guest_properties() else {
            return;
        };
        if !props.is_quiet() || props.client_id().is_none() {
            return;
        }
        self.report.hgcm_checks += 1;
        let (free, quarantined) = (props.hgcm().free_slots(), props.hgcm().quarantined_slots());
        let host = self.sim.platform.machine.hgcm().outstanding();
        if free != HGCM_SLOTS - 1 || quarantined != 0 || host != 1 {
            self.violation(format!(
                "HGCM not free at quiescence: guest pool {free}/{HGCM_SLOTS} free, \
                 {quarantined} quarantined; host holds {host} commands"
            ));
        }
    }

    /// The host's picture of screen 0 against the guest's framebuffer, pixel by pixel.
    fn compare_frames(&mut self) {
        self.report.frames_compared += 1;
        let framebuffer = self.sim.runtime.display_mut().canvas().framebuffer();
        let (width, height) = (framebuffer.width(), framebuffer.height());
        let (phys, pitch) = (framebuffer.region().phys(), framebuffer.pitch() as usize);
        let machine = &mut self.sim.platform.machine;
        let len = pitch * height as usize;
        let guest = machine.host_ptr(phys, len).map(|ptr| {
            // SAFETY: the twin keeps guest memory at a fixed host address for the
            // machine's life (`Machine::host_ptr`), `len` bytes from `phys` included;
            // nothing writes it while this slice is read below.
            unsafe { std::slice::from_raw_parts(ptr as *const u8, len) }
        });
        let difference = match (machine.host_picture(0), guest) {
            (None, _) => Some("the host shows no picture".to_string()),
            (Some((w, h, _)), _) if (w, h) != (width, height) => Some(format!(
                "host shows {w}x{h}, the guest draws {width}x{height}"
            )),
            (_, None) => Some("the guest framebuffer is outside guest memory".into()),
            (Some((_, _, rgba)), Some(guest)) => {
                first_difference(guest, pitch, rgba, width, height)
                    .map(|(x, y)| format!("host view differs from the framebuffer at ({x}, {y})"))
            }
        };
        if let Some(what) = difference {
            self.violation(what);
        }
    }
}

/// The first pixel where the guest's XRGB framebuffer and the host's RGBA picture differ.
fn first_difference(
    guest: &[u8],
    pitch: usize,
    host: &[u8],
    width: u32,
    height: u32,
) -> Option<(usize, usize)> {
    let row_bytes = width as usize * 4;
    (0..height as usize).find_map(|y| {
        let guest_row = &guest[y * pitch..y * pitch + row_bytes];
        let host_row = &host[y * row_bytes..(y + 1) * row_bytes];
        // Whole-row test first, on 32-bit words and branch-free so it vectorises
        // (every frame of a million-step soak goes through here); the position only
        // on a mismatch. Guest XRGB in memory is B,G,R,X; the host's RGBA is R,G,B,A.
        let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let as_guest = |rgba: u32| (rgba & 0xFF00) | (rgba >> 16 & 0xFF) | (rgba & 0xFF) << 16;
        let differs = |(g, h): (&[u8], &[u8])| (word(g) ^ as_guest(word(h))) & 0x00FF_FFFF != 0;
        let pixels = || guest_row.chunks_exact(4).zip(host_row.chunks_exact(4));
        let any = pixels().fold(0u32, |acc, (g, h)| acc | (word(g) ^ as_guest(word(h))));
        if any & 0x00FF_FFFF == 0 {
            return None;
        }
        pixels().position(differs).map(|x| (x, y))
    })
}
