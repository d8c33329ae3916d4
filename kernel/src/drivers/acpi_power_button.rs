//! The ACPI fixed-feature power button (PM1 event registers, ACPI 4.8.3.1): what
//! VirtualBox's "ACPI Shutdown" and QEMU's `system_powerdown` press.
//!
//! Start-up switches the machine to ACPI mode if the firmware has not (ACPI_ENABLE to
//! SMI_CMD, a bounded wait for SCI_EN), enables only PWRBTN_EN, and routes the SCI
//! (level-triggered, shared). `poll` runs when the SCI fired or the slow backstop is
//! due: it reads PM1 status, clears what it owns (write 1 to clear), reports a press,
//! and re-arms the line. If ACPI mode never comes on or the SCI cannot be routed, the
//! status bit still sets on a press, so the backstop poll alone finds it.

use crate::logging;
use bitflags::bitflags;

use crate::hal::{Clock, Irqs, PortIo};
use crate::platform::acpi::{Pm1EventBlock, PowerButtonInfo};

bitflags! {
    /// PM1 status register bits (write 1 to clear).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Pm1Status: u16 {
        const TIMER = 1 << 0;
        const BUS_MASTER = 1 << 4;
        const GLOBAL = 1 << 5;
        const POWER_BUTTON = 1 << 8;
        const SLEEP_BUTTON = 1 << 9;
        const RTC = 1 << 10;
        const PCIE_WAKE = 1 << 14;
        const WAKE = 1 << 15;
    }
}

bitflags! {
    /// PM1 enable register bits.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Pm1Enable: u16 {
        const TIMER = 1 << 0;
        const GLOBAL = 1 << 5;
        const POWER_BUTTON = 1 << 8;
        const SLEEP_BUTTON = 1 << 9;
        const RTC = 1 << 10;
    }
}

bitflags! {
    /// PM1 control register bits this driver reads.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Pm1Control: u16 {
        /// The hardware raises the SCI (ACPI mode) rather than an SMI.
        const SCI_ENABLE = 1 << 0;
    }
}

/// The fixed events whose status this driver clears: the ones an enable bit could
/// make raise the SCI. WAKE is left alone (it belongs to sleep/resume).
const OWNED_STATUS: Pm1Status = Pm1Status::TIMER
    .union(Pm1Status::BUS_MASTER)
    .union(Pm1Status::GLOBAL)
    .union(Pm1Status::POWER_BUTTON)
    .union(Pm1Status::SLEEP_BUTTON)
    .union(Pm1Status::RTC);

/// The backstop poll interval when no SCI arrives.
pub const SLOW_POLL_US: u64 = 500_000;
/// How long the firmware gets to set SCI_EN after ACPI_ENABLE (ACPICA waits 3 s;
/// emulated firmware answers inside the port write).
pub const ACPI_ENABLE_TIMEOUT_US: u64 = 300_000;
/// Reads of PM1 control before giving up even if the clock stands still.
const ACPI_ENABLE_MAX_READS: u32 = 100_000;
/// SCIs in a row with nothing of ours set before the line is left masked (another
/// SCI source we do not handle, e.g. a GPE, holds it asserted); polling continues.
const MAX_FOREIGN_SCIS: u32 = 64;

/// How ACPI mode came out at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcpiMode {
    /// SCI_EN was already set by the firmware.
    AlreadyOn,
    /// We wrote ACPI_ENABLE to SMI_CMD and SCI_EN came on.
    Enabled,
    /// SCI_EN stayed clear (no SMI_CMD, or no answer in time): polling only.
    Off,
    /// No PM1 control port to read SCI_EN from: assumed on.
    Unknown,
}

impl AcpiMode {
    /// The word in `@vitrine acpi power_button=… mode=…`.
    pub fn name(self) -> &'static str {
        match self {
            Self::AlreadyOn => "on",
            Self::Enabled => "enabled",
            Self::Off => "off",
            Self::Unknown => "unknown",
        }
    }
}

/// The power-button driver. Owns the PM1 event registers and its SCI line.
#[derive(Debug)]
pub struct AcpiPowerButton {
    blocks: heapless::Vec<Pm1EventBlock, 2>,
    sci_line: Option<u8>,
    mode: AcpiMode,
    next_poll_us: u64,
    foreign_scis: u32,
}

impl AcpiPowerButton {
    /// Enters ACPI mode if needed, clears stale status, enables only the power
    /// button, and routes the SCI. Never fails: the worst case polls.
    pub fn start<H: PortIo + Irqs + Clock>(hal: &mut H, info: &PowerButtonInfo) -> Self {
        let mode = enter_acpi_mode(hal, info);
        let mut blocks = heapless::Vec::new();
        for block in core::iter::once(info.pm1a_event).chain(info.pm1b_event) {
            // Two slots for PM1a and PM1b: cannot overflow.
            let _ = blocks.push(block);
        }
        for block in &blocks {
            let stale = Pm1Status::from_bits_retain(hal.in16(block.status_port)) & OWNED_STATUS;
            if !stale.is_empty() {
                logging::debug!("acpi: clearing stale PM1 status {:#x}", stale.bits());
                hal.out16(block.status_port, stale.bits());
            }
            hal.out16(block.enable_port, Pm1Enable::POWER_BUTTON.bits());
        }
        let enabled = Pm1Enable::from_bits_retain(hal.in16(info.pm1a_event.enable_port));
        if !enabled.contains(Pm1Enable::POWER_BUTTON) {
            logging::warn!(
                "acpi: PWRBTN_EN did not stick (PM1a_EN reads {:#x}); polling the status bit",
                enabled.bits()
            );
        }
        let sci_line = info.sci_line.filter(|&line| hal.enable_line(line));
        if sci_line.is_none() {
            logging::warn!("acpi: no SCI line; the power button is polled every {SLOW_POLL_US} us");
        }
        crate::status!(
            "acpi power_button=fixed mode={} sci={}",
            mode.name(),
            sci_line.map_or(-1, i32::from)
        );
        Self {
            blocks,
            sci_line,
            mode,
            next_poll_us: hal.now_us() + SLOW_POLL_US,
            foreign_scis: 0,
        }
    }

    /// How ACPI mode came out at start-up.
    pub fn mode(&self) -> AcpiMode {
        self.mode
    }

    /// The routed SCI line, if any.
    pub fn sci_line(&self) -> Option<u8> {
        self.sci_line
    }

    /// When the backstop poll is next due.
    pub fn next_deadline_us(&self) -> Option<u64> {
        Some(self.next_poll_us)
    }

    /// Services the registers when the SCI fired or the backstop is due; returns
    /// true when the power button was pressed (its status bit is cleared).
    pub fn poll<H: PortIo + Irqs + Clock>(&mut self, hal: &mut H, fired_lines: u64) -> bool {
        let fired = self
            .sci_line
            .is_some_and(|line| fired_lines & (1u64 << line) != 0);
        let now = hal.now_us();
        if !fired && now < self.next_poll_us {
            return false;
        }
        self.next_poll_us = now + SLOW_POLL_US;
        let mut seen = Pm1Status::empty();
        for block in &self.blocks {
            let status = Pm1Status::from_bits_retain(hal.in16(block.status_port)) & OWNED_STATUS;
            if !status.is_empty() {
                hal.out16(block.status_port, status.bits());
            }
            seen |= status;
        }
        if let Some(line) = self.sci_line.filter(|_| fired) {
            self.rearm_unless_stuck(hal, line, !seen.is_empty());
        }
        seen.contains(Pm1Status::POWER_BUTTON)
    }

    /// Re-arms the SCI, unless it keeps firing with nothing of ours set: then some
    /// other source holds the level line up and re-arming would only spin.
    fn rearm_unless_stuck(&mut self, hal: &mut impl Irqs, line: u8, ours: bool) {
        self.foreign_scis = if ours { 0 } else { self.foreign_scis + 1 };
        if self.foreign_scis < MAX_FOREIGN_SCIS {
            hal.rearm(line);
        } else if self.foreign_scis == MAX_FOREIGN_SCIS {
            logging::warn!(
                "acpi: SCI {line} fired {MAX_FOREIGN_SCIS} times with no PM1 event; left masked, polling instead"
            );
        }
    }
}

/// Reads SCI_EN; if it is clear, writes ACPI_ENABLE to SMI_CMD and waits (bounded)
/// for the firmware to set it.
fn enter_acpi_mode<H: PortIo + Clock>(hal: &mut H, info: &PowerButtonInfo) -> AcpiMode {
    let Some(control) = info.pm1a_control_port else {
        return AcpiMode::Unknown;
    };
    let sci_enabled = |hal: &mut H| {
        Pm1Control::from_bits_retain(hal.in16(control)).contains(Pm1Control::SCI_ENABLE)
    };
    if sci_enabled(hal) {
        return AcpiMode::AlreadyOn;
    }
    let Some(smi_command) = info.smi_command_port else {
        logging::warn!("acpi: SCI_EN clear and no SMI_CMD to enable ACPI mode; polling");
        return AcpiMode::Off;
    };
    hal.out8(smi_command, info.acpi_enable_value);
    let deadline = hal.now_us() + ACPI_ENABLE_TIMEOUT_US;
    for _ in 0..ACPI_ENABLE_MAX_READS {
        if sci_enabled(hal) {
            logging::info!("acpi: ACPI mode enabled");
            return AcpiMode::Enabled;
        }
        if hal.now_us() >= deadline {
            break;
        }
        core::hint::spin_loop();
    }
    logging::warn!(
        "acpi: SCI_EN still clear after ACPI_ENABLE {:#x} to port {smi_command:#x}; polling",
        info.acpi_enable_value
    );
    AcpiMode::Off
}

#[cfg(test)]
mod tests;
