//! The memory-map normaliser (raw Multiboot2 entries in any order, overlapping,
//! wrapping) and the invariants its output promises.

use vitrine::boot::memory_map::{MemoryMap, RawRegion, RegionKind};

pub const TARGET: crate::Target = crate::Target {
    name: "memory-map",
    about: "raw memory-map entries -> MemoryMap (sorted, disjoint, merged)",
    run,
    seeds,
};

const ENTRY: usize = 20;

fn run(data: &[u8]) {
    let raw = data.chunks_exact(ENTRY).map(|entry| RawRegion {
        start: u64::from_le_bytes(entry[0..8].try_into().unwrap()),
        len: u64::from_le_bytes(entry[8..16].try_into().unwrap()),
        kind: RegionKind::from_multiboot_type(u32::from_le_bytes(
            entry[16..20].try_into().unwrap(),
        )),
    });
    let map = MemoryMap::from_raw(raw);
    let regions = map.regions();
    for region in regions {
        assert!(region.start < region.end, "empty region {region:?}");
    }
    for pair in regions.windows(2) {
        assert!(
            pair[0].end <= pair[1].start,
            "unsorted or overlapping: {pair:?}"
        );
        if map.warnings().dropped_regions == 0 {
            assert!(
                !(pair[0].end == pair[1].start && pair[0].kind == pair[1].kind),
                "adjacent regions of one kind not merged: {pair:?}"
            );
        }
    }
    let _ = map.usable_kib();
    let _ = format!("{}", map.warnings());
}

fn entry(start: u64, len: u64, kind: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&start.to_le_bytes());
    bytes.extend_from_slice(&len.to_le_bytes());
    bytes.extend_from_slice(&kind.to_le_bytes());
    bytes
}

fn seeds() -> Vec<Vec<u8>> {
    vec![
        // SeaBIOS-like: low RAM, the BIOS hole, RAM above 1 MiB, ACPI.
        [
            entry(0, 0x9fc00, 1),
            entry(0x9fc00, 0x400, 2),
            entry(0xf0000, 0x10000, 2),
            entry(0x100000, 0x7ee0000, 1),
            entry(0x7fe0000, 0x20000, 3),
        ]
        .concat(),
        // Overlapping, unsorted, zero-length and wrapping entries.
        [
            entry(0x200000, 0x100000, 1),
            entry(0x100000, 0x180000, 2),
            entry(0, 0, 1),
            entry(u64::MAX - 10, 100, 1),
            entry(0x1000, 0x1000, 0xdead),
        ]
        .concat(),
    ]
}
