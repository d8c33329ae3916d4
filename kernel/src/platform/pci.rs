//! PCI enumeration over the `PciConfig` trait: functions, BARs and their sizes, IRQs.
//!
//! Buses are found by following bridges from bus 0 (and from each host bridge
//! function when 00:00.0 is multi-function), with a visited set so a hostile or
//! broken bridge configuration cannot loop. BAR sizes are probed with decode off and
//! every BAR and the command register are restored: the scan leaves devices as found.

use core::fmt;

use crate::hal::PciConfig;

/// How many functions the scan keeps; more are counted in `PciScan::dropped`.
pub const MAX_FUNCTIONS: usize = 64;

/// Configuration-space register offsets (PCI Local Bus spec 3.0, section 6.1).
mod regs {
    pub const VENDOR_DEVICE: u8 = 0x00;
    pub const COMMAND_STATUS: u8 = 0x04;
    pub const CLASS_REVISION: u8 = 0x08;
    pub const HEADER_TYPE_DWORD: u8 = 0x0c;
    pub const BAR0: u8 = 0x10;
    pub const BUS_NUMBERS: u8 = 0x18;
    pub const INTERRUPT: u8 = 0x3c;
}

bitflags::bitflags! {
    /// The command register (low half of dword 0x04).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Command: u16 {
        /// Responds to I/O space accesses.
        const IO_SPACE = 1 << 0;
        /// Responds to memory space accesses.
        const MEMORY_SPACE = 1 << 1;
        /// May master the bus (DMA).
        const BUS_MASTER = 1 << 2;
        /// INTx assertion disabled.
        const INTERRUPT_DISABLE = 1 << 10;
        // Other bits (special cycles, MWI, palette snoop, parity, SERR, fast b2b)
        // are kept as read and never changed by us.
        const _ = !0;
    }
}

/// A function's place on the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PciAddress {
    /// Bus number.
    pub bus: u8,
    /// Device number, 0..32.
    pub device: u8,
    /// Function number, 0..8.
    pub function: u8,
}

impl fmt::Display for PciAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x}:{:02x}.{}", self.bus, self.device, self.function)
    }
}

/// What address space a BAR decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    /// I/O ports.
    Io,
    /// Memory below 4 GiB.
    Memory32 {
        /// Reads have no side effects (may be mapped write-combining / cached).
        prefetchable: bool,
    },
    /// Memory anywhere in 64-bit space; takes two BAR slots.
    Memory64 {
        /// Reads have no side effects.
        prefetchable: bool,
    },
}

/// One decoded base address register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bar {
    /// BAR slot number (0..6); a 64-bit BAR also uses `index + 1`.
    pub index: u8,
    /// Address space and flags.
    pub kind: BarKind,
    /// Base address as programmed by the firmware.
    pub address: u64,
    /// Size in bytes, from the all-ones probe.
    pub size: u64,
}

impl Bar {
    /// True for memory BARs (32- or 64-bit).
    pub fn is_memory(&self) -> bool {
        !matches!(self.kind, BarKind::Io)
    }
}

/// One function found by the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PciFunction {
    /// Where it is.
    pub address: PciAddress,
    /// Vendor ID.
    pub vendor_id: u16,
    /// Device ID.
    pub device_id: u16,
    /// Base class code.
    pub class: u8,
    /// Subclass code.
    pub subclass: u8,
    /// Programming interface.
    pub prog_if: u8,
    /// Revision ID.
    pub revision: u8,
    /// Header layout (0 device, 1 PCI-PCI bridge, 2 CardBus), multi-function bit cleared.
    pub header_type: u8,
    /// Interrupt line the firmware routed (legacy PIC/IOAPIC input), 0xff = none.
    pub interrupt_line: u8,
    /// Interrupt pin: 0 none, 1..=4 INTA..INTD.
    pub interrupt_pin: u8,
    /// Decoded BARs (unimplemented slots are left out).
    pub bars: heapless::Vec<Bar, 6>,
    /// For bridges: the bus behind it.
    pub secondary_bus: Option<u8>,
}

impl PciFunction {
    /// The first memory BAR at least `min_size` bytes long, largest-first ties aside.
    pub fn memory_bar(&self, min_size: u64) -> Option<&Bar> {
        self.bars
            .iter()
            .filter(|b| b.is_memory() && b.size >= min_size)
            .max_by_key(|b| b.size)
    }

    /// The first I/O BAR.
    pub fn io_bar(&self) -> Option<&Bar> {
        self.bars.iter().find(|b| !b.is_memory())
    }

    /// The interrupt line, if the function has a pin and the firmware routed it.
    pub fn irq(&self) -> Option<u8> {
        (self.interrupt_pin != 0 && self.interrupt_line != 0xff).then_some(self.interrupt_line)
    }

    /// The fields of the `@vitrine pci` status line:
    /// `dev=BB:DD.F id=VVVV:DDDD class=CC.SS irq=N` (`irq=none` without an interrupt).
    pub fn status_fields(&self) -> StatusFields<'_> {
        StatusFields(self)
    }
}

/// Formats a function as the fields of its status line (see `status_fields`).
pub struct StatusFields<'a>(&'a PciFunction);

impl fmt::Display for StatusFields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let function = self.0;
        write!(
            f,
            "dev={} id={:04x}:{:04x} class={:02x}.{:02x} irq=",
            function.address,
            function.vendor_id,
            function.device_id,
            function.class,
            function.subclass
        )?;
        match function.irq() {
            Some(line) => write!(f, "{line}"),
            None => f.write_str("none"),
        }
    }
}

/// The result of a scan.
#[derive(Debug, Clone, Default)]
pub struct PciScan {
    functions: heapless::Vec<PciFunction, MAX_FUNCTIONS>,
    dropped: usize,
}

impl PciScan {
    /// Every function found, in bus/device/function order per bus, buses in discovery order.
    pub fn functions(&self) -> &[PciFunction] {
        &self.functions
    }

    /// Functions found beyond `MAX_FUNCTIONS` (not kept).
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// The first function with this vendor and device ID.
    pub fn find(&self, vendor_id: u16, device_id: u16) -> Option<&PciFunction> {
        self.functions
            .iter()
            .find(|f| f.vendor_id == vendor_id && f.device_id == device_id)
    }
}

/// Enumerates every reachable function.
pub fn enumerate<C: PciConfig>(config: &mut C) -> PciScan {
    let mut scan = PciScan::default();
    let mut visited = [false; 256];
    let mut pending: heapless::Vec<u8, 256> = heapless::Vec::new();

    // A multi-function host bridge at 00:00 means one root bus per function.
    let host = PciAddress {
        bus: 0,
        device: 0,
        function: 0,
    };
    let roots = if vendor_id(config, host).is_some() && is_multi_function(config, host) {
        (0..8u8)
            .filter(|&function| vendor_id(config, PciAddress { function, ..host }).is_some())
            .fold(0u8, |mask, function| mask | 1 << function)
    } else {
        1
    };
    for bus in (0..8u8).filter(|bus| roots & (1 << bus) != 0) {
        visited[bus as usize] = true;
        let _ = pending.push(bus);
    }

    // Breadth-first over buses; `pending` has room for every bus number once.
    let mut next = 0;
    while next < pending.len() {
        let bus = pending[next];
        next += 1;
        for device in 0..32u8 {
            let first = PciAddress {
                bus,
                device,
                function: 0,
            };
            if vendor_id(config, first).is_none() {
                continue;
            }
            let functions = if is_multi_function(config, first) {
                8
            } else {
                1
            };
            for function in 0..functions {
                let address = PciAddress { function, ..first };
                let Some(found) = read_function(config, address) else {
                    continue;
                };
                if let Some(secondary) = found.secondary_bus {
                    if !visited[secondary as usize] {
                        visited[secondary as usize] = true;
                        let _ = pending.push(secondary);
                    }
                }
                if scan.functions.push(found).is_err() {
                    scan.dropped += 1;
                }
            }
        }
    }
    scan
}

fn read(config: &mut impl PciConfig, address: PciAddress, offset: u8) -> u32 {
    config.read_config(address.bus, address.device, address.function, offset)
}

fn write(config: &mut impl PciConfig, address: PciAddress, offset: u8, value: u32) {
    config.write_config(address.bus, address.device, address.function, offset, value)
}

fn vendor_id(config: &mut impl PciConfig, address: PciAddress) -> Option<u16> {
    let vendor = read(config, address, regs::VENDOR_DEVICE) as u16;
    // 0xffff: nothing answers; 0x0000: not a valid vendor either (seen on broken buses).
    (vendor != 0xffff && vendor != 0).then_some(vendor)
}

fn is_multi_function(config: &mut impl PciConfig, address: PciAddress) -> bool {
    read(config, address, regs::HEADER_TYPE_DWORD) & (0x80 << 16) != 0
}

fn read_function(config: &mut impl PciConfig, address: PciAddress) -> Option<PciFunction> {
    let id = read(config, address, regs::VENDOR_DEVICE);
    if matches!(id as u16, 0xffff | 0) {
        return None;
    }
    let class = read(config, address, regs::CLASS_REVISION);
    let header_type = ((read(config, address, regs::HEADER_TYPE_DWORD) >> 16) & 0x7f) as u8;
    let interrupt = read(config, address, regs::INTERRUPT);

    let (bar_slots, secondary_bus) = match header_type {
        0 => (6, None),
        1 => {
            let buses = read(config, address, regs::BUS_NUMBERS);
            (2, Some((buses >> 8) as u8))
        }
        // CardBus bridges and unknown layouts: no BARs we understand.
        _ => (0, None),
    };
    let bars = probe_bars(config, address, bar_slots);

    Some(PciFunction {
        address,
        vendor_id: id as u16,
        device_id: (id >> 16) as u16,
        class: (class >> 24) as u8,
        subclass: (class >> 16) as u8,
        prog_if: (class >> 8) as u8,
        revision: class as u8,
        header_type,
        interrupt_line: interrupt as u8,
        interrupt_pin: (interrupt >> 8) as u8,
        bars,
        // A bridge pointing back at bus 0 is unconfigured, not a second root.
        secondary_bus: secondary_bus.filter(|&bus| bus != 0),
    })
}

/// Decodes and sizes the first `slots` BARs with I/O and memory decode turned off,
/// so a half-written BAR never claims someone else's addresses, then restores all.
fn probe_bars(
    config: &mut impl PciConfig,
    address: PciAddress,
    slots: u8,
) -> heapless::Vec<Bar, 6> {
    let mut bars = heapless::Vec::new();
    if slots == 0 {
        return bars;
    }
    let command_status = read(config, address, regs::COMMAND_STATUS);
    let command = Command::from_bits_retain(command_status as u16);
    let quiet = command - Command::IO_SPACE - Command::MEMORY_SPACE;
    // The status half is write-1-to-clear: write zeros there so nothing is cleared.
    write(config, address, regs::COMMAND_STATUS, quiet.bits() as u32);

    let mut index = 0u8;
    while index < slots {
        let offset = regs::BAR0 + index * 4;
        let original = read(config, address, offset);
        let probed = probe(config, address, offset, original);
        let this = index;
        index += 1;
        if original & 1 == 1 {
            // I/O BAR: bits 1:0 are flags; devices may leave the upper half zero.
            let mask = probed & !0x3;
            if mask == 0 {
                continue;
            }
            let mask = if mask & 0xffff_0000 == 0 {
                mask | 0xffff_0000
            } else {
                mask
            };
            let _ = bars.push(Bar {
                index: this,
                kind: BarKind::Io,
                address: (original & !0x3) as u64,
                size: (!mask).wrapping_add(1) as u64,
            });
            continue;
        }
        let prefetchable = original & 0x8 != 0;
        match (original >> 1) & 0x3 {
            0b10 if index < slots => {
                let high_offset = offset + 4;
                let high_original = read(config, address, high_offset);
                let high_probed = probe(config, address, high_offset, high_original);
                index += 1;
                let mask = ((high_probed as u64) << 32) | (probed & !0xf) as u64;
                if mask == 0 {
                    continue;
                }
                let _ = bars.push(Bar {
                    index: this,
                    kind: BarKind::Memory64 { prefetchable },
                    address: ((high_original as u64) << 32) | (original & !0xf) as u64,
                    size: (!mask).wrapping_add(1),
                });
            }
            // 32-bit (or the obsolete below-1-MiB type, decoded the same way).
            0b00 | 0b01 => {
                let mask = probed & !0xf;
                if mask == 0 {
                    continue;
                }
                let _ = bars.push(Bar {
                    index: this,
                    kind: BarKind::Memory32 { prefetchable },
                    address: (original & !0xf) as u64,
                    size: (!mask).wrapping_add(1) as u64,
                });
            }
            // Reserved type, or a 64-bit BAR in the last slot with no upper half.
            _ => {}
        }
    }

    write(config, address, regs::COMMAND_STATUS, command.bits() as u32);
    bars
}

/// Writes all ones to a BAR, reads back which bits stick, restores the original.
fn probe(config: &mut impl PciConfig, address: PciAddress, offset: u8, original: u32) -> u32 {
    write(config, address, offset, 0xffff_ffff);
    let probed = read(config, address, offset);
    write(config, address, offset, original);
    probed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A function's config space: 64 dwords, plus which BAR bits are writable.
    #[derive(Clone)]
    struct FakeFunction {
        space: [u32; 64],
        writable: [u32; 64],
    }

    impl FakeFunction {
        fn new(vendor: u16, device: u16, class: u8, subclass: u8, header: u8) -> Self {
            let mut space = [0u32; 64];
            space[0] = vendor as u32 | (device as u32) << 16;
            space[2] = (class as u32) << 24 | (subclass as u32) << 16 | 0x01;
            space[3] = (header as u32) << 16;
            // Command: I/O + memory + bus master on; status: some RW1C bits set.
            space[1] = 0x0007 | 0x2010 << 16;
            let mut writable = [0u32; 64];
            writable[1] = 0x0000_07ff;
            writable[0x3c / 4] = 0xff;
            Self { space, writable }
        }

        fn multi_function(mut self) -> Self {
            self.space[3] |= 0x80 << 16;
            self
        }

        fn interrupt(mut self, line: u8, pin: u8) -> Self {
            self.space[0x3c / 4] = line as u32 | (pin as u32) << 8;
            self
        }

        fn io_bar(mut self, slot: usize, base: u32, size: u32) -> Self {
            self.space[4 + slot] = base | 1;
            // I/O BARs often implement only 16 address bits.
            self.writable[4 + slot] = !(size - 1) & 0xffff & !0x3;
            self
        }

        fn mem32_bar(mut self, slot: usize, base: u32, size: u32, prefetchable: bool) -> Self {
            self.space[4 + slot] = base | if prefetchable { 0x8 } else { 0 };
            self.writable[4 + slot] = !(size - 1) & !0xf;
            self
        }

        fn mem64_bar(mut self, slot: usize, base: u64, size: u64) -> Self {
            self.space[4 + slot] = base as u32 | 0x4 | 0x8;
            self.space[5 + slot] = (base >> 32) as u32;
            let mask = !(size - 1);
            self.writable[4 + slot] = mask as u32 & !0xf;
            self.writable[5 + slot] = (mask >> 32) as u32;
            self
        }

        fn bridge_to(mut self, secondary: u8) -> Self {
            self.space[6] = (secondary as u32) << 8 | (secondary as u32) << 16;
            self
        }
    }

    #[derive(Default)]
    struct FakeBus {
        functions: BTreeMap<(u8, u8, u8), FakeFunction>,
        /// Set when a BAR was written while its function decoded I/O or memory.
        wrote_bar_while_decoding: bool,
        /// Set when a write touched the status half with ones (would clear RW1C bits).
        cleared_status: bool,
        reads: usize,
    }

    impl FakeBus {
        fn with(mut self, bus: u8, device: u8, function: u8, f: FakeFunction) -> Self {
            self.functions.insert((bus, device, function), f);
            self
        }
    }

    impl PciConfig for FakeBus {
        fn read_config(&mut self, bus: u8, device: u8, function: u8, offset: u8) -> u32 {
            assert_eq!(offset % 4, 0, "unaligned config read");
            self.reads += 1;
            match self.functions.get(&(bus, device, function)) {
                Some(f) => f.space[offset as usize / 4],
                None => 0xffff_ffff,
            }
        }

        fn write_config(&mut self, bus: u8, device: u8, function: u8, offset: u8, value: u32) {
            assert_eq!(offset % 4, 0, "unaligned config write");
            let Some(f) = self.functions.get_mut(&(bus, device, function)) else {
                return;
            };
            let index = offset as usize / 4;
            if (4..10).contains(&index) && f.space[1] & 0x3 != 0 {
                self.wrote_bar_while_decoding = true;
            }
            if index == 1 && value >> 16 != 0 {
                self.cleared_status = true;
            }
            let mask = f.writable[index];
            f.space[index] = (f.space[index] & !mask) | (value & mask);
        }
    }

    fn addr(bus: u8, device: u8, function: u8) -> PciAddress {
        PciAddress {
            bus,
            device,
            function,
        }
    }

    fn qemu_like_bus() -> FakeBus {
        FakeBus::default()
            .with(0, 0, 0, FakeFunction::new(0x8086, 0x1237, 0x06, 0x00, 0))
            .with(
                0,
                1,
                0,
                FakeFunction::new(0x8086, 0x7000, 0x06, 0x01, 0).multi_function(),
            )
            .with(
                0,
                1,
                1,
                FakeFunction::new(0x8086, 0x7010, 0x01, 0x01, 0).io_bar(4, 0xc040, 16),
            )
            .with(
                0,
                2,
                0,
                FakeFunction::new(0x1234, 0x1111, 0x03, 0x00, 0)
                    .mem32_bar(0, 0xfd00_0000, 16 << 20, true)
                    .mem32_bar(2, 0xfebf_0000, 4096, false),
            )
            .with(
                0,
                3,
                0,
                FakeFunction::new(0x80ee, 0xcafe, 0x08, 0x80, 0)
                    .io_bar(0, 0xd020, 32)
                    .mem32_bar(1, 0xf040_0000, 4 << 20, false)
                    .mem64_bar(2, 0x8_0000_0000, 1 << 32)
                    .interrupt(11, 1),
            )
    }

    #[test]
    fn finds_every_function_including_multi_function_devices() {
        let scan = enumerate(&mut qemu_like_bus());
        let found: Vec<PciAddress> = scan.functions().iter().map(|f| f.address).collect();
        assert_eq!(
            found,
            [
                addr(0, 0, 0),
                addr(0, 1, 0),
                addr(0, 1, 1),
                addr(0, 2, 0),
                addr(0, 3, 0)
            ]
        );
        assert_eq!(scan.dropped(), 0);
    }

    #[test]
    fn single_function_device_is_not_probed_beyond_function_zero() {
        // Some single-function devices answer on every function number; the
        // multi-function bit says whether those are real.
        let mut bus = FakeBus::default().with(0, 0, 0, FakeFunction::new(0x8086, 0x1237, 6, 0, 0));
        for function in 1..8 {
            bus = bus.with(0, 5, function, FakeFunction::new(0x1af4, 0x1000, 2, 0, 0));
        }
        bus = bus.with(0, 5, 0, FakeFunction::new(0x1af4, 0x1000, 2, 0, 0));
        let scan = enumerate(&mut bus);
        assert_eq!(scan.functions().len(), 2);
    }

    #[test]
    fn decodes_ids_class_and_interrupts() {
        let scan = enumerate(&mut qemu_like_bus());
        let vmmdev = scan.find(0x80ee, 0xcafe).expect("vmmdev found");
        assert_eq!((vmmdev.class, vmmdev.subclass), (0x08, 0x80));
        assert_eq!(vmmdev.irq(), Some(11));
        assert_eq!(vmmdev.interrupt_pin, 1);
        let vga = scan.find(0x1234, 0x1111).expect("vga found");
        assert_eq!(vga.irq(), None);
        assert!(scan.find(0x1234, 0x2222).is_none());
    }

    #[test]
    fn decodes_and_sizes_io_mem32_mem64_bars() {
        let scan = enumerate(&mut qemu_like_bus());
        let vmmdev = scan.find(0x80ee, 0xcafe).unwrap();
        assert_eq!(
            vmmdev.bars.as_slice(),
            &[
                Bar {
                    index: 0,
                    kind: BarKind::Io,
                    address: 0xd020,
                    size: 32
                },
                Bar {
                    index: 1,
                    kind: BarKind::Memory32 {
                        prefetchable: false
                    },
                    address: 0xf040_0000,
                    size: 4 << 20
                },
                Bar {
                    index: 2,
                    kind: BarKind::Memory64 { prefetchable: true },
                    address: 0x8_0000_0000,
                    size: 1 << 32
                },
            ]
        );
        let vga = scan.find(0x1234, 0x1111).unwrap();
        let framebuffer = vga.memory_bar(1 << 20).unwrap();
        assert_eq!(framebuffer.index, 0);
        assert_eq!(framebuffer.kind, BarKind::Memory32 { prefetchable: true });
        assert_eq!(framebuffer.size, 16 << 20);
        assert_eq!(vga.bars.len(), 2, "unimplemented BAR slots are left out");
        let ide = scan.find(0x8086, 0x7010).unwrap();
        assert_eq!(ide.io_bar().map(|b| (b.index, b.size)), Some((4, 16)));
    }

    #[test]
    fn leaves_bars_and_command_as_found_and_never_decodes_while_probing() {
        let mut bus = qemu_like_bus();
        let before: Vec<[u32; 64]> = bus.functions.values().map(|f| f.space).collect();
        let _ = enumerate(&mut bus);
        let after: Vec<[u32; 64]> = bus.functions.values().map(|f| f.space).collect();
        assert_eq!(before, after);
        assert!(!bus.wrote_bar_while_decoding);
        assert!(!bus.cleared_status);
    }

    #[test]
    fn follows_bridges_to_other_buses() {
        let mut bus = qemu_like_bus()
            .with(
                0,
                4,
                0,
                FakeFunction::new(0x1b36, 0x0001, 0x06, 0x04, 1)
                    .bridge_to(1)
                    .mem32_bar(0, 0xfe00_0000, 256, false),
            )
            .with(
                1,
                0,
                0,
                FakeFunction::new(0x1b36, 0x0001, 0x06, 0x04, 1).bridge_to(2),
            )
            .with(2, 7, 0, FakeFunction::new(0x80ee, 0xbeef, 0x03, 0x00, 0))
            // Unreachable: no bridge leads to bus 9.
            .with(9, 0, 0, FakeFunction::new(0xdead, 0xbeef, 0xff, 0x00, 0));
        let scan = enumerate(&mut bus);
        let bridge = scan.find(0x1b36, 0x0001).unwrap();
        assert_eq!(bridge.header_type, 1);
        assert_eq!(bridge.secondary_bus, Some(1));
        assert_eq!(bridge.bars.len(), 1);
        assert_eq!(
            scan.find(0x80ee, 0xbeef).map(|f| f.address),
            Some(addr(2, 7, 0))
        );
        assert!(scan.find(0xdead, 0xbeef).is_none());
    }

    #[test]
    fn bridge_loops_terminate() {
        let mut bus = FakeBus::default()
            .with(0, 0, 0, FakeFunction::new(0x8086, 0x1237, 6, 0, 0))
            .with(0, 1, 0, FakeFunction::new(0x1b36, 1, 6, 4, 1).bridge_to(1))
            .with(1, 0, 0, FakeFunction::new(0x1b36, 1, 6, 4, 1).bridge_to(1))
            .with(1, 1, 0, FakeFunction::new(0x1b36, 1, 6, 4, 1).bridge_to(0));
        let scan = enumerate(&mut bus);
        assert_eq!(scan.functions().len(), 4);
    }

    #[test]
    fn multi_function_host_bridge_gives_several_root_buses() {
        let mut bus = FakeBus::default()
            .with(
                0,
                0,
                0,
                FakeFunction::new(0x8086, 0x29c0, 6, 0, 0).multi_function(),
            )
            .with(0, 0, 1, FakeFunction::new(0x8086, 0x29c0, 6, 0, 0))
            .with(1, 3, 0, FakeFunction::new(0x10ec, 0x8139, 2, 0, 0));
        let scan = enumerate(&mut bus);
        assert!(scan.find(0x10ec, 0x8139).is_some());
    }

    #[test]
    fn empty_bus_gives_nothing() {
        let mut bus = FakeBus::default();
        let scan = enumerate(&mut bus);
        assert!(scan.functions().is_empty());
        // The host-bridge check plus 32 device probes on bus 0, not 256 buses.
        assert_eq!(bus.reads, 1 + 32);
    }

    #[test]
    fn last_slot_64_bit_bar_and_reserved_type_are_skipped() {
        let mut f = FakeFunction::new(0x1111, 0x2222, 0xff, 0, 0);
        f.space[4 + 5] = 0x4; // 64-bit type in slot 5: no upper half.
        f.writable[4 + 5] = 0xffff_f000;
        f.space[4 + 3] = 0x6; // reserved type 0b11.
        f.writable[4 + 3] = 0xffff_f000;
        let mut bus = FakeBus::default().with(0, 0, 0, f);
        let scan = enumerate(&mut bus);
        assert!(scan.functions()[0].bars.is_empty());
    }

    #[test]
    fn too_many_functions_are_counted() {
        let mut bus = FakeBus::default();
        for device in 0..32 {
            bus = bus.with(
                0,
                device,
                0,
                FakeFunction::new(0x1000, device as u16, 2, 0, 0).multi_function(),
            );
            for function in 1..3 {
                bus = bus.with(0, device, function, FakeFunction::new(0x1000, 0, 2, 0, 0));
            }
        }
        let scan = enumerate(&mut bus);
        assert_eq!(scan.functions().len(), MAX_FUNCTIONS);
        assert_eq!(scan.dropped(), 96 - MAX_FUNCTIONS);
    }

    #[test]
    fn status_fields_match_the_contract() {
        let scan = enumerate(&mut qemu_like_bus());
        let lines: Vec<String> = scan
            .functions()
            .iter()
            .map(|f| f.status_fields().to_string())
            .collect();
        assert_eq!(lines[3], "dev=00:02.0 id=1234:1111 class=03.00 irq=none");
        assert_eq!(lines[4], "dev=00:03.0 id=80ee:cafe class=08.80 irq=11");
    }
}
