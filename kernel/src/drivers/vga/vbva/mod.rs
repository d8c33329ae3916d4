//! VBVA: the per-screen command ring and display commands of the VirtualBox VGA.

pub mod ring;
pub mod wire;
