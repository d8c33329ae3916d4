//! The largest piece of free RAM: usable memory from the map, minus what is already
//! in use (the kernel image, the boot information), for the one region the kernel
//! takes at boot (the glyph cache's arena; there is no allocator).

use super::memory_map::MemoryMap;

/// Page size the region is aligned to.
const PAGE: u64 = 4096;

/// The largest page-aligned range `[start, end)` of usable RAM inside `[from, below)`
/// that overlaps none of `taken` (ranges `[start, end)`, in any order, may overlap).
pub fn largest_free(
    map: &MemoryMap,
    taken: &[(u64, u64)],
    from: u64,
    below: u64,
) -> Option<(u64, u64)> {
    let mut best: Option<(u64, u64)> = None;
    let mut consider = |start: u64, end: u64| {
        let start = start.div_ceil(PAGE).saturating_mul(PAGE);
        let end = end / PAGE * PAGE;
        if end > start && best.is_none_or(|(s, e)| end - start > e - s) {
            best = Some((start, end));
        }
    };
    for region in map.usable() {
        let (start, end) = (region.start.max(from), region.end.min(below));
        let mut cursor = start;
        while cursor < end {
            // The taken range that starts first among those still ahead of the cursor.
            let next = taken
                .iter()
                .filter(|&&(s, e)| e > cursor && s < end && s < e)
                .min_by_key(|&&(s, _)| s);
            match next {
                Some(&(s, e)) => {
                    consider(cursor, s.max(cursor));
                    cursor = e;
                }
                None => {
                    consider(cursor, end);
                    break;
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boot::memory_map::{RawRegion, RegionKind};

    fn map(regions: &[(u64, u64, RegionKind)]) -> MemoryMap {
        MemoryMap::from_raw(regions.iter().map(|&(start, len, kind)| RawRegion {
            start,
            len,
            kind,
        }))
    }

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn a_4_mib_vm_gives_what_follows_the_kernel_and_the_boot_information() {
        let m = map(&[
            (0, 0x9fc00, RegionKind::Usable),
            (MIB, 3 * MIB - 0x10000, RegionKind::Usable),
            (4 * MIB - 0x10000, 0x10000, RegionKind::AcpiReclaimable),
        ]);
        let kernel = (MIB, MIB + 0xE0000);
        let info = (MIB + 0xE0000, MIB + 0xE1234);
        assert_eq!(
            largest_free(&m, &[info, kernel], MIB, 4096 * MIB),
            Some((MIB + 0xE2000, 4 * MIB - 0x10000))
        );
    }

    #[test]
    fn the_largest_piece_wins_and_low_memory_is_left_alone() {
        let m = map(&[
            (0, 0x9fc00, RegionKind::Usable),
            (MIB, 7 * MIB, RegionKind::Usable),
            (3 * MIB, 0x1000, RegionKind::Reserved),
        ]);
        // The boot information splits what is left: 2.5..3 MiB and 3 MiB + 4 KiB .. 8.
        let taken = [(MIB, 2 * MIB), (2 * MIB, 2 * MIB + MIB / 2)];
        assert_eq!(
            largest_free(&m, &taken, MIB, 4096 * MIB),
            Some((3 * MIB + 0x1000, 8 * MIB))
        );
        // Nothing at or above 1 MiB: no region, even though low memory is usable.
        let low = map(&[(0, 0x9fc00, RegionKind::Usable)]);
        assert_eq!(largest_free(&low, &[], MIB, 4096 * MIB), None);
    }

    #[test]
    fn overlapping_and_unsorted_taken_ranges_and_the_upper_limit() {
        let m = map(&[(MIB, 15 * MIB, RegionKind::Usable)]);
        let taken = [
            (10 * MIB, 11 * MIB),
            (MIB, 3 * MIB),
            (2 * MIB, 4 * MIB),
            (5 * MIB, 5 * MIB), // empty: ignored
        ];
        assert_eq!(
            largest_free(&m, &taken, MIB, 9 * MIB),
            Some((4 * MIB, 9 * MIB))
        );
        assert_eq!(
            largest_free(&m, &taken, MIB, 16 * MIB),
            Some((4 * MIB, 10 * MIB))
        );
        // Everything taken.
        assert_eq!(largest_free(&m, &[(0, u64::MAX)], MIB, 16 * MIB), None);
    }

    #[test]
    fn unaligned_edges_shrink_to_whole_pages() {
        let m = map(&[(MIB + 10, 0x3000, RegionKind::Usable)]);
        assert_eq!(
            largest_free(&m, &[], MIB, u64::MAX),
            Some((MIB + 0x1000, MIB + 0x3000))
        );
        let tiny = map(&[(MIB + 10, 0x1000, RegionKind::Usable)]);
        assert_eq!(largest_free(&tiny, &[], MIB, u64::MAX), None);
    }
}
