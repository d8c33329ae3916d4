//! Vitrine: the library OS a kiosk app links against.
//!
//! Bare-metal code is gated on `target_os = "none"`; everything else builds and is
//! tested on the host, and runs hosted against the VirtualBox twin.
#![cfg_attr(not(test), no_std)]

pub mod app_api;
pub mod arch;
pub mod boot;
pub mod display;
pub mod drivers;
#[cfg(target_os = "none")]
pub mod entry;
pub mod event;
pub mod fault_report;
pub mod hal;
pub mod input;
pub mod interaction;
pub mod irq_lines;
#[cfg(target_os = "none")]
pub mod irq_selftest;
#[cfg(target_os = "none")]
pub mod metal;
#[cfg(all(target_os = "none", not(test)))]
mod panic;
pub mod platform;
pub mod power;
pub mod recovery;
pub mod runtime;
pub mod status;
pub mod system;
pub mod testing;
pub mod vbox;

/// The App API, as apps import it: `use vitrine::app::{App, Event, SystemInfo};`.
pub use app_api as app;
