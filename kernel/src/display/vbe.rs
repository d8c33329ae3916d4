//! Backend for plain VBE DISPI (VirtualBox VGA without VBVA, QEMU std VGA): set modes
//! through DISPI, draw straight into the VRAM BAR. The device scans VRAM itself, so
//! present is a no-op.

use super::framebuffer::Framebuffer;
use super::vram::{framebuffer_at, map_vram};
use super::{Canvas, Display, DisplayError, ModeInfo, Rect};
use crate::drivers::vga::dispi::{Dispi, DispiMode};
use crate::drivers::vga::VgaPciInfo;
use crate::hal::{PhysMem, PhysRegion, Platform, PortIo};

/// A DISPI device and the canvas over its VRAM.
#[derive(Debug, Clone)]
pub struct VbeDisplay {
    dispi: Dispi,
    vram: PhysRegion,
    canvas: Canvas,
    mode: DispiMode,
}

impl VbeDisplay {
    /// Probes the device, maps its VRAM and sets the valid mode nearest `width`×`height`.
    pub fn new<H: PortIo + PhysMem>(
        hal: &mut H,
        pci: &VgaPciInfo,
        width: u32,
        height: u32,
    ) -> Result<Self, DisplayError> {
        let dispi = Dispi::probe(hal, pci)?;
        let vram = map_vram(hal, dispi.framebuffer_base(), dispi.vram_bytes())?;
        let mode = dispi.set_mode(hal, width, height)?;
        let canvas = Canvas::new(framebuffer(vram, &mode)?);
        Ok(Self {
            dispi,
            vram,
            canvas,
            mode,
        })
    }

    /// The DISPI device (the VirtualBox backend builds on it).
    pub fn dispi(&self) -> &Dispi {
        &self.dispi
    }
}

fn framebuffer(vram: PhysRegion, mode: &DispiMode) -> Result<Framebuffer, DisplayError> {
    framebuffer_at(vram, 0, mode.width, mode.height, mode.pitch)
}

impl Display for VbeDisplay {
    fn backend_name(&self) -> &'static str {
        "vbe"
    }
    fn mode(&self) -> ModeInfo {
        let mode = self.mode;
        ModeInfo::new(mode.width, mode.height, mode.pitch, self.dispi.vram_bytes())
    }
    fn canvas(&mut self) -> &mut Canvas {
        &mut self.canvas
    }
    fn present<H: Platform>(&mut self, _hal: &mut H, _dirty: &[Rect]) -> Result<(), DisplayError> {
        Ok(())
    }
    fn set_mode<H: Platform>(
        &mut self,
        hal: &mut H,
        width: u32,
        height: u32,
    ) -> Result<ModeInfo, DisplayError> {
        let mode = self.dispi.set_mode(hal, width, height)?;
        self.canvas
            .replace_framebuffer(framebuffer(self.vram, &mode)?);
        self.mode = mode;
        Ok(self.mode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::boot::init_display;
    use crate::display::firmware::FirmwareFramebufferInfo;
    use crate::display::system::SystemDisplay;
    use crate::drivers::vga::dispi::fake::{qemu_pci, vbox_pci, FakeDispi};
    use crate::hal::{Clock, Irqs, PciConfig};
    use embedded_graphics::pixelcolor::Rgb888;
    use embedded_graphics::prelude::*;

    /// The fake DISPI device plus VRAM at the BAR address.
    struct Machine {
        dispi: FakeDispi,
        vram_base: u64,
        vram: Vec<u32>,
    }

    impl PortIo for Machine {
        fn in8(&mut self, p: u16) -> u8 {
            self.dispi.in8(p)
        }
        fn in16(&mut self, p: u16) -> u16 {
            self.dispi.in16(p)
        }
        fn in32(&mut self, p: u16) -> u32 {
            self.dispi.in32(p)
        }
        fn out8(&mut self, p: u16, v: u8) {
            self.dispi.out8(p, v)
        }
        fn out16(&mut self, p: u16, v: u16) {
            self.dispi.out16(p, v)
        }
        fn out32(&mut self, p: u16, v: u32) {
            self.dispi.out32(p, v)
        }
    }
    impl PhysMem for Machine {
        fn map(&mut self, phys: u64, len: usize) -> Option<PhysRegion> {
            let offset = usize::try_from(phys.checked_sub(self.vram_base)?).ok()?;
            (offset + len <= self.vram.len() * 4).then(|| {
                // SAFETY: inside the Vec, which outlives the test's use of the region.
                unsafe {
                    PhysRegion::new(phys, self.vram.as_mut_ptr().cast::<u8>().add(offset), len)
                }
            })
        }
    }
    impl PciConfig for Machine {
        fn read_config(&mut self, _: u8, _: u8, _: u8, _: u8) -> u32 {
            u32::MAX
        }
        fn write_config(&mut self, _: u8, _: u8, _: u8, _: u8, _: u32) {}
    }
    impl Clock for Machine {
        fn now_us(&self) -> u64 {
            0
        }
    }
    impl Irqs for Machine {
        fn enable_line(&mut self, _: u8) -> bool {
            false
        }
        fn take_fired(&mut self) -> u64 {
            0
        }
        fn rearm(&mut self, _: u8) {}
        fn wait(&mut self, _: u64) {}
    }

    const MIB: u32 = 1 << 20;

    fn machine(dispi: FakeDispi, base: u64) -> Machine {
        let words = dispi.vram as usize / 4;
        Machine {
            dispi,
            vram_base: base,
            vram: vec![0; words],
        }
    }

    #[test]
    fn vbe_display_draws_into_vram_at_the_device_pitch() {
        let mut m = machine(FakeDispi::qemu(16 * MIB), 0xFD00_0000);
        let mut display = VbeDisplay::new(&mut m, &qemu_pci(16 << 20), 1001, 777).unwrap();
        let mode = display.mode();
        assert_eq!(
            (mode.width, mode.height, mode.pitch, mode.vram_kib),
            (1000, 777, 4000, 16384)
        );
        display
            .canvas()
            .fill_solid(
                &embedded_graphics::primitives::Rectangle::new(
                    Point::new(999, 776),
                    Size::new(5, 5),
                ),
                Rgb888::new(1, 2, 3),
            )
            .unwrap();
        assert_eq!(m.vram[(776 * 4000 + 999 * 4) / 4], 0x0001_0203);
        let mode = display.set_mode(&mut m, 1920, 1080).unwrap();
        assert_eq!((mode.width, mode.height, mode.pitch), (1920, 1080, 7680));
        assert_eq!(
            display.canvas().take_dirty().len(),
            1,
            "whole screen dirty after a mode set"
        );
    }

    fn gop(phys: u64) -> FirmwareFramebufferInfo {
        FirmwareFramebufferInfo {
            phys,
            width: 800,
            height: 600,
            pitch: 3200,
            bpp: 32,
            red_position: 16,
            red_size: 8,
            green_position: 8,
            green_size: 8,
            blue_position: 0,
            blue_size: 8,
        }
    }

    fn request() -> crate::display::boot::DisplayRequest {
        crate::display::boot::DisplayRequest {
            mode: (1024, 768),
            integration: true,
            virtualbox: false,
            choice: Default::default(),
        }
    }

    #[test]
    fn boot_prefers_vbe_and_falls_back_to_the_firmware_framebuffer() {
        let mut m = machine(FakeDispi::virtualbox(16 * MIB), 0xE000_0000);
        let d = init_display(
            &mut m,
            Some(&vbox_pci(16 << 20)),
            Some(&gop(0xE000_0000)),
            request(),
        )
        .unwrap();
        assert!(matches!(d, SystemDisplay::Vbe(_)));
        assert_eq!(d.mode().width, 1024);

        // No DISPI answer (ID reads back garbage): the firmware framebuffer is used.
        let mut broken = machine(FakeDispi::virtualbox(16 * MIB), 0xE000_0000);
        broken.dispi.regs[0] = 0x1234;
        let d = init_display(
            &mut broken,
            Some(&vbox_pci(16 << 20)),
            Some(&gop(0xE000_0000)),
            request(),
        )
        .unwrap();
        assert_eq!(d.backend_name(), "firmware");
        assert_eq!(d.mode().width, 800);

        // Neither: an error, no panic.
        let mut none = machine(FakeDispi::virtualbox(16 * MIB), 0xE000_0000);
        assert!(init_display(&mut none, None, None, request()).is_err());
        // A firmware framebuffer outside mappable memory: an error too.
        assert!(init_display(&mut none, None, Some(&gop(0x1000)), request()).is_err());
    }
}
