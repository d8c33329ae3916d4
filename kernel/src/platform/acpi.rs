//! ACPI tables through the `acpi` crate: the MADT (interrupt model) and the FADT.
//!
//! Tables are read through the identity map. Any problem (no RSDP, a bad checksum, no
//! MADT, no I/O APIC) gives a log line and the legacy model: the 8259 PIC.

use core::ptr::NonNull;

use acpi::fadt::Fadt;
use acpi::madt::{Madt, MadtEntry};
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping};

use crate::arch::paging::is_identity_mapped;
use crate::irq_lines::{InterruptModel, IoApicInfo, SourceOverride};

/// Maps ACPI tables through the identity map.
#[derive(Clone, Copy, Debug)]
pub struct IdentityMapHandler;

/// What a mapping above the identity map gets instead: zeroes, so the table's
/// signature/checksum check fails and we fall back instead of faulting.
#[repr(align(4096))]
struct ZeroPage([u8; 4096]);
static ZERO_PAGE: ZeroPage = ZeroPage([0; 4096]);

impl AcpiHandler for IdentityMapHandler {
    unsafe fn map_physical_region<T>(
        &self,
        physical_address: usize,
        size: usize,
    ) -> PhysicalMapping<Self, T> {
        let mapped = is_identity_mapped(physical_address as u64, size as u64);
        let (pointer, length) = if mapped {
            (physical_address as *mut T, size)
        } else {
            log::warn!("acpi: table at {physical_address:#x}+{size:#x} is outside the identity map; ignored");
            (ZERO_PAGE.0.as_ptr() as *mut T, size.min(ZERO_PAGE.0.len()))
        };
        // SAFETY: `pointer` is either the identity mapping of the requested range
        // (checked above) or the static zero page; never null.
        unsafe {
            PhysicalMapping::new(
                physical_address,
                NonNull::new_unchecked(pointer),
                length,
                length,
                *self,
            )
        }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// The parts of the FADT the kernel uses later (power-off).
#[derive(Debug, Clone, Copy, Default)]
pub struct PowerInfo {
    /// PM1a control block I/O port, when the FADT gives one in I/O space.
    pub pm1a_control_port: Option<u16>,
}

/// What ACPI told us.
#[derive(Debug, Clone)]
pub struct AcpiInfo {
    /// The interrupt controllers (or the legacy model).
    pub interrupts: InterruptModel,
    /// Power-off information from the FADT.
    pub power: PowerInfo,
}

/// Reads the MADT and FADT from the RSDP at `rsdp_address` (from the boot loader), or
/// from a BIOS-area search when the loader gave none.
pub fn discover(rsdp_address: Option<u64>) -> AcpiInfo {
    let mut info = AcpiInfo {
        interrupts: InterruptModel::legacy(),
        power: PowerInfo::default(),
    };
    // SAFETY: the RSDP address comes from the Multiboot2 RSDP tag (a copy inside the boot
    // information, which is identity-mapped RAM); the BIOS search reads only the EBDA
    // and 0xE0000..0xFFFFF, identity-mapped too. The crate checks signatures/checksums.
    let tables = unsafe {
        match rsdp_address {
            Some(address) => AcpiTables::from_rsdp(IdentityMapHandler, address as usize),
            None => AcpiTables::search_for_rsdp_bios(IdentityMapHandler),
        }
    };
    let tables = match tables {
        Ok(tables) => tables,
        Err(error) => {
            log::warn!("acpi: no usable RSDP/RSDT ({error:?}); falling back to the 8259 PIC");
            return info;
        }
    };
    match tables.find_table::<Madt>() {
        Ok(madt) => info.interrupts = interrupt_model(madt.get()),
        Err(error) => log::warn!("acpi: no usable MADT ({error:?}); falling back to the 8259 PIC"),
    }
    match tables.find_table::<Fadt>() {
        Ok(fadt) => {
            info.power.pm1a_control_port = fadt
                .pm1a_control_block()
                .ok()
                .filter(|block| block.address_space == acpi::address::AddressSpace::SystemIo)
                .and_then(|block| u16::try_from(block.address).ok());
        }
        Err(error) => log::warn!("acpi: no usable FADT ({error:?}); power-off unavailable"),
    }
    info
}

fn interrupt_model(madt: core::pin::Pin<&Madt>) -> InterruptModel {
    let mut model = InterruptModel::legacy();
    model.local_apic_address = madt.local_apic_address as u64;
    for entry in madt.entries() {
        match entry {
            MadtEntry::IoApic(io_apic) => {
                let gsi_base = io_apic.global_system_interrupt_base;
                // The I/O APIC serving GSI 0 carries the ISA and (on PCs) PCI lines.
                if gsi_base == 0 || model.io_apic.is_none() {
                    model.io_apic = Some(IoApicInfo {
                        address: io_apic.io_apic_address as u64,
                        gsi_base,
                    });
                }
            }
            MadtEntry::InterruptSourceOverride(o) if o.bus == 0 => {
                let entry = SourceOverride::from_madt(o.irq, o.global_system_interrupt, o.flags);
                if model.overrides.push(entry).is_err() {
                    log::warn!(
                        "acpi: more than {} interrupt overrides; IRQ {} ignored",
                        model.overrides.capacity(),
                        o.irq
                    );
                }
            }
            MadtEntry::LocalApicAddressOverride(o) => {
                model.local_apic_address = o.local_apic_address
            }
            _ => {}
        }
    }
    if model.io_apic.is_none() {
        log::warn!("acpi: MADT lists no I/O APIC; falling back to the 8259 PIC");
    }
    if !is_identity_mapped(model.local_apic_address, 0x400)
        || model
            .io_apic
            .is_some_and(|io| !is_identity_mapped(io.address, 0x20))
    {
        log::warn!("acpi: APIC registers outside the identity map; falling back to the 8259 PIC");
        model.io_apic = None;
    }
    model
}
