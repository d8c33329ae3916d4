//! Glyphs resampled once at the size they are drawn and kept in a fixed arena, so
//! a redraw copies coverage rows instead of resampling the master every frame.
//!
//! One static, zero-initialized (so in .bss, not in the image) arena, used by one
//! drawer at a time (`lock`); when it is full it is
//! emptied as a whole and a new generation starts (placements of an older
//! generation are drawn uncached).

use super::font::{Font, Glyph};
use super::glyph;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// Coverage bytes (0..=15, one a pixel) the arena holds.
const ARENA_BYTES: usize = 256 * 1024;
/// Glyph slots (a power of two, for the hash probe).
const SLOTS: usize = 1024;
/// Slots filled before the cache starts over (keeps probes short).
const MAX_FILLED: usize = SLOTS * 3 / 4;

/// A glyph rendered at one size: where its rows are and where they go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rendered {
    offset: u32,
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

const EMPTY: Slot = Slot {
    key: 0,
    rendered: Rendered {
        offset: 0,
        width: 0,
        height: 0,
        left: 0,
        top: 0,
        generation: 0,
    },
};

struct Cache {
    arena: [u8; ARENA_BYTES],
    slots: [Slot; SLOTS],
    used: usize,
    filled: usize,
    generation: u32,
}

struct Shared {
    busy: AtomicBool,
    cache: UnsafeCell<Cache>,
}

// SAFETY: the cache is only reached through `lock`, whose `busy` flag hands it to
// one `CacheGuard` at a time.
unsafe impl Sync for Shared {}

static SHARED: Shared = Shared {
    busy: AtomicBool::new(false),
    cache: UnsafeCell::new(Cache {
        arena: [0; ARENA_BYTES],
        slots: [EMPTY; SLOTS],
        used: 0,
        filled: 0,
        generation: 0,
    }),
};

/// Sole access to the cache until dropped.
pub(super) struct CacheGuard {
    cache: &'static mut Cache,
}

/// The cache, unless another drawer holds it (then draw uncached).
pub(super) fn lock() -> Option<CacheGuard> {
    if SHARED.busy.swap(true, Ordering::Acquire) {
        // Another drawer has it (on metal: one this drawer interrupted, e.g. a fault
        // page; on a host: another thread). Both paths draw the same pixels.
        return None;
    }
    // SAFETY: `busy` was false and is now ours: no other reference to the cache
    // exists until this guard is dropped and clears it.
    let cache = unsafe { &mut *SHARED.cache.get() };
    Some(CacheGuard { cache })
}

impl Drop for CacheGuard {
    fn drop(&mut self) {
        SHARED.busy.store(false, Ordering::Release);
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

impl CacheGuard {
    /// Glyph `g` (character `c`) rendered in `font`, rendering it now if needed;
    /// `None` if it does not fit the arena at all.
    pub(super) fn get(&mut self, font: Font, c: char, g: &Glyph) -> Option<Rendered> {
        let key = key(font, c);
        let start = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize;
        for probe in 0..SLOTS {
            let slot = &self.cache.slots[(start + probe) % SLOTS];
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
        r.generation == self.cache.generation
    }

    fn clear(&mut self) {
        self.cache.slots = [EMPTY; SLOTS];
        self.cache.used = 0;
        self.cache.filled = 0;
        self.cache.generation = self.cache.generation.wrapping_add(1);
    }

    fn insert(&mut self, key: u64, font: Font, g: &Glyph) -> Option<Rendered> {
        let scale = font.scale();
        let (left, right) = glyph::columns(g, scale, 0);
        let (top, bottom) = glyph::rows(g, scale);
        let (width, height) = ((right - left) as usize, (bottom - top) as usize);
        let bytes = width * height;
        if bytes > ARENA_BYTES || width > u16::MAX as usize || height > u16::MAX as usize {
            return None;
        }
        if self.cache.used + bytes > ARENA_BYTES || self.cache.filled >= MAX_FILLED {
            self.clear();
        }
        let offset = self.cache.used;
        let area = &mut self.cache.arena[offset..offset + bytes];
        area.fill(0);
        for (row, dy) in area.chunks_exact_mut(width).zip(top..bottom) {
            glyph::rasterize_row(g, scale, 0, dy, left, row);
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
        self.cache.used += trimmed_w * trimmed_h;
        let rendered = Rendered {
            offset: offset as u32,
            width: trimmed_w as u16,
            height: trimmed_h as u16,
            left: (left + first_col as i32) as i16,
            top: (-top - first_row as i32) as i16,
            generation: self.cache.generation,
        };
        let start = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize;
        for probe in 0..SLOTS {
            let slot = &mut self.cache.slots[(start + probe) % SLOTS];
            if slot.key == 0 {
                *slot = Slot { key, rendered };
                self.cache.filled += 1;
                break;
            }
        }
        Some(rendered)
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
        Some(&self.cache.arena[start..start + len])
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
        let row = &self.cache.arena[start..start + width];
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
