//! The scenario runner: an app (the demo kiosk by default, any app crate through
//! [`RemoteApp`](crate::remote_app::RemoteApp)), vitrine's system composition and
//! drivers, the twin as the VirtualBox host, and a script of host actions and checks.
//!
//! Time is virtual: the runtime idles by advancing the twin's clock. After every host
//! action the runner steps the guest until it idles again; a guest that does not
//! within [`MAX_STEPS`] iterations "stopped responding".

use crate::devices::{self, Ps2Devices};
use crate::platform::TwinPlatform;
use crate::recorded::Recorded;
use crate::scenario::{ButtonName, Command, HgcmMode, PointerExpectation, Step};
use crate::status_capture;
use std::fmt;
use std::path::{Path, PathBuf};
use twin::acpi;
use twin::{DisplayDef, HgcmCompletion, MachineConfig, ModeHint, MouseButton, PowerAction};
use vitrine::app::App;
use vitrine::display::Display;
use vitrine::drivers::vmmdev::hgcm::SLOT_COUNT;
use vitrine::platform::acpi::{Pm1EventBlock, PowerButtonInfo, PowerInfo};
use vitrine::platform::pci;
use vitrine::runtime::PointerOwner;
use vitrine::system::{self, SystemConfig, SystemRuntime};
use vitrine_app::layout::Widget;
use vitrine_app::Kiosk;

/// Iterations after a host action before the guest counts as hung.
pub const MAX_STEPS: usize = 10_000;

/// The hosted system: the app (the kiosk unless told; its events recorded) with PS/2
/// devices and no extra sources.
pub type HostedRuntime<A = Kiosk> = SystemRuntime<Recorded<A>, Ps2Devices, ()>;

/// How the sim machine and guest are set up.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The twin's configuration.
    pub machine: MachineConfig,
    /// `mode=` from the command line (the boot mode without a host hint).
    pub mode: (u32, u32),
    /// `integration=on|off` on the guest's command line.
    pub integration: bool,
    /// Mouse integration in the VirtualBox GUI at power-on (on by default).
    pub host_mouse_integration: bool,
    /// Where `shot` writes PNGs.
    pub out_dir: PathBuf,
    /// The VGA's HGSMI answers (false: the guest falls back to VBE + VMMDev hints).
    pub hgsmi: bool,
    /// The VM has a VMMDev (false: the guest must do without).
    pub vmmdev: bool,
    /// The app gets ticks (false: as `bench=quiet`, so only input redraws).
    pub app_ticks: bool,
    /// `display=` on the guest's command line.
    pub display: vitrine::boot::cmdline::DisplayChoice,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            machine: MachineConfig::default(),
            mode: (1024, 768),
            integration: true,
            host_mouse_integration: true,
            out_dir: PathBuf::from("target/sim"),
            hgsmi: true,
            vmmdev: true,
            app_ticks: true,
            display: Default::default(),
        }
    }
}

/// Why a scenario failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// The guest found nothing to draw on.
    NoDisplay(String),
    /// A check did not hold.
    Expectation {
        /// Script line.
        line: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// The twin recorded protocol errors (strict mode).
    Protocol {
        /// Script line (0 = boot).
        line: usize,
        /// The errors.
        errors: Vec<String>,
    },
    /// The guest kept running without idling.
    NotResponding {
        /// Script line (0 = boot).
        line: usize,
    },
    /// The guest panicked.
    Panic {
        /// Script line (0 = boot).
        line: usize,
        /// The panic message.
        message: String,
    },
    /// A command could not be carried out (bad widget name, file not writable...).
    Command {
        /// Script line.
        line: usize,
        /// What went wrong.
        message: String,
    },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoDisplay(e) => write!(f, "the guest found no display: {e}"),
            Self::Expectation { line, message } => {
                write!(f, "line {line}: expectation failed: {message}")
            }
            Self::Protocol { line, errors } => write!(
                f,
                "line {line}: protocol errors the host would log:\n  {}",
                errors.join("\n  ")
            ),
            Self::NotResponding { line } => write!(
                f,
                "line {line}: the guest stopped responding (no idle within {MAX_STEPS} iterations)"
            ),
            Self::Panic { line, message } => {
                write!(f, "line {line}: the guest panicked: {message}")
            }
            Self::Command { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

impl std::error::Error for SimError {}

/// A running simulation of app `A` (the demo kiosk unless told).
pub struct Sim<A: App = Kiosk> {
    /// The twin behind the hal.
    pub platform: TwinPlatform,
    /// The guest.
    pub runtime: HostedRuntime<A>,
    /// Makes the app again for a VM reset.
    new_app: Box<dyn Fn() -> A>,
    out_dir: PathBuf,
    clicks_seen: usize,
    line: usize,
    /// Steps the guest took (all host actions).
    pub steps: u64,
    /// `mode=`, `integration=` and `display=` of the guest's command line (reboots).
    boot_mode: (u32, u32),
    integration: bool,
    display: vitrine::boot::cmdline::DisplayChoice,
    /// Line of the script's first command (where `machine` may stand).
    first_line: usize,
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

fn catch<T>(line: usize, f: impl FnOnce() -> Result<T, SimError>) -> Result<T, SimError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(SimError::Panic {
            line,
            message: panic_message(payload),
        })
    })
}

impl Sim {
    /// Powers the machine on and boots the demo kiosk until its first idle.
    pub fn boot(options: SimOptions) -> Result<Sim, SimError> {
        Self::boot_with(options, |_| {})
    }

    /// [`Sim::boot`], with `before` acting on the host before the guest starts (a
    /// hint from before a reboot, a hostile configuration).
    pub fn boot_with(
        options: SimOptions,
        before: impl FnOnce(&mut twin::Machine),
    ) -> Result<Sim, SimError> {
        Sim::boot_app(options, Kiosk::new, before)
    }
}

impl<A: App> Sim<A> {
    /// Boots the guest running the app `new_app` makes (again on every reset).
    pub fn boot_app(
        options: SimOptions,
        new_app: impl Fn() -> A + 'static,
        before: impl FnOnce(&mut twin::Machine),
    ) -> Result<Sim<A>, SimError> {
        status_capture::install();
        catch(0, || {
            let mut platform = TwinPlatform::new(options.machine.clone());
            platform.hgsmi_disconnected = !options.hgsmi;
            platform.vmmdev_hidden = !options.vmmdev;
            platform
                .machine
                .set_mouse_integration(options.host_mouse_integration);
            before(&mut platform.machine);
            let runtime = boot_guest(
                &mut platform,
                new_app(),
                options.mode,
                options.integration,
                options.display,
                options.app_ticks,
            )?;
            let mut sim = Sim {
                platform,
                runtime,
                new_app: Box::new(new_app),
                out_dir: options.out_dir,
                clicks_seen: 0,
                line: 0,
                steps: 0,
                boot_mode: options.mode,
                integration: options.integration,
                display: options.display,
                first_line: 0,
            };
            sim.settle()?;
            Ok(sim)
        })
    }

    /// VM reset: the machine resets (HGCM clients and pending requests are dropped)
    /// and the guest boots again on it, with the same command line.
    pub fn reset(&mut self) -> Result<(), SimError> {
        self.platform.machine.reset();
        self.runtime = boot_guest(
            &mut self.platform,
            (self.new_app)(),
            self.boot_mode,
            self.integration,
            self.display,
            true,
        )?;
        self.settle()
    }

    /// Steps the guest until it idles (it has handled everything the host did).
    pub fn settle(&mut self) -> Result<(), SimError> {
        for _ in 0..MAX_STEPS {
            let report = self.runtime.step(&mut self.platform);
            self.steps += 1;
            self.flush_vbox_log();
            self.check_protocol()?;
            if report.idled {
                return Ok(());
            }
        }
        Err(SimError::NotResponding { line: self.line })
    }

    /// Lets `ms` of virtual time pass with the guest running.
    pub fn wait_ms(&mut self, ms: u64) -> Result<(), SimError> {
        let end = self.platform.machine.now_us() + ms * 1000;
        let mut busy = 0;
        while self.platform.machine.now_us() < end {
            let report = self.runtime.step(&mut self.platform);
            self.steps += 1;
            self.flush_vbox_log();
            self.check_protocol()?;
            busy = if report.idled { 0 } else { busy + 1 };
            if busy > MAX_STEPS {
                return Err(SimError::NotResponding { line: self.line });
            }
        }
        self.settle()
    }

    /// Writes what the guest mirrored to VBox.log through the backdoor port, as the
    /// serial console does on metal.
    fn flush_vbox_log(&mut self) {
        use vitrine::hal::PortIo;
        for byte in status_capture::take_mirrored() {
            self.platform.out8(0x504, byte);
        }
    }

    fn check_protocol(&mut self) -> Result<(), SimError> {
        if self.platform.machine.protocol_errors().is_empty() {
            return Ok(());
        }
        let errors = self
            .platform
            .machine
            .take_protocol_errors()
            .iter()
            .map(|e| format!("{e:?}"))
            .collect();
        Err(SimError::Protocol {
            line: self.line,
            errors,
        })
    }

    /// The status lines this guest emitted so far (`@vitrine …`).
    pub fn status_lines(&self) -> Vec<String> {
        status_capture::lines()
    }

    /// Status lines and log records so far, in order.
    pub fn transcript(&self) -> Vec<String> {
        status_capture::transcript()
    }

    /// Runs a parsed script.
    pub fn run(&mut self, steps: &[Step]) -> Result<(), SimError> {
        self.first_line = steps.first().map_or(0, |s| s.line);
        for step in steps {
            self.line = step.line;
            let line = step.line;
            catch(line, || self.command(&step.command))?;
        }
        Ok(())
    }

    fn fail(&self, message: String) -> SimError {
        SimError::Expectation {
            line: self.line,
            message,
        }
    }

    fn mode(&self) -> (u32, u32) {
        let mode = self.runtime.display().mode();
        (mode.width, mode.height)
    }

    /// Whether someone draws the pointer: the host (visible shape, integration on)
    /// or the guest in software.
    pub fn pointer_state(&self) -> (bool, bool) {
        let machine = &self.platform.machine;
        let host = machine.pointer().visible
            && machine.pointer().shape.is_some()
            && machine.mouse_integration();
        let software = self.runtime.pointer_owner() == Some(PointerOwner::Software);
        (host, software)
    }

    /// Carries out one command and lets the guest react.
    pub fn command(&mut self, command: &Command) -> Result<(), SimError> {
        let machine = &mut self.platform.machine;
        match command {
            Command::Resize {
                screen,
                width,
                height,
            } => {
                if !machine.resize(*screen, *width, *height) {
                    println!("sim: the host refused the hint for screen {screen}");
                }
            }
            Command::GuiResize {
                screen,
                width,
                height,
            } => {
                if !machine.gui_resize(*screen, *width, *height) {
                    println!("sim: the GUI sent no hint (auto-resize off or same size)");
                }
            }
            Command::Mouse { x, y } => machine.mouse_move(*x, *y),
            Command::MouseTo(name) => {
                let (x, y) = self.widget_centre(name)?;
                self.platform.machine.mouse_move(x, y);
            }
            Command::Integration(on) => machine.set_mouse_integration(*on),
            Command::Click(button) => {
                let button = match button {
                    ButtonName::Left => MouseButton::Left,
                    ButtonName::Right => MouseButton::Right,
                    ButtonName::Middle => MouseButton::Middle,
                };
                machine.mouse_button(button, true);
                self.settle()?;
                self.platform.machine.mouse_button(button, false);
            }
            Command::Wheel(steps) => machine.mouse_wheel(*steps),
            Command::Key(name) => {
                let Some((scancode, extended)) = scancode(name) else {
                    return Err(SimError::Command {
                        line: self.line,
                        message: format!("unknown key `{name}`"),
                    });
                };
                machine.key(scancode, extended, true);
                self.settle()?;
                self.platform.machine.key(scancode, extended, false);
            }
            Command::Wait(ms) => return self.wait_ms(*ms),
            Command::Shot(name) => return self.shot(name),
            Command::AcpiShutdown => machine.power_button(),
            Command::PowerOff => {
                if let Some(vbox) = self.runtime.sources_mut().vbox.as_mut() {
                    vbox.power_off(&mut self.platform);
                } else {
                    println!("sim: no VMMDev: the guest would use ACPI S5");
                }
            }
            Command::Hint {
                screen,
                width,
                height,
                bpp,
                enabled,
            } => {
                // As Main sends them: CX|CY|BPP, DISABLED when off, PRIMARY for 0.
                let mut flags = 0x08 | 0x10 | 0x20;
                if !enabled {
                    flags |= 0x02;
                }
                if *screen == 0 {
                    flags |= 0x01;
                }
                machine.inject_vmmdev_display_hint(DisplayDef {
                    flags,
                    id: *screen,
                    x: 0,
                    y: 0,
                    cx: *width,
                    cy: *height,
                    bpp: *bpp,
                });
            }
            Command::VbvaHint {
                screen,
                width,
                height,
                enabled,
            } => machine.inject_vbva_mode_hint(
                *screen,
                ModeHint {
                    cx: *width,
                    cy: *height,
                    bpp: 32,
                    dx: u32::MAX,
                    dy: u32::MAX,
                    enabled: *enabled,
                },
            ),
            Command::MouseRaw(vx, vy) => machine.mouse_move_raw(*vx, *vy),
            Command::Fail { request, rc, count } => {
                machine.inject_request_failure(*request, *rc, *count)
            }
            Command::HostCommandOffset(offset) => machine.inject_host_command_offset(*offset),
            Command::GuestPropSet { name, value } => {
                let rc = machine.guest_property_set(name, value, None);
                if rc < 0 {
                    println!("sim: the host refused to set {name} (rc {rc})");
                }
                // The completion comes after the guest idles: let it arrive.
                return self.wait_ms(1);
            }
            Command::GuestPropDelete(name) => {
                machine.guest_property_delete(name);
                return self.wait_ms(1);
            }
            Command::HgcmCompletion(mode) => machine.set_hgcm_completion(match mode {
                HgcmMode::Immediate => HgcmCompletion::Immediate,
                HgcmMode::Deferred => HgcmCompletion::Deferred { delay_us: 0 },
                HgcmMode::Never => HgcmCompletion::Never,
            }),
            Command::HgcmResults { rc, count } => machine.inject_hgcm_results(*rc, *count),
            Command::Reset => return self.reset(),
            Command::ExpectGuestProp { name, value } => {
                let host = machine.guest_property(name).map(|(v, _)| v);
                if host != *value {
                    return Err(self.fail(format!(
                        "guest property {name}: host has {host:?}, expected {value:?}"
                    )));
                }
                return Ok(());
            }
            Command::ExpectHgcmQuiet => return self.expect_hgcm_quiet(),
            Command::ExpectMode {
                screen,
                width,
                height,
            } => {
                let host = machine.current_mode(*screen).map(|m| (m.width, m.height));
                if host != Some((*width, *height)) {
                    return Err(self.fail(format!(
                        "screen {screen}: host sees {host:?}, expected {width}x{height}"
                    )));
                }
                if *screen == 0 && self.mode() != (*width, *height) {
                    return Err(self.fail(format!(
                        "guest display is {:?}, expected {width}x{height}",
                        self.mode()
                    )));
                }
                return Ok(());
            }
            Command::ExpectPointer(expected) => {
                let (host, software) = self.pointer_state();
                let ok = match expected {
                    PointerExpectation::Visible => host || software,
                    PointerExpectation::Hidden => !host && !software,
                    PointerExpectation::Host => host && !software,
                    PointerExpectation::Software => software && !host,
                };
                if !ok {
                    return Err(self.fail(format!(
                        "pointer {expected:?}: host draws it={host}, software draws it={software}"
                    )));
                }
                return Ok(());
            }
            Command::ExpectClick(target) => {
                let lines = self.status_lines();
                let clicks: Vec<&String> = lines
                    .iter()
                    .filter(|l| l.starts_with("@vitrine click "))
                    .collect();
                let fresh = &clicks[self.clicks_seen.min(clicks.len())..];
                self.clicks_seen = clicks.len();
                let wanted = format!("target={target}");
                if !fresh
                    .iter()
                    .any(|l| l.split_whitespace().any(|w| w == wanted))
                {
                    return Err(self.fail(format!(
                        "no click on {target} since the last check; clicks: {fresh:?}"
                    )));
                }
                return Ok(());
            }
            Command::ExpectIntegration(on) => {
                let guest = self
                    .runtime
                    .sources_mut()
                    .vbox
                    .as_ref()
                    .is_some_and(|v| v.mouse_integration());
                if guest != *on {
                    return Err(
                        self.fail(format!("guest mouse integration is {guest}, expected {on}"))
                    );
                }
                return Ok(());
            }
            Command::ExpectStatus(text) => {
                if !self
                    .status_lines()
                    .iter()
                    .any(|l| l.contains(text.as_str()))
                {
                    return Err(self.fail(format!("no status line contains `{text}`")));
                }
                return Ok(());
            }
            Command::Machine(_) => {
                if self.line != self.first_line {
                    return Err(SimError::Command {
                        line: self.line,
                        message: "`machine` must be the script's first command".into(),
                    });
                }
                return Ok(());
            }
            Command::SvgaFault(name) => {
                let fault = svga_fault(name).ok_or_else(|| SimError::Command {
                    line: self.line,
                    message: format!("unknown svga fault `{name}`"),
                })?;
                match machine.svga_mut() {
                    Some(svga) => svga.set_fault(fault),
                    None => {
                        return Err(SimError::Command {
                            line: self.line,
                            message: "this controller has no SVGA device".into(),
                        })
                    }
                }
            }
            Command::Storm {
                count,
                width,
                height,
            } => {
                const SIZES: [(u32, u32); 4] = [(800, 600), (1024, 768), (1280, 800), (1600, 900)];
                for i in 0..count.saturating_sub(1) {
                    let (w, h) = SIZES[i as usize % SIZES.len()];
                    self.platform.machine.resize(0, w, h);
                    if i % 97 == 0 {
                        self.runtime.step(&mut self.platform);
                        self.steps += 1;
                        self.check_protocol()?;
                    }
                }
                self.platform.machine.resize(0, *width, *height);
            }
            Command::ExpectOneRedrawPerMode => return self.expect_one_redraw_per_mode(),
            Command::ExpectSvgaPicture => return self.expect_svga_picture(),
            Command::ExpectPowerOff => {
                let actions = machine.vmmdev().power_actions().to_vec();
                if !actions.contains(&PowerAction::PowerOff) {
                    return Err(self.fail(format!("no power-off request; host saw {actions:?}")));
                }
                return Ok(());
            }
        }
        self.settle()
    }

    /// The guest's guest-property client, when it runs one.
    pub fn guest_properties(&mut self) -> Option<&vitrine::vbox::guest_props::GuestProperties> {
        self.runtime
            .sources_mut()
            .vbox
            .as_ref()
            .and_then(|v| v.guest_properties())
    }

    /// Only the config wait is outstanding: the guest's pool has exactly one busy
    /// slot and the host exactly one command it may still complete.
    fn expect_hgcm_quiet(&mut self) -> Result<(), SimError> {
        let Some(props) = self.guest_properties() else {
            return Err(self.fail("the guest runs no guest property client".into()));
        };
        let (free, quarantined, quiet) = (
            props.hgcm().free_slots(),
            props.hgcm().quarantined_slots(),
            props.is_quiet() && props.client_id().is_some(),
        );
        let host = self.platform.machine.hgcm().outstanding();
        if free != SLOT_COUNT - 1 || quarantined != 0 || !quiet || host != 1 {
            return Err(self.fail(format!(
                "HGCM not quiet: guest pool {free}/{SLOT_COUNT} free, {quarantined} quarantined, \
                 client connected and quiet={quiet}; host holds {host} outstanding commands"
            )));
        }
        Ok(())
    }

    /// Every `display backend=… mode=WxH` line is followed by exactly one first frame
    /// that redrew the whole W×H, and (SVGA) the host applied exactly that many modes.
    fn expect_one_redraw_per_mode(&mut self) -> Result<(), SimError> {
        let lines = self.status_lines();
        let mut modes = 0usize;
        let mut pending: Option<u64> = None;
        for line in &lines {
            let field = |key: &str| {
                line.split_whitespace()
                    .find_map(|w| w.strip_prefix(key))
                    .map(str::to_string)
            };
            if line.starts_with("@vitrine display backend=") {
                if let Some(area) = pending {
                    return Err(self.fail(format!("mode of {area} px set twice without a frame")));
                }
                let mode = field("mode=").unwrap_or_default();
                let (w, h) = mode.split_once('x').unwrap_or(("0", "0"));
                let (w, h): (u64, u64) = (w.parse().unwrap_or(0), h.parse().unwrap_or(0));
                pending = Some(w * h);
                modes += 1;
            } else if line.starts_with("@vitrine frame ") {
                let dirty: u64 = field("dirty_px=").and_then(|v| v.parse().ok()).unwrap_or(0);
                match pending.take() {
                    Some(area) if dirty >= area => {}
                    Some(area) => {
                        return Err(self.fail(format!("first frame redrew {dirty} of {area} px")))
                    }
                    None => return Err(self.fail(format!("a frame line without a mode: {line}"))),
                }
            }
        }
        if self.runtime.display().backend_name() == "svga" {
            let host = self
                .platform
                .machine
                .svga()
                .map_or(0, |s| s.mode_changes().len());
            if host != modes {
                return Err(self.fail(format!(
                    "the guest reported {modes} modes, the SVGA host applied {host}"
                )));
            }
        }
        println!("sim: {modes} modes, each set once and drawn once");
        Ok(())
    }

    /// The window shows exactly what is in VRAM (outside the host pointer): no
    /// rectangle was lost on the way to the host.
    fn expect_svga_picture(&mut self) -> Result<(), SimError> {
        let machine = &mut self.platform.machine;
        let Some(screen) = machine.svga().and_then(|s| s.screen()) else {
            return Err(self.fail("SVGA mode is not on".into()));
        };
        let image = machine.host_view(0);
        let (px, py) = machine.pointer_position();
        let pointer = machine.pointer().shape.clone();
        let mut vram = vec![0u8; (screen.pitch * screen.height) as usize];
        let base = u64::from(machine.config().vram_base);
        machine.read_phys(base + u64::from(screen.vram_offset), &mut vram);
        let under_pointer = |x: u32, y: u32| {
            pointer.as_ref().is_some_and(|s| {
                let (x0, y0) = (px - s.hot_x as i32, py - s.hot_y as i32);
                (x as i32) >= x0
                    && (x as i32) < x0 + s.width as i32
                    && (y as i32) >= y0
                    && (y as i32) < y0 + s.height as i32
            })
        };
        let mut wrong = 0;
        for y in 0..screen.height {
            for x in 0..screen.width {
                if under_pointer(x, y) {
                    continue;
                }
                let i = (y * screen.pitch + x * 4) as usize;
                let want = [vram[i + 2], vram[i + 1], vram[i], 0xFF];
                if image.pixel(x, y) != want {
                    wrong += 1;
                }
            }
        }
        if wrong > 0 {
            return Err(self.fail(format!("{wrong} pixels of the window differ from VRAM")));
        }
        Ok(())
    }

    /// The centre of widget `name`: `widgetN` is the app's widget N (what its
    /// `App::widgets` reports, for any app); other names are the demo kiosk's.
    fn widget_centre(&self, name: &str) -> Result<(i32, i32), SimError> {
        if let Some(id) = name.strip_prefix("widget").and_then(|n| n.parse().ok()) {
            let mut found = None;
            self.runtime.app().widgets(&mut |i, r| {
                if i == id {
                    found = Some(r.center());
                }
            });
            return found.map(|c| (c.x, c.y)).ok_or_else(|| SimError::Command {
                line: self.line,
                message: format!("the app reports no widget {id}"),
            });
        }
        let (width, height) = self.mode();
        let layout = vitrine_app::layout(width, height);
        let widget = layout
            .widgets()
            .map(|(w, _)| w)
            .find(|w| w.name() == name)
            .or(match name {
                "status" => Some(Widget::Status),
                _ => None,
            })
            .ok_or_else(|| SimError::Command {
                line: self.line,
                message: format!("unknown widget `{name}`"),
            })?;
        let centre = layout.rect_of(widget).center();
        Ok((centre.x, centre.y))
    }

    /// Writes the host view of screen 0 to `out_dir/name`.
    pub fn shot(&mut self, name: &str) -> Result<(), SimError> {
        let path = self.out_dir.join(name);
        let error = |e: std::io::Error| SimError::Command {
            line: self.line,
            message: format!("cannot write {}: {e}", path.display()),
        };
        std::fs::create_dir_all(&self.out_dir).map_err(error)?;
        self.platform
            .machine
            .save_host_view(0, &path)
            .map_err(error)?;
        println!("sim: wrote {}", path.display());
        Ok(())
    }
}

/// Boots the guest running `app` on `platform`: PCI scan, devices, the system
/// composition.
fn boot_guest<A: App>(
    platform: &mut TwinPlatform,
    app: A,
    mode: (u32, u32),
    integration: bool,
    display: vitrine::boot::cmdline::DisplayChoice,
    app_ticks: bool,
) -> Result<HostedRuntime<A>, SimError> {
    let scan = pci::enumerate(platform);
    let config = SystemConfig {
        mode,
        firmware_framebuffer: None,
        integration,
        display,
        request_pages: platform.request_pages(),
        write_combining: None,
        vbox_log_mirror: Some(status_capture::mirror_to_vbox_log),
        power: virtualbox_power_info(),
        runtime: vitrine::runtime::RuntimeConfig {
            ticks: app_ticks,
            ..Default::default()
        },
        app_options: Default::default(),
    };
    let devices = devices::init(platform);
    system::build(platform, &scan, &config, Recorded::new(app), devices, ())
        .map_err(|e| SimError::NoDisplay(format!("{e:?}")))
}

/// Set-1 scancode and E0 prefix for a key name.
pub fn scancode(name: &str) -> Option<(u8, bool)> {
    let plain = |code| Some((code, false));
    let extended = |code| Some((code, true));
    match name.to_ascii_lowercase().as_str() {
        "escape" | "esc" => plain(0x01),
        "enter" | "return" => plain(0x1C),
        "tab" => plain(0x0F),
        "space" => plain(0x39),
        "backspace" => plain(0x0E),
        "left" => extended(0x4B),
        "right" => extended(0x4D),
        "up" => extended(0x48),
        "down" => extended(0x50),
        "home" => extended(0x47),
        "end" => extended(0x4F),
        "delete" => extended(0x53),
        key if key.len() == 1 => {
            let c = key.as_bytes()[0];
            const ROW_Q: &[u8] = b"qwertyuiop";
            const ROW_A: &[u8] = b"asdfghjkl";
            const ROW_Z: &[u8] = b"zxcvbnm";
            let find = |row: &[u8], base: u8| {
                row.iter()
                    .position(|&k| k == c)
                    .map(|i| (base + i as u8, false))
            };
            match c {
                b'1'..=b'9' => plain(0x02 + (c - b'1')),
                b'0' => plain(0x0B),
                _ => find(ROW_Q, 0x10)
                    .or_else(|| find(ROW_A, 0x1E))
                    .or_else(|| find(ROW_Z, 0x2C)),
            }
        }
        _ => None,
    }
}

/// What ACPI discovery finds in VirtualBox's FADT and DSDT (the twin's PM registers):
/// the power button and S5, as the bare-metal kernel hands them to the system.
fn virtualbox_power_info() -> PowerInfo {
    PowerInfo {
        pm1a_control_port: Some(acpi::PM1A_CONTROL),
        pm1b_control_port: None,
        s5_sleep_types: Some((acpi::S5_SLEEP_TYPE, acpi::S5_SLEEP_TYPE)),
        reset: None,
        button: Some(PowerButtonInfo {
            pm1a_event: Pm1EventBlock {
                status_port: acpi::PM1A_STATUS,
                enable_port: acpi::PM1A_ENABLE,
            },
            pm1b_event: None,
            pm1a_control_port: Some(acpi::PM1A_CONTROL),
            sci_line: Some(acpi::SCI_LINE),
            smi_command_port: Some(acpi::SMI_COMMAND),
            acpi_enable_value: acpi::ACPI_ENABLE,
        }),
    }
}

fn svga_fault(name: &str) -> Option<twin::svga::SvgaFault> {
    use twin::svga::SvgaFault;
    match name {
        "none" => Some(SvgaFault::None),
        "worker-stuck" => Some(SvgaFault::WorkerStuck),
        "busy-stuck" => Some(SvgaFault::BusyStuck),
        "fifo-rejected" => Some(SvgaFault::FifoRejected),
        _ => None,
    }
}

/// The options a script's leading `machine KEY=VALUE...` line asks for.
fn machine_options(
    options: &mut SimOptions,
    pairs: &[(String, String)],
) -> Result<Option<twin::svga::SvgaFault>, String> {
    use twin::GraphicsController;
    let mut fault = None;
    for (key, value) in pairs {
        match key.as_str() {
            "controller" => {
                options.machine.graphics = match value.as_str() {
                    "vboxvga" => GraphicsController::VBoxVga,
                    "vboxsvga" => GraphicsController::VBoxSvga,
                    "vmsvga" => GraphicsController::VmSvga,
                    other => return Err(format!("unknown controller `{other}`")),
                }
            }
            "vram_mib" => {
                let mib: u32 = value
                    .parse()
                    .map_err(|_| format!("bad vram_mib `{value}`"))?;
                options.machine.vram_size = mib << 20;
            }
            "display" => {
                options.display = value
                    .parse()
                    .map_err(|_| format!("bad display `{value}`"))?;
            }
            "svga-fault" => {
                fault = Some(svga_fault(value).ok_or(format!("unknown svga fault `{value}`"))?);
            }
            other => return Err(format!("unknown machine option `{other}`")),
        }
    }
    Ok(fault)
}

/// Parses and runs a script file with the demo kiosk; returns the transcript (status
/// lines and log records), or the error after printing the transcript.
pub fn run_script(path: &Path, out_dir: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    run_script_with(path, out_dir, Kiosk::new)
}

/// [`run_script`] with the app `new_app` makes.
pub fn run_script_with<A: App>(
    path: &Path,
    out_dir: &Path,
    new_app: impl Fn() -> A + 'static,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let steps = crate::scenario::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut options = SimOptions {
        out_dir: out_dir.to_path_buf(),
        ..SimOptions::default()
    };
    let mut fault = None;
    if let Some(Step {
        command: Command::Machine(pairs),
        line,
        ..
    }) = steps.first()
    {
        fault = machine_options(&mut options, pairs)
            .map_err(|e| format!("{}: line {line}: {e}", path.display()))?;
    }
    let mut sim = Sim::boot_app(options, new_app, |machine| {
        if let (Some(fault), Some(svga)) = (fault, machine.svga_mut()) {
            svga.set_fault(fault);
        }
    })?;
    let result = sim.run(&steps);
    let lines = sim.transcript();
    if let Err(error) = result {
        for line in &lines {
            println!("{line}");
        }
        return Err(format!("{}: {error}", path.display()).into());
    }
    Ok(lines)
}
