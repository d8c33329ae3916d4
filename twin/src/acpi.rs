//! VirtualBox's ACPI PM registers as the host implements them (spec source V22,
//! DevACPI.cpp): the PM1a event block at the default PM base 0x4000 (status, enable
//! at +2), PM1a control at +4, the SMI command port 0x442E, and the SCI on IRQ 9.
//!
//! Host facts modelled: the SCI level is SCI_EN && (PM1a_EN & PM1a_STS); the status
//! register is write-1-to-clear; writing ACPI_ENABLE (0xA1) to SMI_CMD sets SCI_EN
//! (ACPI_DISABLE, 0xA0, clears it); "ACPI Shutdown" sets PWRBTN_STS whatever the
//! enable says; a write to PM1a control whose SLP_TYP becomes 5 powers the VM off.

/// The default PM I/O base (PIIX4 PMBA).
pub const PM_BASE: u16 = 0x4000;
/// PM1a_STS.
pub const PM1A_STATUS: u16 = PM_BASE;
/// PM1a_EN.
pub const PM1A_ENABLE: u16 = PM_BASE + 2;
/// PM1a_CNT.
pub const PM1A_CONTROL: u16 = PM_BASE + 4;
/// The FADT's SMI_CMD.
pub const SMI_COMMAND: u16 = 0x442E;
/// The FADT's ACPI_ENABLE.
pub const ACPI_ENABLE: u8 = 0xA1;
/// The FADT's ACPI_DISABLE.
pub const ACPI_DISABLE: u8 = 0xA0;
/// The FADT's SCI_INT.
pub const SCI_LINE: u8 = 9;
/// The `\_S5` package of VirtualBox's DSDT: (5, 5).
pub const S5_SLEEP_TYPE: u8 = 5;

/// PM1 status: power button pressed.
pub const PWRBTN_STS: u16 = 1 << 8;
/// PM1 control: SCI enable (ACPI mode).
pub const SCI_EN: u16 = 1 << 0;
/// Reserved PM1 enable bits (never raise the SCI).
const RESERVED_ENABLE: u16 = 0xF8DE;

/// The PM register state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcpiPm {
    status: u16,
    enable: u16,
    control: u16,
    powered_off: bool,
}

impl AcpiPm {
    /// Whether this port belongs to the model.
    pub fn claims(port: u16) -> bool {
        (PM_BASE..PM_BASE + 6).contains(&port) || port == SMI_COMMAND
    }

    /// A read (16-bit registers; other widths see the same value truncated).
    pub fn read(&self, port: u16) -> u32 {
        match port {
            PM1A_STATUS => self.status.into(),
            PM1A_ENABLE => self.enable.into(),
            PM1A_CONTROL => self.control.into(),
            _ => 0xFFFF_FFFF,
        }
    }

    /// A write. Returns an error text for what the host would reject.
    pub fn write(&mut self, port: u16, value: u32) -> Result<(), String> {
        match port {
            PM1A_STATUS => self.status &= !(value as u16),
            PM1A_ENABLE => self.enable = value as u16,
            PM1A_CONTROL => {
                let sleep_type = ((value >> 10) & 0x7) as u8;
                self.control = value as u16 & !(1 << 13);
                if sleep_type == S5_SLEEP_TYPE {
                    self.powered_off = true;
                }
            }
            SMI_COMMAND => match value as u8 {
                ACPI_ENABLE => self.control |= SCI_EN,
                ACPI_DISABLE => self.control &= !SCI_EN,
                other => return Err(format!("unknown SMI command {other:#x}")),
            },
            _ => return Err(format!("write to PM port {port:#x}")),
        }
        Ok(())
    }

    /// "ACPI Shutdown" in the GUI / `VBoxManage controlvm acpipowerbutton`.
    pub fn press_power_button(&mut self) {
        self.status |= PWRBTN_STS;
    }

    /// The SCI level (IRQ 9).
    pub fn sci_asserted(&self) -> bool {
        self.control & SCI_EN != 0 && self.status & self.enable & !RESERVED_ENABLE != 0
    }

    /// The guest entered ACPI mode (SCI_EN set).
    pub fn acpi_mode(&self) -> bool {
        self.control & SCI_EN != 0
    }

    /// The guest wrote SLP_TYP 5 (S5): the VM powered off.
    pub fn powered_off(&self) -> bool {
        self.powered_off
    }

    /// PM1a status as the guest would read it.
    pub fn status(&self) -> u16 {
        self.status
    }
}
