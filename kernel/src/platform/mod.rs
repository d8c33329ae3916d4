//! Platform discovery: PCI enumeration (and ACPI tables).

pub mod pci;
