//! The bootable Vitrine image (bare metal), or a pointer to `cargo xtask run` (host).
#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

#[cfg(target_os = "none")]
mod bench;

#[cfg(target_os = "none")]
mod image {
    use vitrine::boot::cmdline::Bench;
    use vitrine::display::boot::{init_display, DEFAULT_MODE};
    use vitrine::display::firmware::FirmwareFramebufferInfo;
    use vitrine::display::Display;
    use vitrine::drivers::cmos_rtc::RtcClock;
    use vitrine::drivers::vga::{framebuffer_bar, PciBar, VgaKind, VgaPciInfo};
    use vitrine::entry::Handoff;
    use vitrine::hal::{Clock, Irqs};
    use vitrine::input::InputSource;
    use vitrine::metal::Metal;
    use vitrine::platform::pci::{BarKind, PciScan};
    use vitrine::runtime::{Runtime, RuntimeConfig};

    /// The VGA function the display drivers know, with its BARs decoded.
    fn find_vga(scan: &PciScan) -> Option<VgaPciInfo> {
        let function = scan
            .functions()
            .iter()
            .find(|f| VgaKind::from_pci_id(f.vendor_id, f.device_id).is_some())?;
        let mut bars = [PciBar::None; 6];
        for bar in &function.bars {
            if let Some(slot) = bars.get_mut(usize::from(bar.index)) {
                *slot = match bar.kind {
                    BarKind::Io => PciBar::Io {
                        port: bar.address as u16,
                        size: bar.size as u32,
                    },
                    BarKind::Memory32 { prefetchable } | BarKind::Memory64 { prefetchable } => {
                        PciBar::Memory {
                            base: bar.address,
                            size: bar.size,
                            prefetchable,
                        }
                    }
                };
            }
        }
        Some(VgaPciInfo {
            vendor: function.vendor_id,
            device: function.device_id,
            bars,
        })
    }

    fn firmware_framebuffer(handoff: &Handoff) -> Option<FirmwareFramebufferInfo> {
        handoff.boot.framebuffer.map(|f| FirmwareFramebufferInfo {
            phys: f.phys,
            width: f.width,
            height: f.height,
            pitch: f.pitch,
            bpp: f.bpp,
            red_position: f.red.position,
            red_size: f.red.size,
            green_position: f.green.position,
            green_size: f.green.size,
            blue_position: f.blue.position,
            blue_size: f.blue.size,
        })
    }

    /// Nothing to draw on: say so, and keep idling (the serial log is all there is).
    fn idle_forever(platform: &mut Metal) -> ! {
        loop {
            let deadline = platform.now_us() + 1_000_000;
            platform.wait(deadline);
            let _ = platform.take_fired();
        }
    }

    fn main(platform: &mut Metal, handoff: &Handoff) -> ! {
        let cmdline = &handoff.boot.cmdline;
        let vga = find_vga(&handoff.pci);
        let framebuffer = vga.as_ref().and_then(|v| framebuffer_bar(&v.bars));
        if let Some((base, size)) = framebuffer {
            platform.map_write_combining(base, size);
        }
        let firmware = firmware_framebuffer(handoff);
        if let Some(f) = &firmware {
            platform.map_write_combining(f.phys, u64::from(f.pitch) * u64::from(f.height));
        }
        let mode = cmdline
            .mode
            .map(|m| (m.width, m.height))
            .unwrap_or(DEFAULT_MODE);
        let mut display = match init_display(platform, vga.as_ref(), firmware.as_ref(), mode) {
            Ok(display) => display,
            Err(error) => {
                vitrine::status!("display backend=none error={:?}", error);
                idle_forever(platform)
            }
        };
        if cmdline.bench == Some(Bench::Redraw) {
            let range = framebuffer.or(firmware
                .as_ref()
                .map(|f| (f.phys, u64::from(f.pitch) * u64::from(f.height))));
            crate::bench::redraw(platform, &mut display, range);
            if cmdline.exits_after("bench") {
                vitrine::arch::fault::exit_qemu(vitrine::testing::QemuExitCode::Success);
            }
        }
        let screen = {
            let m = display.mode();
            (m.width, m.height)
        };
        let input = InputSource::init_metal(platform, cmdline.integration, screen);
        // Without an absolute pointer the host hides its cursor (the mouse is
        // grabbed): draw one ourselves.
        let software_pointer = input.vmmouse().is_none();
        let mut runtime = Runtime::new(
            platform,
            display,
            vitrine_app::Kiosk::new(),
            (RtcClock::new(), input),
            RuntimeConfig::default(),
        );
        runtime.set_software_pointer(software_pointer);
        runtime.run(platform)
    }

    vitrine::entry!(main);
}

#[cfg(not(target_os = "none"))]
fn main() {
    println!("vitrine-app is a bare-metal image: build and boot it with `cargo xtask run`.");
}
