//! One glyph row at any size, resampled from the master coverage: copied at the
//! master size, averaged (box filter) below it, sharpened-bilinear above it. The
//! master glyph is decoded whole first ([`Master`]), once for all the rows drawn.

use super::coverage;
use super::font::{Face, Glyph, COVERAGE, MAX_MASTER_PIXELS, NO_BASE, ONE};

const ONE64: i64 = ONE as i64;

/// A master glyph decoded from `COVERAGE`: one byte a pixel, rows top down.
pub(super) struct Master {
    glyph: Glyph,
    pixels: [u8; MAX_MASTER_PIXELS],
}

impl Master {
    /// Decodes glyph `g` of `face`: its base glyph into its box first, if it has
    /// one, then its own codes over it.
    pub(super) fn decode(face: &Face, g: &Glyph) -> Self {
        let mut master = Self {
            glyph: *g,
            pixels: [0; MAX_MASTER_PIXELS],
        };
        let width = usize::from(g.width);
        let stream = |g: &Glyph| COVERAGE.get(g.offset as usize..).unwrap_or(&[]);
        let box_pixels =
            |g: &Glyph| (usize::from(g.width) * usize::from(g.height)).min(MAX_MASTER_PIXELS);
        let pixels = &mut master.pixels[..box_pixels(g)];
        if let Some(base) = face
            .glyphs
            .get(usize::from(g.base))
            .filter(|_| g.base != NO_BASE)
        {
            let mut decoded = [0; MAX_MASTER_PIXELS];
            let base_width = usize::from(base.width);
            coverage::decode(stream(base), base_width, &mut decoded[..box_pixels(base)]);
            // Where the base's box lies in this one's (the build put it inside).
            let dx = usize::try_from(i32::from(base.left) - i32::from(g.left)).unwrap_or(0);
            let dy = usize::try_from(i32::from(g.top) - i32::from(base.top)).unwrap_or(0);
            let rows = decoded[..box_pixels(base)].chunks_exact(base_width.max(1));
            for (j, row) in rows.enumerate() {
                let at = (dy + j) * width + dx;
                if let Some(to) = pixels.get_mut(at..at + base_width) {
                    to.copy_from_slice(row);
                }
            }
        }
        coverage::decode(stream(g), width, pixels);
        master
    }

    /// Coverage (0..=15) at column `i`, row `j`; 0 outside the bitmap.
    #[inline]
    pub(super) fn coverage(&self, i: i64, j: i64) -> u8 {
        let g = &self.glyph;
        if i < 0 || j < 0 || i >= i64::from(g.width) || j >= i64::from(g.height) {
            return 0;
        }
        let at = j as usize * usize::from(g.width) + i as usize;
        self.pixels.get(at).copied().unwrap_or(0)
    }
}

#[inline]
fn sample(m: &Master, i: i64, j: i64) -> i64 {
    i64::from(m.coverage(i, j))
}

fn round64(v: i64) -> i32 {
    ((v + 32) >> 6) as i32
}

/// Columns [left, right) glyph `g` may touch when drawn at `scale` (16.16) with the
/// pen at `pen64` (1/64 pixel).
pub(super) fn columns(g: &Glyph, scale: u32, pen64: i64) -> (i32, i32) {
    let s = i64::from(scale);
    let pen = round64(pen64);
    let l = (i64::from(g.left) * s) >> 16;
    let r = ((i64::from(g.left) + i64::from(g.width)) * s + ONE64) >> 16;
    (pen + l as i32 - 1, pen + r as i32 + 1)
}

/// Rows [top, bottom) relative to the baseline glyph `g` may touch at `scale`.
pub(super) fn rows(g: &Glyph, scale: u32) -> (i32, i32) {
    let s = i64::from(scale);
    let top = ((i64::from(g.top) * s + 0xFFFF) >> 16) + 1;
    let bottom = (((i64::from(g.height) - i64::from(g.top)) * s + 0xFFFF) >> 16) + 1;
    (-top as i32, bottom as i32)
}

/// Adds (max) the coverage of `m`'s row `dy` pixels below the baseline (negative:
/// above) into `cov`, which starts at column `x0`.
pub(super) fn rasterize_row(m: &Master, scale: u32, pen64: i64, dy: i32, x0: i32, cov: &mut [u8]) {
    let (l, r) = columns(&m.glyph, scale, pen64);
    let from = l.max(x0);
    let to = r.min(x0 + cov.len() as i32);
    if from >= to {
        return;
    }
    let out = &mut cov[(from - x0) as usize..(to - x0) as usize];
    // The resampling steps from the glyph's own left column whatever part is asked
    // for, so a clipped or partial row has the same values as the whole one (the
    // cache renders whole rows; drawing uncached renders the parts in view).
    let skip = (from - l) as usize;
    match scale.cmp(&ONE) {
        core::cmp::Ordering::Equal => copy_row(m, pen64, dy, from, out),
        core::cmp::Ordering::Less => shrink_row(m, scale, pen64, dy, l, skip, out),
        core::cmp::Ordering::Greater => enlarge_row(m, scale, pen64, dy, l, skip, out),
    }
}

/// Master size: the stored row as it is.
fn copy_row(m: &Master, pen64: i64, dy: i32, from: i32, out: &mut [u8]) {
    let g = &m.glyph;
    let j = i64::from(dy) + i64::from(g.top);
    if j < 0 || j >= i64::from(g.height) {
        return;
    }
    let origin = i64::from(round64(pen64)) + i64::from(g.left);
    for (k, slot) in out.iter_mut().enumerate() {
        let v = sample(m, i64::from(from) + k as i64 - origin, j) as u8;
        *slot = (*slot).max(v);
    }
}

/// The master pixels whose centres fall in [a, b) (16.16 master coordinates).
fn centres_in(a: i64, b: i64) -> (i64, i64) {
    // Pixel k's centre is k + 0.5: first k with k + 0.5 >= a, first with >= b.
    let first = |v: i64| (v - ONE64 / 2 + ONE64 - 1).div_euclid(ONE64);
    (first(a), first(b))
}

/// Smaller than the master: each output pixel is the mean of the master pixels under
/// it. Steps from column `left`; the first `skip` columns are not written.
fn shrink_row(m: &Master, scale: u32, pen64: i64, dy: i32, left: i32, skip: usize, out: &mut [u8]) {
    let g = &m.glyph;
    // Master pixels per output pixel (16.16, above 1).
    let inv = (ONE64 << 16) / i64::from(scale);
    let t0 = (i64::from(g.top) << 16) + i64::from(dy) * inv;
    let (rows_from, rows_to) = centres_in(t0, t0 + inv);
    let (j0, j1) = (rows_from.max(0), rows_to.min(i64::from(g.height)));
    if j0 >= j1 {
        return;
    }
    // Master column under output column x: (x - pen) * inv - left.
    let column = |x: i64| (((x * 64 - pen64) * inv) >> 6) - (i64::from(g.left) << 16);
    let mut a = column(i64::from(left)) + inv * skip as i64;
    for slot in out.iter_mut() {
        let b = a + inv;
        let (i0, i1) = centres_in(a, b);
        let mut sum = 0;
        for j in j0..j1 {
            for i in i0.max(0)..i1.min(i64::from(g.width)) {
                sum += sample(m, i, j);
            }
        }
        // Master pixels outside the bitmap count as empty.
        let count = ((i1 - i0) * (rows_to - rows_from)).max(1);
        let v = ((sum * 2 + count) / (2 * count)).clamp(0, 15) as u8;
        *slot = (*slot).max(v);
        a = b;
    }
}

/// Larger than the master: bilinear samples, sharpened around half coverage by the
/// scale so edges stay about one output pixel wide. Steps from column `left`; the
/// first `skip` columns are not written.
fn enlarge_row(
    m: &Master,
    scale: u32,
    pen64: i64,
    dy: i32,
    left: i32,
    skip: usize,
    out: &mut [u8],
) {
    let g = &m.glyph;
    let s = i64::from(scale);
    // Master row (16.16) under this output row's centre.
    let above = -((i64::from(dy) * 2 + 1) << 15) * ONE64 / s;
    let sy = (i64::from(g.top) << 16) - above - ONE64 / 2;
    if sy <= -ONE64 || sy >= i64::from(g.height) << 16 {
        return;
    }
    let (j0, fy) = (sy >> 16, sy & 0xFFFF);
    let step = (ONE64 << 16) / s;
    let mut sx = ((((i64::from(left) * 64 + 32 - pen64) << 10) << 16) / s)
        - (i64::from(g.left) << 16)
        - ONE64 / 2;
    sx += step * skip as i64;
    let half = 15 * ONE64 / 2;
    for slot in out.iter_mut() {
        let (i0, fx) = (sx >> 16, sx & 0xFFFF);
        let top = sample(m, i0, j0) * (ONE64 - fx) + sample(m, i0 + 1, j0) * fx;
        let bottom = sample(m, i0, j0 + 1) * (ONE64 - fx) + sample(m, i0 + 1, j0 + 1) * fx;
        let c = (top * (ONE64 - fy) + bottom * fy) >> 16;
        let sharp = (((c - half) * s) >> 16) + half;
        let v = ((sharp + ONE64 / 2) >> 16).clamp(0, 15) as u8;
        *slot = (*slot).max(v);
        sx += step;
    }
}
