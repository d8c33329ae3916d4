//! The departure board's binary: `cargo run --release -p departures` boots it in QEMU.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

vitrine::main!(departures::Board::new);
