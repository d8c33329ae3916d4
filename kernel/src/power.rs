//! Power button to power-off: the ACPI power button is watched in the runtime loop;
//! a press prints `@vitrine power button=acpi` and switches the machine off through
//! VMMDev when it is up (VirtualBox powers off inside the request), else ACPI S5.
//!
//! Both ways only need port I/O and what ACPI discovery found (`PowerInfo`), so the
//! system does this itself: the app passes `Handoff::power` in `SystemConfig::power`
//! and needs no callback.

use crate::drivers::acpi_power_button::AcpiPowerButton;
use crate::hal::{Clock, Irqs, PortIo};
use crate::logging;
use crate::platform::acpi::PowerInfo;
use crate::status;
use crate::vbox::VboxIntegration;

/// How long the machine gets to go after the S5 write before we call it a failure.
pub const POWER_OFF_GRACE_US: u64 = 1_000_000;

/// The power button (when ACPI has one) and the ways to switch off.
#[derive(Debug)]
pub struct PowerControl {
    button: Option<AcpiPowerButton>,
    acpi: PowerInfo,
}

impl PowerControl {
    /// Starts the power-button driver when the FADT describes the registers.
    pub fn start<H: PortIo + Irqs + Clock>(hal: &mut H, acpi: PowerInfo) -> Self {
        let button = acpi
            .button
            .as_ref()
            .map(|info| AcpiPowerButton::start(hal, info));
        if button.is_none() {
            logging::info!("power: no ACPI power button; host shutdown requests are not seen");
        }
        Self { button, acpi }
    }

    /// When the button's backstop poll is next due.
    pub fn next_deadline_us(&self) -> Option<u64> {
        self.button
            .as_ref()
            .and_then(AcpiPowerButton::next_deadline_us)
    }

    /// Services the button; on a press reports it and powers off. Returns only if
    /// there was no press or the machine could not be switched off (logged).
    pub fn poll<H: PortIo + Irqs + Clock>(
        &mut self,
        hal: &mut H,
        fired_lines: u64,
        vbox: Option<&mut VboxIntegration>,
    ) {
        let Some(button) = &mut self.button else {
            return;
        };
        if button.poll(hal, fired_lines) {
            status!("power button=acpi");
            power_off(hal, vbox, &self.acpi);
        }
    }
}

/// Switches the machine off: VMMDev's SetPowerStatus when the integration is up
/// (prints `power off via=vmmdev`), else, or if that returned, ACPI S5 (`power off
/// via=acpi`). Returns only when neither worked (`power failed`), after giving S5
/// [`POWER_OFF_GRACE_US`] to take effect.
pub fn power_off<H: PortIo + Clock + Irqs>(
    hal: &mut H,
    vbox: Option<&mut VboxIntegration>,
    acpi: &PowerInfo,
) {
    if let Some(vbox) = vbox {
        vbox.power_off(hal);
        logging::warn!("power: still running after the VMMDev power-off; trying ACPI S5");
    }
    if acpi.power_off_writes().is_some() {
        status!("power off via=acpi");
        if acpi.enter_s5(hal) {
            // Idle, bounded even if the clock stands still (interrupts wake `wait`).
            let deadline = hal.now_us() + POWER_OFF_GRACE_US;
            for _ in 0..1000 {
                if hal.now_us() >= deadline {
                    break;
                }
                hal.wait(deadline);
            }
        }
    }
    status!("power failed");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::acpi::{Pm1EventBlock, PowerButtonInfo};

    /// PM1a at 0x600 (status, enable at 0x602, control at 0x604); records every write
    /// and whether the S5 write arrived. The clock never moves.
    #[derive(Default)]
    struct Machine {
        status: u16,
        control: u16,
        writes: Vec<(u16, u16)>,
        waits: u32,
    }

    impl PortIo for Machine {
        fn in8(&mut self, _: u16) -> u8 {
            0
        }
        fn in16(&mut self, port: u16) -> u16 {
            match port {
                0x600 => self.status,
                0x604 => self.control,
                _ => 0,
            }
        }
        fn in32(&mut self, _: u16) -> u32 {
            0
        }
        fn out8(&mut self, _: u16, _: u8) {
            self.control |= 1;
        }
        fn out16(&mut self, port: u16, value: u16) {
            self.writes.push((port, value));
            if port == 0x600 {
                self.status &= !value;
            }
        }
        fn out32(&mut self, _: u16, _: u32) {}
    }

    impl Clock for Machine {
        fn now_us(&self) -> u64 {
            0
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
        fn wait(&mut self, _: u64) {
            self.waits += 1;
        }
    }

    fn acpi(s5: Option<(u8, u8)>) -> PowerInfo {
        PowerInfo {
            pm1a_control_port: Some(0x604),
            pm1b_control_port: None,
            s5_sleep_types: s5,
            reset: None,
            button: Some(PowerButtonInfo {
                pm1a_event: Pm1EventBlock {
                    status_port: 0x600,
                    enable_port: 0x602,
                },
                pm1b_event: None,
                pm1a_control_port: Some(0x604),
                sci_line: Some(9),
                smi_command_port: Some(0xb2),
                acpi_enable_value: 0xf1,
            }),
        }
    }

    const S5_WRITE: (u16, u16) = (0x604, (5 << 10) | (1 << 13));

    #[test]
    fn a_press_without_vmmdev_enters_s5() {
        let mut machine = Machine::default();
        let mut power = PowerControl::start(&mut machine, acpi(Some((5, 5))));
        machine.status = 1 << 8;
        power.poll(&mut machine, 1 << 9, None);
        assert_eq!(machine.writes.last(), Some(&S5_WRITE));
        // The stand-still clock does not hang the grace wait.
        assert!(machine.waits <= 1000);
    }

    #[test]
    fn no_press_no_power_off() {
        let mut machine = Machine::default();
        let mut power = PowerControl::start(&mut machine, acpi(Some((5, 5))));
        power.poll(&mut machine, 1 << 9, None);
        assert!(!machine.writes.contains(&S5_WRITE));
    }

    #[test]
    fn without_s5_a_press_is_reported_and_the_kiosk_keeps_running() {
        let mut machine = Machine::default();
        let mut power = PowerControl::start(&mut machine, acpi(None));
        machine.status = 1 << 8;
        power.poll(&mut machine, 1 << 9, None);
        assert_eq!(machine.status, 0);
        assert!(machine.writes.iter().all(|&(port, _)| port != 0x604));
    }

    #[test]
    fn without_a_button_nothing_is_watched() {
        let mut machine = Machine::default();
        let mut info = acpi(Some((5, 5)));
        info.button = None;
        let mut power = PowerControl::start(&mut machine, info);
        assert_eq!(power.next_deadline_us(), None);
        machine.status = 1 << 8;
        power.poll(&mut machine, u64::MAX, None);
        assert!(machine.writes.is_empty());
    }
}
