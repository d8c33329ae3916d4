//! Vitrine: the library OS a kiosk app links against.
//!
//! Bare-metal code is gated on `target_os = "none"`; everything else builds and is
//! tested on the host, and runs hosted against the VirtualBox twin.
#![cfg_attr(not(test), no_std)]

// `include_image!` names `::vitrine`, also when used inside this crate.
extern crate self as vitrine;
// The host half (`host`: an app's host binary) uses std; bare metal never does.
#[cfg(all(not(target_os = "none"), not(test)))]
extern crate std;

pub mod app_api;
pub mod app_options;
pub mod arch;
pub mod boot;
pub mod display;
pub mod drivers;
#[cfg(target_os = "none")]
pub mod entry;
pub mod event;
pub mod fault_report;
pub mod hal;
#[cfg(not(target_os = "none"))]
pub mod host;
pub mod input;
pub mod interaction;
pub mod irq_lines;
#[cfg(target_os = "none")]
pub mod irq_selftest;
#[cfg(target_os = "none")]
#[doc(hidden)]
pub mod launch;
mod main_macro;
#[cfg(target_os = "none")]
pub mod metal;
#[cfg(all(target_os = "none", not(test)))]
mod panic;
pub mod platform;
pub mod power;
pub mod recovery;
#[cfg(target_os = "none")]
mod redraw_bench;
pub mod runtime;
pub mod status;
pub mod system;
pub mod testing;
pub mod timers;
pub mod ui;
pub mod vbox;

/// Embeds a PNG as a `ui::Image` (premultiplied RGBA, converted at compile time);
/// the path is relative to the app's `Cargo.toml`.
pub use vitrine_macros::include_image;

/// The Rust target the kernel and every app image are built for.
pub const KERNEL_TARGET: &str = "x86_64-unknown-none";

/// The App API, as apps import it: `use vitrine::app::{App, Event, SystemInfo};`.
pub use app_api as app;
