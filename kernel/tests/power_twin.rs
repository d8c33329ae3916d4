//! The ACPI power button and power-off against the twin: "ACPI Shutdown" on the host
//! ends in VMMDev's SetPowerStatus(PowerOff) when VMMDev is up, else in ACPI S5.

use twin::acpi;
use twin::machine::{Machine, MachineConfig, VMMDEV_PCI};
use twin::vmmdev::PowerAction;
use vitrine::drivers::vmmdev::PciResources;
use vitrine::hal::{Irqs, PhysMem};
use vitrine::platform::acpi::{Pm1EventBlock, PowerButtonInfo, PowerInfo};
use vitrine::power::PowerControl;
use vitrine::vbox::VboxIntegration;

#[path = "support/twin_hal.rs"]
mod twin_hal;
use twin_hal::TwinHal;

const REQUEST_PAGE: u64 = 0x10_0000;

fn hal() -> TwinHal {
    TwinHal::new(MachineConfig {
        ram_size: 4 << 20,
        ..MachineConfig::default()
    })
}

/// What discovery reads from VirtualBox's FADT and DSDT (spec V22 values, written
/// here by hand rather than taken from the driver).
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

fn vbox(hal: &mut TwinHal) -> VboxIntegration {
    let (bus, device, function) = VMMDEV_PCI;
    let machine: &Machine = &hal.machine;
    let resources = PciResources {
        io_base: (machine.pci_read(bus, device, function, 0x10) & !3) as u16,
        mmio_phys: u64::from(machine.pci_read(bus, device, function, 0x14) & !0xF),
        mmio_len: 4 << 20,
        interrupt_line: machine.pci_read(bus, device, function, 0x3C) as u8,
    };
    let page = hal.map(REQUEST_PAGE, 4096).expect("request page in RAM");
    VboxIntegration::start(hal, resources, page, None, true)
        .expect("VMMDev bring-up")
        .0
}

/// Runs the loop's share of the power button until the SCI is quiet (bounded).
fn service(hal: &mut TwinHal, power: &mut PowerControl, mut vbox: Option<&mut VboxIntegration>) {
    for _ in 0..4 {
        let fired = hal.take_fired();
        power.poll(hal, fired, vbox.as_deref_mut());
        if hal.machine.asserted_lines() & (1 << acpi::SCI_LINE) == 0 {
            break;
        }
    }
}

#[test]
fn acpi_shutdown_powers_off_through_vmmdev() {
    let mut hal = hal();
    let mut vbox = vbox(&mut hal);
    let mut power = PowerControl::start(&mut hal, virtualbox_power_info());
    // Start-up switched the host's PM device to ACPI mode through SMI_CMD.
    assert!(hal.machine.acpi().acpi_mode());
    service(&mut hal, &mut power, Some(&mut vbox));
    assert!(hal.machine.vmmdev().power_actions().is_empty());

    hal.machine.power_button();
    assert_ne!(hal.machine.asserted_lines() & (1 << acpi::SCI_LINE), 0);
    service(&mut hal, &mut power, Some(&mut vbox));
    assert_eq!(
        hal.machine.vmmdev().power_actions(),
        [PowerAction::PowerOff]
    );
    assert_eq!(hal.machine.acpi().status() & acpi::PWRBTN_STS, 0);
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn acpi_shutdown_without_vmmdev_enters_s5() {
    let mut hal = hal();
    let mut power = PowerControl::start(&mut hal, virtualbox_power_info());
    hal.machine.power_button();
    service(&mut hal, &mut power, None);
    assert!(hal.machine.acpi().powered_off());
    assert!(hal.machine.vmmdev().power_actions().is_empty());
    hal.machine.assert_no_protocol_errors();
}

#[test]
fn no_press_no_power_off() {
    let mut hal = hal();
    let mut vbox = vbox(&mut hal);
    let mut power = PowerControl::start(&mut hal, virtualbox_power_info());
    for _ in 0..3 {
        hal.wait(hal.machine.now_us() + 600_000);
        service(&mut hal, &mut power, Some(&mut vbox));
    }
    assert!(hal.machine.vmmdev().power_actions().is_empty());
    assert!(!hal.machine.acpi().powered_off());
}
