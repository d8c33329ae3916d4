//! The demo kiosk's binary: `cargo run -p vitrine-app` boots it in QEMU.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

vitrine::main!(vitrine_app::Kiosk::new);
