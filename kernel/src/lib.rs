//! Vitrine: the library OS a kiosk app links against. It boots from a hybrid
//! BIOS/UEFI ISO (in VirtualBox or QEMU) and runs one full-screen app, with no heap.
//!
//! # Getting started
//!
//! `cargo xtask new my-kiosk` writes an app crate; `cargo run --release -p my-kiosk`
//! boots it in QEMU. An app is a value implementing [`app::App`]: it gets
//! [`app::Event`]s (resize, input, ticks, its own timers and option changes) with the
//! [`app::SystemInfo`] the runtime keeps, and draws on any `embedded-graphics`
//! target. The whole bare-metal glue is [`main!`]: the platform (PCI, VMMDev,
//! display backends, input devices, clock, ACPI power button) is vitrine's business.
//!
//! ```
//! // src/main.rs of an app crate
//! #![cfg_attr(target_os = "none", no_std, no_main)]
//!
//! use embedded_graphics::{pixelcolor::Rgb888, prelude::*};
//! use vitrine::app::{App, Event, SystemInfo, TimerId};
//!
//! /// Flashes between two colours every second; `app.colour=red` starts on red.
//! #[derive(Default)]
//! struct Flash {
//!     on: bool,
//! }
//!
//! impl App for Flash {
//!     fn event(&mut self, event: &Event, info: &SystemInfo) -> bool {
//!         match event {
//!             Event::Resize { .. } => {
//!                 self.on = info.options.get("colour") == Some("red");
//!                 let _ = info.timers.every(TimerId(1), 1_000_000);
//!                 true
//!             }
//!             Event::Timer(TimerId(1)) => {
//!                 self.on = !self.on;
//!                 true
//!             }
//!             _ => false,
//!         }
//!     }
//!
//!     fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _: &SystemInfo) {
//!         let _ = target.clear(if self.on { Rgb888::RED } else { Rgb888::BLUE });
//!     }
//! }
//!
//! vitrine::main!(Flash::default);
//! ```
//!
//! On the host the same binary renders the app into memory (`my-kiosk render
//! --size 800x600 --out shot.ppm`, see [`host`]), which is also how an app's own tests
//! check what it draws: `vitrine::host::render(Flash::default(), 320, 240, &[], &[])`.
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
mod logging;
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
