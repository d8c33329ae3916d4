//! Host input: mouse integration, absolute positions as Main scales them (§9),
//! buttons and wheel routed to VMMDev or the PS/2 hook, keys, power button, time.

use crate::machine::Machine;
use crate::memory::RegionKind;
use crate::wire::*;

/// What a PS/2 model would emit for host input (the input engineer consumes these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ps2Event {
    /// A mouse packet: relative motion (x right, y down), wheel, full button state
    /// (bit 0 left, bit 1 right, bit 2 middle).
    Mouse {
        /// Relative x.
        dx: i32,
        /// Relative y (down positive, as the host sees it).
        dy: i32,
        /// Wheel.
        dz: i32,
        /// Buttons held after this packet.
        buttons: u8,
    },
    /// A key: set-1 scancode, `extended` for the 0xE0 prefix.
    Key {
        /// Scancode (make code, without the 0x80 break bit).
        scancode: u8,
        /// 0xE0-prefixed key.
        extended: bool,
        /// Press (true) or release.
        pressed: bool,
    },
}

/// Mouse buttons as VMMDev numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseButton {
    /// Left.
    Left,
    /// Right.
    Right,
    /// Middle.
    Middle,
}

impl MouseButton {
    pub(crate) fn bit(self) -> u32 {
        match self {
            MouseButton::Left => 1,
            MouseButton::Right => 2,
            MouseButton::Middle => 4,
        }
    }
}

impl Machine {
    /// Mouse integration on (host sends absolute events) or off (captured, relative).
    pub fn set_mouse_integration(&mut self, on: bool) {
        self.mouse.integration = on;
        self.frontend_absolute();
    }

    /// Whether the frontend sends pointer events as absolute (integration on and Main
    /// knows the guest takes absolute input); keeps HOST_WANTS_ABSOLUTE in step, as
    /// the frontend sets it before each absolute event and clears it with relative
    /// ones (§9.1).
    pub(crate) fn frontend_absolute(&mut self) -> bool {
        let absolute =
            self.mouse.integration && self.main_guest_mouse() & MOUSE_GUEST_CAN_ABSOLUTE != 0;
        self.vmmdev.set_host_wants_absolute(absolute, &self.mem);
        absolute
    }

    /// Whether mouse integration is on.
    pub fn mouse_integration(&self) -> bool {
        self.mouse.integration
    }

    /// The rectangle absolute coordinates span (§9.3): the input mapping while VBVA
    /// is on for screen 0, else the bounding box of the enabled screens.
    pub fn input_mapping_rect(&self) -> Option<(i32, i32, i32, i32)> {
        if self.vbva.ring_enabled(0) {
            if let Some((x, y, cx, cy)) = self.vbva.input_mapping() {
                if cx > 0 && cy > 0 {
                    return Some((x, y, x + cx as i32, y + cy as i32));
                }
            }
        }
        (0..self.config.monitor_count)
            .filter_map(|s| self.current_mode(s))
            .map(|m| {
                (
                    m.origin.0,
                    m.origin.1,
                    m.origin.0 + m.width as i32,
                    m.origin.1 + m.height as i32,
                )
            })
            .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
    }

    /// Pixel → 0..0xFFFF as Main computes it (i_convertDisplayRes).
    pub fn pixel_to_absolute(&self, x: i32, y: i32) -> (i32, i32) {
        let (x1, y1, x2, y2) = self.input_mapping_rect().unwrap_or((0, 0, 640, 480));
        let conv = |p: i32, a: i32, b: i32| {
            let p = p.clamp(a, (b - 1).max(a));
            let span = i64::from((b - a).max(1));
            (((i64::from(p) + 1 - i64::from(a)) * 65535 - 49151) / span) as i32
        };
        (conv(x, x1, x2), conv(y, y1, y2))
    }

    pub(crate) fn main_guest_mouse(&self) -> u32 {
        self.vmmdev.main_guest_mouse_features()
    }

    pub(crate) fn route_absolute(&mut self, dz: i32, dw: i32) {
        let (vx, vy) = self.pixel_to_absolute(self.mouse.x, self.mouse.y);
        self.deliver_absolute(vx, vy, dz, dw);
    }

    pub(crate) fn deliver_absolute(&mut self, vx: i32, vy: i32, dz: i32, dw: i32) {
        self.vmmdev
            .absolute_event(vx, vy, dz, dw, self.mouse.buttons, &self.mem);
    }

    pub(crate) fn ps2_mouse(&mut self, dx: i32, dy: i32, dz: i32) {
        self.ps2.push_back(Ps2Event::Mouse {
            dx,
            dy,
            dz,
            buttons: self.mouse.buttons as u8,
        });
    }

    /// The host pointer moves to pixel (x, y) of the virtual desktop (screen 0 at
    /// 0,0). With integration on and a guest that can take absolute input the
    /// position goes to VMMDev; otherwise a relative PS/2 packet is queued.
    pub fn mouse_move(&mut self, x: i32, y: i32) {
        let (dx, dy) = (x - self.mouse.x, y - self.mouse.y);
        self.mouse.x = x;
        self.mouse.y = y;
        if self.frontend_absolute() {
            self.route_absolute(0, 0);
        } else if (dx, dy) != (0, 0) {
            self.ps2_mouse(dx, dy, 0);
        }
    }

    /// Raw absolute coordinates straight to VMMDev (hostile-value tests).
    pub fn mouse_move_raw(&mut self, vx: i32, vy: i32) {
        self.deliver_absolute(vx, vy, 0, 0);
    }

    pub(crate) fn buttons_or_wheel(&mut self, dz: i32) {
        let guest = self.main_guest_mouse();
        if self.frontend_absolute() {
            self.route_absolute(dz, 0);
            if guest & MOUSE_GUEST_USES_FULL_STATE_PROTOCOL == 0 {
                let jiggle = i32::from(guest & MOUSE_NEW_PROTOCOL == 0);
                self.ps2_mouse(jiggle, 0, dz);
            }
        } else {
            self.ps2_mouse(0, 0, dz);
        }
    }

    /// A mouse button changes state.
    pub fn mouse_button(&mut self, button: MouseButton, pressed: bool) {
        if pressed {
            self.mouse.buttons |= button.bit();
        } else {
            self.mouse.buttons &= !button.bit();
        }
        self.buttons_or_wheel(0);
    }

    /// Press and release.
    pub fn click(&mut self, button: MouseButton) {
        self.mouse_button(button, true);
        self.mouse_button(button, false);
    }

    /// Wheel movement (positive = towards the user, as VMMDev dz).
    pub fn mouse_wheel(&mut self, dz: i32) {
        self.buttons_or_wheel(dz);
    }

    /// A key press or release (set-1 scancode).
    pub fn key(&mut self, scancode: u8, extended: bool, pressed: bool) {
        self.ps2.push_back(Ps2Event::Key {
            scancode,
            extended,
            pressed,
        });
    }

    /// Takes the queued PS/2-side input.
    pub fn take_ps2_events(&mut self) -> Vec<Ps2Event> {
        self.ps2.drain(..).collect()
    }

    /// The ACPI power button is pressed ("ACPI Shutdown"): PWRBTN_STS sets in the
    /// PM registers (the SCI follows if the guest enabled it).
    pub fn power_button(&mut self) {
        self.acpi_power_button += 1;
        self.acpi.press_power_button();
    }

    /// Takes the number of power-button presses since the last call.
    pub fn take_power_button_presses(&mut self) -> u32 {
        std::mem::take(&mut self.acpi_power_button)
    }

    /// ACPI monitor-hotplug events Main sent (caps with VIDEO_MODE_HINTS but no IRQ).
    pub fn acpi_monitor_hotplugs(&self) -> u32 {
        self.acpi_monitor_hotplugs
    }

    /// Sets the VM's UTC clock to `ms` since the epoch (at the current virtual time).
    pub fn set_host_time_ms(&mut self, ms: u64) {
        self.utc_offset_ms =
            ms as i64 - self.config.utc_start_ms as i64 - (self.now_us / 1000) as i64;
    }

    /// Queues a host→guest HGSMI command (needs a host heap from VBVA_INFO_HEAP).
    pub fn send_host_command(
        &mut self,
        channel: u8,
        info: u16,
        data: &[u8],
    ) -> Result<u32, &'static str> {
        let vram = &self.mem.region(RegionKind::Vram).backing;
        self.hgsmi.submit_host_command(vram, channel, info, data)
    }
}
