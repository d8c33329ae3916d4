//! Device drivers, each written against the `hal` traits.

pub mod ps2;
