//! Platform discovery: PCI enumeration (and ACPI tables).

#[cfg(target_os = "none")]
pub mod acpi;
pub mod pci;
