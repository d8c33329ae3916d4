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

/// PS/2 + vmmouse as one `EventSource`.
#[derive(Debug)]
pub struct InputSource<B: VmwareBackdoor = NoBackdoor> {
    ps2: Ps2,
    vmmouse: Option<VmMouse>,
    backdoor: B,
    input: Input,
    poll_interval_us: u64,
    next_poll_us: u64,
}

fn line_bit(line: u8) -> u64 {
    1u64 << line
}

impl<B: VmwareBackdoor> InputSource<B> {
    /// Brings up the i8042 and its devices (`@vitrine input ...`), looks for the
    /// vmmouse when `try_vmmouse` (`@vitrine vmmouse ...`), and enables IRQ 1 and 12.
    /// The pointer starts on a `width`×`height` screen; `poll` follows the mode after.
    pub fn init<H: Platform>(
        hal: &mut H,
        mut backdoor: B,
        try_vmmouse: bool,
        (width, height): (u32, u32),
    ) -> Self {
        let ps2 = Ps2::init(hal);
        let mut input = Input::new(width, height);
        let vmmouse = match try_vmmouse {
            true => VmMouse::init(&mut backdoor, &mut input),
            false => None,
        };
        let mut source = Self::new(ps2, vmmouse, backdoor, input);
        source.enable_lines(hal);
        source
    }

    /// Assembles a source from parts already brought up (IRQ lines not yet enabled).
    pub fn new(ps2: Ps2, vmmouse: Option<VmMouse>, backdoor: B, input: Input) -> Self {
        Self {
            ps2,
            vmmouse,
            backdoor,
            input,
            poll_interval_us: BACKSTOP_POLL_US,
            next_poll_us: 0,
        }
    }

    /// Routes IRQ 1 and 12 (for the devices that came up). A line that cannot be
    /// routed is logged and the backstop poll gets faster instead.
    pub fn enable_lines<H: Platform>(&mut self, hal: &mut H) {
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
                log::warn!("input: IRQ {line} cannot be routed; polling every 10 ms");
                self.poll_interval_us = POLL_ONLY_INTERVAL_US;
            }
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

    /// The PS/2 devices.
    pub fn ps2(&self) -> &Ps2 {
        &self.ps2
    }

    /// The vmmouse, when it is in use.
    pub fn vmmouse(&self) -> Option<&VmMouse> {
        self.vmmouse.as_ref()
    }

    fn read_devices<H: Platform>(&mut self, hal: &mut H) {
        let now = hal.now_us();
        self.ps2.poll_at(hal, &mut self.input, now);
        if let Some(mouse) = &mut self.vmmouse {
            mouse.poll(&mut self.backdoor, &mut self.input);
        }
    }
}

#[cfg(target_os = "none")]
impl InputSource<crate::drivers::vmmouse::MetalBackdoor> {
    /// `init` on the bare-metal platform, with the real VMware backdoor.
    pub fn init_metal(
        metal: &mut crate::metal::Metal,
        try_vmmouse: bool,
        screen: (u32, u32),
    ) -> Self {
        // SAFETY: a `Metal` exists only after bring-up, in ring 0: port 0x5658 is
        // ours to use, and without a hypervisor the read is harmless (all ones).
        let backdoor = unsafe { crate::drivers::vmmouse::MetalBackdoor::new() };
        Self::init(metal, backdoor, try_vmmouse, screen)
    }
}

impl<H: Platform, B: VmwareBackdoor> EventSource<H> for InputSource<B> {
    fn poll(&mut self, hal: &mut H, fired: u64, queue: &mut EventQueue, info: &mut SystemInfo) {
        let ours = fired & (line_bit(KEYBOARD_IRQ) | line_bit(MOUSE_IRQ));
        let due = hal.now_us() >= self.next_poll_us;
        // Other drivers (VMMDev) may have queued moves in the hub meanwhile.
        if ours == 0 && !due && !self.input.has_events() {
            return;
        }
        self.input.set_screen_size(info.width, info.height);
        self.read_devices(hal);
        if ours != 0 {
            for line in [KEYBOARD_IRQ, MOUSE_IRQ] {
                if ours & line_bit(line) != 0 {
                    hal.rearm(line);
                }
            }
            // A byte that came after the read but before the re-arm raised no edge.
            self.read_devices(hal);
        }
        self.input.drain_into(queue);
        self.input.report_drops();
        self.next_poll_us = hal.now_us() + self.poll_interval_us;
    }

    fn next_deadline_us(&self) -> Option<u64> {
        Some(self.next_poll_us)
    }
}

#[cfg(test)]
mod tests;
