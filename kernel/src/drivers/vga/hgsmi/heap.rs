//! The guest command heap: a fixed-block allocator over the guest-heap area of VRAM.
//!
//! The pool never touches VRAM itself; it hands out VRAM offsets. Its bookkeeping is a
//! bitmap in the driver's own state (one bit per block), so the host cannot corrupt it
//! and no heap is needed. Blocks return to the pool when the [`HeapBlock`] guard drops.

use core::cell::Cell;

/// Why an allocation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeapError {
    /// A zero-byte request (a programming error, reported rather than panicking).
    Empty,
    /// No run of free blocks long enough for `bytes`.
    Exhausted {
        /// The size that was asked for.
        bytes: usize,
    },
}

/// A fixed-block pool of at most `WORDS × 64` blocks of `BLOCK` bytes each.
///
/// Allocations are contiguous runs of blocks (first fit), so a buffer larger than one
/// block (a pointer shape, a mode-hint array) is one span of VRAM.
///
/// ```
/// use vitrine::drivers::vga::hgsmi::heap::BlockPool;
/// let pool = BlockPool::<64, 2>::new(0x1000, 1000); // 15 blocks of 64 bytes
/// let block = pool.alloc(100).unwrap();             // two blocks
/// assert_eq!(block.offset(), 0x1000);
/// assert_eq!(pool.free_blocks(), 13);
/// drop(block);
/// assert_eq!(pool.free_blocks(), 15);
/// ```
#[derive(Debug)]
pub struct BlockPool<const BLOCK: usize, const WORDS: usize> {
    /// VRAM offset of block 0.
    base: u32,
    /// Number of usable blocks (≤ WORDS × 64).
    blocks: usize,
    /// Bit set = block in use. A `Cell` so guards can free through a shared borrow
    /// while the driver keeps using the pool.
    used: [Cell<u64>; WORDS],
}

impl<const BLOCK: usize, const WORDS: usize> BlockPool<BLOCK, WORDS> {
    const BLOCK_OK: () = assert!(
        BLOCK >= 8 && BLOCK.is_power_of_two(),
        "HGSMI blocks must be a power of two ≥ 8 so buffers stay 8-byte aligned"
    );

    /// A pool over `len` bytes of VRAM starting at offset `base` (8-byte aligned).
    /// Bytes beyond the last whole block, or beyond `WORDS × 64` blocks, go unused.
    pub fn new(base: u32, len: usize) -> Self {
        let () = Self::BLOCK_OK;
        Self {
            base,
            blocks: (len / BLOCK).min(WORDS * 64),
            used: core::array::from_fn(|_| Cell::new(0)),
        }
    }

    /// Size of one block in bytes.
    pub const fn block_size(&self) -> usize {
        BLOCK
    }

    /// Number of blocks the pool manages.
    pub fn capacity_blocks(&self) -> usize {
        self.blocks
    }

    /// Bytes the pool manages.
    pub fn capacity_bytes(&self) -> usize {
        self.blocks * BLOCK
    }

    /// Number of blocks currently free (tests check the pool drains back to full).
    pub fn free_blocks(&self) -> usize {
        let used: u32 = self.used.iter().map(|w| w.get().count_ones()).sum();
        self.blocks - used as usize
    }

    /// A run of blocks holding at least `bytes` bytes, or an error; never panics.
    pub fn alloc(&self, bytes: usize) -> Result<HeapBlock<'_, BLOCK, WORDS>, HeapError> {
        if bytes == 0 {
            return Err(HeapError::Empty);
        }
        let needed = bytes.div_ceil(BLOCK);
        let mut run_start = 0;
        let mut run_len = 0;
        for index in 0..self.blocks {
            if self.is_used(index) {
                run_len = 0;
                run_start = index + 1;
                continue;
            }
            run_len += 1;
            if run_len == needed {
                self.mark(run_start, needed, true);
                return Ok(HeapBlock {
                    pool: self,
                    first: run_start,
                    count: needed,
                });
            }
        }
        Err(HeapError::Exhausted { bytes })
    }

    fn is_used(&self, index: usize) -> bool {
        self.used[index / 64].get() & (1 << (index % 64)) != 0
    }

    // Out of line: every `HeapBlock` drop (36 sites) inlined the loop (1.5 KB).
    #[inline(never)]
    fn mark(&self, first: usize, count: usize, used: bool) {
        for index in first..first + count {
            let word = &self.used[index / 64];
            let bit = 1u64 << (index % 64);
            word.set(if used {
                word.get() | bit
            } else {
                word.get() & !bit
            });
        }
    }
}

/// A run of pool blocks; returns them to the pool when dropped.
#[derive(Debug)]
pub struct HeapBlock<'pool, const BLOCK: usize, const WORDS: usize> {
    pool: &'pool BlockPool<BLOCK, WORDS>,
    first: usize,
    count: usize,
}

impl<const BLOCK: usize, const WORDS: usize> HeapBlock<'_, BLOCK, WORDS> {
    /// VRAM offset (= HGSMI offset) of the first byte.
    pub fn offset(&self) -> u32 {
        // Cannot overflow: the pool was built over an in-VRAM range whose offsets fit u32.
        self.pool.base + (self.first * BLOCK) as u32
    }

    /// Usable length in bytes (whole blocks).
    pub fn len(&self) -> usize {
        self.count * BLOCK
    }

    /// Always false: a block run holds at least one block.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl<const BLOCK: usize, const WORDS: usize> Drop for HeapBlock<'_, BLOCK, WORDS> {
    fn drop(&mut self) {
        self.pool.mark(self.first, self.count, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Pool = BlockPool<64, 2>;

    #[test]
    fn capacity_comes_from_the_area_and_the_bitmap() {
        assert_eq!(Pool::new(0, 65520).capacity_blocks(), 128);
        assert_eq!(Pool::new(0, 1000).capacity_blocks(), 15);
        assert_eq!(Pool::new(0, 63).capacity_blocks(), 0);
    }

    #[test]
    fn runs_are_first_fit_and_contiguous() {
        let pool = Pool::new(0x100, 64 * 10);
        let a = pool.alloc(1).unwrap();
        let b = pool.alloc(65).unwrap();
        let c = pool.alloc(64).unwrap();
        assert_eq!((a.offset(), a.len()), (0x100, 64));
        assert_eq!((b.offset(), b.len()), (0x140, 128));
        assert_eq!(c.offset(), 0x1C0);
        drop(b);
        // A 3-block request does not fit in the 2-block hole and goes after `c`.
        let d = pool.alloc(150).unwrap();
        assert_eq!(d.offset(), 0x200);
        // A 2-block request fills the hole.
        let e = pool.alloc(128).unwrap();
        assert_eq!(e.offset(), 0x140);
        assert_eq!(pool.free_blocks(), 10 - 1 - 2 - 1 - 3);
        drop((a, c, d, e));
        assert_eq!(pool.free_blocks(), 10);
    }

    #[test]
    fn exhaustion_and_zero_size_are_errors() {
        let pool = Pool::new(0, 64 * 4);
        assert_eq!(pool.alloc(0).err(), Some(HeapError::Empty));
        assert_eq!(
            pool.alloc(64 * 5).err(),
            Some(HeapError::Exhausted { bytes: 320 })
        );
        let held: [_; 4] = core::array::from_fn(|_| pool.alloc(1).unwrap());
        assert_eq!(pool.alloc(1).err(), Some(HeapError::Exhausted { bytes: 1 }));
        assert_eq!(pool.free_blocks(), 0);
        drop(held);
        assert_eq!(pool.free_blocks(), 4);
    }

    #[test]
    fn blocks_crossing_a_bitmap_word_are_tracked() {
        let pool = Pool::new(0, 64 * 128);
        let low = pool.alloc(64 * 60).unwrap();
        let straddling = pool.alloc(64 * 10).unwrap();
        assert_eq!(straddling.offset(), 60 * 64);
        assert_eq!(pool.free_blocks(), 58);
        drop(low);
        drop(straddling);
        assert_eq!(pool.free_blocks(), 128);
        assert!(pool.alloc(64 * 128).is_ok());
    }

    #[test]
    fn pool_is_full_again_after_many_mixed_allocations() {
        let pool = Pool::new(0, 64 * 100);
        for round in 0..1000usize {
            let a = pool.alloc(1 + round % 700).unwrap();
            let b = pool.alloc(1 + (round * 7) % 300).unwrap();
            assert_ne!(a.offset(), b.offset());
            drop(a);
        }
        assert_eq!(pool.free_blocks(), 100);
    }
}
