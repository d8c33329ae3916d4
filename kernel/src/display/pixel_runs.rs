//! Stores of a run of 32-bit pixels into video memory: a solid fill, a copy, and the
//! five runs of a rounded row.
//!
//! Shaped for an emulator that translates the guest's code (QEMU's TCG, VirtualBox's
//! interpreter), where each memory access costs about as much as a few other
//! instructions and a call, a return or a jump to another page of code costs several
//! accesses (a lookup of the next translated block): pixels move two at a time
//! (64-bit accesses) in steps of 32, the last step moved back to end at the run's end
//! (overlapping pixels already written with the same values) instead of a loop over
//! the last few pixels, and short runs by a few overlapping stores. A copy does not
//! call `memcpy`, whose `rep movs` is one translated block per 8 bytes.
//!
//! The loops over many pixels sit in pages of code of their own (vitrine.ld:
//! `.text.pixels` with `Framebuffer`'s band loop, `.text.shape_rows` for
//! `fill_rows_with` and `copy_rows`): a loop that crosses a 4 KiB boundary cannot
//! jump back within its translated block's page, and QEMU leaves the block at every
//! step instead (a build's layout moved a redraw by 10–25 %).

/// Writes `n` pixels of `raw` from `at`.
///
/// # Safety
/// `at .. at + n × 4` lies in writable memory.
#[inline]
pub unsafe fn fill(at: *mut u8, n: usize, raw: u32) {
    // SAFETY: the caller's contract, for one row.
    unsafe { fill_rows(at, n, 1, 0, raw) }
}

/// Writes `n` pixels of `raw` from `at` on each of `rows` rows `pitch` bytes apart
/// (`fill_block`, not inlined: one copy of the code for every caller; callers hand
/// it many rows at once, so the call is rare).
///
/// # Safety
/// `at + r × pitch .. + n × 4` lies in writable memory for every row r < `rows`.
#[inline(never)]
#[link_section = ".text.pixels"]
pub unsafe fn fill_rows(at: *mut u8, n: usize, rows: usize, pitch: usize, raw: u32) {
    // SAFETY: the caller's contract.
    unsafe { fill_block::<false>(at, n, rows, pitch, raw) }
}

/// Writes `n` pixels of `raw` from `at` on each of `rows` rows `pitch` bytes apart.
/// The run's length picks the way to store it once, not once a row: a short run
/// costs one translated block a row. With `TAILS`, a run of 40 pixels or more ends
/// in the tail `fill_tail` picks (three more loops of code: the band loop's pieces
/// end anywhere, the screen's background mostly on a multiple of 32).
///
/// # Safety
/// `at + r × pitch .. + n × 4` lies in writable memory for every row r < `rows`.
#[inline(always)]
pub unsafe fn fill_block<const TAILS: bool>(
    at: *mut u8,
    n: usize,
    rows: usize,
    pitch: usize,
    raw: u32,
) {
    let pair = pair_of(raw);
    let tail = if TAILS { fill_tail(n) } else { 0 };
    // SAFETY (all stores): every pixel index is below `n`, on a row below `rows`
    // (the caller's contract); a tail's steps of 32 cover n - tail >= 32 pixels.
    unsafe {
        if tail == 8 {
            each_row(at, rows, pitch, |px| {
                store_32_or_more(px, n - 8, pair);
                store8(px.add(n - 8), pair);
            });
        } else if tail == 16 {
            each_row(at, rows, pitch, |px| {
                store_32_or_more(px, n - 16, pair);
                store16(px.add(n - 16), pair);
            });
        } else if tail == 24 {
            each_row(at, rows, pitch, |px| {
                store_32_or_more(px, n - 24, pair);
                store16(px.add(n - 24), pair);
                store8(px.add(n - 8), pair);
            });
        } else if n >= 32 {
            each_row(at, rows, pitch, |px| store_32_or_more(px, n, pair));
        } else if n >= 16 {
            each_row(at, rows, pitch, |px| {
                store16(px, pair);
                store16(px.add(n - 16), pair);
            });
        } else if n == 2 {
            // Most narrow runs: a card's edges two pixels wide.
            each_row(at, rows, pitch, |px| store_pair(px, pair));
        } else if n.wrapping_sub(1) < 3 {
            // 1 or 3 pixels: first, middle and last cover them.
            each_row(at, rows, pitch, |px| {
                px.write_unaligned(raw);
                px.add(n / 2).write_unaligned(raw);
                px.add(n - 1).write_unaligned(raw);
            });
        } else if n >= 8 {
            each_row(at, rows, pitch, |px| {
                store8(px, pair);
                store8(px.add(n - 8), pair);
            });
        } else if n >= 4 {
            each_row(at, rows, pitch, |px| {
                store_pair(px, pair);
                store_pair(px.add(2), pair);
                store_pair(px.add(n - 4), pair);
                store_pair(px.add(n - 2), pair);
            });
        }
    }
}

/// Writes `n` pixels of `raw` from `at`, as [`fill`] does, ordered for runs that are
/// mostly a few pixels (a rounded row's open corners and edges): 2 to 7 pixels take
/// one test and 8 to 32 two, each written by four stores whose places are capped at
/// the run's end (overlapping on shorter runs) rather than chosen by more tests;
/// longer runs (a call to [`fill`]) and single pixels come after.
///
/// # Safety
/// `at .. at + n × 4` lies in writable memory.
#[inline(never)]
pub unsafe fn fill_short(at: *mut u8, n: usize, raw: u32) {
    let px = at.cast::<u32>();
    let pair = pair_of(raw);
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
            fill(at, n, raw);
        } else if n == 1 {
            px.write_unaligned(raw);
        }
    }
}

/// Writes `n` pixels of `raw` from `at`, as [`fill`] does, for runs that are mostly
/// long (a rounded row's face): more than 32 pixels take one test and no call, in
/// steps of 32; shorter runs go to [`fill`].
///
/// # Safety
/// `at .. at + n × 4` lies in writable memory.
#[inline(always)]
pub unsafe fn fill_long(at: *mut u8, n: usize, raw: u32) {
    // SAFETY: the caller's contract.
    unsafe {
        if n > 32 {
            store_32_or_more(at.cast(), n, pair_of(raw));
        } else {
            fill(at, n, raw);
        }
    }
}

/// The step of a short run in a row of five (`fill_five_runs`): an edge is a pixel or
/// a few, an open corner part up to its radius; steps of 8 wrote 26k fewer words per
/// 1080p redraw than steps of 32 for 640 more translated blocks.
const SHORT_STEP: usize = 8;

/// Writes the five runs of a row between six cuts (pixel indexes from `row`): run k
/// over [cuts\[k\], cuts\[k + 1\]) in `raws[k]` (a rounded row's open part, edge,
/// face, edge and open part). A run that ends before it starts writes nothing, and
/// the runs are written in order, a later one winning where they overlap.
///
/// When the cuts ascend and the face (run 2) has 32 pixels or more (most rows of a
/// card), each other run is written in steps of `SHORT_STEP` pixels, at least one,
/// the two on the left stretched to the right and the two on the right to the left,
/// into the face, written last over them: a short run then costs one translated
/// block, where choosing its stores (`fill_short`) cost a call and three.
///
/// Returns the pixels the runs cover (their lengths summed, an empty run as 0): on
/// the fast path the cuts' span, without a sum kept beside the stores.
///
/// # Safety
/// Pixels `0 .. max(cuts)` from `row` are writable.
#[inline(always)]
pub unsafe fn fill_five_runs(row: *mut u32, cuts: [usize; 6], raws: &[u32; 5]) -> usize {
    let [c0, c1, c2, c3, c4, c5] = cuts;
    // Ascending with a wide face when no difference is negative (its top bit set;
    // cuts are far below 2^63): one test, where comparisons became one each.
    let differences = [
        c1.wrapping_sub(c0),
        c2.wrapping_sub(c1),
        c3.wrapping_sub(c2).wrapping_sub(32),
        c4.wrapping_sub(c3),
        c5.wrapping_sub(c4),
    ];
    let fast = differences.iter().fold(0, |any, d| any | d) >> (usize::BITS - 1) == 0;
    // SAFETY (all stores): every run written lies in [min(cuts), max(cuts)) (the
    // caller's contract): on the fast path a run stretched right ends by
    // c1 + SHORT_STEP <= c3 and one stretched left starts at c4 - SHORT_STEP >= c2
    // or later.
    unsafe {
        if fast {
            let right = |from: usize, to: usize, raw| {
                store_in_steps::<SHORT_STEP>(
                    row.add(from),
                    (to - from).max(SHORT_STEP),
                    pair_of(raw),
                )
            };
            let left = |from: usize, to: usize, raw| {
                let start = from.min(to - SHORT_STEP);
                store_in_steps::<SHORT_STEP>(row.add(start), to - start, pair_of(raw))
            };
            // Short runs of at most one step (most rounded rows) as that step
            // without the loop around it: no block of their own.
            let within_a_step = [0, 1, 3, 4]
                .iter()
                .fold(0, |any, &k| any | SHORT_STEP.wrapping_sub(differences[k]))
                >> (usize::BITS - 1)
                == 0;
            if within_a_step {
                store8(row.add(c0), pair_of(raws[0]));
                store8(row.add(c1), pair_of(raws[1]));
                store8(row.add(c5 - SHORT_STEP), pair_of(raws[4]));
                store8(row.add(c4 - SHORT_STEP), pair_of(raws[3]));
            } else {
                right(c0, c1, raws[0]);
                right(c1, c2, raws[1]);
                left(c4, c5, raws[4]);
                left(c3, c4, raws[3]);
            }
            store_32_or_more(row.add(c2), c3 - c2, pair_of(raws[2]));
            c5 - c0
        } else {
            let at = |from: usize| row.add(from).cast::<u8>();
            let lengths = [
                c1.saturating_sub(c0),
                c2.saturating_sub(c1),
                c3.saturating_sub(c2),
                c4.saturating_sub(c3),
                c5.saturating_sub(c4),
            ];
            fill_short(at(c0), lengths[0], raws[0]);
            fill_short(at(c1), lengths[1], raws[1]);
            fill_long(at(c2), lengths[2], raws[2]);
            fill_short(at(c3), lengths[3], raws[3]);
            fill_short(at(c4), lengths[4], raws[4]);
            lengths.iter().sum()
        }
    }
}

/// Whether a copy of `n` pixels is better made as steps of 32 over its first
/// `n - 16` and one step of 16 at its end (in the row's own translated block) than
/// as steps of 32 with the last moved back: when 1 to 16 pixels are left over a
/// multiple of 32, the moved-back step rewrote 16 to 31 of them; this way 0 to 15.
/// Copies stop at this one tail (fills have `fill_tail`'s three): a copy's loops are
/// twice a fill's, and the band loop's page of code has no room for more.
#[inline(always)]
fn ends_in_half_step(n: usize) -> bool {
    n >= 48 && (n.wrapping_sub(1) & 31) < 16
}

/// The tail (8, 16 or 24 pixels; 0 for none) a fill of `n` pixels ends in after its
/// steps of 32 over the rest, in its row's block: the smallest multiple of 8 that
/// holds what is left over a multiple of 32, so 0 to 7 pixels are written twice
/// where the last step of 32 moved back rewrote up to 31 (62k pixels a 1080p redraw
/// with tails of 16 only). None when that is 32, or the rest under one step.
#[inline(always)]
fn fill_tail(n: usize) -> usize {
    let tail = (n.wrapping_sub(1) & 31) / 8 * 8 + 8;
    if tail < 32 && n >= 32 + tail {
        tail
    } else {
        0
    }
}

/// `raw` twice, for 64-bit stores of two pixels.
#[inline(always)]
fn pair_of(raw: u32) -> u64 {
    u64::from(raw) * 0x1_0000_0001
}

/// Writes `n >= 32` pixels of `pair` (a pixel twice) from `px`, 32 at a time, the
/// last 32 overlapping the ones before.
///
/// # Safety
/// `n >= 32` pixels at `px` are writable.
#[inline(always)]
unsafe fn store_32_or_more(px: *mut u32, n: usize, pair: u64) {
    // SAFETY: the caller's contract.
    unsafe { store_in_steps::<32>(px, n, pair) }
}

/// Writes `n >= STEP` pixels of `pair` (a pixel twice) from `px`, `STEP` (even) at a
/// time, the last step overlapping the ones before.
///
/// # Safety
/// `n >= STEP` pixels at `px` are writable.
#[inline(always)]
unsafe fn store_in_steps<const STEP: usize>(px: *mut u32, n: usize, pair: u64) {
    each_step::<STEP>(n, skew_of(px), |i| {
        // SAFETY: the caller's contract; the step's pixels i .. i + STEP lie below n.
        unsafe {
            let at = px.add(i);
            for pair_at in (0..STEP).step_by(2) {
                store_pair(at.add(pair_at), pair);
            }
        }
    });
}

/// Calls `step` with the first pixel of each step of `STEP` over `n >= STEP`
/// pixels: 0, then `STEP - skew`, `2 × STEP - skew` ... and last `n - STEP`, the last
/// step moved back to end at `n` (a select, not a branch: one block per step, none
/// after the loop). `skew` (0 or 1) is the pixel that puts the steps after the first
/// on 8-byte boundaries (`skew_of`): an unaligned 8-byte access that crosses a page
/// leaves QEMU's fast path for a helper that writes it a byte at a time (~1 000 of
/// them in a 1080p redraw when every step followed the run's first pixel).
#[inline(always)]
fn each_step<const STEP: usize>(n: usize, skew: usize, mut step: impl FnMut(usize)) {
    let (last, mut grid, mut i, mut more) = (n - STEP, 0usize.wrapping_sub(skew), 0, true);
    while more {
        step(i);
        more = i < last;
        grid = grid.wrapping_add(STEP);
        i = grid.min(last);
    }
}

/// The pixel offset (0 or 1) from `px` to the next 8-byte boundary: pixels are 4-byte
/// aligned, so a run's 64-bit stores are aligned from `px` or from the pixel after.
#[inline(always)]
fn skew_of(px: *const u32) -> usize {
    (px as usize >> 2) & 1
}

/// Calls `store` with the first pixel of each of `rows` rows `pitch` bytes apart.
#[inline(always)]
fn each_row(at: *mut u8, rows: usize, pitch: usize, mut store: impl FnMut(*mut u32)) {
    let mut row = at;
    for _ in 0..rows {
        store(row.cast());
        row = row.wrapping_add(pitch);
    }
}

/// Calls `copy` with the first pixel of each of `rows` source rows `n` pixels apart
/// from `src` and of the destination row `pitch` bytes apart from `at`.
#[inline(always)]
fn each_source_row(
    at: *mut u8,
    src: *const u32,
    n: usize,
    rows: usize,
    pitch: usize,
    copy: impl Fn(*const u32, *mut u32),
) {
    let mut from = src;
    each_row(at, rows, pitch, |dst| {
        copy(from, dst);
        from = from.wrapping_add(n);
    });
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

/// Copies `from` to `at`, in steps like [`fill`]'s.
///
/// # Safety
/// `at .. at + from.len() × 4` lies in writable memory that `from` does not overlap.
#[inline]
pub unsafe fn copy(at: *mut u8, from: &[u32]) {
    // SAFETY: the caller's contract; `from` is readable for its length.
    unsafe { copy_rows(at, from.as_ptr(), from.len(), 1, 0) }
}

/// Copies `rows` rows of `n` pixels, row after row from `src`, to rows `pitch` bytes
/// apart from `at` (`copy_block`, not inlined, as [`fill_rows`]; in the second page,
/// a redraw's copies are the band loop's).
///
/// # Safety
/// `src .. src + rows × n` is readable; `at + r × pitch .. + n × 4` is writable for
/// every row r < `rows`; they do not overlap.
#[inline(never)]
#[link_section = ".text.shape_rows"]
pub unsafe fn copy_rows(at: *mut u8, src: *const u32, n: usize, rows: usize, pitch: usize) {
    // SAFETY: the caller's contract.
    unsafe { copy_block(at, src, n, rows, pitch) }
}

/// Copies `rows` rows of `n` pixels, row after row from `src`, to rows `pitch` bytes
/// apart from `at`, in steps like [`fill`]'s (the way picked once, not once a row).
///
/// # Safety
/// `src .. src + rows × n` is readable; `at + r × pitch .. + n × 4` is writable for
/// every row r < `rows`; they do not overlap.
#[inline(always)]
pub unsafe fn copy_block(at: *mut u8, src: *const u32, n: usize, rows: usize, pitch: usize) {
    // SAFETY (all accesses): every pixel index is below `n`, on a row below `rows`:
    // inside the source and inside the destination (the caller's contract).
    // Eight-byte moves 32 bytes apart are not a pattern the compiler turns back into
    // a `memcpy` call.
    unsafe {
        if ends_in_half_step(n) {
            each_source_row(at, src, n, rows, pitch, |src, dst| {
                move_32_or_more(src, dst, n - 16);
                move16(src.add(n - 16), dst.add(n - 16));
            });
        } else if n >= 32 {
            each_source_row(at, src, n, rows, pitch, |src, dst| {
                move_32_or_more(src, dst, n)
            });
        } else if n >= 16 {
            each_source_row(at, src, n, rows, pitch, |src, dst| {
                move16(src, dst);
                move16(src.add(n - 16), dst.add(n - 16));
            });
        } else if n.wrapping_sub(1) < 3 {
            each_source_row(at, src, n, rows, pitch, |src, dst| {
                dst.write_unaligned(*src);
                dst.add(n / 2).write_unaligned(*src.add(n / 2));
                dst.add(n - 1).write_unaligned(*src.add(n - 1));
            });
        } else if n >= 8 {
            each_source_row(at, src, n, rows, pitch, |src, dst| {
                move8(src, dst);
                move8(src.add(n - 8), dst.add(n - 8));
            });
        } else if n >= 4 {
            each_source_row(at, src, n, rows, pitch, |src, dst| {
                move_pair(src, dst);
                move_pair(src.add(2), dst.add(2));
                move_pair(src.add(n - 4), dst.add(n - 4));
                move_pair(src.add(n - 2), dst.add(n - 2));
            });
        }
    }
}

/// Copies `n >= 32` pixels from `src` to `dst` in steps of 32, as
/// `store_32_or_more` writes them.
///
/// # Safety
/// `n >= 32` pixels at `src` are readable, at `dst` writable.
#[inline(always)]
unsafe fn move_32_or_more(src: *const u32, dst: *mut u32, n: usize) {
    each_step::<32>(n, skew_of(dst), |i| {
        // SAFETY: the caller's contract; the step's pixels i .. i + 32 lie below n.
        unsafe {
            move16(src.add(i), dst.add(i));
            move16(src.add(i + 16), dst.add(i + 16));
        }
    });
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
/// Sixteen pixels at `src` are readable, at `dst` writable.
#[inline(always)]
unsafe fn move16(src: *const u32, dst: *mut u32) {
    // SAFETY: the caller's contract.
    unsafe {
        move8(src, dst);
        move8(src.add(8), dst.add(8));
    }
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
    fn steps_cover_the_run_once_and_all_but_the_ends_are_aligned() {
        for skew in 0..2 {
            for n in 32..300 {
                let mut starts = Vec::new();
                each_step::<32>(n, skew, |i| starts.push(i));
                assert_eq!(starts[0], 0, "n={n} skew={skew}");
                assert_eq!(*starts.last().unwrap(), n - 32, "n={n} skew={skew}");
                for pair in starts.windows(2) {
                    // No gap and no step repeated (a step may overlap the one before).
                    assert!(
                        pair[0] < pair[1] && pair[1] <= pair[0] + 32,
                        "n={n} {starts:?}"
                    );
                }
                // 8-byte aligned from a pixel `skew` past an aligned address.
                let inner = starts.len().saturating_sub(1);
                for &i in starts.iter().take(inner).skip(1) {
                    assert_eq!((i + skew) % 2, 0, "n={n} skew={skew} {starts:?}");
                }
            }
        }
        let px = 0x1004 as *const u32;
        assert_eq!(skew_of(px), 1);
        assert_eq!(skew_of(px.wrapping_add(1)), 0);
    }

    /// Rows of `width` guard pixels with `rows` rows of `n` pixels at column `x`,
    /// after `write` (given the first pixel and the pitch in bytes).
    fn block_written(
        x: usize,
        n: usize,
        rows: usize,
        write: impl FnOnce(*mut u8, usize),
    ) -> (Vec<u32>, usize) {
        let width = x + n + 5;
        let mut screen = vec![GUARD; width * (rows + 2)];
        write(screen[width + x..].as_mut_ptr().cast(), width * 4);
        (screen, width)
    }

    #[test]
    fn fill_rows_and_copy_rows_write_exactly_their_rectangle() {
        for n in [0, 1, 2, 3, 5, 8, 13, 16, 31, 32, 33, 64, 100] {
            for rows in [0, 1, 2, 7, 16] {
                let from: Vec<u32> = (0..(n * rows) as u32).map(|i| i * 3 + 1).collect();
                let (filled, width) = block_written(2, n, rows, |at, pitch| unsafe {
                    fill_rows(at, n, rows, pitch, 7)
                });
                let (copied, _) = block_written(2, n, rows, |at, pitch| unsafe {
                    copy_rows(at, from.as_ptr(), n, rows, pitch)
                });
                for (i, (&f, &c)) in filled.iter().zip(&copied).enumerate() {
                    let (row, column) = (i / width, i % width);
                    let inside = (1..=rows).contains(&row) && (2..2 + n).contains(&column);
                    let source = if inside {
                        from[(row - 1) * n + column - 2]
                    } else {
                        GUARD
                    };
                    assert_eq!(
                        f,
                        if inside { 7 } else { GUARD },
                        "fill n={n} rows={rows} at {row},{column}"
                    );
                    assert_eq!(c, source, "copy n={n} rows={rows} at {row},{column}");
                }
            }
        }
    }

    #[test]
    fn fill_short_and_fill_long_write_exactly_their_run_at_every_length_and_alignment() {
        for offset in 0..3 {
            for n in 0..200 {
                let short = written(offset, n, |at| unsafe { fill_short(at, n, 0x00AB_CDEF) });
                let long = written(offset, n, |at| unsafe { fill_long(at, n, 0x00AB_CDEF) });
                for (i, (&s, &l)) in short.iter().zip(&long).enumerate() {
                    let want = if (offset..offset + n).contains(&i) {
                        0x00AB_CDEF
                    } else {
                        GUARD
                    };
                    assert_eq!(s, want, "short n={n} offset={offset} i={i}");
                    assert_eq!(l, want, "long n={n} offset={offset} i={i}");
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

    /// Five runs between random cuts (ascending or not, runs of 0 to 80 pixels, faces
    /// on both sides of 32) against runs written one by one, in order, exactly.
    #[test]
    fn fill_five_runs_writes_what_its_runs_in_order_would() {
        let raws = [10, 11, 12, 13, 14];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as usize
        };
        for case in 0..20_000 {
            let mut cuts = [0usize; 6];
            let mut at = 2 + next(3);
            for cut in &mut cuts {
                *cut = at;
                at += [next(4), next(40), next(81)][next(3)];
            }
            if case % 4 == 0 {
                cuts[1 + next(5)] = 2 + next(at as u64);
            }
            let end = cuts.iter().max().unwrap() + 3;
            let mut want = vec![GUARD; end + 40];
            for (k, &raw) in raws.iter().enumerate() {
                for px in &mut want[cuts[k]..cuts[k + 1].max(cuts[k])] {
                    *px = raw;
                }
            }
            let mut got = vec![GUARD; end + 40];
            let covered = unsafe { fill_five_runs(got.as_mut_ptr(), cuts, &raws) };
            assert_eq!(got, want, "cuts {cuts:?}");
            let lengths = cuts.windows(2).map(|w| w[1].saturating_sub(w[0]));
            assert_eq!(covered, lengths.sum::<usize>(), "cuts {cuts:?}");
        }
    }
}
