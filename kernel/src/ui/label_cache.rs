//! Lines of text kept as the pixels they paint, so a redraw copies them (a copy of
//! a row costs about what a fill of it does) instead of painting glyph runs again
//! (which costs per glyph, per glyph row and per run: most of a redraw's text time).
//!
//! A line is rendered once, whole (no clip), into a box of raw framebuffer pixels;
//! only the pixels the text paints are kept, as runs per row, so a copy leaves the
//! others alone exactly like the glyph path does (text paints only its ink). Lines
//! are keyed by everything their pixels depend on, compared in full on a hit (the
//! hash only finds the slot): the text, the font, both colours and the pixel
//! format; the pen position only moves the box (pens are whole pixels). A line for a
//! card drawn in one pass (`card_face`) on the card's face colour is kept whole
//! instead (`LineKey::dense`): the unpainted pixels as that colour, one run a row.
//!
//! Memory like the glyph cache's: one arena of free RAM taken at boot ([`install`],
//! sized by [`arena_bytes`]), a static of the largest size on a host; one drawer at
//! a time (`lock`); emptied as a whole when full. Without an arena (a 4 MiB VM), for a
//! line too big for it, or a 24-bit framebuffer, text takes the glyph path: the same
//! pixels, slower.

use super::Font;
use crate::display::framebuffer::{Framebuffer, PixelFormat};
use crate::display::Canvas;
use crate::hal::PhysRegion;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;

/// The smallest arena worth installing.
pub const MIN_ARENA: usize = 64 * 1024;
/// The largest arena taken: the lines of both demo pages at 3840x2160 with room for
/// the clock's changing texts.
pub const MAX_ARENA: usize = 8 * 1024 * 1024;
/// Line slots (a power of two, for the hash probe).
const SLOTS: usize = 128;
/// Slots filled before the cache starts over (keeps probes short).
const MAX_FILLED: usize = SLOTS * 3 / 4;
/// Lines remembered as drawn once: a line is kept the second time it is drawn, so a
/// text drawn once (a clock's second, a first frame at a new size) costs no more
/// than drawing its glyphs, and does not fill the arena.
const SEEN: usize = 128;
/// A line bigger than this part of the arena is not kept (it would push out the rest).
const MAX_SHARE: usize = 4;
/// No pixel value: `PixelFormat::pack` sets at most 24 of the 32 bits.
const UNPAINTED: u32 = u32::MAX;

/// The arena size for a boot with `free` bytes of free RAM in one piece (what the
/// glyph cache left): half of it, at most [`MAX_ARENA`], in whole 4 KiB pages; 0 (no
/// cache) when that is less than [`MIN_ARENA`].
pub fn arena_bytes(free: u64) -> usize {
    let half = (free / 2).min(MAX_ARENA as u64) as usize & !0xFFF;
    if half < MIN_ARENA {
        0
    } else {
        half
    }
}

/// A framebuffer's BAR is aligned to at least this, and the emulators' TLBs a
/// redraw runs through cover about this much: QEMU's is direct-mapped, indexed by
/// page number, and grows to 4096 entries (16 MiB of addresses) for a redraw.
const COLOUR_SPAN: u64 = 16 << 20;

/// Where the arena starts in a free range `[start, start + free)`: at half a
/// `COLOUR_SPAN` past a multiple of it, when the range holds the arena there at full
/// size, else at `start`. The rows a redraw copies from the arena then take TLB
/// slots the framebuffer's first 8 MiB (a 1080p screen) do not: at the start of free
/// RAM (~3 MiB) they evicted the very video pages they were copied to, ~300 extra
/// misses a 1080p redraw (page colouring, for a software TLB).
pub fn arena_start(start: u64, free: u64) -> u64 {
    let half = COLOUR_SPAN / 2;
    let coloured = (start + half).next_multiple_of(COLOUR_SPAN) - half;
    let skipped = coloured - start;
    let full = arena_bytes(free);
    if skipped < free && arena_bytes(free - skipped) == full {
        coloured
    } else {
        start
    }
}

/// What the cache holds now (for the log and for tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelCacheStats {
    /// Arena bytes.
    pub capacity: usize,
    /// Arena bytes in use.
    pub used: usize,
    /// Lines held.
    pub lines: usize,
    /// Times the arena was full and started over since it was installed.
    pub clears: u32,
}

/// What a line's pixels depend on.
#[derive(Debug, Clone, Copy)]
pub(super) struct LineKey<'a> {
    pub text: &'a str,
    pub font: Font,
    pub color: Rgb888,
    pub background: Rgb888,
    pub format: PixelFormat,
    /// Kept whole: the box's unpainted pixels as `background`, one run a row (for a
    /// card drawn in one pass, whose face is that colour: a row of the box is one
    /// copy instead of a copy per run and a fill per gap).
    pub dense: bool,
}

/// The key's parts as plain words (a slot of zeros is empty, so the cache is .bss).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Words {
    font: u32,
    color: u32,
    background: u32,
    format: u32,
    text_len: u32,
}

impl LineKey<'_> {
    fn words(&self) -> Words {
        let rgb = |c: Rgb888| u32::from(c.r()) << 16 | u32::from(c.g()) << 8 | u32::from(c.b());
        let f = self.format;
        let weight = match self.font.weight() {
            super::Weight::Regular => 1,
            super::Weight::Bold => 2,
        };
        Words {
            font: u32::from(self.dense) << 31 | weight << 16 | self.font.px(),
            color: rgb(self.color),
            background: rgb(self.background),
            format: u32::from_le_bytes([
                f.bytes_per_pixel,
                f.red_shift,
                f.green_shift,
                f.blue_shift,
            ]),
            text_len: self.text.len() as u32,
        }
    }

    /// FNV-1a over the text and the other parts, a word at a time (a step per 4
    /// bytes of text: the hash is computed on every lookup); never 0 (an empty slot).
    fn hash(&self, words: &Words) -> u64 {
        let step = |h: u64, w: u32| (h ^ u64::from(w)).wrapping_mul(0x0100_0000_01b3);
        let parts = [words.font, words.color, words.background, words.format];
        let h = text_words(self.text).fold(0xcbf2_9ce4_8422_2325u64, step);
        parts.into_iter().fold(h, step) | 1
    }
}

/// Where a line lies relative to its pen and baseline, and what drawing it does
/// besides painting (what a hit must repeat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct LineBox {
    /// First column relative to the pen.
    pub left: i32,
    /// First row relative to the baseline (negative: above).
    pub top: i32,
    pub width: u32,
    pub height: u32,
    /// The pen after the line, relative to where it started.
    pub end: i32,
    /// Characters without a glyph (counted again on every draw).
    pub missing: u32,
}

/// One kept line. Its words in the arena from `offset`: `pixels` pixel values (the
/// painted pixels, row after row), then a row table of `height + 1` pairs (first
/// run, first pixel of each row, then the ends), then one word a run (first column
/// << 16 | length), then the text, 4 bytes a word.
#[derive(Debug, Clone, Copy)]
pub(super) struct Line {
    hash: u64,
    words: Words,
    offset: u32,
    pixels: u32,
    runs: u32,
    bounds: LineBox,
}

const EMPTY: Line = Line {
    hash: 0,
    words: Words {
        font: 0,
        color: 0,
        background: 0,
        format: 0,
        text_len: 0,
    },
    offset: 0,
    pixels: 0,
    runs: 0,
    bounds: LineBox {
        left: 0,
        top: 0,
        width: 0,
        height: 0,
        end: 0,
        missing: 0,
    },
};

impl Line {
    /// Where it lies and what drawing it does besides painting.
    pub(super) fn bounds(&self) -> LineBox {
        self.bounds
    }

    fn text_words(&self) -> usize {
        (self.words.text_len as usize).div_ceil(4)
    }

    fn total_words(&self) -> usize {
        self.pixels as usize
            + (self.bounds.height as usize + 1) * 2
            + self.runs as usize
            + self.text_words()
    }
}

/// The cache proper: an arena of line pixels and the slots that index it.
pub(super) struct LabelCache {
    arena: Arena,
    slots: [Line; SLOTS],
    /// Hashes of lines drawn once and not kept (a ring; 0: none).
    seen: [u64; SEEN],
    next_seen: usize,
    /// Arena words in use.
    used: usize,
    filled: usize,
    clears: u32,
}

/// The cache's memory; none before `install` (a null `None` keeps the static cache
/// all zero bytes: .bss).
struct Arena(Option<&'static mut [u32]>);

impl core::ops::Deref for Arena {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        self.0.as_deref().unwrap_or(&[])
    }
}

impl core::ops::DerefMut for Arena {
    fn deref_mut(&mut self) -> &mut [u32] {
        self.0.as_deref_mut().unwrap_or(&mut [])
    }
}

/// Packs `text` 4 bytes a word (little-endian, the last word padded with zeros).
/// Byte by byte into the word, not `copy_from_slice` into a buffer: that is a call
/// to `memcpy` (its length varies) for every word, on every lookup.
fn text_words(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.as_bytes().chunks(4).map(|c| {
        c.iter()
            .rev()
            .fold(0u32, |word, &b| word << 8 | u32::from(b))
    })
}

impl LabelCache {
    /// An empty cache over `arena` (its contents do not matter), or over none.
    pub(super) const fn new(arena: Option<&'static mut [u32]>) -> Self {
        Self {
            arena: Arena(arena),
            slots: [EMPTY; SLOTS],
            seen: [0; SEEN],
            next_seen: 0,
            used: 0,
            filled: 0,
            clears: 0,
        }
    }

    fn stats(&self) -> LabelCacheStats {
        LabelCacheStats {
            capacity: self.arena.len() * 4,
            used: self.used * 4,
            lines: self.filled,
            clears: self.clears,
        }
    }

    fn clear(&mut self) {
        self.clears += 1;
        self.slots = [EMPTY; SLOTS];
        self.used = 0;
        self.filled = 0;
    }

    /// The kept line for `key`, if there is one.
    pub(super) fn find(&self, key: &LineKey) -> Option<Line> {
        let words = key.words();
        let hash = key.hash(&words);
        let start = (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 57) as usize;
        for probe in 0..SLOTS {
            let line = &self.slots[(start + probe) % SLOTS];
            if line.hash == 0 {
                return None;
            }
            if line.hash == hash
                && line.words == words
                && self.text_of(line).eq(text_words(key.text))
            {
                return Some(*line);
            }
        }
        None
    }

    /// Whether the line `key`, which `find` did not find, is worth keeping now:
    /// `true` the second time it is asked (it was drawn before), else it is
    /// remembered and `false` (draw its glyphs).
    pub(super) fn admit(&mut self, key: &LineKey) -> bool {
        let hash = key.hash(&key.words());
        if self.seen.contains(&hash) {
            return true;
        }
        self.seen[self.next_seen] = hash;
        self.next_seen = (self.next_seen + 1) % SEEN;
        false
    }

    fn text_of(&self, line: &Line) -> impl Iterator<Item = u32> + '_ {
        let end = line.offset as usize + line.total_words();
        self.arena[end - line.text_words()..end].iter().copied()
    }

    /// Renders the line `key` whose box is `bounds` (from `bounds.left`, `bounds.top`
    /// relative to the pen and baseline) with `draw(canvas, pen x, baseline)` into a
    /// canvas of the box's size, and keeps the pixels it paints. `None` (nothing
    /// kept, `draw` not called) for a 24-bit format, an empty box, a line too big for
    /// the arena, or one larger than a `MAX_SHARE`th of it.
    pub(super) fn insert(
        &mut self,
        key: &LineKey,
        bounds: LineBox,
        draw: impl FnOnce(&mut Canvas, i32, i32),
    ) -> Option<Line> {
        let (width, height) = (bounds.width as usize, bounds.height as usize);
        if key.format.bytes_per_pixel != 4
            || width == 0
            || height == 0
            || width > usize::from(u16::MAX)
        {
            return None;
        }
        let text = key.text.len().div_ceil(4);
        let (area, table) = (width * height, (height + 1) * 2);
        // The box first; after the painted pixels are packed to its start, the row
        // table, the runs (at most one per two columns of a row) and the text.
        let need = area + table + height * width.div_ceil(2) + text;
        if need > self.arena.len() / MAX_SHARE {
            return None;
        }
        if self.used + need > self.arena.len() || self.filled >= MAX_FILLED {
            self.clear();
        }
        let offset = self.used;
        let entry = &mut self.arena[offset..offset + need];
        entry[..area].fill(UNPAINTED);
        on_canvas(
            &mut entry[..area],
            bounds.width,
            bounds.height,
            key.format,
            |canvas| draw(canvas, -bounds.left, -bounds.top),
        );
        if key.dense {
            // Every pixel of the box kept: each row becomes one run.
            let background = key.format.pack(key.background);
            for pixel in entry[..area].iter_mut().filter(|p| **p == UNPAINTED) {
                *pixel = background;
            }
        }
        // One pass: each row's painted pixels move towards the start (a pixel is
        // written no later than where it is read from, so nothing unread is
        // overwritten); the table and the runs go after the box meanwhile.
        let (mut pixels, mut n) = (0usize, 0usize);
        for j in 0..height {
            entry[area + j * 2] = n as u32;
            entry[area + j * 2 + 1] = pixels as u32;
            let (row, end) = (j * width, (j + 1) * width);
            let mut x = row;
            while x < end {
                if entry[x] == UNPAINTED {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < end && entry[x] != UNPAINTED {
                    entry[pixels + (x - start)] = entry[x];
                    x += 1;
                }
                entry[area + table + n] = ((start - row) as u32) << 16 | (x - start) as u32;
                n += 1;
                pixels += x - start;
            }
        }
        entry[area + table - 2] = n as u32;
        entry[area + table - 1] = pixels as u32;
        // Close up: the table and the runs right after the pixels, then the text.
        entry.copy_within(area..area + table + n, pixels);
        let text_at = pixels + table + n;
        for (w, t) in entry[text_at..text_at + text]
            .iter_mut()
            .zip(text_words(key.text))
        {
            *w = t;
        }
        let words = key.words();
        let line = Line {
            hash: key.hash(&words),
            words,
            offset: offset as u32,
            pixels: pixels as u32,
            runs: n as u32,
            bounds,
        };
        self.used += line.total_words();
        let start = (line.hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 57) as usize;
        for probe in 0..SLOTS {
            let slot = &mut self.slots[(start + probe) % SLOTS];
            if slot.hash == 0 {
                *slot = line;
                self.filled += 1;
                break;
            }
        }
        Some(line)
    }

    /// The rows of `line` (see `LineRows`), which `find` or `insert` gave under the
    /// same lock (a later insert may empty the arena).
    pub(super) fn rows(&self, line: &Line) -> LineRows<'_> {
        let at = line.offset as usize;
        let pixels = &self.arena[at..at + line.pixels as usize];
        let table_at = at + line.pixels as usize;
        let table = &self.arena[table_at..table_at + (line.bounds.height as usize + 1) * 2];
        let runs_at = table_at + table.len();
        LineRows {
            pixels,
            table,
            runs: &self.arena[runs_at..runs_at + line.runs as usize],
            // A dense line's rows are each one run of the box's width.
            whole_rows: line.words.font >> 31 == 1,
        }
    }
}

/// Runs `f` on a canvas over `pixels` (`width` x `height`, in `format`).
fn on_canvas(
    pixels: &mut [u32],
    width: u32,
    height: u32,
    format: PixelFormat,
    f: impl FnOnce(&mut Canvas),
) {
    // SAFETY: the region covers exactly `pixels`, which this function borrows
    // mutably until it returns; the canvas (the region's only user) is dropped
    // before that.
    let region = unsafe {
        PhysRegion::new(
            0,
            pixels.as_mut_ptr().cast::<u8>(),
            core::mem::size_of_val(pixels),
        )
    };
    if let Ok(framebuffer) = Framebuffer::new(region, width, height, width * 4, format) {
        f(&mut Canvas::new(framebuffer));
    }
}

/// The rows of a kept line, from the top: each row's runs (first column << 16 |
/// length) and its painted pixels, run after run.
pub(super) struct LineRows<'a> {
    pixels: &'a [u32],
    /// (first run, first pixel) of each row still to come, then the ends.
    table: &'a [u32],
    runs: &'a [u32],
    /// Every row is one run of the box's whole width (a dense line).
    whole_rows: bool,
}

impl<'a> LineRows<'a> {
    /// The next `rows` rows as one block of pixels, row after row, if each is one
    /// run `width` wide (a dense line of that width): a band of them is copied
    /// without looking at the runs. Does not move on (see `skip`).
    pub(super) fn block(&self, rows: usize, width: usize) -> Option<&'a [u32]> {
        let (&pixel, &end) = (self.table.get(1)?, self.table.get(rows * 2 + 1)?);
        let (pixel, end) = (pixel as usize, end as usize);
        (self.whole_rows && end.checked_sub(pixel)? == rows * width)
            .then(|| self.pixels.get(pixel..end))
            .flatten()
    }

    /// Moves on by `rows` rows.
    pub(super) fn skip(&mut self, rows: usize) {
        self.table = self.table.get(rows * 2..).unwrap_or(&[]);
    }
}

impl<'a> Iterator for LineRows<'a> {
    type Item = (&'a [u32], &'a [u32]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let [run, pixel, next_run, next_pixel, ..] = *self.table else {
            return None;
        };
        self.table = &self.table[2..];
        Some((
            self.runs
                .get(run as usize..next_run as usize)
                .unwrap_or(&[]),
            self.pixels
                .get(pixel as usize..next_pixel as usize)
                .unwrap_or(&[]),
        ))
    }

    fn nth(&mut self, n: usize) -> Option<Self::Item> {
        self.skip(n);
        self.next()
    }
}

struct Shared {
    busy: AtomicBool,
    cache: UnsafeCell<LabelCache>,
}

// SAFETY: the cache is only reached through `with_cache`, whose `busy` flag hands it
// to one user at a time.
unsafe impl Sync for Shared {}

static SHARED: Shared = Shared {
    busy: AtomicBool::new(false),
    cache: UnsafeCell::new(LabelCache::new(None)),
};

/// Runs `f` on the shared cache unless another user holds it (then `None`).
fn with_cache<R>(f: impl FnOnce(&'static mut LabelCache) -> R) -> Option<R> {
    if SHARED.busy.swap(true, Ordering::Acquire) {
        return None;
    }
    // SAFETY: `busy` was false and is now ours: no other reference to the cache
    // exists until it is cleared again (by `CacheGuard`'s drop, or right below).
    let cache = unsafe { &mut *SHARED.cache.get() };
    #[cfg(not(target_os = "none"))]
    if cache.arena.is_empty() && !host::ARENA_TAKEN.swap(true, Ordering::Relaxed) {
        cache.arena = Arena(Some(host::arena()));
    }
    Some(f(cache))
}

/// Hands `arena` to the cache (emptied), once at boot; `false` if a drawer holds
/// the cache right now (then the old arena stays).
pub fn install(arena: &'static mut [u32]) -> bool {
    let installed = with_cache(|cache| *cache = LabelCache::new(Some(arena))).is_some();
    if installed {
        SHARED.busy.store(false, Ordering::Release);
    }
    installed
}

/// What the cache holds now; `None` while a drawer holds it.
pub fn stats() -> Option<LabelCacheStats> {
    let stats = with_cache(|cache| cache.stats());
    if stats.is_some() {
        SHARED.busy.store(false, Ordering::Release);
    }
    stats
}

/// Empties the cache and forgets the lines drawn once (the next draw of every line
/// draws its glyphs, the one after keeps it): for measuring a cold redraw. `false`
/// while a drawer holds it.
pub fn empty() -> bool {
    let emptied = with_cache(|cache| {
        cache.clear();
        cache.seen = [0; SEEN];
    })
    .is_some();
    if emptied {
        SHARED.busy.store(false, Ordering::Release);
    }
    emptied
}

/// Runs `f` with the cache held, so the lines it draws are drawn glyph by glyph
/// (`bench=redraw`'s uncached row).
pub fn bypassed<R>(f: impl FnOnce() -> R) -> R {
    let _held = lock();
    f()
}

#[cfg(not(target_os = "none"))]
mod host {
    use super::MAX_ARENA;
    use core::cell::UnsafeCell;
    use core::sync::atomic::AtomicBool;

    /// A host build has no memory map: the cache takes this static, the largest size.
    pub(super) static ARENA_TAKEN: AtomicBool = AtomicBool::new(false);

    struct Arena(UnsafeCell<[u32; MAX_ARENA / 4]>);
    // SAFETY: handed out once (`ARENA_TAKEN`), then only reached through the cache.
    unsafe impl Sync for Arena {}
    static ARENA: Arena = Arena(UnsafeCell::new([0; MAX_ARENA / 4]));

    pub(super) fn arena() -> &'static mut [u32] {
        // SAFETY: called once, when `ARENA_TAKEN` went from false to true.
        unsafe { &mut *ARENA.0.get() }
    }
}

/// Sole access to the cache until dropped.
pub(super) struct CacheGuard {
    cache: &'static mut LabelCache,
}

/// The cache, unless another drawer holds it (then draw through the glyph path).
pub(super) fn lock() -> Option<CacheGuard> {
    with_cache(|cache| CacheGuard { cache })
}

impl Drop for CacheGuard {
    fn drop(&mut self) {
        SHARED.busy.store(false, Ordering::Release);
    }
}

impl core::ops::Deref for CacheGuard {
    type Target = LabelCache;
    fn deref(&self) -> &LabelCache {
        self.cache
    }
}

impl core::ops::DerefMut for CacheGuard {
    fn deref_mut(&mut self) -> &mut LabelCache {
        self.cache
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::Weight;
    use embedded_graphics::primitives::Rectangle;
    use std::vec;
    use std::vec::Vec;

    #[test]
    fn the_arena_is_half_the_free_ram_in_pages_between_the_limits() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(arena_bytes(0), 0);
        assert_eq!(arena_bytes(2 * MIN_ARENA as u64 - 1), 0, "too small: none");
        assert_eq!(arena_bytes(2 * MIN_ARENA as u64), MIN_ARENA);
        assert_eq!(arena_bytes(MIB + 0x3000), (MIB / 2) as usize + 0x1000);
        assert_eq!(arena_bytes(240 * MIB), MAX_ARENA);
    }

    #[test]
    fn the_arena_starts_half_a_colour_span_past_a_boundary_when_it_fits_there() {
        const MIB: u64 = 1024 * 1024;
        // Free RAM from ~3 MiB to 256 MiB: the arena moves up to 8 MiB.
        assert_eq!(arena_start(0x2c_3000, 253 * MIB), 8 * MIB);
        // Already there, or past it to the next one.
        assert_eq!(arena_start(8 * MIB, 100 * MIB), 8 * MIB);
        assert_eq!(arena_start(9 * MIB, 100 * MIB), 24 * MIB);
        // Too little room past the boundary for the whole arena: where it was.
        assert_eq!(arena_start(3 * MIB, 20 * MIB), 3 * MIB);
        assert_eq!(arena_start(3 * MIB, 5 * MIB), 3 * MIB);
        assert_eq!(arena_start(3 * MIB, 0), 3 * MIB);
    }

    /// A cache over a fresh arena of `bytes` (garbage in it: the cache must not care).
    fn cache_of(bytes: usize) -> LabelCache {
        LabelCache::new(Some(vec![0xA5A5_A5A5u32; bytes / 4].leak()))
    }

    fn key(text: &str) -> LineKey<'_> {
        LineKey {
            text,
            font: Font::new(Weight::Bold, 20),
            color: Rgb888::new(250, 240, 230),
            background: Rgb888::new(10, 20, 30),
            format: PixelFormat::XRGB8888,
            dense: false,
        }
    }

    fn bounds(width: u32, height: u32) -> LineBox {
        LineBox {
            left: -2,
            top: -15,
            width,
            height,
            end: 40,
            missing: 1,
        }
    }

    /// Paints a pattern that depends on `seed` into the box: some pixels left alone,
    /// runs of every length, a pixel that looks like the background.
    fn pattern(canvas: &mut Canvas, pen: i32, baseline: i32, seed: u32) {
        assert_eq!((pen, baseline), (2, 15), "the box starts at the pen's left");
        let size = canvas.bounding_box().size;
        for y in 0..size.height {
            for x in 0..size.width {
                if (x * 7 + y * 3 + seed) % 5 < 2 {
                    continue;
                }
                let c = Rgb888::new(x as u8, y as u8, seed as u8);
                let pixel = Rectangle::new(Point::new(x as i32, y as i32), Size::new(1, 1));
                let _ = canvas.fill_solid(&pixel, c);
            }
        }
    }

    /// What `pattern` paints, row by row: `None` where it leaves the pixel alone.
    fn expected(width: u32, height: u32, seed: u32) -> Vec<Vec<Option<u32>>> {
        expected_in(PixelFormat::XRGB8888, width, height, seed)
    }

    fn expected_in(
        format: PixelFormat,
        width: u32,
        height: u32,
        seed: u32,
    ) -> Vec<Vec<Option<u32>>> {
        (0..height)
            .map(|y| {
                (0..width)
                    .map(|x| {
                        ((x * 7 + y * 3 + seed) % 5 >= 2)
                            .then(|| format.pack(Rgb888::new(x as u8, y as u8, seed as u8)))
                    })
                    .collect()
            })
            .collect()
    }

    /// The rows of `line` as `expected` shows them.
    fn kept(cache: &LabelCache, line: &Line) -> Vec<Vec<Option<u32>>> {
        let b = line.bounds();
        cache
            .rows(line)
            .map(|(runs, pixels)| {
                let mut row = vec![None; b.width as usize];
                let mut next = pixels.iter();
                for &run in runs {
                    let (start, n) = ((run >> 16) as usize, (run & 0xFFFF) as usize);
                    for cell in &mut row[start..start + n] {
                        *cell = Some(*next.next().unwrap());
                    }
                }
                assert!(next.next().is_none(), "every pixel in a run");
                row
            })
            .collect()
    }

    #[test]
    fn text_packs_four_bytes_a_word_little_endian_the_last_padded_with_zeros() {
        let words = |t: &str| text_words(t).collect::<Vec<u32>>();
        assert_eq!(words(""), Vec::<u32>::new());
        assert_eq!(words("a"), [u32::from(b'a')]);
        assert_eq!(
            words("Genève"),
            [
                u32::from_le_bytes(*b"Gen\xC3"),
                u32::from_le_bytes([0xA8, b'v', b'e', 0])
            ]
        );
        assert_eq!(words("abcd"), [u32::from_le_bytes(*b"abcd")]);
    }

    #[test]
    fn a_kept_line_has_the_pixels_drawn_and_is_found_only_by_its_whole_key() {
        let mut cache = cache_of(MIN_ARENA);
        let k = key("Genève 5 €");
        assert!(cache.find(&k).is_none(), "a miss");
        let line = cache
            .insert(&k, bounds(37, 23), |c, p, b| pattern(c, p, b, 1))
            .unwrap();
        assert_eq!(line.bounds(), bounds(37, 23));
        assert_eq!(kept(&cache, &line), expected(37, 23, 1));
        let found = cache.find(&k).expect("a hit");
        assert_eq!(kept(&cache, &found), expected(37, 23, 1));
        // Anything else the pixels depend on is another line.
        let others = [
            LineKey {
                text: "Genève 5 ",
                ..k
            },
            LineKey {
                text: "Genève 5 €€",
                ..k
            },
            LineKey {
                text: "Genèva 5 €",
                ..k
            },
            LineKey {
                font: Font::new(Weight::Regular, 20),
                ..k
            },
            LineKey {
                font: Font::new(Weight::Bold, 21),
                ..k
            },
            LineKey {
                color: Rgb888::new(250, 240, 231),
                ..k
            },
            LineKey {
                background: Rgb888::new(11, 20, 30),
                ..k
            },
            LineKey {
                format: PixelFormat {
                    red_shift: 0,
                    blue_shift: 16,
                    ..PixelFormat::XRGB8888
                },
                ..k
            },
        ];
        for other in &others {
            assert!(cache.find(other).is_none(), "{other:?}");
        }
        // Kept next to it, they do not disturb it.
        for (seed, other) in others.iter().enumerate() {
            let seed = seed as u32 + 2;
            let line = cache.insert(other, bounds(29, 17), |c, p, b| pattern(c, p, b, seed));
            let want = expected_in(other.format, 29, 17, seed);
            assert_eq!(kept(&cache, &line.unwrap()), want);
        }
        for (seed, other) in others.iter().enumerate() {
            let line = cache.find(other).unwrap();
            let want = expected_in(other.format, 29, 17, seed as u32 + 2);
            assert_eq!(kept(&cache, &line), want);
        }
        assert_eq!(kept(&cache, &cache.find(&k).unwrap()), expected(37, 23, 1));
        assert_eq!(cache.stats().lines, 9);
    }

    #[test]
    fn a_dense_line_keeps_its_whole_box_one_run_a_row_apart_from_the_sparse_one() {
        let mut cache = cache_of(MIN_ARENA);
        let sparse = key("Genève 5 €");
        let dense = LineKey {
            dense: true,
            ..sparse
        };
        let (w, h) = (19, 7);
        let line = cache.insert(&dense, bounds(w, h), |c, pen, base| {
            pattern(c, pen, base, 5)
        });
        let line = line.expect("kept");
        assert!(
            cache.find(&sparse).is_none(),
            "the sparse line is another line"
        );
        assert!(cache.find(&dense).is_some());
        let background = PixelFormat::XRGB8888.pack(sparse.background);
        let whole: Vec<Vec<Option<u32>>> = expected(w, h, 5)
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|p| Some(p.unwrap_or(background)))
                    .collect()
            })
            .collect();
        assert_eq!(kept(&cache, &line), whole);
        assert!(
            cache.rows(&line).all(|(runs, _)| runs == [w]),
            "one run a row"
        );
    }

    #[test]
    fn a_line_is_worth_keeping_the_second_time_it_is_drawn() {
        let mut cache = cache_of(MIN_ARENA);
        assert!(!cache.admit(&key("once")), "first time: draw the glyphs");
        assert!(cache.admit(&key("once")), "second time: keep it");
        assert!(!cache.admit(&LineKey {
            color: Rgb888::BLACK,
            ..key("once")
        }));
        // Remembered lines are forgotten oldest first.
        let texts: Vec<String> = (0..SEEN).map(|i| format!("{i}")).collect();
        for t in &texts {
            assert!(!cache.admit(&key(t)));
        }
        assert!(!cache.admit(&key("once")), "forgotten");
        assert!(cache.admit(&key(&texts[SEEN - 1])), "still remembered");
    }

    #[test]
    fn a_full_arena_starts_over_and_what_does_not_fit_is_not_kept() {
        let mut cache = cache_of(MIN_ARENA);
        let texts: Vec<String> = (0..200).map(|i| format!("line {i}")).collect();
        for (i, t) in texts.iter().enumerate() {
            let line = cache.insert(&key(t), bounds(60, 40), |c, p, b| {
                pattern(c, p, b, i as u32)
            });
            assert_eq!(
                kept(&cache, &line.unwrap()),
                expected(60, 40, i as u32),
                "{t}"
            );
            // Every line still kept has its own pixels.
            for (j, t) in texts[..=i].iter().enumerate() {
                if let Some(line) = cache.find(&key(t)) {
                    assert_eq!(kept(&cache, &line), expected(60, 40, j as u32), "{t}");
                }
            }
            assert!(cache.used * 4 <= MIN_ARENA);
        }
        let stats = cache.stats();
        assert!(stats.clears > 0 && stats.lines > 0, "{stats:?}");
        let never = |_: &mut Canvas, _, _| panic!("not drawn");
        // More than a quarter of the arena, or nothing to keep: not kept, not drawn.
        assert!(cache.insert(&key("big"), bounds(200, 30), never).is_none());
        assert!(cache.insert(&key("empty"), bounds(0, 30), never).is_none());
        // 24-bit pixels are not kept (the glyph path draws them).
        let rgb24 = LineKey {
            format: PixelFormat {
                bytes_per_pixel: 3,
                ..PixelFormat::XRGB8888
            },
            ..key("24")
        };
        assert!(cache.insert(&rgb24, bounds(10, 10), never).is_none());
        // No arena (no RAM for it): nothing kept.
        let mut none = LabelCache::new(None);
        assert!(none.insert(&key("x"), bounds(4, 4), never).is_none());
        assert!(none.find(&key("x")).is_none());
    }
}
