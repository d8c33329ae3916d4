//! Vitrine hosted: the same drivers, system composition, runtime and demo app, run
//! as a host process against the VirtualBox twin (`twin`).
//!
//! - [`platform::TwinPlatform`]: every vitrine hal trait over `twin::Machine`, with
//!   level-triggered IRQ lines and a virtual clock;
//! - [`i8042`]: a PS/2 controller model so the real PS/2 driver reads the host's
//!   buttons, wheel and keys;
//! - [`sim`] and [`scenario`]: scenario scripts (`cargo xtask sim --script FILE`);
//! - [`vmmouse`]: QEMU's vmmouse behind the VMware backdoor (absolute pointer
//!   without VirtualBox);
//! - [`remote_app`]: any app crate, run in its own host binary (`cargo xtask sim -p APP`).

pub mod bench;
pub mod devices;
pub mod i8042;
pub mod platform;
pub mod recorded;
pub mod remote_app;
pub mod scenario;
pub mod sim;
pub mod soak;
pub mod status_capture;
pub mod vmmouse;
