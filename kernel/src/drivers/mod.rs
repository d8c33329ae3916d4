//! Device drivers, each written against the `hal` traits and owning its own state.

pub mod acpi_power_button;
pub mod cmos_rtc;
pub mod ps2;
#[cfg(target_os = "none")]
pub mod serial;
pub mod vga;
pub mod vmmdev;
pub mod vmmouse;
