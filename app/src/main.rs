//! The bootable Vitrine image (bare metal), or a pointer to `cargo xtask run` (host).
#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

#[cfg(target_os = "none")]
mod bench;

#[cfg(target_os = "none")]
mod image {
    use vitrine::boot::cmdline::Bench;
    use vitrine::drivers::cmos_rtc::RtcClock;
    use vitrine::entry::Handoff;
    use vitrine::hal::{Clock, Irqs};
    use vitrine::input::PcInput;
    use vitrine::metal::Metal;
    use vitrine::system::{self, SystemConfig};

    /// The framebuffer's page-table change (PAT write-combining); the system logs a
    /// refusal.
    fn write_combining(phys: u64, len: u64) -> bool {
        vitrine::arch::map_write_combining(phys, len).is_ok()
    }

    /// Nothing to draw on: the status line said so; keep idling.
    fn idle_forever(platform: &mut Metal) -> ! {
        loop {
            let deadline = platform.now_us() + 1_000_000;
            platform.wait(deadline);
            let _ = platform.take_fired();
        }
    }

    fn main(platform: &mut Metal, handoff: &Handoff) -> ! {
        let cmdline = &handoff.boot.cmdline;
        let request_pages = platform.take_request_pages();
        let mut config =
            SystemConfig::from_boot(&handoff.boot, request_pages, Some(write_combining));
        // The ACPI power button powers the machine off (VMMDev, else S5).
        config.power = handoff.power;
        // PS/2 always; the vmmouse only with integration on (QEMU, VMware).
        let devices = PcInput::init_metal(platform, cmdline.integration);
        let built = system::build(
            platform,
            &handoff.pci,
            &config,
            vitrine_app::Kiosk::new(),
            devices,
            RtcClock::new(),
        );
        let mut runtime = match built {
            Ok(runtime) => runtime,
            Err(error) => {
                vitrine::status!("system halted reason=no_display error={:?}", error);
                idle_forever(platform)
            }
        };
        if cmdline.bench == Some(Bench::Redraw) {
            crate::bench::redraw(platform, runtime.display_mut());
            if cmdline.exits_after("bench") {
                vitrine::arch::fault::exit_qemu(vitrine::testing::QemuExitCode::Success);
            }
        }
        vitrine::entry::ready(&handoff.boot);
        runtime.run(platform)
    }

    vitrine::entry!(main);
}

#[cfg(not(target_os = "none"))]
fn main() {
    println!("vitrine-app is a bare-metal image: build and boot it with `cargo xtask run`.");
}
