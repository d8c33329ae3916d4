//! DISPI driver tests against a small fake of the two devices, written from the spec
//! (§6.1–6.4 for VirtualBox, §6.7 for QEMU), not from the driver.

use super::*;
use crate::drivers::vga::PciBar;

/// Register-level model of the DISPI interface of one device.
struct FakeDispi {
    virtualbox: bool,
    regs: [u16; 16],
    index: u16,
    /// The VRAM the device really has (enable validation uses it).
    vram: u32,
    /// What the device reports as its VRAM size (a lying device differs).
    reported_vram: u32,
    /// Every register write, in order, for checks on the sequence.
    writes: Vec<(u16, u16)>,
}

impl FakeDispi {
    fn virtualbox(vram: u32) -> Self {
        let mut regs = [0; 16];
        regs[0] = 0xB0C4; // what the VirtualBox VGA BIOS leaves behind
        Self {
            virtualbox: true,
            regs,
            index: 0,
            vram,
            reported_vram: vram,
            writes: Vec::new(),
        }
    }

    fn qemu(vram: u32) -> Self {
        let mut regs = [0; 16];
        regs[0] = 0xB0C5;
        Self {
            virtualbox: false,
            ..Self::virtualbox(vram)
        }
        .with_regs(regs)
    }

    fn with_regs(mut self, regs: [u16; 16]) -> Self {
        self.regs = regs;
        self
    }

    fn max(&self) -> (u16, u16) {
        if self.virtualbox {
            (16384, 16384)
        } else {
            (16000, 12000)
        }
    }

    fn bytes_pp(&self) -> u32 {
        u32::from(self.regs[3].max(8)).div_ceil(8)
    }

    fn pitch(&self) -> u32 {
        let vw = if self.regs[6] != 0 {
            self.regs[6]
        } else {
            self.regs[1]
        };
        (u32::from(vw) * self.bytes_pp()).next_multiple_of(4)
    }

    fn read(&self, index: u16) -> u16 {
        let getcaps = self.regs[4] & 0x02 != 0;
        match index {
            1 if getcaps => self.max().0,
            2 if getcaps => self.max().1,
            3 if getcaps => 32,
            7 => self
                .vram
                .checked_div(self.pitch())
                .map_or(0, |rows| rows.min(0xFFFF) as u16),
            0xA if self.virtualbox => 1,
            0xA => (self.reported_vram / 65536) as u16,
            i if usize::from(i) < 0xD => self.regs[usize::from(i)],
            _ => 0,
        }
    }

    fn write(&mut self, index: u16, value: u16) {
        self.writes.push((index, value));
        let (max_x, max_y) = self.max();
        match index {
            0 => {
                let accepted = if self.virtualbox {
                    (0xB0C0..=0xB0C4).contains(&value) || (0xBE00..=0xBE03).contains(&value)
                } else {
                    (0xB0C0..=0xB0C5).contains(&value)
                };
                if accepted {
                    self.regs[0] = value;
                }
            }
            1 if self.virtualbox && value <= max_x => {
                self.regs[1] = value;
                self.regs[6] = value;
            }
            1 if self.virtualbox => {}
            1 => self.regs[1] = value.min(max_x) & !7,
            2 if value <= max_y => self.regs[2] = value,
            2 => {}
            3 => {
                let v = if value == 0 { 8 } else { value };
                if [4, 8, 15, 16, 24, 32].contains(&v) {
                    self.regs[3] = v;
                } else if !self.virtualbox {
                    self.regs[3] = 8;
                }
            }
            4 => {
                let was = self.regs[4] & 1 != 0;
                let now = value & 1 != 0;
                if !was && now {
                    if self.virtualbox {
                        let need =
                            u32::from(self.regs[1]) * self.bytes_pp() * u32::from(self.regs[2]);
                        if need > self.vram || self.regs[1] == 0 || self.regs[2] == 0 {
                            return; // silently dropped
                        }
                    } else {
                        self.regs[6] = self.regs[1];
                        let max_h = (self.vram / self.pitch().max(1)) as u16;
                        self.regs[2] = self.regs[2].min(max_h);
                    }
                    self.regs[8] = 0;
                    self.regs[9] = 0;
                }
                self.regs[4] = value;
            }
            6 if self.virtualbox => self.regs[6] = value,
            6 => self.regs[6] = (value & !7).max(self.regs[1]),
            7 => {}
            0xA if self.virtualbox => panic!("driver wrote VBE_DISPI_INDEX_VBOX_VIDEO"),
            i if usize::from(i) < 0xD => self.regs[usize::from(i)] = value,
            _ => {}
        }
    }
}

impl PortIo for FakeDispi {
    fn in8(&mut self, port: u16) -> u8 {
        panic!("unexpected 8-bit read of port {port:#x}")
    }
    fn in16(&mut self, port: u16) -> u16 {
        match port {
            0x1CE => self.index,
            0x1CF => self.read(self.index),
            _ => panic!("unexpected read of port {port:#x}"),
        }
    }
    fn in32(&mut self, port: u16) -> u32 {
        assert_eq!(port, 0x1CF, "32-bit read of a port other than DATA");
        if self.virtualbox && self.regs[0] != 0xBE03 {
            self.reported_vram
        } else {
            0xFFFF_FFFF
        }
    }
    fn out8(&mut self, port: u16, _value: u8) {
        panic!("unexpected 8-bit write of port {port:#x}")
    }
    fn out16(&mut self, port: u16, value: u16) {
        match port {
            0x1CE => self.index = value,
            0x1CF => self.write(self.index, value),
            _ => panic!("unexpected write of port {port:#x}"),
        }
    }
    fn out32(&mut self, port: u16, _value: u32) {
        panic!("unexpected 32-bit write of port {port:#x}")
    }
}

fn vbox_pci(bar_size: u64) -> VgaPciInfo {
    let mut bars = [PciBar::None; 6];
    bars[0] = PciBar::Memory {
        base: 0xE000_0000,
        size: bar_size,
        prefetchable: true,
    };
    VgaPciInfo {
        vendor: 0x80EE,
        device: 0xBEEF,
        bars,
    }
}

fn qemu_pci(bar_size: u64) -> VgaPciInfo {
    let mut bars = [PciBar::None; 6];
    bars[0] = PciBar::Memory {
        base: 0xFD00_0000,
        size: bar_size,
        prefetchable: true,
    };
    bars[2] = PciBar::Memory {
        base: 0xFEBF_0000,
        size: 4096,
        prefetchable: false,
    };
    VgaPciInfo {
        vendor: 0x1234,
        device: 0x1111,
        bars,
    }
}

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
