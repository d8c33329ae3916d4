//! HGSMI: the host-guest shared memory interface of the VirtualBox VGA.

pub mod checksum;
pub mod wire;
