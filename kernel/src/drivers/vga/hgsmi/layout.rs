//! Where everything lives in VRAM: framebuffer at the start, then the per-screen VBVA
//! rings, the optional host heap, the guest heap, and the host flags in the last 16 bytes.
//!
//! ```text
//! 0                                                                     vram_size
//! | framebuffer ............ | VBVA ring(s) | host heap | guest heap | host flags |
//!                                                       |<- adapter information ->|
//! ```
//!
//! The adapter information area (64 KiB) and the 64 KiB rings follow the layout of the
//! Linux and Oracle drivers; the host only insists on the flags being at the very end.

/// Size of the adapter information area at the end of VRAM (VBVA_ADAPTER_INFORMATION_SIZE).
pub const ADAPTER_INFORMATION_SIZE: u32 = 64 * 1024;
/// Size of the host flags at the very end of VRAM (HGSMIHOSTFLAGS).
pub const HOST_FLAGS_SIZE: u32 = 16;
/// Size of one per-screen VBVA buffer (VBVA_MIN_BUFFER_SIZE; Linux uses the same).
pub const VBVA_RING_SIZE: u32 = 64 * 1024;
/// Host heap granularity (Oracle rounds the host heap up to whole pages).
const HOST_HEAP_GRANULE: u32 = 4096;
/// The smallest host heap the host's allocator accepts; smaller requests get none.
const HOST_HEAP_MIN: u32 = 32;
/// The framebuffer must at least hold 640×480×32 bpp, or HGSMI is not worth using.
pub const MIN_FRAMEBUFFER_BYTES: u32 = 640 * 480 * 4;

/// Why VRAM cannot hold the HGSMI layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VramTooSmall {
    /// The VRAM size in bytes.
    pub vram_size: u32,
}

/// A VRAM range, as HGSMI offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VramRange {
    /// First byte.
    pub offset: u32,
    /// Length in bytes.
    pub size: u32,
}

impl VramRange {
    /// One past the last byte.
    pub fn end(&self) -> u32 {
        self.offset + self.size
    }

    /// Whether `offset..offset+len` lies inside this range.
    pub fn contains(&self, offset: u32, len: u32) -> bool {
        offset >= self.offset && offset.checked_add(len).is_some_and(|end| end <= self.end())
    }
}

/// The VRAM plan for one screen with a VBVA ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VramLayout {
    /// VRAM size in bytes.
    pub vram_size: u32,
    /// Where the framebuffer may live (always starts at 0).
    pub framebuffer: VramRange,
    /// Screen 0's VBVA buffer (VBVABUFFER head + ring data).
    pub ring: VramRange,
    /// The host heap given to the host with VBVA_INFO_HEAP, if any.
    pub host_heap: Option<VramRange>,
    /// The guest command heap.
    pub guest_heap: VramRange,
    /// The host flags (HGSMIHOSTFLAGS).
    pub host_flags: VramRange,
}

impl VramLayout {
    /// The adapter information area only: guest heap and host flags. This is all that
    /// is needed to talk to the host before its configuration is known.
    pub fn adapter_area(vram_size: u32) -> Result<(VramRange, VramRange), VramTooSmall> {
        if vram_size < ADAPTER_INFORMATION_SIZE + VBVA_RING_SIZE + MIN_FRAMEBUFFER_BYTES {
            return Err(VramTooSmall { vram_size });
        }
        let host_flags = VramRange {
            offset: vram_size - HOST_FLAGS_SIZE,
            size: HOST_FLAGS_SIZE,
        };
        let guest_heap = VramRange {
            offset: vram_size - ADAPTER_INFORMATION_SIZE,
            size: ADAPTER_INFORMATION_SIZE - HOST_FLAGS_SIZE,
        };
        Ok((guest_heap, host_flags))
    }

    /// The full plan. `host_heap_request` is the host's QUERY_CONF32 HOST_HEAP_SIZE
    /// answer (0 = no host heap); like Oracle's driver it is capped at a quarter of
    /// VRAM minus the adapter area, rounded up to 4 KiB, and dropped if that leaves
    /// too little for the framebuffer.
    pub fn plan(vram_size: u32, host_heap_request: u32) -> Result<Self, VramTooSmall> {
        let (guest_heap, host_flags) = Self::adapter_area(vram_size)?;
        let cap = (vram_size / 4).saturating_sub(ADAPTER_INFORMATION_SIZE);
        let mut host_heap_size = if host_heap_request < HOST_HEAP_MIN {
            0
        } else {
            host_heap_request
                .min(cap)
                .checked_next_multiple_of(HOST_HEAP_GRANULE)
                .unwrap_or(0)
        };
        let below_heap = guest_heap.offset;
        if below_heap - VBVA_RING_SIZE < MIN_FRAMEBUFFER_BYTES + host_heap_size {
            host_heap_size = 0;
        }
        let host_heap = (host_heap_size != 0).then(|| VramRange {
            offset: below_heap - host_heap_size,
            size: host_heap_size,
        });
        let ring = VramRange {
            offset: below_heap - host_heap_size - VBVA_RING_SIZE,
            size: VBVA_RING_SIZE,
        };
        Ok(Self {
            vram_size,
            framebuffer: VramRange {
                offset: 0,
                size: ring.offset,
            },
            ring,
            host_heap,
            guest_heap,
            host_flags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u32 = 1024 * 1024;

    #[test]
    fn sixteen_mib_with_the_default_host_heap() {
        let layout = VramLayout::plan(16 * MIB, 65536).unwrap();
        assert_eq!(
            layout.host_flags,
            VramRange {
                offset: 16 * MIB - 16,
                size: 16
            }
        );
        assert_eq!(
            layout.guest_heap,
            VramRange {
                offset: 16 * MIB - 65536,
                size: 65520
            }
        );
        assert_eq!(
            layout.host_heap,
            Some(VramRange {
                offset: 16 * MIB - 2 * 65536,
                size: 65536
            })
        );
        assert_eq!(
            layout.ring,
            VramRange {
                offset: 16 * MIB - 3 * 65536,
                size: 65536
            }
        );
        assert_eq!(
            layout.framebuffer,
            VramRange {
                offset: 0,
                size: 16 * MIB - 3 * 65536
            }
        );
    }

    #[test]
    fn regions_are_disjoint_and_in_order() {
        for (vram, request) in [(16 * MIB, 65536), (9 * MIB, 4095), (128 * MIB, u32::MAX)] {
            let l = VramLayout::plan(vram, request).unwrap();
            assert_eq!(l.framebuffer.end(), l.ring.offset);
            let after_ring = l.host_heap.map_or(l.ring.end(), |h| {
                assert_eq!(h.offset, l.ring.end());
                assert_eq!(h.size % 4096, 0);
                h.end()
            });
            assert_eq!(after_ring, l.guest_heap.offset);
            assert_eq!(l.guest_heap.end(), l.host_flags.offset);
            assert_eq!(l.host_flags.end(), vram);
        }
    }

    #[test]
    fn hostile_host_heap_sizes_are_capped_or_dropped() {
        // Huge: capped at vram/4 − 64 KiB.
        let l = VramLayout::plan(16 * MIB, u32::MAX).unwrap();
        assert_eq!(l.host_heap.unwrap().size, 4 * MIB - 65536);
        // Tiny or zero: no host heap.
        assert_eq!(VramLayout::plan(16 * MIB, 0).unwrap().host_heap, None);
        assert_eq!(VramLayout::plan(16 * MIB, 16).unwrap().host_heap, None);
        // Odd: rounded up to 4 KiB.
        assert_eq!(
            VramLayout::plan(16 * MIB, 5000)
                .unwrap()
                .host_heap
                .unwrap()
                .size,
            8192
        );
    }

    #[test]
    fn too_little_vram_is_an_error() {
        assert_eq!(
            VramLayout::plan(MIB, 0),
            Err(VramTooSmall { vram_size: MIB })
        );
        assert!(VramLayout::plan(MIN_FRAMEBUFFER_BYTES + 2 * 65536, 0).is_ok());
    }

    #[test]
    fn contains_checks_both_ends() {
        let r = VramRange {
            offset: 100,
            size: 50,
        };
        assert!(r.contains(100, 50));
        assert!(!r.contains(99, 2));
        assert!(!r.contains(140, 11));
        assert!(!r.contains(u32::MAX, 2));
    }
}
