//! Device drivers, each written against the `hal` traits.

pub mod ps2;
pub mod vga;
pub mod vmmdev;
pub mod vmmouse;
