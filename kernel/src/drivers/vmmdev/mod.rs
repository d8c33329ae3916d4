//! VMMDev (PCI 80EE:CAFE): the VirtualBox guest device.

pub mod wire;
