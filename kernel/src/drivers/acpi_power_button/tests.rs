//! The power-button driver against a fake PM1 register block (PIIX4-like ports).

use core::cell::Cell;

use super::*;
use crate::hal::{Clock, Irqs, PortIo};

const STATUS: u16 = 0x600;
const ENABLE: u16 = 0x602;
const CONTROL: u16 = 0x604;
const SMI_COMMAND: u16 = 0xb2;
const ACPI_ENABLE: u8 = 0xf1;
const SCI: u8 = 9;

/// A PIIX4-like PM register block with an SMI_CMD port, an SCI line and a clock that
/// moves 10 µs per read (so bounded waits end).
struct PmBlock {
    status: u16,
    enable: u16,
    control: u16,
    /// What the firmware does with ACPI_ENABLE: set SCI_EN (or ignore it).
    firmware_enables: bool,
    /// Bits of PM1_EN the hardware implements (others read back as 0).
    enable_mask: u16,
    smi_writes: Vec<u8>,
    routable: bool,
    enabled_lines: Vec<u8>,
    rearmed: Vec<u8>,
    now: Cell<u64>,
    control_reads: u32,
}

impl PmBlock {
    fn new() -> Self {
        Self {
            status: 0,
            enable: 0,
            control: 0,
            firmware_enables: true,
            enable_mask: 0xffff,
            smi_writes: Vec::new(),
            routable: true,
            enabled_lines: Vec::new(),
            rearmed: Vec::new(),
            now: Cell::new(1_000),
            control_reads: 0,
        }
    }

    /// The host presses the button: the status bit sets whatever the enable says.
    fn press(&mut self) {
        self.status |= Pm1Status::POWER_BUTTON.bits();
    }

    /// The SCI level as the hardware computes it.
    fn sci_asserted(&self) -> bool {
        self.control & 1 != 0 && self.status & self.enable != 0
    }

    fn advance(&self, us: u64) {
        self.now.set(self.now.get() + us);
    }
}

impl PortIo for PmBlock {
    fn in8(&mut self, port: u16) -> u8 {
        panic!("8-bit read of {port:#x}")
    }
    fn in16(&mut self, port: u16) -> u16 {
        match port {
            STATUS => self.status,
            ENABLE => self.enable,
            CONTROL => {
                self.control_reads += 1;
                self.advance(10);
                self.control
            }
            _ => panic!("read of unexpected port {port:#x}"),
        }
    }
    fn in32(&mut self, port: u16) -> u32 {
        panic!("32-bit read of {port:#x}")
    }
    fn out8(&mut self, port: u16, value: u8) {
        assert_eq!(port, SMI_COMMAND, "8-bit write to {port:#x}");
        self.smi_writes.push(value);
        if value == ACPI_ENABLE && self.firmware_enables {
            self.control |= 1;
        }
    }
    fn out16(&mut self, port: u16, value: u16) {
        match port {
            STATUS => self.status &= !value,
            ENABLE => self.enable = value & self.enable_mask,
            _ => panic!("write to unexpected port {port:#x}"),
        }
    }
    fn out32(&mut self, port: u16, _: u32) {
        panic!("32-bit write to {port:#x}")
    }
}

impl Clock for PmBlock {
    fn now_us(&self) -> u64 {
        self.now.get()
    }
}

impl Irqs for PmBlock {
    fn enable_line(&mut self, line: u8) -> bool {
        self.enabled_lines.push(line);
        self.routable
    }
    fn take_fired(&mut self) -> u64 {
        0
    }
    fn rearm(&mut self, line: u8) {
        self.rearmed.push(line);
    }
    fn wait(&mut self, _: u64) {}
}

fn info() -> PowerButtonInfo {
    PowerButtonInfo {
        pm1a_event: Pm1EventBlock {
            status_port: STATUS,
            enable_port: ENABLE,
        },
        pm1b_event: None,
        pm1a_control_port: Some(CONTROL),
        sci_line: Some(SCI),
        smi_command_port: Some(SMI_COMMAND),
        acpi_enable_value: ACPI_ENABLE,
    }
}

#[test]
fn enters_acpi_mode_through_smi_cmd_and_enables_only_the_power_button() {
    let mut pm = PmBlock::new();
    pm.enable = Pm1Enable::TIMER.bits() | Pm1Enable::RTC.bits();
    let button = AcpiPowerButton::start(&mut pm, &info());
    assert_eq!(pm.smi_writes, [ACPI_ENABLE]);
    assert_eq!(button.mode(), AcpiMode::Enabled);
    assert_eq!(pm.enable, Pm1Enable::POWER_BUTTON.bits());
    assert_eq!(pm.enabled_lines, [SCI]);
    assert_eq!(button.sci_line(), Some(SCI));
}

#[test]
fn leaves_smi_cmd_alone_when_the_firmware_already_enabled_acpi() {
    let mut pm = PmBlock::new();
    pm.control = 1;
    let button = AcpiPowerButton::start(&mut pm, &info());
    assert!(pm.smi_writes.is_empty());
    assert_eq!(button.mode(), AcpiMode::AlreadyOn);
}

#[test]
fn clears_stale_status_at_start_but_leaves_wake_status() {
    let mut pm = PmBlock::new();
    pm.status = Pm1Status::POWER_BUTTON.bits() | Pm1Status::TIMER.bits() | Pm1Status::WAKE.bits();
    let mut button = AcpiPowerButton::start(&mut pm, &info());
    assert_eq!(pm.status, Pm1Status::WAKE.bits());
    // A press from before start-up is not reported later.
    pm.advance(SLOW_POLL_US);
    assert!(!button.poll(&mut pm, 0));
}

#[test]
fn a_press_on_the_sci_is_reported_once_cleared_and_the_line_rearmed() {
    let mut pm = PmBlock::new();
    let mut button = AcpiPowerButton::start(&mut pm, &info());
    assert!(!button.poll(&mut pm, 1 << SCI));
    pm.press();
    assert!(pm.sci_asserted());
    assert!(button.poll(&mut pm, 1 << SCI));
    assert_eq!(pm.status, 0);
    assert!(!pm.sci_asserted());
    assert_eq!(pm.rearmed, [SCI, SCI]);
    assert!(!button.poll(&mut pm, 1 << SCI));
}

#[test]
fn other_lines_do_not_trigger_a_read_before_the_backstop() {
    let mut pm = PmBlock::new();
    let mut button = AcpiPowerButton::start(&mut pm, &info());
    pm.press();
    assert!(!button.poll(&mut pm, 1 << 11));
    assert_ne!(pm.status, 0);
    assert!(pm.rearmed.is_empty());
    pm.advance(SLOW_POLL_US);
    assert!(button.poll(&mut pm, 0));
    assert_eq!(pm.status, 0);
    assert!(button.next_deadline_us().unwrap() > pm.now_us());
}

#[test]
fn no_hang_and_polling_when_sci_en_never_sets() {
    let mut pm = PmBlock::new();
    pm.firmware_enables = false;
    let mut button = AcpiPowerButton::start(&mut pm, &info());
    assert_eq!(button.mode(), AcpiMode::Off);
    assert!(pm.control_reads < 100_000);
    // No SCI without SCI_EN, but the status bit sets: the backstop poll finds it.
    pm.press();
    assert!(!pm.sci_asserted());
    pm.advance(SLOW_POLL_US);
    assert!(button.poll(&mut pm, 0));
}

#[test]
fn a_frozen_clock_still_ends_the_acpi_enable_wait() {
    struct Frozen(PmBlock);
    impl PortIo for Frozen {
        fn in8(&mut self, p: u16) -> u8 {
            self.0.in8(p)
        }
        fn in16(&mut self, p: u16) -> u16 {
            self.0.in16(p)
        }
        fn in32(&mut self, p: u16) -> u32 {
            self.0.in32(p)
        }
        fn out8(&mut self, p: u16, v: u8) {
            self.0.out8(p, v)
        }
        fn out16(&mut self, p: u16, v: u16) {
            self.0.out16(p, v)
        }
        fn out32(&mut self, p: u16, v: u32) {
            self.0.out32(p, v)
        }
    }
    impl Clock for Frozen {
        fn now_us(&self) -> u64 {
            0
        }
    }
    impl Irqs for Frozen {
        fn enable_line(&mut self, l: u8) -> bool {
            self.0.enable_line(l)
        }
        fn take_fired(&mut self) -> u64 {
            0
        }
        fn rearm(&mut self, l: u8) {
            self.0.rearm(l)
        }
        fn wait(&mut self, _: u64) {}
    }
    let mut pm = PmBlock::new();
    pm.firmware_enables = false;
    let mut frozen = Frozen(pm);
    let button = AcpiPowerButton::start(&mut frozen, &info());
    assert_eq!(button.mode(), AcpiMode::Off);
    assert!(frozen.0.control_reads <= 100_001);
}

#[test]
fn without_smi_cmd_acpi_mode_is_not_forced() {
    let mut pm = PmBlock::new();
    let mut info = info();
    info.smi_command_port = None;
    let button = AcpiPowerButton::start(&mut pm, &info);
    assert_eq!(button.mode(), AcpiMode::Off);
    assert!(pm.smi_writes.is_empty());
}

#[test]
fn an_unroutable_sci_falls_back_to_polling() {
    let mut pm = PmBlock::new();
    pm.routable = false;
    let mut button = AcpiPowerButton::start(&mut pm, &info());
    assert_eq!(button.sci_line(), None);
    pm.press();
    // A fired bit for line 9 means nothing now: the driver does not own it.
    assert!(!button.poll(&mut pm, 1 << SCI));
    assert!(pm.rearmed.is_empty());
    pm.advance(SLOW_POLL_US);
    assert!(button.poll(&mut pm, 0));
}

#[test]
fn a_power_button_enable_that_does_not_stick_still_polls() {
    let mut pm = PmBlock::new();
    pm.enable_mask = 0;
    let mut button = AcpiPowerButton::start(&mut pm, &info());
    pm.press();
    pm.advance(SLOW_POLL_US);
    assert!(button.poll(&mut pm, 0));
}

#[test]
fn other_fixed_events_are_cleared_but_not_reported() {
    let mut pm = PmBlock::new();
    let mut button = AcpiPowerButton::start(&mut pm, &info());
    pm.status = Pm1Status::SLEEP_BUTTON.bits() | Pm1Status::RTC.bits();
    assert!(!button.poll(&mut pm, 1 << SCI));
    assert_eq!(pm.status, 0);
}

#[test]
fn a_stuck_foreign_sci_is_left_masked_after_a_while() {
    let mut pm = PmBlock::new();
    let mut button = AcpiPowerButton::start(&mut pm, &info());
    for _ in 0..200 {
        button.poll(&mut pm, 1 << SCI);
    }
    assert_eq!(pm.rearmed.len(), MAX_FOREIGN_SCIS as usize - 1);
    // The backstop still catches a press.
    pm.press();
    pm.advance(SLOW_POLL_US);
    assert!(button.poll(&mut pm, 0));
}

#[test]
fn a_pm1b_block_is_enabled_and_read_too() {
    struct Split {
        a: PmBlock,
        b_status: u16,
        b_enable: u16,
    }
    impl PortIo for Split {
        fn in8(&mut self, p: u16) -> u8 {
            self.a.in8(p)
        }
        fn in16(&mut self, p: u16) -> u16 {
            match p {
                0x700 => self.b_status,
                0x702 => self.b_enable,
                _ => self.a.in16(p),
            }
        }
        fn in32(&mut self, p: u16) -> u32 {
            self.a.in32(p)
        }
        fn out8(&mut self, p: u16, v: u8) {
            self.a.out8(p, v)
        }
        fn out16(&mut self, p: u16, v: u16) {
            match p {
                0x700 => self.b_status &= !v,
                0x702 => self.b_enable = v,
                _ => self.a.out16(p, v),
            }
        }
        fn out32(&mut self, p: u16, v: u32) {
            self.a.out32(p, v)
        }
    }
    impl Clock for Split {
        fn now_us(&self) -> u64 {
            self.a.now_us()
        }
    }
    impl Irqs for Split {
        fn enable_line(&mut self, l: u8) -> bool {
            self.a.enable_line(l)
        }
        fn take_fired(&mut self) -> u64 {
            0
        }
        fn rearm(&mut self, l: u8) {
            self.a.rearm(l)
        }
        fn wait(&mut self, _: u64) {}
    }
    let mut split = Split {
        a: PmBlock::new(),
        b_status: 0,
        b_enable: 0,
    };
    let mut info = info();
    info.pm1b_event = Some(Pm1EventBlock {
        status_port: 0x700,
        enable_port: 0x702,
    });
    let mut button = AcpiPowerButton::start(&mut split, &info);
    assert_eq!(split.b_enable, Pm1Enable::POWER_BUTTON.bits());
    split.b_status = Pm1Status::POWER_BUTTON.bits();
    assert!(button.poll(&mut split, 1 << SCI));
    assert_eq!(split.b_status, 0);
}
