//! Platform discovery: PCI enumeration (and ACPI tables).

pub mod acpi;
pub mod pci;
