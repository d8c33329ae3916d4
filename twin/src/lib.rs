//! The VirtualBox twin: a host-side model of VMMDev and the VirtualBox VGA.
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

pub mod dispi;
pub mod errors;
pub mod hgsmi;
pub mod host_view;
pub mod machine;
pub mod memory;
pub mod pci;
pub mod pointer;
pub mod vbva;
pub mod vmmdev;
pub mod wire;
