//! The input event source: PS/2 keyboard and mouse plus the vmmouse, merged by the
//! `Input` hub and handed to the runtime loop.
//!
//! IRQ 1 and 12 only say "look now"; the devices are read in the loop. A byte that
//! arrives between the last read and the line's re-arm raises no new edge, so the
//! source reads once more after re-arming, and a slow backstop poll catches anything
//! a lost edge would otherwise strand.

use crate::app_api::SystemInfo;
use crate::drivers::ps2::{Ps2, KEYBOARD_IRQ, MOUSE_IRQ};
use crate::drivers::vmmouse::{BackdoorRegs, VmMouse, VmwareBackdoor};
use crate::hal::Platform;
use crate::input::Input;
use crate::logging;
use crate::runtime::{EventQueue, EventSource};

/// How often the devices are read without an interrupt (lost edges, unroutable lines).
pub const BACKSTOP_POLL_US: u64 = 100_000;
/// The backstop interval when the IRQ lines could not be routed: polling is all there is.
pub const POLL_ONLY_INTERVAL_US: u64 = 10_000;

/// A machine without the VMware backdoor: every call answers all ones, as the unused
/// port does on real hardware, so `VmMouse::detect` finds nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBackdoor;

impl VmwareBackdoor for NoBackdoor {
    fn call(&mut self, regs: &mut BackdoorRegs) {
        regs.eax = u32::MAX;
    }
}

/// The PC's own input devices: the i8042's keyboard and mouse, and the VMware
/// backdoor mouse. They feed an input hub lent to them on each poll (the system's,
/// shared with VMMDev, or `InputSource`'s own).
#[derive(Debug)]
pub struct PcInput<B: VmwareBackdoor = NoBackdoor> {
    ps2: Ps2,
    vmmouse: Option<VmMouse>,
    backdoor: B,
    /// The hub has been told the vmmouse drives the pointer.
    announced: bool,
    poll_interval_us: u64,
    next_poll_us: u64,
}

fn line_bit(line: u8) -> u64 {
    1u64 << line
}

impl<B: VmwareBackdoor> PcInput<B> {
    /// Brings up the i8042 and its devices (`@vitrine input ...`), looks for the
    /// vmmouse when `try_vmmouse` (`@vitrine vmmouse ...`), and enables IRQ 1 and 12.
    pub fn init<H: Platform>(hal: &mut H, mut backdoor: B, try_vmmouse: bool) -> Self {
        let ps2 = Ps2::init(hal);
        let vmmouse = match try_vmmouse {
            // The hub the devices will feed is lent at poll time; this one only
            // hears the bring-up, which `poll` repeats to the real hub.
            true => VmMouse::init(&mut backdoor, &mut Input::<1>::new(1, 1)),
            false => None,
        };
        let mut devices = Self {
            ps2,
            vmmouse,
            backdoor,
            announced: false,
            poll_interval_us: BACKSTOP_POLL_US,
            next_poll_us: 0,
        };
        devices.enable_lines(hal);
        devices
    }

    /// Routes IRQ 1 and 12 (for the devices that came up). A line that cannot be
    /// routed is logged and the backstop poll gets faster instead.
    fn enable_lines<H: Platform>(&mut self, hal: &mut H) {
        let wanted = [
            (KEYBOARD_IRQ, self.ps2.keyboard_present()),
            // The vmmouse signals through IRQ 12 too.
            (
                MOUSE_IRQ,
                self.ps2.mouse_present() || self.vmmouse.is_some(),
            ),
        ];
        for (line, present) in wanted {
            if present && !hal.enable_line(line) {
                logging::warn!("input: IRQ {line} cannot be routed; polling every 10 ms");
                self.poll_interval_us = POLL_ONLY_INTERVAL_US;
            }
        }
    }

    /// The PS/2 devices.
    pub fn ps2(&self) -> &Ps2 {
        &self.ps2
    }

    /// The vmmouse, when it is in use.
    pub fn vmmouse(&self) -> Option<&VmMouse> {
        self.vmmouse.as_ref().filter(|m| m.is_active())
    }

    /// `ps2`, `vmmouse`, `ps2+vmmouse` or `none`: which devices move the pointer.
    pub fn name(&self) -> &'static str {
        match (self.ps2.mouse_present(), self.vmmouse().is_some()) {
            (true, true) => "ps2+vmmouse",
            (true, false) => "ps2",
            (false, true) => "vmmouse",
            (false, false) => "none",
        }
    }

    /// When the devices next need reading without an interrupt.
    pub fn next_deadline_us(&self) -> u64 {
        self.next_poll_us
    }

    /// Reads the devices into `input` if one of their lines fired or the backstop
    /// poll is due, re-arming the fired lines. Returns whether it read.
    pub fn poll<H: Platform>(&mut self, hal: &mut H, fired: u64, input: &mut Input) -> bool {
        if !self.announced {
            self.announced = true;
            if self.vmmouse.is_some() {
                input.set_vmmouse_absolute(true);
            }
        }
        let ours = fired & (line_bit(KEYBOARD_IRQ) | line_bit(MOUSE_IRQ));
        if ours == 0 && hal.now_us() < self.next_poll_us {
            return false;
        }
        self.read(hal, input);
        if ours != 0 {
            for line in [KEYBOARD_IRQ, MOUSE_IRQ] {
                if ours & line_bit(line) != 0 {
                    hal.rearm(line);
                }
            }
            // A byte that came after the read but before the re-arm raised no edge.
            self.read(hal, input);
        }
        self.next_poll_us = hal.now_us() + self.poll_interval_us;
        true
    }

    fn read<H: Platform>(&mut self, hal: &mut H, input: &mut Input) {
        let now = hal.now_us();
        self.ps2.poll_at(hal, input, now);
        if let Some(mouse) = &mut self.vmmouse {
            mouse.poll(&mut self.backdoor, input);
        }
    }
}

#[cfg(target_os = "none")]
impl PcInput<crate::drivers::vmmouse::MetalBackdoor> {
    /// `init` on the bare-metal platform, with the real VMware backdoor.
    pub fn init_metal(metal: &mut crate::metal::Metal, try_vmmouse: bool) -> Self {
        // SAFETY: a `Metal` exists only after bring-up, in ring 0: port 0x5658 is
        // ours to use, and without a hypervisor the read is harmless (all ones).
        let backdoor = unsafe { crate::drivers::vmmouse::MetalBackdoor::new() };
        Self::init(metal, backdoor, try_vmmouse)
    }
}

impl<H: Platform, B: VmwareBackdoor> crate::system::InputDevices<H> for PcInput<B> {
    fn poll(&mut self, hal: &mut H, fired_lines: u64, input: &mut Input) {
        PcInput::poll(self, hal, fired_lines, input);
    }
    fn next_deadline_us(&self) -> Option<u64> {
        Some(self.next_poll_us)
    }
    fn name(&self) -> &'static str {
        PcInput::name(self)
    }
}

/// `PcInput` with its own input hub, as a runtime `EventSource` on its own (runs
/// without the system composition: tests, a kernel without VirtualBox support).
#[derive(Debug)]
pub struct InputSource<B: VmwareBackdoor = NoBackdoor> {
    devices: PcInput<B>,
    input: Input,
}

impl<B: VmwareBackdoor> InputSource<B> {
    /// Brings up the devices (see `PcInput::init`) with a hub for a
    /// `width`×`height` screen; `poll` follows the mode after.
    pub fn init<H: Platform>(
        hal: &mut H,
        backdoor: B,
        try_vmmouse: bool,
        (width, height): (u32, u32),
    ) -> Self {
        Self {
            devices: PcInput::init(hal, backdoor, try_vmmouse),
            input: Input::new(width, height),
        }
    }

    /// The input hub, for other pointer sources (VMMDev positions, integration state).
    pub fn input_mut(&mut self) -> &mut Input {
        &mut self.input
    }

    /// The input hub.
    pub fn input(&self) -> &Input {
        &self.input
    }

    /// The devices.
    pub fn devices(&self) -> &PcInput<B> {
        &self.devices
    }
}

impl<H: Platform, B: VmwareBackdoor> EventSource<H> for InputSource<B> {
    fn poll(&mut self, hal: &mut H, fired: u64, queue: &mut EventQueue, info: &mut SystemInfo) {
        self.input.set_screen_size(info.width, info.height);
        self.devices.poll(hal, fired, &mut self.input);
        // Also delivers what other drivers put in the hub meanwhile.
        self.input.drain_into(queue);
        self.input.report_drops();
    }

    fn next_deadline_us(&self) -> Option<u64> {
        Some(self.devices.next_deadline_us())
    }
}

#[cfg(test)]
mod tests;
