//! Protocol errors: everything the real host would reject, ignore or misread.

use std::fmt;

/// The device (or part of the machine) a protocol error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// Guest memory / PhysMem mapping.
    Memory,
    /// PCI configuration space.
    Pci,
    /// VMMDev (80EE:CAFE): requests, events, backdoor log.
    VmmDev,
    /// VBE DISPI registers (0x1CE/0x1CF).
    Dispi,
    /// HGSMI transport (0x3B0/0x3D0, buffers, host commands).
    Hgsmi,
    /// VBVA channel commands and rings.
    Vbva,
    /// ACPI PM registers and SMI_CMD.
    Acpi,
    /// SVGA II registers and FIFO (VMSVGA, VBoxSVGA).
    Svga,
}

/// One protocol error, as the host would have logged it (or silently dropped it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    /// Where it happened.
    pub device: Device,
    /// What went wrong, with the offending values.
    pub message: String,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.device, self.message)
    }
}

/// Collects protocol errors for the test to inspect.
///
/// In lenient mode errors are printed to stderr (as VBox.log would show them) and
/// not kept.
#[derive(Debug, Default)]
pub struct ErrorLog {
    errors: Vec<ProtocolError>,
    lenient: bool,
}

impl ErrorLog {
    /// A log that keeps errors (`strict`) or only prints them.
    pub fn new(strict: bool) -> Self {
        Self {
            errors: Vec::new(),
            lenient: !strict,
        }
    }

    /// Records an error.
    pub fn record(&mut self, device: Device, message: impl Into<String>) {
        let error = ProtocolError {
            device,
            message: message.into(),
        };
        if self.lenient {
            eprintln!("twin: protocol error: {error}");
        } else {
            self.errors.push(error);
        }
    }

    /// The errors so far.
    pub fn errors(&self) -> &[ProtocolError] {
        &self.errors
    }

    /// Takes the errors, leaving the log empty.
    pub fn take(&mut self) -> Vec<ProtocolError> {
        std::mem::take(&mut self.errors)
    }
}
