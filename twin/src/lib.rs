//! The VirtualBox twin: a host-side model of VirtualBox 7.0.14's VMMDev (PCI
//! 80EE:CAFE) and VirtualBox VGA (80EE:BEEF: VBE DISPI, HGSMI, VBVA), written from
//! the host-side ("\[H\]") facts of `shared/spec/virtualbox-guest-interface.md` and the
//! compiled layouts in `tests/data/virtualbox-layouts.json`. It depends on nothing in
//! `vitrine`, so a misreading in a driver is caught, not mirrored.
//!
//! # The API a hosted runtime needs
//!
//! | hal piece | twin call |
//! |---|---|
//! | `PortIo` | [`Machine::port_in`]`(port, Width)` / [`Machine::port_out`]`(port, Width, value)` |
//! | `PhysMem::map` | [`Machine::host_ptr`]`(phys, len) -> Option<*mut u8>` (stable for the machine's life) |
//! | `PciConfig` | [`Machine::pci_read`] / [`Machine::pci_write`] (dword, bus 0) |
//! | `Irqs` | [`Machine::asserted_lines`] (bit N = line N high, level), [`Machine::irq_line`] |
//! | `Clock` | [`Machine::now_us`], [`Machine::advance`] (heartbeat timer, refresh ticks) |
//!
//! Guest RAM sits at physical 0 ([`MachineConfig::ram_size`]); DMA-style buffers the
//! driver hands to the host (VMMDev requests) must live there (or in VRAM), below 4 GiB.
//!
//! Host controls: [`Machine::gui_resize`] (window resize: only with the Graphics
//! facility active, no duplicates), [`Machine::resize`] / [`Machine::resize_hint`]
//! (`setvideomodehint`), [`Machine::reset`],
//! [`Machine::mouse_move`] (pixels → 0..0xFFFF as Main computes it), [`Machine::mouse_move_raw`],
//! [`Machine::mouse_button`], [`Machine::mouse_wheel`], [`Machine::key`],
//! [`Machine::set_mouse_integration`], [`Machine::power_button`],
//! [`Machine::set_host_time_ms`], [`Machine::send_host_command`]; PS/2-side input is
//! collected by [`Machine::take_ps2_events`]. Hostile-host hooks: `inject_*`.
//!
//! Introspection: [`Machine::vmmdev`] (guest info, caps, filter, mouse features, hints,
//! heartbeat, requests as the host saw them), [`Machine::current_mode`],
//! [`Machine::dispi_mode`], [`Machine::vbva`], [`Machine::dirty_updates`],
//! [`Machine::pointer`], [`Machine::log_lines`], [`Machine::host_view`] /
//! [`Machine::host_view_png`] (the picture the VirtualBox window shows).
//!
//! Strict mode (default): everything the real host would reject, ignore or misread
//! is a [`ProtocolError`]; tests end with [`Machine::assert_no_protocol_errors`] or
//! inspect [`Machine::take_protocol_errors`].
//!
//! ```
//! use twin::{Machine, MachineConfig, Width};
//!
//! let mut m = Machine::new(MachineConfig::default());
//! // GetHostVersion (type 4, 40 bytes) is allowed before ReportGuestInfo.
//! let mut req = [0u8; 40];
//! req[0..4].copy_from_slice(&40u32.to_le_bytes());
//! req[4..8].copy_from_slice(&0x10001u32.to_le_bytes());
//! req[8..12].copy_from_slice(&4u32.to_le_bytes());
//! req[12..16].copy_from_slice(&(-1i32).to_le_bytes());
//! m.write_phys(0x1000, &req);
//! let port = (m.pci_read(0, 4, 0, 0x10) & !3) as u16;
//! m.port_out(port, Width::W32, 0x1000);
//! m.read_phys(0x1000, &mut req);
//! assert_eq!(i32::from_le_bytes(req[12..16].try_into().unwrap()), 0);
//! assert_eq!(u16::from_le_bytes([req[24], req[25]]), 7);
//! m.assert_no_protocol_errors();
//! ```
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

pub mod acpi;
pub mod dispi;
pub mod display;
pub mod errors;
pub mod guest_props;
pub mod hgcm;
pub mod hgsmi;
pub mod host_view;
pub mod input;
pub mod machine;
pub mod memory;
pub mod pci;
pub mod pointer;
pub mod svga;
pub mod vbva;
pub mod vmmdev;
pub mod wire;

pub use errors::{Device, ProtocolError};
pub use hgcm::{Completion as HgcmCompletion, Hgcm};
pub use host_view::Image;
pub use machine::{
    DeviceId, DisplayMode, GraphicsController, HgsmiCommand, Machine, MachineConfig, ModeSource,
    MouseButton, PortAccess, Ps2Event, ResizeHint, Width,
};
pub use pointer::{HostPointer, PointerShape};
pub use vbva::{DirtyUpdate, ModeHint, Rect};
pub use vmmdev::{DisplayDef, PowerAction, VmmDevConfig};
