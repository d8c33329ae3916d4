//! Vitrine: the library OS a kiosk app links against.
//!
//! Bare-metal code is gated on `target_os = "none"`; everything else builds and is
//! tested on the host, and runs hosted against the VirtualBox twin.
#![cfg_attr(not(test), no_std)]

pub mod app_api;
pub mod display;
pub mod drivers;
pub mod event;
pub mod hal;
pub mod input;
pub mod runtime;
pub mod status;

/// The App API, as apps import it: `use vitrine::app::{App, Event, SystemInfo};`.
pub use app_api as app;
