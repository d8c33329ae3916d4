//! The VirtualBox twin.
