//! The order in which the machine is reset after a fault: the FADT's reset register
//! (when ACPI gave a usable one), the keyboard controller's reset line, PCI reset
//! control (port 0xCF9), then a triple fault, which no x86 machine survives. Each
//! method is announced (`@vitrine reset method=NAME`) before it is tried, so a serial
//! log shows which one restarted the machine: the last announced.
//!
//! `test-reset=METHOD` starts the sequence at a later method, so a boot test can
//! prove that a fallback resets the machine on its own.

use core::str::FromStr;

/// One way of resetting the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetMethod {
    /// Write RESET_VALUE to the FADT's RESET_REG (ACPI 4.8.3.6).
    AcpiRegister,
    /// Command 0xFE to the i8042 keyboard controller: pulse the CPU reset line.
    KeyboardController,
    /// The PIIX/ICH reset control register at port 0xCF9: a hard reset.
    PciResetControl,
    /// An empty IDT and an exception: the CPU shuts down and the chipset resets it.
    TripleFault,
}

/// Every method, in the order they are tried.
pub const RESET_ORDER: [ResetMethod; 4] = [
    ResetMethod::AcpiRegister,
    ResetMethod::KeyboardController,
    ResetMethod::PciResetControl,
    ResetMethod::TripleFault,
];

impl ResetMethod {
    /// The name in `@vitrine reset method=...` and `test-reset=`.
    pub fn name(self) -> &'static str {
        match self {
            Self::AcpiRegister => "acpi-register",
            Self::KeyboardController => "keyboard-controller",
            Self::PciResetControl => "pci-reset-control",
            Self::TripleFault => "triple-fault",
        }
    }

    /// A small number for a lock-free static (0 is "none").
    pub fn code(self) -> u8 {
        match self {
            Self::AcpiRegister => 1,
            Self::KeyboardController => 2,
            Self::PciResetControl => 3,
            Self::TripleFault => 4,
        }
    }

    /// The inverse of [`ResetMethod::code`].
    pub fn from_code(code: u8) -> Option<Self> {
        RESET_ORDER.into_iter().find(|m| m.code() == code)
    }
}

impl FromStr for ResetMethod {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        RESET_ORDER.into_iter().find(|m| m.name() == text).ok_or(())
    }
}

/// The methods to try, in order: from `first` (the start when `None`), without the
/// ACPI reset register when the FADT gave none. Never empty: the triple fault is
/// always last.
pub fn reset_plan(
    has_acpi_register: bool,
    first: Option<ResetMethod>,
) -> impl Iterator<Item = ResetMethod> {
    let start = first.map_or(0, |first| {
        RESET_ORDER.iter().position(|m| *m == first).unwrap_or(0)
    });
    RESET_ORDER
        .into_iter()
        .skip(start)
        .filter(move |m| has_acpi_register || *m != ResetMethod::AcpiRegister)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(has_acpi_register: bool, first: Option<ResetMethod>) -> heapless::Vec<&'static str, 4> {
        reset_plan(has_acpi_register, first)
            .map(ResetMethod::name)
            .collect()
    }

    #[test]
    fn the_acpi_register_comes_first_when_the_fadt_has_one() {
        assert_eq!(
            plan(true, None).as_slice(),
            [
                "acpi-register",
                "keyboard-controller",
                "pci-reset-control",
                "triple-fault"
            ]
        );
    }

    #[test]
    fn without_a_reset_register_the_keyboard_controller_comes_first() {
        assert_eq!(
            plan(false, None).as_slice(),
            ["keyboard-controller", "pci-reset-control", "triple-fault"]
        );
        // Asking for the register the machine lacks starts with the next method.
        assert_eq!(
            plan(false, Some(ResetMethod::AcpiRegister)).as_slice(),
            ["keyboard-controller", "pci-reset-control", "triple-fault"]
        );
    }

    #[test]
    fn test_reset_starts_the_sequence_at_a_fallback() {
        assert_eq!(
            plan(true, Some(ResetMethod::PciResetControl)).as_slice(),
            ["pci-reset-control", "triple-fault"]
        );
        assert_eq!(
            plan(true, Some(ResetMethod::TripleFault)).as_slice(),
            ["triple-fault"]
        );
    }

    #[test]
    fn names_and_codes_round_trip() {
        for method in RESET_ORDER {
            assert_eq!(method.name().parse(), Ok(method));
            assert_eq!(ResetMethod::from_code(method.code()), Some(method));
        }
        assert_eq!("reboot".parse::<ResetMethod>(), Err(()));
        assert_eq!(ResetMethod::from_code(0), None);
    }
}
