//! PCI configuration space of a fake bus -> the scan (bridges, multi-function
//! devices, BAR sizing) and VMMDev's resource probe on every function found.
//!
//! Input: records of [`RECORD`] bytes: a location byte (bits 0-2 function, 3-7
//! device), a bus byte, the 64-byte header, then six BAR size masks (what a BAR reads
//! after all ones were written to it). Absent functions read all ones.

use std::collections::HashMap;
use vitrine::drivers::vmmdev::PciResources;
use vitrine::hal::PciConfig;
use vitrine::platform::pci;

pub const TARGET: crate::Target = crate::Target {
    name: "pci",
    about: "PCI configuration space of a fake bus -> PciScan and VMMDev's probe",
    run,
    seeds,
};

/// Location (2) + header (64) + BAR masks (24).
pub const RECORD: usize = 2 + 64 + 24;

struct Function {
    header: [u32; 16],
    masks: [u32; 6],
    sizing: [bool; 6],
}

struct FakeBus {
    functions: HashMap<(u8, u8, u8), Function>,
    accesses: u64,
}

impl PciConfig for FakeBus {
    fn read_config(&mut self, bus: u8, device: u8, function: u8, offset: u8) -> u32 {
        self.accesses += 1;
        let Some(f) = self.functions.get(&(bus, device, function)) else {
            return u32::MAX;
        };
        let index = usize::from(offset / 4);
        if (4..10).contains(&index) && f.sizing[index - 4] {
            return f.masks[index - 4];
        }
        f.header.get(index).copied().unwrap_or(0)
    }

    fn write_config(&mut self, bus: u8, device: u8, function: u8, offset: u8, value: u32) {
        self.accesses += 1;
        let Some(f) = self.functions.get_mut(&(bus, device, function)) else {
            return;
        };
        let index = usize::from(offset / 4);
        if (4..10).contains(&index) {
            // All ones starts a size probe; anything else is an address.
            f.sizing[index - 4] = value == u32::MAX;
            if value != u32::MAX {
                f.header[index] = value;
            }
        } else if let Some(slot) = f.header.get_mut(index) {
            *slot = value;
        }
    }
}

fn words<const N: usize>(bytes: &[u8]) -> [u32; N] {
    let mut out = [0u32; N];
    for (slot, chunk) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *slot = u32::from_le_bytes(chunk.try_into().unwrap());
    }
    out
}

fn run(data: &[u8]) {
    let mut bus = FakeBus {
        functions: HashMap::new(),
        accesses: 0,
    };
    for record in data.chunks_exact(RECORD) {
        let location = (record[1], record[0] >> 3, record[0] & 7);
        bus.functions.insert(
            location,
            Function {
                header: words(&record[2..66]),
                masks: words(&record[66..90]),
                sizing: [false; 6],
            },
        );
    }
    let scan = pci::enumerate(&mut bus);
    assert!(
        bus.accesses < 2_000_000,
        "the scan made {} config accesses",
        bus.accesses
    );
    for function in scan.functions() {
        let _ = function.memory_bar(1 << 20);
        let _ = function.io_bar();
        let _ = format!("{}", function.status_fields());
        let a = function.address;
        let subsystem = bus.read_config(a.bus, a.device, a.function, 0x2C);
        let _ = vitrine::system::vga_pci_info(function, subsystem);
        let _ = PciResources::probe(&mut bus, a.bus, a.device, a.function);
    }
    let _ = scan.dropped();
}

/// One record: `header` words at their offsets, `masks` for the BARs.
pub fn record(
    bus: u8,
    device: u8,
    function: u8,
    header: &[(usize, u32)],
    masks: [u32; 6],
) -> Vec<u8> {
    let mut words = [0u32; 16];
    for (offset, value) in header {
        words[offset / 4] = *value;
    }
    let mut bytes = vec![(device << 3) | function, bus];
    bytes.extend(words.iter().flat_map(|w| w.to_le_bytes()));
    bytes.extend(masks.iter().flat_map(|w| w.to_le_bytes()));
    bytes
}

fn seeds() -> Vec<Vec<u8>> {
    // The VirtualBox bus: host bridge, ISA bridge, VGA, VMMDev, and a bridge to bus 1.
    let no_bars = [0; 6];
    vec![[
        record(0, 0, 0, &[(0, 0x1237_8086), (8, 0x0600_0002)], no_bars),
        record(
            0,
            1,
            0,
            &[(0, 0x7000_8086), (8, 0x0601_0000), (0xc, 0x0080_0000)],
            no_bars,
        ),
        record(
            0,
            2,
            0,
            &[
                (0, 0xbeef_80ee),
                (8, 0x0300_0000),
                (0x10, 0xe000_0008),
                (0x3c, 0x010a),
            ],
            [0xfc00_0008, 0, 0, 0, 0, 0],
        ),
        record(
            0,
            4,
            0,
            &[
                (0, 0xcafe_80ee),
                (4, 0x0003),
                (8, 0x0880_0000),
                (0x10, 0xd021),
                (0x14, 0xf000_0000),
                (0x3c, 0x010b),
            ],
            [0xffff_ffe1, 0xffc0_0000, 0, 0, 0, 0],
        ),
        record(
            0,
            5,
            0,
            &[
                (0, 0x0001_1b36),
                (8, 0x0604_0000),
                (0xc, 0x0001_0000),
                (0x18, 0x0001_0100),
            ],
            no_bars,
        ),
        record(
            1,
            0,
            0,
            &[
                (0, 0x1000_1af4),
                (8, 0x0200_0000),
                (0x10, 0xc000_000c),
                (0x14, 0x1),
            ],
            [0xffff_c00c, 0xffff_ffff, 0, 0, 0, 0],
        ),
    ]
    .concat()]
}
