//! The @NAME@ binary: `cargo run --release` builds it for x86_64-unknown-none and boots
//! it in QEMU; `cargo run -- render --size 800x600 --out shot.ppm` draws it on the host.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

vitrine::main!(@CRATE@::@TYPE@::new);
