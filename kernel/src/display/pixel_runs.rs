//! Stores of a run of 32-bit pixels into video memory: a solid fill and a copy.
//!
//! Shaped for an emulator that translates the guest's code (QEMU's TCG, VirtualBox's
//! interpreter), where a taken branch ends a translated block and costs about as
//! much as several stores: pixels move two at a time (64-bit accesses) in steps of
//! sixteen, a run's remainder is written by stores that overlap pixels already
//! written with the same values (not by a loop over the last few pixels), and short
//! runs, the commonest, are tested for first. A copy does not call `memcpy`, whose
//! `rep movs` is one translated block per 8 bytes.

/// Writes `n` pixels of `raw` from `at`.
///
/// # Safety
/// `at .. at + n × 4` lies in writable memory.
#[inline(always)]
pub unsafe fn fill(at: *mut u8, n: usize, raw: u32) {
    let px = at.cast::<u32>();
    let pair = u64::from(raw) * 0x1_0000_0001;
    // SAFETY (all stores): every pixel index is below `n` (the caller's contract).
    unsafe {
        if n >= 16 {
            if n >= 32 {
                store_32_or_more(px, n, pair);
            } else {
                store16(px, pair);
                store16(px.add(n - 16), pair);
            }
        } else if n.wrapping_sub(1) < 3 {
            // 1, 2 or 3 pixels: first, middle and last cover them.
            px.write_unaligned(raw);
            px.add(n / 2).write_unaligned(raw);
            px.add(n - 1).write_unaligned(raw);
        } else if n >= 8 {
            store8(px, pair);
            store8(px.add(n - 8), pair);
        } else if n >= 4 {
            store_pair(px, pair);
            store_pair(px.add(2), pair);
            store_pair(px.add(n - 4), pair);
            store_pair(px.add(n - 2), pair);
        }
    }
}

/// Writes `n` pixels of `raw` from `at`, as [`fill`] does, ordered for runs that are
/// mostly a few pixels (a rounded row's open corners and edges): 2 to 7 pixels take
/// one test and 8 to 32 two, each written by four stores whose places are capped at
/// the run's end (overlapping on shorter runs) rather than chosen by more tests;
/// longer runs and single pixels come after.
///
/// # Safety
/// `at .. at + n × 4` lies in writable memory.
#[inline(always)]
pub unsafe fn fill_short(at: *mut u8, n: usize, raw: u32) {
    let px = at.cast::<u32>();
    let pair = u64::from(raw) * 0x1_0000_0001;
    // SAFETY (all stores): every pixel index is below `n` (the caller's contract):
    // each store starts at most at its last start, n - 2 or n - 8.
    unsafe {
        if n.wrapping_sub(2) < 6 {
            let last = n - 2;
            store_pair(px, pair);
            store_pair(px.add(last.min(2)), pair);
            store_pair(px.add(last.min(4)), pair);
            store_pair(px.add(last), pair);
        } else if n.wrapping_sub(8) < 25 {
            let last = n - 8;
            store8(px, pair);
            store8(px.add(last.min(8)), pair);
            store8(px.add(last.min(16)), pair);
            store8(px.add(last), pair);
        } else if n > 32 {
            store_32_or_more(px, n, pair);
        } else if n == 1 {
            px.write_unaligned(raw);
        }
    }
}

/// Writes `n >= 32` pixels of `pair` (a pixel twice) from `px`, 32 at a time, the
/// last 32 overlapping the ones before.
///
/// # Safety
/// `n >= 32` pixels at `px` are writable.
#[inline(always)]
unsafe fn store_32_or_more(px: *mut u32, n: usize, pair: u64) {
    let last = n - 32;
    let mut i = 0;
    // SAFETY: the caller's contract; i < last, so every store ends by n.
    unsafe {
        while i < last {
            store16(px.add(i), pair);
            store16(px.add(i + 16), pair);
            i += 32;
        }
        store16(px.add(last), pair);
        store16(px.add(last + 16), pair);
    }
}

/// # Safety
/// Sixteen pixels at `at` are writable.
#[inline(always)]
unsafe fn store16(at: *mut u32, pair: u64) {
    // SAFETY: the caller's contract.
    unsafe {
        store8(at, pair);
        store8(at.add(8), pair);
    }
}

/// # Safety
/// Two pixels at `at` are writable.
#[inline(always)]
unsafe fn store_pair(at: *mut u32, pair: u64) {
    // SAFETY: the caller's contract; unaligned 64-bit stores are fine on x86.
    unsafe { at.cast::<u64>().write_unaligned(pair) };
}

/// # Safety
/// Eight pixels at `at` are writable.
#[inline(always)]
unsafe fn store8(at: *mut u32, pair: u64) {
    // SAFETY: the caller's contract.
    unsafe {
        store_pair(at, pair);
        store_pair(at.add(2), pair);
        store_pair(at.add(4), pair);
        store_pair(at.add(6), pair);
    }
}

/// Copies `from` to `at`, in the same steps as [`fill`].
///
/// # Safety
/// `at .. at + from.len() × 4` lies in writable memory that `from` does not overlap.
#[inline(always)]
pub unsafe fn copy(at: *mut u8, from: &[u32]) {
    let n = from.len();
    let (src, dst) = (from.as_ptr(), at.cast::<u32>());
    // SAFETY (all accesses): every pixel index is below `n`: inside `from` and inside
    // the destination (the caller's contract). Eight-byte moves 32 bytes apart are
    // not a pattern the compiler turns back into a `memcpy` call.
    unsafe {
        if n.wrapping_sub(1) < 3 {
            dst.write_unaligned(*src);
            dst.add(n / 2).write_unaligned(*src.add(n / 2));
            dst.add(n - 1).write_unaligned(*src.add(n - 1));
        } else if n.wrapping_sub(4) < 4 {
            move_pair(src, dst);
            move_pair(src.add(2), dst.add(2));
            move_pair(src.add(n - 4), dst.add(n - 4));
            move_pair(src.add(n - 2), dst.add(n - 2));
        } else if n.wrapping_sub(8) < 8 {
            move8(src, dst);
            move8(src.add(n - 8), dst.add(n - 8));
        } else if n >= 16 {
            let last = n - 16;
            let mut i = 0;
            while i < last {
                move8(src.add(i), dst.add(i));
                move8(src.add(i + 8), dst.add(i + 8));
                i += 16;
            }
            move8(src.add(last), dst.add(last));
            move8(src.add(last + 8), dst.add(last + 8));
        }
    }
}

/// # Safety
/// Two pixels at `src` are readable, at `dst` writable.
#[inline(always)]
unsafe fn move_pair(src: *const u32, dst: *mut u32) {
    // SAFETY: the caller's contract.
    unsafe {
        dst.cast::<u64>()
            .write_unaligned(src.cast::<u64>().read_unaligned())
    };
}

/// # Safety
/// Eight pixels at `src` are readable, at `dst` writable.
#[inline(always)]
unsafe fn move8(src: *const u32, dst: *mut u32) {
    // SAFETY: the caller's contract.
    unsafe {
        move_pair(src, dst);
        move_pair(src.add(2), dst.add(2));
        move_pair(src.add(4), dst.add(4));
        move_pair(src.add(6), dst.add(6));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUARD: u32 = 0xDEAD_BEEF;

    /// A row with guard pixels around `n` pixels at `offset`, after `write`.
    fn written(offset: usize, n: usize, write: impl FnOnce(*mut u8)) -> Vec<u32> {
        let mut row = vec![GUARD; offset + n + 40];
        write(row[offset..].as_mut_ptr().cast());
        row
    }

    #[test]
    fn fill_writes_exactly_its_run_at_every_length_and_alignment() {
        for offset in 0..3 {
            for n in 0..200 {
                let row = written(offset, n, |at| unsafe { fill(at, n, 0x00AB_CDEF) });
                for (i, &p) in row.iter().enumerate() {
                    let inside = (offset..offset + n).contains(&i);
                    assert_eq!(
                        p,
                        if inside { 0x00AB_CDEF } else { GUARD },
                        "n={n} offset={offset} i={i}"
                    );
                }
            }
        }
    }

    #[test]
    fn fill_short_writes_exactly_its_run_at_every_length_and_alignment() {
        for offset in 0..3 {
            for n in 0..200 {
                let row = written(offset, n, |at| unsafe { fill_short(at, n, 0x00AB_CDEF) });
                for (i, &p) in row.iter().enumerate() {
                    let inside = (offset..offset + n).contains(&i);
                    assert_eq!(
                        p,
                        if inside { 0x00AB_CDEF } else { GUARD },
                        "n={n} offset={offset} i={i}"
                    );
                }
            }
        }
    }

    #[test]
    fn copy_writes_exactly_its_source_at_every_length_and_alignment() {
        for offset in 0..3 {
            for n in 0..200 {
                let from: Vec<u32> = (0..n as u32).map(|i| i * 7 + 1).collect();
                let row = written(offset, n, |at| unsafe { copy(at, &from) });
                for (i, &p) in row.iter().enumerate() {
                    let want = if (offset..offset + n).contains(&i) {
                        from[i - offset]
                    } else {
                        GUARD
                    };
                    assert_eq!(p, want, "n={n} offset={offset} i={i}");
                }
            }
        }
    }
}
