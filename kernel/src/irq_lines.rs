//! Interrupt-line bookkeeping shared by the metal interrupt code and its host tests:
//! how a line is routed (ISA vs PCI defaults, MADT overrides) and which lines fired.

use core::sync::atomic::{AtomicU64, Ordering};

/// Interrupt lines the kernel tracks (bit N of the masks = line N).
pub const MAX_LINES: u8 = 24;

/// ISA IRQs wired to fixed legacy devices: edge-triggered, active high, unless the
/// MADT overrides them. Every other line is assumed to be a PCI INTx line.
const ISA_FIXED_LINES: [u8; 9] = [0, 1, 3, 4, 6, 8, 12, 14, 15];

/// Signal polarity of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// Asserted high (ISA default).
    ActiveHigh,
    /// Asserted low (PCI INTx).
    ActiveLow,
}

/// Trigger mode of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Edge-triggered (ISA default).
    Edge,
    /// Level-triggered (PCI INTx, shareable).
    Level,
}

/// An MADT interrupt source override: ISA IRQ `source` arrives on `gsi`; `None`
/// fields "conform to the bus" (ISA: active high, edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceOverride {
    /// The ISA IRQ.
    pub source: u8,
    /// The global system interrupt it arrives on.
    pub gsi: u32,
    /// Polarity, or `None` to conform to the bus.
    pub polarity: Option<Polarity>,
    /// Trigger mode, or `None` to conform to the bus.
    pub trigger: Option<Trigger>,
}

impl SourceOverride {
    /// Decodes the MPS INTI flags of an MADT override (bits 0-1 polarity, 2-3 trigger;
    /// 0 = conforms to the bus, 2 is reserved and treated as conforming).
    pub fn from_madt(source: u8, gsi: u32, flags: u16) -> Self {
        let polarity = match flags & 0b11 {
            1 => Some(Polarity::ActiveHigh),
            3 => Some(Polarity::ActiveLow),
            _ => None,
        };
        let trigger = match (flags >> 2) & 0b11 {
            1 => Some(Trigger::Edge),
            3 => Some(Trigger::Level),
            _ => None,
        };
        Self {
            source,
            gsi,
            polarity,
            trigger,
        }
    }
}

/// Most interrupt source overrides we keep (QEMU has 5, real boards rarely more than 10).
pub const MAX_OVERRIDES: usize = 16;

/// One I/O APIC as the MADT describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoApicInfo {
    /// MMIO base.
    pub address: u64,
    /// First GSI its pins serve.
    pub gsi_base: u32,
}

/// The interrupt hardware found in ACPI (MADT), or the legacy default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterruptModel {
    /// Local APIC MMIO base.
    pub local_apic_address: u64,
    /// The I/O APIC serving GSI 0 (the one ISA and PCI lines use), if any.
    pub io_apic: Option<IoApicInfo>,
    /// ISA interrupt source overrides.
    pub overrides: heapless::Vec<SourceOverride, MAX_OVERRIDES>,
}

impl InterruptModel {
    /// No APIC information: the kernel falls back to the 8259 PIC.
    pub const fn legacy() -> Self {
        Self {
            local_apic_address: 0,
            io_apic: None,
            overrides: heapless::Vec::new(),
        }
    }

    /// Whether the I/O APIC path can be used.
    pub fn has_io_apic(&self) -> bool {
        self.io_apic.is_some() && self.local_apic_address != 0
    }
}

/// Where and how a line is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRoute {
    /// The global system interrupt (I/O APIC input).
    pub gsi: u32,
    /// Signal polarity.
    pub polarity: Polarity,
    /// Trigger mode.
    pub trigger: Trigger,
}

/// Routes `line`: an override for it wins (its conforming fields take ISA defaults);
/// otherwise fixed ISA lines are edge/high on the same GSI, and any other line is a
/// PCI INTx line: level-triggered, active low, on the same GSI.
pub fn route_line(line: u8, overrides: &[SourceOverride]) -> LineRoute {
    if let Some(o) = overrides.iter().find(|o| o.source == line) {
        return LineRoute {
            gsi: o.gsi,
            polarity: o.polarity.unwrap_or(Polarity::ActiveHigh),
            trigger: o.trigger.unwrap_or(Trigger::Edge),
        };
    }
    if ISA_FIXED_LINES.contains(&line) {
        LineRoute {
            gsi: line as u32,
            polarity: Polarity::ActiveHigh,
            trigger: Trigger::Edge,
        }
    } else {
        LineRoute {
            gsi: line as u32,
            polarity: Polarity::ActiveLow,
            trigger: Trigger::Level,
        }
    }
}

/// Which lines fired, and which are level-triggered (masked by the handler until the
/// runtime re-arms them, because the device keeps the line asserted until serviced).
#[derive(Debug, Default)]
pub struct FiredLines {
    fired: AtomicU64,
    level: AtomicU64,
}

impl FiredLines {
    /// Nothing fired, no level lines.
    pub const fn new() -> Self {
        Self {
            fired: AtomicU64::new(0),
            level: AtomicU64::new(0),
        }
    }

    /// Declares `line`'s trigger mode (when it is enabled).
    pub fn set_trigger(&self, line: u8, trigger: Trigger) {
        let bit = 1u64 << line;
        match trigger {
            Trigger::Level => self.level.fetch_or(bit, Ordering::SeqCst),
            Trigger::Edge => self.level.fetch_and(!bit, Ordering::SeqCst),
        };
    }

    /// Records that `line` fired (called by the handler). Returns true when the
    /// handler must mask the line before EOI (it is level-triggered).
    pub fn record(&self, line: u8) -> bool {
        let bit = 1u64 << line;
        self.fired.fetch_or(bit, Ordering::SeqCst);
        self.level.load(Ordering::SeqCst) & bit != 0
    }

    /// The lines that fired since the last call.
    pub fn take(&self) -> u64 {
        self.fired.swap(0, Ordering::SeqCst)
    }

    /// True when any line fired and was not taken yet.
    pub fn any(&self) -> bool {
        self.fired.load(Ordering::SeqCst) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_and_conforming_fields_take_isa_defaults() {
        // QEMU: IRQ0 -> GSI2 (conforming), IRQ9 -> GSI9 level/high.
        let overrides = [
            SourceOverride::from_madt(0, 2, 0),
            SourceOverride::from_madt(9, 9, 0b1101),
        ];
        assert_eq!(
            route_line(0, &overrides),
            LineRoute {
                gsi: 2,
                polarity: Polarity::ActiveHigh,
                trigger: Trigger::Edge
            }
        );
        assert_eq!(
            route_line(9, &overrides),
            LineRoute {
                gsi: 9,
                polarity: Polarity::ActiveHigh,
                trigger: Trigger::Level
            }
        );
    }

    #[test]
    fn without_overrides_isa_lines_are_edge_and_pci_lines_level_low() {
        assert_eq!(route_line(1, &[]).trigger, Trigger::Edge);
        assert_eq!(route_line(12, &[]).polarity, Polarity::ActiveHigh);
        assert_eq!(
            route_line(11, &[]),
            LineRoute {
                gsi: 11,
                polarity: Polarity::ActiveLow,
                trigger: Trigger::Level
            }
        );
        assert_eq!(route_line(19, &[]).gsi, 19);
    }

    #[test]
    fn active_low_level_override_decodes() {
        let o = SourceOverride::from_madt(10, 20, 0b1111);
        assert_eq!(o.polarity, Some(Polarity::ActiveLow));
        assert_eq!(o.trigger, Some(Trigger::Level));
    }

    #[test]
    fn level_lines_ask_for_masking_and_fired_bits_are_taken_once() {
        let lines = FiredLines::new();
        lines.set_trigger(11, Trigger::Level);
        assert!(lines.record(11));
        assert!(!lines.record(1));
        assert!(lines.any());
        assert_eq!(lines.take(), (1 << 11) | (1 << 1));
        assert_eq!(lines.take(), 0);
        lines.set_trigger(11, Trigger::Edge);
        assert!(!lines.record(11));
    }
}
