//! Glyphs resampled once at the size they are drawn and kept in a fixed arena, so
//! a redraw copies coverage rows instead of resampling the master every frame.
//!
//! The arena is not a static (it would weigh on the kernel's .bss, which the boot
//! loader must fit into the smallest VMs): on metal it is one region of free RAM
//! taken once at boot from the memory map ([`install`]), sized by [`arena_bytes`]
//! from the RAM there is; a host build uses a static of the largest size. One
//! drawer at a time uses it (`lock`); when it is full it is emptied as a whole and
//! a new generation starts (placements of an older generation are drawn uncached).
//! Without an arena, text is drawn uncached (the same pixels, slower).

use super::font::{Font, Glyph};
use super::glyph;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// The smallest arena worth installing: the glyphs of a 1024x768 kiosk frame.
pub const MIN_ARENA: usize = 64 * 1024;
/// The largest arena taken: the glyphs of both demo pages at 3840x2160 (the largest
/// mode the kernel shows) take about 300 KiB, so a 4K frame never empties it
/// (`app/tests/glyph_cache.rs` checks that), with room for an app's other texts.
pub const MAX_ARENA: usize = 1024 * 1024;
/// `Rendered::runs` of a glyph stored without runs (no room left for them).
const NO_RUNS: u32 = u32::MAX;
/// Solid runs shorter than this are painted with the partial pixels around them:
/// a run costs a little to start, a solid one pays off only when it is long.
const MIN_SOLID_RUN: usize = 4;
/// Bit of a run's length word that marks it solid (full coverage).
const SOLID: u16 = 0x8000;
/// Glyph slots (a power of two, for the hash probe).
const SLOTS: usize = 1024;
/// Slots filled before the cache starts over (keeps probes short).
const MAX_FILLED: usize = SLOTS * 3 / 4;

/// The arena size for a boot with `free` bytes of free RAM in one piece: half of
/// it (the kernel needs no other RAM, but a VM that just fits keeps some slack),
/// at most [`MAX_ARENA`], in whole 4 KiB pages; 0 (no cache, text drawn uncached)
/// when that is less than [`MIN_ARENA`].
pub fn arena_bytes(free: u64) -> usize {
    let half = (free / 2).min(MAX_ARENA as u64) as usize & !0xFFF;
    if half < MIN_ARENA {
        0
    } else {
        half
    }
}

/// What the cache holds now (for the log and for tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlyphCacheStats {
    /// Arena bytes.
    pub capacity: usize,
    /// Arena bytes in use.
    pub used: usize,
    /// Glyphs held.
    pub glyphs: usize,
    /// Times the arena was full and started over since it was installed.
    pub clears: u32,
}

/// A glyph rendered at one size: where its rows are and where they go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rendered {
    offset: u32,
    /// Where the row-run index lies (see `runs_of`), or `NO_RUNS`.
    runs: u32,
    width: u16,
    height: u16,
    /// Left column relative to the pen.
    left: i16,
    /// Rows above the baseline.
    top: i16,
    generation: u32,
}

#[derive(Clone, Copy)]
struct Slot {
    /// 0: empty.
    key: u64,
    rendered: Rendered,
}

// All zero bytes, like the rest of an empty cache, so the shared cache is .bss and
// not 32 KiB of the image (an empty slot's `runs` is never read: key 0 finds nothing).
const EMPTY: Slot = Slot {
    key: 0,
    rendered: Rendered {
        offset: 0,
        runs: 0,
        width: 0,
        height: 0,
        left: 0,
        top: 0,
        generation: 0,
    },
};

/// The cache proper: an arena of coverage rows and the slots that index it.
pub(super) struct GlyphCache {
    arena: Arena,
    slots: [Slot; SLOTS],
    used: usize,
    filled: usize,
    generation: u32,
    clears: u32,
}

/// The cache's memory; none before `install` (a null `None`, not an empty slice's
/// dangling pointer, keeps the static cache all zero bytes: .bss).
struct Arena(Option<&'static mut [u8]>);

impl core::ops::Deref for Arena {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.as_deref().unwrap_or(&[])
    }
}

impl core::ops::DerefMut for Arena {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.0.as_deref_mut().unwrap_or(&mut [])
    }
}

impl GlyphCache {
    /// An empty cache over `arena` (its contents do not matter), or over none.
    pub(super) const fn new(arena: Option<&'static mut [u8]>) -> Self {
        Self {
            arena: Arena(arena),
            slots: [EMPTY; SLOTS],
            used: 0,
            filled: 0,
            generation: 0,
            clears: 0,
        }
    }

    fn stats(&self) -> GlyphCacheStats {
        GlyphCacheStats {
            capacity: self.arena.len(),
            used: self.used,
            glyphs: self.filled,
            clears: self.clears,
        }
    }
}

struct Shared {
    busy: AtomicBool,
    cache: UnsafeCell<GlyphCache>,
}

// SAFETY: the cache is only reached through `with_cache`, whose `busy` flag hands it
// to one user at a time.
unsafe impl Sync for Shared {}

static SHARED: Shared = Shared {
    busy: AtomicBool::new(false),
    cache: UnsafeCell::new(GlyphCache::new(None)),
};

/// Runs `f` on the shared cache unless another user holds it (then `None`).
fn with_cache<R>(f: impl FnOnce(&'static mut GlyphCache) -> R) -> Option<R> {
    if SHARED.busy.swap(true, Ordering::Acquire) {
        return None;
    }
    // SAFETY: `busy` was false and is now ours: no other reference to the cache
    // exists until it is cleared again (by the caller of `f`'s result: `lock`'s
    // guard, or right below).
    let cache = unsafe { &mut *SHARED.cache.get() };
    #[cfg(not(target_os = "none"))]
    if cache.arena.is_empty() && !host::ARENA_TAKEN.swap(true, Ordering::Relaxed) {
        cache.arena = Arena(Some(host::arena()));
    }
    Some(f(cache))
}

/// Hands `arena` to the cache (emptied), once at boot; `false` if a drawer holds
/// the cache right now (then the old arena stays).
pub fn install(arena: &'static mut [u8]) -> bool {
    let installed = with_cache(|cache| *cache = GlyphCache::new(Some(arena))).is_some();
    if installed {
        SHARED.busy.store(false, Ordering::Release);
    }
    installed
}

/// What the cache holds now; `None` while a drawer holds it.
pub fn stats() -> Option<GlyphCacheStats> {
    let stats = with_cache(|cache| cache.stats());
    if stats.is_some() {
        SHARED.busy.store(false, Ordering::Release);
    }
    stats
}

/// Runs `f` with the cache held, so the text it draws is resampled from the master
/// glyphs: what drawing costs without an arena (the smallest VMs; `bench=redraw`).
pub fn bypassed<R>(f: impl FnOnce() -> R) -> R {
    let _held = lock();
    f()
}

/// Empties the cache (every glyph is resampled when next drawn): for measuring a
/// cold redraw. `false` while a drawer holds it.
pub fn empty() -> bool {
    let emptied = with_cache(GlyphCache::clear).is_some();
    if emptied {
        SHARED.busy.store(false, Ordering::Release);
    }
    emptied
}

#[cfg(not(target_os = "none"))]
mod host {
    use super::MAX_ARENA;
    use core::cell::UnsafeCell;
    use core::sync::atomic::AtomicBool;

    /// A host build has no memory map: the cache takes this static, the largest size.
    pub(super) static ARENA_TAKEN: AtomicBool = AtomicBool::new(false);

    struct Arena(UnsafeCell<[u8; MAX_ARENA]>);
    // SAFETY: handed out once (`ARENA_TAKEN`), then only reached through the cache.
    unsafe impl Sync for Arena {}
    static ARENA: Arena = Arena(UnsafeCell::new([0; MAX_ARENA]));

    pub(super) fn arena() -> &'static mut [u8] {
        // SAFETY: called once, when `ARENA_TAKEN` went from false to true.
        unsafe { &mut *ARENA.0.get() }
    }
}

/// Sole access to the cache until dropped.
pub(super) struct CacheGuard {
    cache: &'static mut GlyphCache,
}

/// The cache, unless another drawer holds it (then draw uncached).
pub(super) fn lock() -> Option<CacheGuard> {
    // Another drawer has it (on metal: one this drawer interrupted, e.g. a fault
    // page; on a host: another thread). Both paths draw the same pixels.
    with_cache(|cache| CacheGuard { cache })
}

impl Drop for CacheGuard {
    fn drop(&mut self) {
        SHARED.busy.store(false, Ordering::Release);
    }
}

impl core::ops::Deref for CacheGuard {
    type Target = GlyphCache;
    fn deref(&self) -> &GlyphCache {
        self.cache
    }
}

impl core::ops::DerefMut for CacheGuard {
    fn deref_mut(&mut self) -> &mut GlyphCache {
        self.cache
    }
}

fn key(font: Font, c: char) -> u64 {
    let weight = match font.weight() {
        super::Weight::Regular => 1u64,
        super::Weight::Bold => 2,
    };
    (weight << 48) | (u64::from(font.px()) << 32) | u64::from(c as u32)
}

impl Rendered {
    /// Columns [left, right) relative to the pen.
    pub(super) fn columns(&self) -> (i32, i32) {
        (
            i32::from(self.left),
            i32::from(self.left) + i32::from(self.width),
        )
    }

    /// Rows [top, bottom) relative to the baseline.
    pub(super) fn rows(&self) -> (i32, i32) {
        (
            -i32::from(self.top),
            i32::from(self.height) - i32::from(self.top),
        )
    }
}

impl GlyphCache {
    /// Glyph `g` (character `c`) rendered in `font`, rendering it now if needed;
    /// `None` if it does not fit the arena at all.
    pub(super) fn get(&mut self, font: Font, c: char, g: &Glyph) -> Option<Rendered> {
        let key = key(font, c);
        let start = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize;
        for probe in 0..SLOTS {
            let slot = &self.slots[(start + probe) % SLOTS];
            if slot.key == key {
                return Some(slot.rendered);
            }
            if slot.key == 0 {
                break;
            }
        }
        self.insert(key, font, g)
    }

    /// Whether `r` is still in the arena.
    pub(super) fn is_current(&self, r: &Rendered) -> bool {
        r.generation == self.generation
    }

    fn clear(&mut self) {
        self.clears += 1;
        self.slots = [EMPTY; SLOTS];
        self.used = 0;
        self.filled = 0;
        self.generation = self.generation.wrapping_add(1);
    }

    fn insert(&mut self, key: u64, font: Font, g: &Glyph) -> Option<Rendered> {
        let scale = font.scale();
        let (left, right) = glyph::columns(g, scale, 0);
        let (top, bottom) = glyph::rows(g, scale);
        let (width, height) = ((right - left) as usize, (bottom - top) as usize);
        let bytes = width * height;
        if bytes > self.arena.len() || width > u16::MAX as usize || height > u16::MAX as usize {
            return None;
        }
        if self.used + bytes > self.arena.len() || self.filled >= MAX_FILLED {
            self.clear();
        }
        let offset = self.used;
        let area = &mut self.arena[offset..offset + bytes];
        area.fill(0);
        let master = glyph::Master::decode(font.face(), g);
        for (row, dy) in area.chunks_exact_mut(width).zip(top..bottom) {
            glyph::rasterize_row(&master, scale, 0, dy, left, row);
        }
        // Keep only the box with ink in it: less to paint every frame.
        let ink_rows = |row: &[u8]| row.iter().any(|&v| v != 0);
        let first_row = area.chunks_exact(width).position(ink_rows).unwrap_or(0);
        let last_row = area
            .chunks_exact(width)
            .rposition(ink_rows)
            .map_or(0, |r| r + 1)
            .max(first_row);
        let ink_cols = |x: usize| area.chunks_exact(width).any(|row| row[x] != 0);
        let first_col = (0..width).find(|&x| ink_cols(x)).unwrap_or(0);
        let last_col = (0..width)
            .rev()
            .find(|&x| ink_cols(x))
            .map_or(0, |x| x + 1)
            .max(first_col);
        let (trimmed_w, trimmed_h) = (last_col - first_col, last_row - first_row);
        for r in 0..trimmed_h {
            let from = (first_row + r) * width + first_col;
            area.copy_within(from..from + trimmed_w, r * trimmed_w);
        }
        self.used += trimmed_w * trimmed_h;
        let runs = self.store_runs(offset, trimmed_w, trimmed_h);
        let rendered = Rendered {
            offset: offset as u32,
            runs,
            width: trimmed_w as u16,
            height: trimmed_h as u16,
            left: (left + first_col as i32) as i16,
            top: (-top - first_row as i32) as i16,
            generation: self.generation,
        };
        let start = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize;
        for probe in 0..SLOTS {
            let slot = &mut self.slots[(start + probe) % SLOTS];
            if slot.key == 0 {
                *slot = Slot { key, rendered };
                self.filled += 1;
                break;
            }
        }
        Some(rendered)
    }

    /// Stores the runs of the `width` x `height` coverage at `offset` after it: an
    /// index of `height + 1` little-endian u16 (the first run of each row, then the
    /// end), then 4 bytes a run: its first column and its length (u16 each, the
    /// length with `SOLID` set for full coverage). Pixels without coverage are in no
    /// run. Returns where the index starts, or `NO_RUNS` if they do not fit.
    fn store_runs(&mut self, offset: usize, width: usize, height: usize) -> u32 {
        let rows = |arena: &[u8]| -> usize {
            (0..height)
                .map(|j| row_runs(&arena[offset + j * width..][..width]).count())
                .sum()
        };
        let count = rows(&self.arena);
        let index = self.used;
        let bytes = (height + 1) * 2 + count * 4;
        if count > usize::from(u16::MAX) || index + bytes > self.arena.len() {
            return NO_RUNS;
        }
        let (coverage, rest) = self.arena.split_at_mut(index);
        let (table, runs) = rest[..bytes].split_at_mut((height + 1) * 2);
        let mut n = 0usize;
        for j in 0..height {
            table[j * 2..j * 2 + 2].copy_from_slice(&(n as u16).to_le_bytes());
            for (x, len, solid) in row_runs(&coverage[offset + j * width..][..width]) {
                let word = len as u16 | if solid { SOLID } else { 0 };
                runs[n * 4..n * 4 + 2].copy_from_slice(&(x as u16).to_le_bytes());
                runs[n * 4 + 2..n * 4 + 4].copy_from_slice(&word.to_le_bytes());
                n += 1;
            }
        }
        table[height * 2..].copy_from_slice(&(n as u16).to_le_bytes());
        self.used += bytes;
        index as u32
    }

    /// `r` as runs, rows from the top: the column its coverage starts at (pen at
    /// `pen`), the rows above the baseline, and each row's coverage with its runs;
    /// `None` when `r` has no runs or is gone.
    pub(super) fn glyph_runs<'a>(&'a self, r: &Rendered, pen: i32) -> Option<GlyphRuns<'a>> {
        if !self.is_current(r) || r.runs == NO_RUNS {
            return None;
        }
        let (width, height) = (usize::from(r.width), usize::from(r.height));
        let table = r.runs as usize;
        let index = &self.arena[table..table + (height + 1) * 2];
        let count = usize::from(u16::from_le_bytes([
            index[height * 2],
            index[height * 2 + 1],
        ]));
        let first_run = table + (height + 1) * 2;
        Some(GlyphRuns {
            x: pen + i32::from(r.left),
            above: i32::from(r.top),
            rows: GlyphRows {
                coverage: &self.arena[r.offset as usize..r.offset as usize + width * height],
                width: width.max(1),
                index,
                runs: &self.arena[first_run..first_run + count * 4],
            },
        })
    }

    /// Row `dy` (below the baseline) of `r` over columns [x0, x0 + len) with the pen
    /// at `pen`: `None` unless those columns lie inside its box, empty above and
    /// below it.
    pub(super) fn row(
        &self,
        r: &Rendered,
        pen: i32,
        dy: i32,
        x0: i32,
        len: usize,
    ) -> Option<&[u8]> {
        let origin = pen + i32::from(r.left);
        let width = usize::from(r.width);
        if !self.is_current(r) || x0 < origin || (x0 - origin) as usize + len > width {
            return None;
        }
        let j = dy + i32::from(r.top);
        if j < 0 || j >= i32::from(r.height) {
            return Some(&[]);
        }
        let start = r.offset as usize + j as usize * width + (x0 - origin) as usize;
        Some(&self.arena[start..start + len])
    }

    /// Adds (max) the coverage of `r` on the row `dy` below the baseline into `cov`
    /// (starting at column `x0`), with the pen at column `pen`.
    pub(super) fn rasterize_row(&self, r: &Rendered, pen: i32, dy: i32, x0: i32, cov: &mut [u8]) {
        let j = dy + i32::from(r.top);
        if j < 0 || j >= i32::from(r.height) {
            return;
        }
        let width = usize::from(r.width);
        let start = r.offset as usize + j as usize * width;
        let row = &self.arena[start..start + width];
        let origin = pen + i32::from(r.left);
        let from = origin.max(x0);
        let to = (origin + width as i32).min(x0 + cov.len() as i32);
        if from >= to {
            return;
        }
        let src = &row[(from - origin) as usize..(to - origin) as usize];
        let dst = &mut cov[(from - x0) as usize..(to - x0) as usize];
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = (*d).max(s);
        }
    }
}

/// A cached glyph as runs (`GlyphCache::glyph_runs`).
pub(super) struct GlyphRuns<'a> {
    /// The column its coverage starts at.
    pub x: i32,
    /// Rows above the baseline.
    pub above: i32,
    /// Each row's coverage with its runs, from the top.
    pub rows: GlyphRows<'a>,
}

/// The rows of a `GlyphRuns`: each row's coverage and its runs.
pub(super) struct GlyphRows<'a> {
    /// The rows still to come, `width` bytes each.
    coverage: &'a [u8],
    width: usize,
    /// The first run of each row still to come, then the end (little-endian u16).
    index: &'a [u8],
    /// Every run of the glyph.
    runs: &'a [u8],
}

impl<'a> Iterator for GlyphRows<'a> {
    type Item = (&'a [u8], Runs<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (row, rest) = self.coverage.split_at_checked(self.width)?;
        let [a, b, c, d, ..] = *self.index else {
            return None;
        };
        let (from, to) = (
            usize::from(u16::from_le_bytes([a, b])),
            usize::from(u16::from_le_bytes([c, d])),
        );
        self.coverage = rest;
        self.index = &self.index[2..];
        Some((row, Runs(&self.runs[from * 4..to * 4])))
    }
}

/// The runs of one coverage row, as stored: 4 bytes a run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Runs<'a>(&'a [u8]);

impl Iterator for Runs<'_> {
    /// (first column from the row's start, length, solid).
    type Item = (usize, usize, bool);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (run, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        let x = u16::from_le_bytes([run[0], run[1]]);
        let word = u16::from_le_bytes([run[2], run[3]]);
        Some((
            usize::from(x),
            usize::from(word & !SOLID),
            word & SOLID != 0,
        ))
    }
}

/// The runs of a coverage row: stretches of covered pixels, solid ones (coverage 15,
/// at least `MIN_SOLID_RUN` long) apart from partial ones.
fn row_runs(row: &[u8]) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
    let mut x = 0;
    core::iter::from_fn(move || {
        while x < row.len() && row[x] == 0 {
            x += 1;
        }
        if x == row.len() {
            return None;
        }
        let start = x;
        let solid_len = |from: usize| row[from..].iter().take_while(|&&c| c == 15).count();
        let solid = solid_len(start);
        if solid >= MIN_SOLID_RUN {
            x += solid;
            return Some((start, solid, true));
        }
        // Partial: up to a gap or to a solid stretch long enough to be its own run.
        while x < row.len() && row[x] != 0 {
            if row[x] == 15 && solid_len(x) >= MIN_SOLID_RUN {
                break;
            }
            x += 1;
        }
        Some((start, x - start, false))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::{Font, Weight};
    use std::vec;

    #[test]
    fn the_arena_is_half_the_free_ram_in_pages_between_the_limits() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(arena_bytes(0), 0);
        assert_eq!(arena_bytes(2 * MIN_ARENA as u64 - 1), 0, "too small: none");
        assert_eq!(arena_bytes(2 * MIN_ARENA as u64), MIN_ARENA);
        // A 4 MiB VM: about 2 MiB free after the kernel.
        assert_eq!(arena_bytes(2 * MIB - 0x3000), (MIB - 0x2000) as usize);
        assert_eq!(arena_bytes(240 * MIB), MAX_ARENA);
        let mut last = 0;
        for free in (0..4 * MIB).step_by(4099) {
            let bytes = arena_bytes(free);
            assert!(bytes.is_multiple_of(4096) && bytes as u64 <= free / 2 && bytes <= MAX_ARENA);
            assert!(bytes == 0 || bytes >= MIN_ARENA);
            assert!(bytes >= last, "grows with the RAM");
            last = bytes;
        }
    }

    /// A cache over a fresh arena of `bytes` (garbage in it: the cache must not care).
    fn cache_of(bytes: usize) -> GlyphCache {
        GlyphCache::new(Some(vec![0xA5u8; bytes].leak()))
    }

    #[test]
    fn the_smallest_cache_starts_over_and_still_gives_the_right_rows() {
        let mut cache = cache_of(MIN_ARENA);
        let text = "AWgjQ@%&ÉÆ0123456789abcdefghijklmnopqrstuvwxyz";
        for font in [Font::new(Weight::Bold, 70), Font::new(Weight::Regular, 24)] {
            let mut placed = vec![];
            for c in text.chars() {
                let g = font.glyph(c).unwrap();
                let r = cache.get(font, c, g).expect("fits the arena");
                assert!(cache.is_current(&r));
                placed.push((c, g, r));
                // Every glyph rendered so far that is still current has the rows a
                // fresh resample gives.
                for &(c, g, r) in placed.iter().filter(|(_, _, r)| cache.is_current(r)) {
                    let (left, right) = glyph::columns(g, font.scale(), 0);
                    let (top, bottom) = glyph::rows(g, font.scale());
                    let master = glyph::Master::decode(font.face(), g);
                    for dy in top..bottom {
                        let mut fresh = vec![0u8; (right - left) as usize];
                        let mut cached = fresh.clone();
                        glyph::rasterize_row(&master, font.scale(), 0, dy, left, &mut fresh);
                        cache.rasterize_row(&r, 0, dy, left, &mut cached);
                        assert_eq!(fresh, cached, "{c:?} {font:?} row {dy}");
                    }
                }
            }
            assert!(cache.used <= MIN_ARENA);
        }
        let stats = cache.stats();
        assert!(stats.clears > 0, "70 px glyphs overflow 64 KiB: {stats:?}");
        // A glyph bigger than the whole arena is not cached (drawn uncached).
        let huge = Font::new(Weight::Bold, 400);
        assert!(cache.get(huge, 'W', huge.glyph('W').unwrap()).is_none());
        // An empty arena (no RAM for it) caches nothing.
        let mut none = cache_of(0);
        let font = Font::new(Weight::Regular, 12);
        assert!(none.get(font, 'a', font.glyph('a').unwrap()).is_none());
    }

    #[test]
    fn stored_runs_cover_exactly_the_inked_pixels() {
        let mut cache = cache_of(MAX_ARENA);
        let mut solid_pixels = 0;
        for font in [
            Font::new(Weight::Regular, 9),
            Font::new(Weight::Bold, 24),
            Font::new(Weight::Bold, 140),
        ] {
            for c in "AWgjQ@%&ÉÆ0189lI|-_.,:;'iéßx€".chars() {
                let r = cache.get(font, c, font.glyph(c).unwrap()).unwrap();
                let glyph = cache.glyph_runs(&r, 5).unwrap();
                assert_eq!((glyph.x, -glyph.above), (5 + r.columns().0, r.rows().0));
                let rows = glyph.rows;
                let mut count = 0;
                for (dy, (coverage, runs)) in rows.enumerate() {
                    count += 1;
                    assert_eq!(coverage.len(), usize::from(r.width));
                    let mut in_run = vec![false; coverage.len()];
                    let mut end = 0;
                    for (start, len, solid) in runs {
                        assert!(start >= end && len > 0, "{c:?} row {dy}: sorted, apart");
                        end = start + len;
                        for (k, &v) in coverage[start..end].iter().enumerate() {
                            in_run[start + k] = true;
                            assert!(!solid || v == 15, "{c:?} row {dy}: solid only at 15");
                        }
                        if solid {
                            assert!(len >= MIN_SOLID_RUN);
                            solid_pixels += len;
                        }
                    }
                    for (k, &v) in coverage.iter().enumerate() {
                        assert_eq!(in_run[k], v != 0, "{c:?} {font:?} row {dy} column {k}");
                    }
                }
                assert_eq!(count, r.rows().1 - r.rows().0, "every row");
            }
        }
        assert!(solid_pixels > 1000, "big glyphs have solid stems");
    }
}
