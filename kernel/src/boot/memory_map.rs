//! Normalises the boot loader's memory map into sorted, disjoint, merged regions.
//!
//! Firmware maps can be unsorted, overlapping, full of holes, contain zero-length or
//! address-wrapping entries. The rule: a byte is usable only when every entry that
//! covers it says usable; any other kind wins an overlap (the more restrictive kind
//! wins among the non-usable ones). Bytes no entry covers are holes and are left out.

use core::fmt;

/// How many raw entries are considered; the rest are ignored (and counted).
pub const MAX_RAW_REGIONS: usize = 128;
/// Capacity of the normalised map; if it is exceeded the highest regions are dropped
/// (and counted), which only ever loses usable memory, never hands out reserved memory.
pub const MAX_REGIONS: usize = 64;

/// What a range of physical memory is, as far as the kernel cares.
///
/// Declared in order of precedence: when entries overlap, the later variant wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionKind {
    /// Free RAM.
    Usable,
    /// ACPI tables; RAM again once they are parsed (we never reclaim it).
    AcpiReclaimable,
    /// Reserved by firmware or devices.
    Reserved,
    /// ACPI non-volatile storage: must be preserved.
    AcpiNvs,
    /// Defective RAM.
    BadMemory,
}

impl RegionKind {
    /// Maps a Multiboot2 / E820 memory type number (1 available, 3 ACPI reclaimable,
    /// 4 NVS, 5 bad; anything else is reserved).
    pub fn from_multiboot_type(kind: u32) -> Self {
        match kind {
            1 => Self::Usable,
            3 => Self::AcpiReclaimable,
            4 => Self::AcpiNvs,
            5 => Self::BadMemory,
            _ => Self::Reserved,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Usable => "usable",
            Self::AcpiReclaimable => "acpi-reclaimable",
            Self::Reserved => "reserved",
            Self::AcpiNvs => "acpi-nvs",
            Self::BadMemory => "bad",
        }
    }
}

impl fmt::Display for RegionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One entry as the boot loader reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawRegion {
    /// First physical address.
    pub start: u64,
    /// Length in bytes (may be zero or run past the end of the address space).
    pub len: u64,
    /// What the loader says the range is.
    pub kind: RegionKind,
}

/// One normalised region: `start..end`, end exclusive, never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// First physical address.
    pub start: u64,
    /// One past the last address (`u64::MAX` stands for the end of the address space).
    pub end: u64,
    /// The winning kind for the whole range.
    pub kind: RegionKind,
}

impl Region {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Always false: normalised regions are never empty.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// What was odd about the raw map; the kernel logs each non-zero count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MapWarnings {
    /// Entries with a zero length (ignored).
    pub zero_length: u32,
    /// Entries whose end wrapped past 2^64 (clamped to the end of the address space).
    pub wrapped: u32,
    /// Ranges claimed by entries of different kinds (resolved by precedence).
    pub conflicting_overlaps: u32,
    /// Entries beyond `MAX_RAW_REGIONS` (ignored).
    pub ignored_entries: u32,
    /// Normalised regions beyond `MAX_REGIONS` (dropped).
    pub dropped_regions: u32,
}

impl MapWarnings {
    /// True when the raw map was clean.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl fmt::Display for MapWarnings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "zero_length={} wrapped={} conflicting_overlaps={} ignored_entries={} dropped_regions={}",
            self.zero_length,
            self.wrapped,
            self.conflicting_overlaps,
            self.ignored_entries,
            self.dropped_regions
        )
    }
}

/// The normalised map: sorted, disjoint, adjacent regions of one kind merged.
#[derive(Debug, Clone, Default)]
pub struct MemoryMap {
    regions: heapless::Vec<Region, MAX_REGIONS>,
    warnings: MapWarnings,
}

impl MemoryMap {
    /// Normalises `raw` (in any order).
    pub fn from_raw<I: IntoIterator<Item = RawRegion>>(raw: I) -> Self {
        let mut warnings = MapWarnings::default();
        let mut clean: heapless::Vec<Region, MAX_RAW_REGIONS> = heapless::Vec::new();
        for entry in raw {
            if entry.len == 0 {
                warnings.zero_length += 1;
                continue;
            }
            let end = match entry.start.checked_add(entry.len) {
                Some(end) => end,
                None => {
                    warnings.wrapped += 1;
                    u64::MAX
                }
            };
            if end == entry.start {
                // Starts at u64::MAX and wrapped: nothing addressable is left.
                continue;
            }
            let region = Region {
                start: entry.start,
                end,
                kind: entry.kind,
            };
            if clean.push(region).is_err() {
                warnings.ignored_entries += 1;
            }
        }

        // Every start and end is a boundary; between two consecutive boundaries the
        // set of covering entries is constant, so each slice gets exactly one kind.
        let mut bounds: heapless::Vec<u64, { 2 * MAX_RAW_REGIONS }> = heapless::Vec::new();
        for region in &clean {
            // Capacity is exactly two per accepted entry, so these cannot fail.
            let _ = bounds.push(region.start);
            let _ = bounds.push(region.end);
        }
        sort_few(&mut bounds);
        let mut unique_len = 0;
        for i in 0..bounds.len() {
            if unique_len == 0 || bounds[unique_len - 1] != bounds[i] {
                bounds[unique_len] = bounds[i];
                unique_len += 1;
            }
        }
        bounds.truncate(unique_len);

        let mut regions: heapless::Vec<Region, MAX_REGIONS> = heapless::Vec::new();
        for pair in bounds.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            let mut winner: Option<RegionKind> = None;
            let mut conflict = false;
            for region in clean.iter().filter(|r| r.start <= start && end <= r.end) {
                match winner {
                    Some(kind) if kind != region.kind => {
                        conflict = true;
                        winner = Some(kind.max(region.kind));
                    }
                    Some(_) => {}
                    None => winner = Some(region.kind),
                }
            }
            if conflict {
                warnings.conflicting_overlaps += 1;
            }
            let Some(kind) = winner else { continue };
            match regions.last_mut() {
                Some(last) if last.end == start && last.kind == kind => last.end = end,
                _ => {
                    if regions.push(Region { start, end, kind }).is_err() {
                        warnings.dropped_regions += 1;
                    }
                }
            }
        }
        Self { regions, warnings }
    }

    /// The normalised regions, sorted by address.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The usable regions, sorted by address.
    pub fn usable(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(|r| r.kind == RegionKind::Usable)
    }

    /// Total usable memory in KiB (rounded down).
    pub fn usable_kib(&self) -> u64 {
        self.usable().map(Region::len).sum::<u64>() / 1024
    }

    /// What was wrong with the raw map.
    pub fn warnings(&self) -> &MapWarnings {
        &self.warnings
    }
}

/// Sorts `values` ascending by insertion: the boundaries are few (two per map entry)
/// and sorted once at boot, and `sort_unstable` brought 3 KB of code into the image.
fn sort_few(values: &mut [u64]) {
    for i in 1..values.len() {
        let mut j = i;
        while j > 0 && values[j - 1] > values[j] {
            values.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegionKind::*;

    #[test]
    fn sort_few_sorts_like_the_standard_sort() {
        let mut values = [9, 3, u64::MAX, 0, 3, 7, 1, 1, 42, 5];
        let mut expected = values;
        expected.sort_unstable();
        sort_few(&mut values);
        assert_eq!(values, expected);
    }

    fn raw(start: u64, len: u64, kind: RegionKind) -> RawRegion {
        RawRegion { start, len, kind }
    }

    fn region(start: u64, end: u64, kind: RegionKind) -> Region {
        Region { start, end, kind }
    }

    #[test]
    fn typical_bios_map_is_kept_as_is() {
        let map = MemoryMap::from_raw([
            raw(0, 0x9fc00, Usable),
            raw(0x9fc00, 0x400, Reserved),
            raw(0xf0000, 0x10000, Reserved),
            raw(0x100000, 0x7ee0000, Usable),
            raw(0x7fe0000, 0x20000, Reserved),
        ]);
        assert_eq!(
            map.regions(),
            &[
                region(0, 0xa0000 - 0x400, Usable),
                region(0x9fc00, 0xa0000, Reserved),
                region(0xf0000, 0x100000, Reserved),
                region(0x100000, 0x7fe0000, Usable),
                region(0x7fe0000, 0x8000000, Reserved),
            ]
        );
        assert_eq!(map.usable_kib(), (0x9fc00 + 0x7ee0000) / 1024);
        assert!(map.warnings().is_empty());
    }

    #[test]
    fn unsorted_input_comes_out_sorted() {
        let map = MemoryMap::from_raw([
            raw(0x100000, 0x100000, Usable),
            raw(0, 0x1000, Usable),
            raw(0x50000, 0x1000, Reserved),
        ]);
        let starts: Vec<u64> = map.regions().iter().map(|r| r.start).collect();
        assert_eq!(starts, [0, 0x50000, 0x100000]);
    }

    #[test]
    fn reserved_punches_a_hole_into_usable() {
        let map = MemoryMap::from_raw([raw(0x1000, 0x9000, Usable), raw(0x4000, 0x1000, Reserved)]);
        assert_eq!(
            map.regions(),
            &[
                region(0x1000, 0x4000, Usable),
                region(0x4000, 0x5000, Reserved),
                region(0x5000, 0xa000, Usable),
            ]
        );
        assert_eq!(map.usable_kib(), 0x8000 / 1024);
        assert_eq!(map.warnings().conflicting_overlaps, 1);
    }

    #[test]
    fn reserved_wins_regardless_of_order() {
        let a = MemoryMap::from_raw([raw(0, 0x2000, Reserved), raw(0x1000, 0x2000, Usable)]);
        let b = MemoryMap::from_raw([raw(0x1000, 0x2000, Usable), raw(0, 0x2000, Reserved)]);
        assert_eq!(a.regions(), b.regions());
        assert_eq!(
            a.regions(),
            &[region(0, 0x2000, Reserved), region(0x2000, 0x3000, Usable)]
        );
    }

    #[test]
    fn most_restrictive_non_usable_kind_wins() {
        let map = MemoryMap::from_raw([
            raw(0, 0x3000, AcpiReclaimable),
            raw(0x1000, 0x1000, BadMemory),
            raw(0x2000, 0x1000, AcpiNvs),
        ]);
        assert_eq!(
            map.regions(),
            &[
                region(0, 0x1000, AcpiReclaimable),
                region(0x1000, 0x2000, BadMemory),
                region(0x2000, 0x3000, AcpiNvs),
            ]
        );
        assert_eq!(map.usable_kib(), 0);
    }

    #[test]
    fn overlapping_usable_entries_merge_and_count_once() {
        let map = MemoryMap::from_raw([
            raw(0, 0x3000, Usable),
            raw(0x1000, 0x3000, Usable),
            raw(0x4000, 0x1000, Usable),
        ]);
        assert_eq!(map.regions(), &[region(0, 0x5000, Usable)]);
        assert_eq!(map.usable_kib(), 0x5000 / 1024);
        assert_eq!(map.warnings().conflicting_overlaps, 0);
    }

    #[test]
    fn holes_stay_holes() {
        let map = MemoryMap::from_raw([raw(0, 0x1000, Usable), raw(0x3000, 0x1000, Usable)]);
        assert_eq!(
            map.regions(),
            &[region(0, 0x1000, Usable), region(0x3000, 0x4000, Usable)]
        );
        assert_eq!(map.usable_kib(), 8);
    }

    #[test]
    fn zero_length_entries_are_ignored_and_counted() {
        let map = MemoryMap::from_raw([raw(0x1000, 0, Reserved), raw(0, 0x2000, Usable)]);
        assert_eq!(map.regions(), &[region(0, 0x2000, Usable)]);
        assert_eq!(map.warnings().zero_length, 1);
    }

    #[test]
    fn wrapping_entry_is_clamped_to_the_address_space() {
        let map = MemoryMap::from_raw([
            raw(0, 0x1000, Usable),
            raw(u64::MAX - 0xfff, 0x10_0000, Reserved),
            raw(u64::MAX, 5, Reserved),
        ]);
        assert_eq!(
            map.regions(),
            &[
                region(0, 0x1000, Usable),
                region(u64::MAX - 0xfff, u64::MAX, Reserved)
            ]
        );
        assert_eq!(map.warnings().wrapped, 2);
        assert_eq!(map.usable_kib(), 4);
    }

    #[test]
    fn empty_input_gives_empty_map() {
        let map = MemoryMap::from_raw([]);
        assert!(map.regions().is_empty());
        assert_eq!(map.usable_kib(), 0);
    }

    #[test]
    fn too_many_entries_are_counted_not_fatal() {
        let entries = (0..(MAX_RAW_REGIONS as u64 + 10)).map(|i| raw(i * 0x2000, 0x1000, Usable));
        let map = MemoryMap::from_raw(entries);
        assert_eq!(map.warnings().ignored_entries, 10);
        // Every accepted entry is its own region (holes between them), so the
        // output overflows as well; what is kept is the lowest part, still sorted.
        assert_eq!(map.regions().len(), MAX_REGIONS);
        assert_eq!(
            map.warnings().dropped_regions as usize,
            MAX_RAW_REGIONS - MAX_REGIONS
        );
        assert!(map.regions().windows(2).all(|w| w[0].end < w[1].start));
        assert_eq!(map.usable_kib(), MAX_REGIONS as u64 * 4);
    }

    #[test]
    fn multiboot_type_numbers_map_to_kinds() {
        assert_eq!(RegionKind::from_multiboot_type(1), Usable);
        assert_eq!(RegionKind::from_multiboot_type(2), Reserved);
        assert_eq!(RegionKind::from_multiboot_type(3), AcpiReclaimable);
        assert_eq!(RegionKind::from_multiboot_type(4), AcpiNvs);
        assert_eq!(RegionKind::from_multiboot_type(5), BadMemory);
        assert_eq!(RegionKind::from_multiboot_type(0xdead), Reserved);
    }

    /// Cross-check against a brute-force per-page model on random-ish maps.
    #[test]
    fn matches_page_by_page_model() {
        let mut seed = 0x1234_5678_9abc_def0_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let kinds = [Usable, AcpiReclaimable, Reserved, AcpiNvs, BadMemory];
        for _ in 0..200 {
            let count = (next() % 12) as usize;
            let entries: Vec<RawRegion> = (0..count)
                .map(|_| {
                    let kind = if next() % 2 == 0 {
                        Usable
                    } else {
                        kinds[(next() % 5) as usize]
                    };
                    raw((next() % 64) * 0x1000, (next() % 16) * 0x1000, kind)
                })
                .collect();
            let map = MemoryMap::from_raw(entries.iter().copied());
            for page in 0..80u64 {
                let addr = page * 0x1000;
                let expected = entries
                    .iter()
                    .filter(|e| e.start <= addr && addr < e.start + e.len)
                    .map(|e| e.kind)
                    .max();
                let got = map
                    .regions()
                    .iter()
                    .find(|r| r.start <= addr && addr < r.end)
                    .map(|r| r.kind);
                assert_eq!(got, expected, "page {page:#x} in {entries:?}");
            }
            assert!(map
                .regions()
                .windows(2)
                .all(|w| w[0].end <= w[1].start
                    && !(w[0].end == w[1].start && w[0].kind == w[1].kind)));
        }
    }
}
