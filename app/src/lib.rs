//! The demo kiosk: knows the App API and embedded-graphics, nothing of hardware.
#![no_std]
