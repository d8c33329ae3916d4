//! The guest property client (VBoxGuestPropSvc over HGCM).

pub mod wire;
