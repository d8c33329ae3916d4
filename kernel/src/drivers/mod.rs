//! Device drivers.

#[cfg(target_os = "none")]
pub mod serial;
