//! The bootable Vitrine image (bare metal), or a pointer to `cargo xtask run` (host).
#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

#[cfg(target_os = "none")]
mod image {
    use vitrine::entry::Handoff;
    use vitrine::hal::{Clock, Irqs};
    use vitrine::metal::Metal;

    /// Until the runtime loop lands: idle on the tick, servicing nothing.
    fn main(platform: &mut Metal, _handoff: &Handoff) -> ! {
        loop {
            let deadline = platform.now_us() + 1_000_000;
            platform.wait(deadline);
            let _ = platform.take_fired();
        }
    }

    vitrine::entry!(main);
}

#[cfg(not(target_os = "none"))]
fn main() {
    println!("vitrine-app is a bare-metal image: build and boot it with `cargo xtask run`.");
}
