//! The VirtualBox VGA: VBE DISPI registers, HGSMI and VBVA.

pub mod dispi_regs;
pub mod hgsmi;
pub mod vbva;
