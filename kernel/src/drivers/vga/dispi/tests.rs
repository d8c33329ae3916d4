//! DISPI driver tests against the spec-written fake of the two devices (`fake.rs`).

use super::fake::{qemu_pci, vbox_pci, FakeDispi};
use super::*;
use crate::drivers::vga::PciBar;

const MIB: u32 = 1 << 20;

#[test]
fn virtualbox_probe_reads_vram_from_32_bit_data_read_and_detects_hgsmi() {
    let mut dev = FakeDispi::virtualbox(24 * MIB);
    let dispi = Dispi::probe(&mut dev, &vbox_pci(32 << 20)).unwrap();
    assert_eq!(dispi.kind(), VgaKind::VirtualBox);
    assert!(dispi.has_hgsmi());
    assert_eq!(dispi.vram_bytes(), 24 << 20);
    assert_eq!(dispi.framebuffer_base(), 0xE000_0000);
    assert_eq!(
        (dispi.limits().max_width, dispi.limits().max_height),
        (16384, 16384)
    );
    assert_eq!(dev.regs[4] & 0x02, 0, "GETCAPS left set");
}

#[test]
fn qemu_probe_reads_vram_in_64k_units_and_its_own_maximum() {
    let mut dev = FakeDispi::qemu(16 * MIB);
    let dispi = Dispi::probe(&mut dev, &qemu_pci(16 << 20)).unwrap();
    assert_eq!(dispi.kind(), VgaKind::QemuStd);
    assert!(!dispi.has_hgsmi());
    assert_eq!(dispi.vram_bytes(), 16 << 20);
    assert_eq!(
        dispi.framebuffer_base(),
        0xFD00_0000,
        "picked the MMIO register BAR"
    );
    assert_eq!(
        (dispi.limits().max_width, dispi.limits().max_height),
        (16000, 12000)
    );
}

#[test]
fn set_mode_reads_back_width_and_pitch_on_both_devices() {
    for (mut dev, pci) in [
        (FakeDispi::virtualbox(16 * MIB), vbox_pci(16 << 20)),
        (FakeDispi::qemu(16 * MIB), qemu_pci(16 << 20)),
    ] {
        let dispi = Dispi::probe(&mut dev, &pci).unwrap();
        let mode = dispi.set_mode(&mut dev, 1024, 768).unwrap();
        assert_eq!(
            mode,
            DispiMode {
                width: 1024,
                height: 768,
                pitch: 4096
            }
        );
        assert_eq!(dev.regs[4] & 0x41, 0x41, "enabled with LFB");
        assert_eq!(dev.regs[3], 32);
        // The mode is written while disabled: the first ENABLE write of set_mode is 0.
        let first_enable = dev
            .writes
            .iter()
            .rposition(|&(i, v)| i == 4 && v == 0)
            .unwrap();
        let xres_write = dev.writes.iter().rposition(|&(i, _)| i == 1).unwrap();
        assert!(first_enable < xres_write);
    }
}

#[test]
fn change_mode_keeps_dispi_on_throughout() {
    let mut dev = FakeDispi::virtualbox(16 * MIB);
    let dispi = Dispi::probe(&mut dev, &vbox_pci(16 << 20)).unwrap();
    dispi.set_mode(&mut dev, 1024, 768).unwrap();
    let from = dev.writes.len();
    let mode = dispi.change_mode(&mut dev, 1280, 800).unwrap();
    assert_eq!((mode.width, mode.height, mode.pitch), (1280, 800, 5120));
    let enables: Vec<u16> = dev.writes[from..]
        .iter()
        .filter(|&&(i, _)| i == 4)
        .map(|&(_, v)| v)
        .collect();
    assert!(!enables.is_empty(), "the mode is enabled");
    assert!(
        enables.iter().all(|v| v & 0x01 == 0x01),
        "no ENABLE write switches DISPI off: {enables:?}"
    );
}

#[test]
fn odd_width_is_rounded_on_qemu_and_kept_on_virtualbox() {
    let mut q = FakeDispi::qemu(16 * MIB);
    let dispi = Dispi::probe(&mut q, &qemu_pci(16 << 20)).unwrap();
    let mode = dispi.set_mode(&mut q, 1001, 777).unwrap();
    assert_eq!((mode.width, mode.height, mode.pitch), (1000, 777, 4000));

    let mut v = FakeDispi::virtualbox(16 * MIB);
    let dispi = Dispi::probe(&mut v, &vbox_pci(16 << 20)).unwrap();
    let mode = dispi.set_mode(&mut v, 1001, 777).unwrap();
    assert_eq!((mode.width, mode.height, mode.pitch), (1001, 777, 4004));
}

#[test]
fn pitch_follows_the_virtual_width_the_device_uses() {
    // A device that keeps a wider virtual width than asked: the driver must use it.
    let mut dev = FakeDispi::virtualbox(16 * MIB);
    let dispi = Dispi::probe(&mut dev, &vbox_pci(16 << 20)).unwrap();
    dispi.set_mode(&mut dev, 800, 600).unwrap();
    dev.regs[6] = 1024;
    // Re-read through a second set of the same mode on a device that ignores VIRT_WIDTH.
    let mut sticky = StickyVirtWidth(dev);
    let mode = dispi.set_mode(&mut sticky, 800, 600).unwrap();
    assert_eq!(mode.pitch, 4096);
}

/// Wraps the fake so that VIRT_WIDTH writes are ignored.
struct StickyVirtWidth(FakeDispi);
impl PortIo for StickyVirtWidth {
    fn in8(&mut self, p: u16) -> u8 {
        self.0.in8(p)
    }
    fn in16(&mut self, p: u16) -> u16 {
        self.0.in16(p)
    }
    fn in32(&mut self, p: u16) -> u32 {
        self.0.in32(p)
    }
    fn out8(&mut self, p: u16, v: u8) {
        self.0.out8(p, v)
    }
    fn out16(&mut self, p: u16, v: u16) {
        if p == 0x1CF && self.0.index == 6 {
            return;
        }
        if p == 0x1CF && self.0.index == 1 {
            self.0.regs[1] = v; // XRES without touching VIRT_WIDTH
            return;
        }
        self.0.out16(p, v)
    }
    fn out32(&mut self, p: u16, v: u32) {
        self.0.out32(p, v)
    }
}

#[test]
fn bad_modes_fall_back_to_the_nearest_valid_one() {
    let mut dev = FakeDispi::virtualbox(4 * MIB);
    let dispi = Dispi::probe(&mut dev, &vbox_pci(4 << 20)).unwrap();
    let small = dispi.set_mode(&mut dev, 320, 200).unwrap();
    assert_eq!((small.width, small.height), (640, 480));
    let huge = dispi.set_mode(&mut dev, 1920, 1080).unwrap();
    assert!(u64::from(huge.pitch) * u64::from(huge.height) <= 4 << 20);
    assert!(huge.width >= 640 && huge.height >= 480 && huge.width < 1920);
    let zero = dispi.set_mode(&mut dev, 0, 0).unwrap();
    assert_eq!((zero.width, zero.height), (640, 480));
    let max = dispi.set_mode(&mut dev, u32::MAX, u32::MAX).unwrap();
    assert!(u64::from(max.pitch) * u64::from(max.height) <= 4 << 20);
}

#[test]
fn vram_too_small_for_640x480_is_an_error_not_a_panic() {
    let mut dev = FakeDispi::virtualbox(MIB);
    let dispi = Dispi::probe(&mut dev, &vbox_pci(1 << 20)).unwrap();
    assert_eq!(
        dispi.set_mode(&mut dev, 1024, 768),
        Err(DispiError::VramTooSmall {
            vram_bytes: 1 << 20
        })
    );
}

#[test]
fn a_device_that_overstates_its_vram_is_caught() {
    // Reports 64 MiB through a 16 MiB BAR: the BAR size is used instead.
    let mut dev = FakeDispi::virtualbox(8 * MIB);
    dev.reported_vram = 64 * MIB;
    let dispi = Dispi::probe(&mut dev, &vbox_pci(16 << 20)).unwrap();
    assert_eq!(dispi.vram_bytes(), 16 << 20);
    // 2048x1536x4 fits 16 MiB but not the real 8 MiB: the device drops the enable.
    assert_eq!(
        dispi.set_mode(&mut dev, 2048, 1536),
        Err(DispiError::ModeRejected {
            width: 2048,
            height: 1536
        })
    );
    // A mode that really fits still works afterwards.
    assert!(dispi.set_mode(&mut dev, 1024, 768).is_ok());
}

#[test]
fn probe_rejects_unknown_devices_and_missing_dispi() {
    let mut dev = FakeDispi::virtualbox(16 * MIB);
    let mut pci = vbox_pci(16 << 20);
    pci.device = 0x1234;
    assert!(matches!(
        Dispi::probe(&mut dev, &pci),
        Err(DispiError::UnsupportedDevice { .. })
    ));
    dev.regs[0] = 0xFFFF;
    assert_eq!(
        Dispi::probe(&mut dev, &vbox_pci(16 << 20)),
        Err(DispiError::NotDispi { id: 0xFFFF })
    );
    let mut dev = FakeDispi::virtualbox(16 * MIB);
    let mut pci = vbox_pci(16 << 20);
    pci.bars = [PciBar::None; 6];
    assert_eq!(
        Dispi::probe(&mut dev, &pci),
        Err(DispiError::NoFramebufferBar)
    );
}

/// A tiny deterministic PRNG (xorshift64*), so tests need no `rand`.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[test]
fn validate_mode_never_panics_and_always_returns_a_valid_mode() {
    let mut seed = 0x1234_5678_9ABC_DEF1;
    for _ in 0..20_000 {
        let w = (next(&mut seed) % 40_000) as u32;
        let h = (next(&mut seed) % 40_000) as u32;
        let limits = ModeLimits {
            max_width: (next(&mut seed) % 20_000) as u32,
            max_height: (next(&mut seed) % 20_000) as u32,
            vram_bytes: next(&mut seed) % (512 << 20),
            width_multiple_of_8: next(&mut seed).is_multiple_of(2),
        };
        match validate_mode(w, h, &limits) {
            Ok(c) => {
                assert!(c.width >= 640 && c.height >= 480);
                assert!(
                    c.width <= limits.max_width.max(640) && c.height <= limits.max_height.max(480)
                );
                assert!(u64::from(c.width) * u64::from(c.height) * 4 <= limits.vram_bytes);
                if limits.width_multiple_of_8 {
                    assert_eq!(c.width % 8, 0);
                }
                let in_range =
                    (640..=limits.max_width).contains(&w) && (480..=limits.max_height).contains(&h);
                let fits = u64::from(w) * u64::from(h) * 4 <= limits.vram_bytes;
                let aligned = !limits.width_multiple_of_8 || w.is_multiple_of(8);
                assert_eq!(c.fallback.is_none(), in_range && fits && aligned);
                if c.fallback.is_none() {
                    assert_eq!((c.width, c.height), (w, h));
                }
            }
            Err(DispiError::VramTooSmall { vram_bytes }) => assert!(vram_bytes < 640 * 480 * 4),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
}
