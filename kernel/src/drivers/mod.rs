//! Device drivers, each written against `crate::hal`.

pub mod vga;
pub mod vmmdev;
