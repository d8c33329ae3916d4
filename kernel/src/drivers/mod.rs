//! Device drivers, each written against the `hal` traits.

pub mod ps2;
pub mod vmmouse;
