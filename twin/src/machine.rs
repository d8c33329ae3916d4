//! The machine: guest memory, PCI bus, port dispatch, IRQ lines, the virtual clock
//! and introspection, tying VMMDev and the VGA together (display and input host
//! controls live in `display.rs` and `input.rs`).

use std::collections::VecDeque;

use crate::dispi::{Dispi, DispiMode, EnableEffect};
pub use crate::display::{DisplayMode, ModeSource, ResizeHint};
use crate::errors::{Device, ErrorLog, ProtocolError};
use crate::hgsmi::{self, Hgsmi};
use crate::host_view::ScreenPicture;
pub use crate::input::{MouseButton, Ps2Event};
use crate::memory::{Backing, GuestMemory, Region, RegionKind};
use crate::pci::{BarDef, BarKind, PciBus, PciFunction, PciIdentity, COMMAND_IO, COMMAND_MEMORY};
use crate::pointer::HostPointer;
use crate::svga::wire::{SVGA2_DEVICE, VMWARE_VENDOR};
use crate::svga::{Svga, SvgaConfig, SvgaCtx, SvgaEffect, SvgaHost};
use crate::vbva::{DirtyUpdate, ModeHint, ScreenInfo, Vbva, VbvaCtx};
use crate::vmmdev::{DisplayDef, Env, VmmDev, VmmDevConfig};
use crate::wire::*;

/// Virtual time between two display refresh ticks (Main's real period is not
/// analysed in the spec; 20 ms is a plausible 50 Hz).
pub const REFRESH_PERIOD_US: u64 = 20_000;
/// PCI location of the VGA.
pub const VGA_PCI: (u8, u8, u8) = (0, 2, 0);
/// PCI location of the VMMDev.
pub const VMMDEV_PCI: (u8, u8, u8) = (0, 4, 0);
/// Backdoor log port.
pub const PORT_BACKDOOR_LOG: u16 = 0x504;
/// Alternative time-sync port.
pub const PORT_ALT_TIMESYNC: u16 = 0x505;
/// Legacy VGA ports the device registers (their state is not modelled).
const LEGACY_VGA_PORTS: &[u16] = &[
    0x3B4, 0x3B5, 0x3B6, 0x3B7, 0x3BA, 0x3C0, 0x3C1, 0x3C2, 0x3C3, 0x3C4, 0x3C5, 0x3C6, 0x3C7,
    0x3C8, 0x3C9, 0x3CA, 0x3CB, 0x3CC, 0x3CD, 0x3CE, 0x3CF, 0x3D4, 0x3D5, 0x3DA,
];

/// The twin's two PCI devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceId {
    /// VMMDev, 80EE:CAFE.
    VmmDev,
    /// VirtualBox VGA, 80EE:BEEF.
    Vga,
}

/// Width of a port access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// `inb`/`outb`.
    W8,
    /// `inw`/`outw`.
    W16,
    /// `inl`/`outl`.
    W32,
}

impl Width {
    /// Bytes.
    pub fn bytes(self) -> u8 {
        match self {
            Width::W8 => 1,
            Width::W16 => 2,
            Width::W32 => 4,
        }
    }

    pub(crate) fn all_ones(self) -> u32 {
        match self {
            Width::W8 => 0xFF,
            Width::W16 => 0xFFFF,
            Width::W32 => 0xFFFF_FFFF,
        }
    }
}

/// A port access no device claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortAccess {
    /// Port.
    pub port: u16,
    /// Width.
    pub width: Width,
    /// Value written, or None for a read.
    pub written: Option<u32>,
}

/// One HGSMI guest buffer as the host saw it (verified or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HgsmiCommand {
    /// HGSMI offset written to 0x3D0.
    pub offset: u32,
    /// Channel (0 when the buffer did not verify).
    pub channel: u8,
    /// Command within the channel.
    pub channel_info: u16,
    /// Data as submitted (empty when the buffer did not verify).
    pub data: Vec<u8>,
    /// Whether the buffer passed the host's checks.
    pub verified: bool,
}

/// The VM's graphics controller (VirtualBox's GUI names, vmsvga.md section 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GraphicsController {
    /// 80EE:BEEF, VRAM BAR0 only: VBE DISPI + HGSMI/VBVA.
    #[default]
    VBoxVga,
    /// 80EE:BEEF, subsystem 15AD:0405: BAR0 VRAM, BAR1 SVGA I/O, BAR2 FIFO.
    VBoxSvga,
    /// 15AD:0405 (subsystem 15AD:0405): BAR0 SVGA I/O, BAR1 VRAM, BAR2 FIFO.
    VmSvga,
}

impl GraphicsController {
    /// Whether the SVGA II device is present.
    pub fn has_svga(self) -> bool {
        self != Self::VBoxVga
    }

    /// (VRAM BAR, I/O BAR, FIFO BAR) numbers.
    fn bars(self) -> (usize, usize, usize) {
        match self {
            Self::VmSvga => (1, 0, 2),
            _ => (0, 1, 2),
        }
    }
}

/// Machine configuration.
#[derive(Debug, Clone)]
pub struct MachineConfig {
    /// Guest RAM size at physical 0.
    pub ram_size: usize,
    /// Fill byte for unwritten RAM (catches reads of uninitialised memory).
    pub ram_poison: u8,
    /// Optional RAM above 4 GiB: (base ≥ 4 GiB, size).
    pub high_ram: Option<(u64, usize)>,
    /// VRAM size (multiple of 256 KiB, 1..=256 MiB).
    pub vram_size: u32,
    /// VRAM BAR address.
    pub vram_base: u32,
    /// VMMDev I/O BAR.
    pub vmmdev_io_base: u16,
    /// VMMDev BAR1 (VMMDevMemory).
    pub vmmdev_mmio_base: u32,
    /// VMMDev BAR2 (heap).
    pub vmmdev_heap_base: u32,
    /// CFGM MonitorCount.
    pub monitor_count: u32,
    /// Record protocol errors (true) or just print them.
    pub strict: bool,
    /// VM UTC time at power-on, ms since the epoch.
    pub utc_start_ms: u64,
    /// VMMDev host settings.
    pub vmmdev: VmmDevConfig,
    /// The session id VMMDev reports.
    pub session_id: u64,
    /// The graphics controller.
    pub graphics: GraphicsController,
    /// SVGA II behaviour (VirtualBox, or QEMU's for QEMU-only failures).
    pub svga_host: SvgaHost,
    /// SVGA FIFO BAR size (VirtualBox default 2 MiB, power of two).
    pub svga_fifo_size: u32,
    /// SVGA FIFO BAR address.
    pub svga_fifo_base: u32,
    /// SVGA I/O BAR.
    pub svga_io_base: u16,
    /// Keep the host window's pictures (`host_picture`, screenshots). Fuzzers turn
    /// it off: a full repaint per mode change costs more than the code under test.
    pub host_view: bool,
}

impl Default for MachineConfig {
    fn default() -> Self {
        Self {
            ram_size: 64 << 20,
            ram_poison: 0xA5,
            high_ram: None,
            vram_size: 64 << 20,
            vram_base: 0xE000_0000,
            vmmdev_io_base: 0xD020,
            vmmdev_mmio_base: 0xF000_0000,
            vmmdev_heap_base: 0xF040_0000,
            monitor_count: 1,
            strict: true,
            utc_start_ms: 1_767_225_600_000, // 2026-01-01T00:00:00Z
            vmmdev: VmmDevConfig::default(),
            session_id: 0x5EED_0000_C0FF_EE01,
            graphics: GraphicsController::VBoxVga,
            svga_host: SvgaHost::VirtualBox,
            svga_fifo_size: 2 << 20,
            svga_fifo_base: 0xF080_0000,
            svga_io_base: 0xD040,
            host_view: true,
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MouseState {
    pub(crate) integration: bool,
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) buttons: u32,
}

/// The whole twin machine.
#[derive(Debug)]
pub struct Machine {
    pub(crate) config: MachineConfig,
    pub(crate) mem: GuestMemory,
    pub(crate) pci: PciBus,
    pub(crate) vmmdev: VmmDev,
    pub(crate) dispi: Dispi,
    pub(crate) hgsmi: Hgsmi,
    pub(crate) vbva: Vbva,
    pub(crate) pointer: HostPointer,
    pub(crate) errors: ErrorLog,
    pub(crate) now_us: u64,
    pub(crate) last_refresh_us: u64,
    pub(crate) screen0_source: ModeSource,
    pub(crate) pictures: Vec<ScreenPicture>,
    pub(crate) mouse: MouseState,
    pub(crate) ps2: VecDeque<Ps2Event>,
    pub(crate) unknown_ports: Vec<PortAccess>,
    pub(crate) hgsmi_log: Vec<HgsmiCommand>,
    /// The last hint per screen (the GUI does not resend it).
    pub(crate) last_gui_hint: Vec<Option<(u32, u32)>>,
    pub(crate) alt_time: (u32, u64),
    pub(crate) acpi_monitor_hotplugs: u32,
    pub(crate) acpi_power_button: u32,
    pub(crate) acpi: crate::acpi::AcpiPm,
    pub(crate) utc_offset_ms: i64,
    pub(crate) svga: Option<Svga>,
}

fn next_pow2(v: u32) -> u32 {
    v.next_power_of_two()
}

impl Machine {
    /// Builds a machine as the BIOS leaves it: BARs assigned, decoding on,
    /// Interrupt Lines programmed (VMMDev 11, VGA 10), VMMDevMemory initialised.
    ///
    /// # Panics
    /// If `vram_size` is not a multiple of 256 KiB in 1 MiB..=256 MiB, or
    /// `monitor_count` is not in 1..=64 (configuration errors).
    pub fn new(config: MachineConfig) -> Self {
        assert!(
            config.vram_size.is_multiple_of(256 << 10)
                && ((1 << 20)..=(256 << 20)).contains(&config.vram_size),
            "VRamSize must be a multiple of 256 KiB in 1..=256 MiB"
        );
        assert!(
            (1..=MAX_SCREENS).contains(&config.monitor_count),
            "MonitorCount 1..=64"
        );
        let region = |kind, base: u64, len: usize, fill| Region {
            kind,
            base,
            mapped: true,
            backing: Backing::new(len, fill),
        };
        let mut regions = vec![
            region(RegionKind::Ram, 0, config.ram_size, config.ram_poison),
            region(
                RegionKind::VmmDevMemory,
                u64::from(config.vmmdev_mmio_base),
                VMMDEV_RAM_SIZE as usize,
                0,
            ),
            region(
                RegionKind::VmmDevHeap,
                u64::from(config.vmmdev_heap_base),
                VMMDEV_HEAP_SIZE as usize,
                0,
            ),
            region(
                RegionKind::Vram,
                u64::from(config.vram_base),
                config.vram_size as usize,
                0,
            ),
            Region {
                mapped: config.graphics.has_svga(),
                ..region(
                    RegionKind::SvgaFifo,
                    u64::from(config.svga_fifo_base),
                    config.svga_fifo_size as usize,
                    0,
                )
            },
        ];
        if let Some((base, size)) = config.high_ram {
            assert!(base >= 1 << 32, "high RAM starts at or above 4 GiB");
            regions.push(region(RegionKind::HighRam, base, size, config.ram_poison));
        }
        let mem = GuestMemory::new(regions);
        let host_bridge = PciFunction::new(
            (0, 0, 0),
            PciIdentity {
                vendor: 0x8086,
                device_id: 0x1237,
                class: (0x06, 0x00, 0),
                header_type: 0,
                interrupt_pin: 0,
                interrupt_line: 0,
            },
            &[],
            COMMAND_MEMORY,
        );
        let isa_bridge = PciFunction::new(
            (0, 1, 0),
            PciIdentity {
                vendor: 0x8086,
                device_id: 0x7000,
                class: (0x06, 0x01, 0),
                header_type: 0x80,
                interrupt_pin: 0,
                interrupt_line: 0,
            },
            &[],
            COMMAND_IO | COMMAND_MEMORY,
        );
        let vga = vga_function(&config);
        let vmmdev_pci = PciFunction::new(
            VMMDEV_PCI,
            PciIdentity {
                vendor: 0x80EE,
                device_id: 0xCAFE,
                class: (0x08, 0x80, 0),
                header_type: 0,
                interrupt_pin: 1,
                interrupt_line: 11,
            },
            &[
                (
                    BarDef {
                        size: 0x20,
                        kind: BarKind::Io,
                    },
                    u32::from(config.vmmdev_io_base),
                ),
                (
                    BarDef {
                        size: VMMDEV_RAM_SIZE,
                        kind: BarKind::Memory {
                            prefetchable: false,
                        },
                    },
                    config.vmmdev_mmio_base,
                ),
                (
                    BarDef {
                        size: VMMDEV_HEAP_SIZE,
                        kind: BarKind::Memory { prefetchable: true },
                    },
                    config.vmmdev_heap_base,
                ),
            ],
            COMMAND_IO | COMMAND_MEMORY,
        );
        let vmmdev = VmmDev::new(config.vmmdev.clone(), config.session_id);
        // The region was just allocated zeroed: writing 4 MiB of zeros again would
        // only fault every page in (the fuzzers build a machine per input).
        vmmdev.init_memory_header(&mem);
        let svga = config.graphics.has_svga().then(|| {
            Svga::new(
                svga_config(&config),
                &mem.region(RegionKind::SvgaFifo).backing,
            )
        });
        let monitors = config.monitor_count;
        Self {
            dispi: Dispi::new(config.vram_size, config.vram_base),
            errors: ErrorLog::new(config.strict),
            mem,
            pci: PciBus::new(vec![host_bridge, isa_bridge, vga, vmmdev_pci]),
            vmmdev,
            hgsmi: Hgsmi::default(),
            vbva: Vbva::new(monitors),
            pointer: HostPointer::default(),
            now_us: 0,
            last_refresh_us: 0,
            screen0_source: ModeSource::Dispi,
            pictures: vec![
                if config.host_view {
                    ScreenPicture::default()
                } else {
                    ScreenPicture::without_pixels()
                };
                monitors as usize
            ],
            mouse: MouseState::default(),
            ps2: VecDeque::new(),
            unknown_ports: Vec::new(),
            hgsmi_log: Vec::new(),
            last_gui_hint: vec![None; MAX_SCREENS as usize],
            alt_time: (0, 0),
            acpi_monitor_hotplugs: 0,
            acpi_power_button: 0,
            acpi: crate::acpi::AcpiPm::default(),
            utc_offset_ms: 0,
            svga,
            config,
        }
    }

    pub(crate) fn vram(&self) -> &Backing {
        &self.mem.region(RegionKind::Vram).backing
    }

    pub(crate) fn utc_ms(&self) -> u64 {
        (self.config.utc_start_ms as i64 + self.utc_offset_ms + (self.now_us / 1000) as i64).max(0)
            as u64
    }

    // ================= guest side: memory, PCI, ports, IRQs =================

    /// A host pointer to guest-physical `phys..phys+len` (RAM, VMMDevMemory, the
    /// VMMDev heap or VRAM), stable for the machine's life. `None` (and a protocol
    /// error) when the range is not wholly inside one mapped region.
    pub fn host_ptr(&mut self, phys: u64, len: usize) -> Option<*mut u8> {
        let p = self.mem.host_ptr(phys, len);
        if p.is_none() {
            self.errors.record(
                Device::Memory,
                format!("map of {phys:#x}+{len:#x} is outside RAM and the mapped BARs"),
            );
        }
        p
    }

    /// Reads guest-physical memory (as a DMA-capable host would); `false` and a
    /// protocol error when out of range.
    pub fn read_phys(&mut self, phys: u64, out: &mut [u8]) -> bool {
        let ok = self.mem.read(phys, out).is_some();
        if !ok {
            self.errors.record(
                Device::Memory,
                format!("read of {phys:#x}+{:#x} outside memory", out.len()),
            );
        }
        ok
    }

    /// Writes guest-physical memory; `false` and a protocol error when out of range.
    pub fn write_phys(&mut self, phys: u64, data: &[u8]) -> bool {
        let ok = self.mem.write(phys, data).is_some();
        if !ok {
            self.errors.record(
                Device::Memory,
                format!("write of {phys:#x}+{:#x} outside memory", data.len()),
            );
        }
        ok
    }

    /// Reads a PCI configuration dword (absent functions read all-ones).
    pub fn pci_read(&self, bus: u8, device: u8, function: u8, offset: u8) -> u32 {
        self.pci.read(bus, device, function, offset)
    }

    /// Writes a PCI configuration dword; BAR and command changes remap the regions.
    pub fn pci_write(&mut self, bus: u8, device: u8, function: u8, offset: u8, value: u32) {
        if !self.pci.write(bus, device, function, offset, value) {
            self.errors.record(
                Device::Pci,
                format!("config write to absent {bus}:{device}.{function}"),
            );
            return;
        }
        self.sync_bars();
    }

    pub(crate) fn function(&self, id: DeviceId) -> &PciFunction {
        let (b, d, f) = match id {
            DeviceId::VmmDev => VMMDEV_PCI,
            DeviceId::Vga => VGA_PCI,
        };
        self.pci.function(b, d, f).expect("created in new")
    }

    pub(crate) fn sync_bars(&mut self) {
        let vga = self.function(DeviceId::Vga).clone();
        let vmm = self.function(DeviceId::VmmDev).clone();
        let place = |mem: &mut GuestMemory, kind, f: &PciFunction, bar| {
            let r = mem.region_mut(kind);
            r.base = u64::from(f.bar_base(bar));
            r.mapped = f.command() & COMMAND_MEMORY != 0;
        };
        let (vram_bar, _, fifo_bar) = self.config.graphics.bars();
        place(&mut self.mem, RegionKind::Vram, &vga, vram_bar);
        place(&mut self.mem, RegionKind::VmmDevMemory, &vmm, 1);
        place(&mut self.mem, RegionKind::VmmDevHeap, &vmm, 2);
        if self.config.graphics.has_svga() {
            place(&mut self.mem, RegionKind::SvgaFifo, &vga, fifo_bar);
        }
        self.dispi.set_vram_base(vga.bar_base(vram_bar));
    }

    /// The Interrupt Line (config 0x3C) of a device.
    pub fn irq_line(&self, id: DeviceId) -> u8 {
        self.function(id).interrupt_line()
    }

    /// Whether a device drives its INTA# line (level).
    pub fn irq_asserted(&self, id: DeviceId) -> bool {
        let level = match id {
            DeviceId::VmmDev => self.vmmdev.irq_asserted(),
            DeviceId::Vga => {
                self.hgsmi.irq_asserted() || self.svga.as_ref().is_some_and(Svga::irq_asserted)
            }
        };
        level && self.function(id).command() & 0x400 == 0
    }

    /// Bit N set = interrupt line N is asserted by some device (level semantics).
    pub fn asserted_lines(&self) -> u64 {
        let sci = if self.acpi.sci_asserted() {
            1u64 << crate::acpi::SCI_LINE
        } else {
            0
        };
        [DeviceId::VmmDev, DeviceId::Vga]
            .into_iter()
            .filter(|&d| self.irq_asserted(d))
            .fold(sci, |acc, d| acc | 1u64 << (self.irq_line(d) & 63))
    }

    /// The ACPI PM registers (power button, ACPI mode, S5).
    pub fn acpi(&self) -> &crate::acpi::AcpiPm {
        &self.acpi
    }

    pub(crate) fn vmmdev_io_base(&self) -> Option<u16> {
        let f = self.function(DeviceId::VmmDev);
        (f.command() & COMMAND_IO != 0).then(|| f.bar_base(0) as u16)
    }

    /// An `in` instruction.
    pub fn port_in(&mut self, port: u16, width: Width) -> u32 {
        if let Some(offset) = self.svga_port(port) {
            return self
                .with_svga(|svga, ctx| svga.port_read(offset, width.bytes(), ctx))
                .unwrap_or(width.all_ones());
        }
        if let Some(base) = self.vmmdev_io_base() {
            if (base..base.saturating_add(0x20)).contains(&port) {
                return if port - base == PORT_OFF_REQUEST_FAST && width == Width::W32 {
                    let mem = &self.mem;
                    self.vmmdev.fast_ack(mem)
                } else {
                    if port - base == PORT_OFF_REQUEST_FAST {
                        self.errors
                            .record(Device::VmmDev, "non-32-bit read of the fast IRQ-ack port");
                    }
                    width.all_ones()
                };
            }
        }
        if crate::acpi::AcpiPm::claims(port) {
            return self.acpi.read(port) & width.all_ones();
        }
        match port {
            DISPI_IOPORT_INDEX | DISPI_IOPORT_DATA => self.dispi.read(port, width.bytes()),
            PORT_HGSMI_HOST if width == Width::W32 => {
                let vram = &self.mem.region(RegionKind::Vram).backing;
                self.hgsmi.host_port_read(vram)
            }
            PORT_HGSMI_GUEST if width == Width::W32 => 0xFFFF_FFFF,
            PORT_ALT_TIMESYNC if width == Width::W32 => {
                if self.alt_time.0 == 0 {
                    self.alt_time.1 = self.utc_ms();
                    (self.alt_time.1 >> 32) as u32
                } else {
                    self.alt_time.1 as u32
                }
            }
            0x3B0..=0x3B3 | 0x3D0..=0x3D3 => width.all_ones(),
            p if LEGACY_VGA_PORTS.contains(&p) => 0,
            _ => {
                self.unknown_ports.push(PortAccess {
                    port,
                    width,
                    written: None,
                });
                width.all_ones()
            }
        }
    }

    /// An `out` instruction.
    pub fn port_out(&mut self, port: u16, width: Width, value: u32) {
        if let Some(offset) = self.svga_port(port) {
            let effect =
                self.with_svga(|svga, ctx| svga.port_write(offset, width.bytes(), value, ctx));
            if effect == Some(SvgaEffect::EnableChanged) {
                self.update_geometries();
            }
            self.apply_svga_updates();
            return;
        }
        if let Some(base) = self.vmmdev_io_base() {
            if (base..base.saturating_add(0x20)).contains(&port) {
                let off = port - base;
                if (off == PORT_OFF_REQUEST || off == PORT_OFF_REQUEST_FAST) && width == Width::W32
                {
                    self.vmmdev_request(value);
                } else {
                    self.errors.record(
                        Device::VmmDev,
                        format!(
                            "{}-bit write {value:#x} to VMMDev port offset {off} ignored",
                            width.bytes() * 8
                        ),
                    );
                }
                return;
            }
        }
        if crate::acpi::AcpiPm::claims(port) {
            if let Err(message) = self.acpi.write(port, value) {
                self.errors.record(Device::Acpi, message);
            }
            return;
        }
        match port {
            DISPI_IOPORT_INDEX | DISPI_IOPORT_DATA => {
                if let Some(effect) = self
                    .dispi
                    .write(port, width.bytes(), value, &mut self.errors)
                {
                    self.apply_enable(effect);
                }
            }
            PORT_HGSMI_GUEST if width == Width::W32 => self.hgsmi_submit(value),
            PORT_HGSMI_HOST if width == Width::W32 => {
                let vram = &self.mem.region(RegionKind::Vram).backing;
                if value == 0xFFFF_FFFF {
                    self.hgsmi.acknowledge_irq(vram);
                } else {
                    self.hgsmi.host_command_completed(value, &mut self.errors);
                }
            }
            PORT_BACKDOOR_LOG => {
                if width == Width::W8 {
                    self.vmmdev.backdoor_log_byte(value as u8);
                } else {
                    self.errors.record(
                        Device::VmmDev,
                        "backdoor log port 0x504 takes 8-bit writes only",
                    );
                }
            }
            PORT_ALT_TIMESYNC if width == Width::W32 => self.alt_time.0 = value,
            0x3B0..=0x3B3 | 0x3D0..=0x3D3 => {} // Stray MDA/CGA accesses: ignored.
            p if LEGACY_VGA_PORTS.contains(&p) => {}
            _ => self.unknown_ports.push(PortAccess {
                port,
                width,
                written: Some(value),
            }),
        }
    }

    pub(crate) fn vmmdev_request(&mut self, addr: u32) {
        let utc_ms = self.utc_ms();
        let mut env = Env {
            mem: &self.mem,
            errors: &mut self.errors,
            now_us: self.now_us,
            utc_ms,
            pointer: &mut self.pointer,
        };
        self.vmmdev.handle_request(addr, &mut env);
    }

    /// The SVGA I/O BAR offset of `port`, when I/O decoding is on and it is inside.
    fn svga_port(&self, port: u16) -> Option<u16> {
        if !self.config.graphics.has_svga() {
            return None;
        }
        let f = self.function(DeviceId::Vga);
        let base = f.bar_base(self.config.graphics.bars().1) as u16;
        (f.command() & COMMAND_IO != 0 && (base..base.saturating_add(16)).contains(&port))
            .then(|| port - base)
    }

    /// Runs `f` on the SVGA device with its context (VRAM, FIFO, errors, pointer).
    pub(crate) fn with_svga<R>(
        &mut self,
        f: impl FnOnce(&mut Svga, &mut SvgaCtx<'_>) -> R,
    ) -> Option<R> {
        let host_mode = self
            .screen_geometry_dispi()
            .map_or((640, 480), |g| (g.width, g.height));
        let vga = self.function(DeviceId::Vga);
        let (vram_bar, _, fifo_bar) = self.config.graphics.bars();
        let (vram_phys, fifo_phys) = (vga.bar_base(vram_bar), vga.bar_base(fifo_bar));
        let svga = self.svga.as_mut()?;
        let mut ctx = SvgaCtx {
            vram: &self.mem.region(RegionKind::Vram).backing,
            fifo: &self.mem.region(RegionKind::SvgaFifo).backing,
            errors: &mut self.errors,
            pointer: &mut self.pointer,
            now_us: self.now_us,
            vram_phys,
            fifo_phys,
            host_mode,
        };
        let mode_changes = svga.mode_changes().len();
        let result = f(svga, &mut ctx);
        if svga.mode_changes().len() != mode_changes {
            self.update_geometries();
        }
        Some(result)
    }

    pub(crate) fn apply_enable(&mut self, effect: EnableEffect) {
        if let EnableEffect::Stored { enabled, clear } = effect {
            if clear > 0 {
                self.vram().fill(0, clear as usize, 0);
            }
            self.vbva.on_vbe_enable(enabled);
            self.screen0_source = ModeSource::Dispi;
            self.update_geometries();
        }
    }

    pub(crate) fn hgsmi_submit(&mut self, offset: u32) {
        let vram = &self.mem.region(RegionKind::Vram).backing;
        let buffer = match hgsmi::verify(vram, offset) {
            Ok(b) => b,
            Err(why) => {
                self.errors
                    .record(Device::Hgsmi, format!("guest buffer ignored: {why}"));
                self.hgsmi_log.push(HgsmiCommand {
                    offset,
                    channel: 0,
                    channel_info: 0,
                    data: Vec::new(),
                    verified: false,
                });
                return;
            }
        };
        self.hgsmi_log.push(HgsmiCommand {
            offset,
            channel: buffer.channel,
            channel_info: buffer.channel_info,
            data: vram
                .read_vec(u64::from(buffer.data_offset), buffer.data_size as usize)
                .unwrap_or_default(),
            verified: true,
        });
        match buffer.channel {
            HGSMI_CH_HGSMI => {
                if buffer.channel_info == HGSMI_CC_HOST_FLAGS_LOCATION {
                    let data = vram
                        .read_vec(u64::from(buffer.data_offset), buffer.data_size as usize)
                        .unwrap_or_default();
                    self.hgsmi.set_flags_location(vram, &data, &mut self.errors);
                } else {
                    self.errors.record(
                        Device::Hgsmi,
                        format!("HGSMI channel command {} ignored", buffer.channel_info),
                    );
                }
            }
            HGSMI_CH_VBVA => {
                let mut ctx = VbvaCtx {
                    vram,
                    errors: &mut self.errors,
                    hgsmi: &mut self.hgsmi,
                    pointer: &mut self.pointer,
                    buffer_offset: offset,
                };
                self.vbva.handle(
                    buffer.channel_info,
                    buffer.data_offset,
                    buffer.data_size,
                    &mut ctx,
                );
                if !self.vbva.take_changed_screens().is_empty() {
                    self.screen0_source = if self.vbva.screen(0).is_some() {
                        ModeSource::Vbva
                    } else {
                        self.screen0_source
                    };
                    self.update_geometries();
                }
                self.apply_vbva_updates();
            }
            other => self.errors.record(
                Device::Hgsmi,
                format!("channel {other} is not registered (VERR_INVALID_FUNCTION)"),
            ),
        }
    }

    // ================= clock =================

    /// Virtual time since power-on, µs.
    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    /// Advances virtual time: heartbeat timer, and a display refresh tick when a
    /// refresh period has passed.
    pub fn advance(&mut self, us: u64) {
        self.now_us += us;
        self.vmmdev.tick(self.now_us);
        let utc_ns = self.utc_ms().saturating_mul(1_000_000);
        self.vmmdev
            .complete_hgcm(&self.mem, &mut self.errors, self.now_us, utc_ns);
        self.with_svga(|svga, ctx| svga.tick(ctx));
        self.apply_svga_updates();
        if self.now_us - self.last_refresh_us >= REFRESH_PERIOD_US {
            self.refresh_display();
        }
    }

    /// VM reset (a guest reboot): VMMDev keeps its hints as the host does, the VGA
    /// returns to its post-BIOS state (ID 0xB0C4, VBE off, no HGSMI/VBVA state), the
    /// session id changes. RAM and VRAM contents stay.
    pub fn reset(&mut self) {
        self.config.session_id = self
            .config
            .session_id
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        self.vmmdev.reset(&self.mem, self.config.session_id);
        let utc_ns = self.utc_ms().saturating_mul(1_000_000);
        self.vmmdev.hgcm_mut().reset(utc_ns);
        self.dispi = Dispi::new(
            self.config.vram_size,
            self.function(DeviceId::Vga).bar_base(0),
        );
        self.hgsmi = Hgsmi::default();
        self.vbva = Vbva::new(self.config.monitor_count);
        self.acpi = crate::acpi::AcpiPm::default();
        self.pointer = HostPointer::default();
        if let Some(svga) = self.svga.as_mut() {
            svga.reset(&self.mem.region(RegionKind::SvgaFifo).backing);
        }
        self.screen0_source = ModeSource::Dispi;
        self.update_geometries();
    }

    /// `VBoxManage guestproperty set NAME VALUE [--flags F]`: the host changes a
    /// property; matching GET_NOTIFICATION waits complete (now or later, per the
    /// completion mode). Returns the service status.
    pub fn guest_property_set(&mut self, name: &str, value: &str, flags: Option<&str>) -> i32 {
        let env = self.host_env();
        let rc = self.vmmdev.hgcm_mut().host_set(name, value, flags, &env);
        self.complete_hgcm_now();
        rc
    }

    /// `VBoxManage guestproperty unset NAME`.
    pub fn guest_property_delete(&mut self, name: &str) -> i32 {
        let env = self.host_env();
        let rc = self.vmmdev.hgcm_mut().host_delete(name, &env);
        self.complete_hgcm_now();
        rc
    }

    /// `VBoxManage guestproperty get NAME`: (value, flags text).
    pub fn guest_property(&self, name: &str) -> Option<(String, String)> {
        self.vmmdev
            .hgcm()
            .props
            .get(name)
            .map(|p| (p.value.clone(), crate::guest_props::format_flags(p.flags)))
    }

    /// `VBoxManage guestproperty enumerate [PATTERNS]`: (name, value), sorted by name.
    pub fn guest_properties(&self, patterns: &str) -> Vec<(String, String)> {
        self.vmmdev
            .hgcm()
            .props
            .all()
            .filter(|(n, _)| crate::guest_props::pattern_matches(patterns, n))
            .map(|(n, p)| (n.clone(), p.value.clone()))
            .collect()
    }

    /// HGCM: clients, pending commands, counters, the property store.
    pub fn hgcm(&self) -> &crate::hgcm::Hgcm {
        self.vmmdev.hgcm()
    }

    /// When HGCM commands complete (test hook: immediately, later, never).
    pub fn set_hgcm_completion(&mut self, completion: crate::hgcm::Completion) {
        self.vmmdev.hgcm_mut().completion = completion;
    }

    /// Hostile host: the next `count` HGCM completions report `result`.
    pub fn inject_hgcm_results(&mut self, result: i32, count: u32) {
        self.vmmdev.hgcm_mut().inject_wrong_results(result, count);
    }

    fn host_env(&self) -> crate::hgcm::HostEnv {
        crate::hgcm::HostEnv {
            now_us: self.now_us,
            utc_ns: self.utc_ms().saturating_mul(1_000_000),
        }
    }

    fn complete_hgcm_now(&mut self) {
        let utc_ns = self.utc_ms().saturating_mul(1_000_000);
        self.vmmdev
            .complete_hgcm(&self.mem, &mut self.errors, self.now_us, utc_ns);
    }

    /// Test hook: queues an arbitrary (possibly bad) host command offset.
    pub fn inject_host_command_offset(&mut self, offset: u32) {
        let vram = &self.mem.region(RegionKind::Vram).backing;
        self.hgsmi.inject_host_command_offset(vram, offset);
    }

    /// Test hook: the next `count` VMMDev requests of `request_type` fail with `rc`.
    pub fn inject_request_failure(&mut self, request_type: u32, rc: i32, count: u32) {
        self.vmmdev.inject_failure(request_type, rc, count);
    }

    /// Test hook: a display hint straight into VMMDev (bypassing Main's fix-ups), for
    /// hostile values such as 0×0 or 65535×65535 or bpp 7. Displays ≥ 64 are ignored
    /// as the host's array ends there.
    pub fn inject_vmmdev_display_hint(&mut self, def: DisplayDef) {
        self.vmmdev
            .request_display_change(&[def], false, true, &self.mem);
    }

    /// Test hook: a VBVA mode hint straight into the VGA (bypassing Main).
    pub fn inject_vbva_mode_hint(&mut self, display: u32, hint: ModeHint) {
        let vram = &self.mem.region(RegionKind::Vram).backing;
        self.vbva
            .set_mode_hint(display, hint, true, &mut self.hgsmi, vram);
    }

    // ================= introspection =================

    /// The configuration.
    pub fn config(&self) -> &MachineConfig {
        &self.config
    }
    /// The VMMDev state (guest info, caps, filter, mouse, hints, heartbeat, log...).
    pub fn vmmdev(&self) -> &VmmDev {
        &self.vmmdev
    }
    /// The DISPI mode.
    pub fn dispi_mode(&self) -> DispiMode {
        self.dispi.mode()
    }
    /// The DISPI register file.
    pub fn dispi(&self) -> &Dispi {
        &self.dispi
    }
    /// HGSMI state (flags location, IRQ, host commands).
    pub fn hgsmi(&self) -> &Hgsmi {
        &self.hgsmi
    }
    /// HGSMI host flags as in VRAM now.
    pub fn hgsmi_host_flags(&self) -> u32 {
        self.hgsmi.host_flags(self.vram())
    }
    /// VBVA state (caps, views, screens, rings, hints, input mapping, cursor).
    pub fn vbva(&self) -> &Vbva {
        &self.vbva
    }
    /// VBVA_INFO_SCREEN of a screen.
    pub fn vbva_screen(&self, screen: u32) -> Option<ScreenInfo> {
        self.vbva.screen(screen)
    }
    /// Every dirty update received (one per screen per flush with records).
    pub fn dirty_updates(&self) -> &[DirtyUpdate] {
        self.vbva.updates()
    }
    /// Clears the dirty update history.
    pub fn clear_dirty_updates(&mut self) {
        self.vbva.clear_updates();
    }
    /// The mode the host displays for a screen.
    pub fn current_mode(&self, screen: u32) -> Option<DisplayMode> {
        let g = self.screen_geometry(screen)?;
        let svga_on = screen == 0 && self.svga.as_ref().is_some_and(|s| s.enabled());
        let (source, origin) = if svga_on {
            (ModeSource::Svga, (0, 0))
        } else if screen == 0 && self.screen0_source == ModeSource::Dispi {
            (ModeSource::Dispi, (0, 0))
        } else {
            let s = self.vbva.screen(screen)?;
            (ModeSource::Vbva, (s.origin_x, s.origin_y))
        };
        Some(DisplayMode {
            width: g.width,
            height: g.height,
            bpp: g.bpp,
            pitch: g.pitch,
            vram_offset: g.vram_offset,
            origin,
            source,
        })
    }
    /// The SVGA II device (VMSVGA, VBoxSVGA), if the controller has one.
    pub fn svga(&self) -> Option<&Svga> {
        self.svga.as_ref()
    }
    /// The SVGA II device, to install a hostile behaviour.
    pub fn svga_mut(&mut self) -> Option<&mut Svga> {
        self.svga.as_mut()
    }
    /// The host pointer: shape (RGBA), visibility.
    pub fn pointer(&self) -> &HostPointer {
        &self.pointer
    }
    /// The host pointer position in desktop pixels.
    pub fn pointer_position(&self) -> (i32, i32) {
        (self.mouse.x, self.mouse.y)
    }
    /// Whether Main shows the guest "Graphics" facility as Active (auto-resize
    /// offered): VMMDev GRAPHICS capability or VBVA VIDEO_MODE_HINTS caps.
    pub fn graphics_facility_active(&self) -> bool {
        self.vmmdev.guest_capabilities() & GUEST_SUPPORTS_GRAPHICS != 0
            || self.vbva.caps() & VBVACAPS_VIDEO_MODE_HINTS != 0
    }
    /// Backdoor log lines.
    pub fn log_lines(&self) -> &[String] {
        self.vmmdev.log_lines()
    }
    /// Every HGSMI guest buffer submitted, in order, as the host saw it.
    pub fn hgsmi_commands(&self) -> &[HgsmiCommand] {
        &self.hgsmi_log
    }
    /// Port accesses no device claimed.
    pub fn unknown_port_accesses(&self) -> &[PortAccess] {
        &self.unknown_ports
    }
    /// Protocol errors so far.
    pub fn protocol_errors(&self) -> &[ProtocolError] {
        self.errors.errors()
    }
    /// Takes the protocol errors (for tests that expect some).
    pub fn take_protocol_errors(&mut self) -> Vec<ProtocolError> {
        self.errors.take()
    }
    /// Panics listing every protocol error, if there is any.
    pub fn assert_no_protocol_errors(&self) {
        let errors = self.errors.errors();
        assert!(
            errors.is_empty(),
            "the host would have rejected or misread:\n{}",
            errors
                .iter()
                .map(|e| format!("  - {e}\n"))
                .collect::<String>()
        );
    }
}

fn svga_config(config: &MachineConfig) -> SvgaConfig {
    SvgaConfig {
        host: config.svga_host,
        vram_size: config.vram_size,
        fifo_size: config.svga_fifo_size,
        monitors: config.monitor_count,
    }
}

/// The VGA function of the configured personality (vmsvga.md section 1).
fn vga_function(config: &MachineConfig) -> PciFunction {
    let vram = BarDef {
        size: next_pow2(config.vram_size),
        kind: BarKind::Memory { prefetchable: true },
    };
    let io = BarDef {
        size: 16,
        kind: BarKind::Io,
    };
    let fifo = BarDef {
        size: next_pow2(config.svga_fifo_size),
        // QEMU's FIFO BAR is prefetchable, VirtualBox's is not.
        kind: BarKind::Memory {
            prefetchable: config.svga_host == SvgaHost::Qemu,
        },
    };
    let (vendor, device_id) = match config.graphics {
        GraphicsController::VmSvga => (VMWARE_VENDOR, SVGA2_DEVICE),
        _ => (0x80EE, 0xBEEF),
    };
    let vram_entry = (vram, config.vram_base);
    let io_entry = (io, u32::from(config.svga_io_base));
    let fifo_entry = (fifo, config.svga_fifo_base);
    let bars: Vec<(BarDef, u32)> = match config.graphics {
        GraphicsController::VBoxVga => vec![vram_entry],
        GraphicsController::VBoxSvga => vec![vram_entry, io_entry, fifo_entry],
        GraphicsController::VmSvga => vec![io_entry, vram_entry, fifo_entry],
    };
    let mut f = PciFunction::new(
        VGA_PCI,
        PciIdentity {
            vendor,
            device_id,
            class: (0x03, 0x00, 0),
            header_type: 0,
            interrupt_pin: if config.svga_host == SvgaHost::Qemu && config.graphics.has_svga() {
                0
            } else {
                1
            },
            interrupt_line: 10,
        },
        &bars,
        COMMAND_IO | COMMAND_MEMORY,
    );
    if config.graphics.has_svga() {
        f.set_subsystem(VMWARE_VENDOR, SVGA2_DEVICE);
    }
    f
}
