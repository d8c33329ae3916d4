//! The VirtualBox twin: a host-side model of VMMDev and the VirtualBox VGA.
#![deny(missing_docs, unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod errors;
pub mod memory;
pub mod pci;
pub mod wire;
pub mod pointer;
pub mod vmmdev;
pub mod dispi;
pub mod hgsmi;
pub mod vbva;
pub mod host_view;
pub mod machine;
