//! The fuzz targets, one module each.

pub mod acpi;
pub mod cmdline;
pub mod guest_props;
pub mod hgsmi;
pub mod memory_map;
pub mod multiboot;
pub mod pci;
pub mod ps2;
pub mod svga;
pub mod vbva_ring;
pub mod vga_host;
pub mod vmmdev;
pub mod vmmouse;
