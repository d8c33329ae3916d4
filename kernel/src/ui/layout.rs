//! Layout: padding, rows, columns and grids of rectangles, computed from the screen
//! size alone, so an app recomputes them on every `Resize` and everything reflows.
//! Fixed-size arrays, no heap; leftover pixels of a division go to the last cells,
//! so cells tile the area exactly.

use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// `area` shrunk by `padding` on every side (never below zero size).
pub fn inset(area: &Rectangle, padding: u32) -> Rectangle {
    let p = padding.min(area.size.width / 2).min(area.size.height / 2);
    Rectangle::new(
        area.top_left + Point::new(p as i32, p as i32),
        Size::new(area.size.width - 2 * p, area.size.height - 2 * p),
    )
}

/// Splits `length` minus the gaps into parts proportional to `weights`:
/// (offset, size) of each.
fn split<const N: usize>(length: u32, gap: u32, weights: [u32; N]) -> [(u32, u32); N] {
    let gaps = gap.saturating_mul(N.saturating_sub(1) as u32);
    let free = u64::from(length.saturating_sub(gaps));
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum::<u64>().max(1);
    let mut out = [(0, 0); N];
    let (mut offset, mut used_weight) = (0u64, 0u64);
    for (i, &w) in weights.iter().enumerate() {
        // Cumulative rounding: the parts add up to `free` exactly.
        let start = free * used_weight / total;
        used_weight += u64::from(w);
        let end = free * used_weight / total;
        out[i] = ((offset + start) as u32, (end - start) as u32);
        offset += u64::from(gap);
    }
    out
}

/// `area` cut into side-by-side cells with widths in proportion to `weights`,
/// `gap` pixels apart.
pub fn row<const N: usize>(area: &Rectangle, gap: u32, weights: [u32; N]) -> [Rectangle; N] {
    split(area.size.width, gap, weights).map(|(x, w)| {
        Rectangle::new(
            area.top_left + Point::new(x as i32, 0),
            Size::new(w, area.size.height),
        )
    })
}

/// `area` cut into stacked cells with heights in proportion to `weights`, `gap`
/// pixels apart.
pub fn column<const N: usize>(area: &Rectangle, gap: u32, weights: [u32; N]) -> [Rectangle; N] {
    split(area.size.height, gap, weights).map(|(y, h)| {
        Rectangle::new(
            area.top_left + Point::new(0, y as i32),
            Size::new(area.size.width, h),
        )
    })
}

/// How many columns of cells at least `min_width` wide fit in `area` with `gap`
/// between them (at least 1, at most `max`): what a grid reflows with.
pub fn columns_that_fit(area: &Rectangle, min_width: u32, gap: u32, max: u32) -> u32 {
    let fit = (u64::from(area.size.width) + u64::from(gap))
        / (u64::from(min_width.max(1)) + u64::from(gap));
    (fit as u32).clamp(1, max.max(1))
}

/// `N` equal cells in reading order, `columns` to a row, `gap` apart both ways.
pub fn grid<const N: usize>(area: &Rectangle, columns: u32, gap: u32) -> [Rectangle; N] {
    let columns = columns.clamp(1, (N as u32).max(1));
    let rows = (N as u32).div_ceil(columns).max(1);
    let xs = split_even(area.size.width, gap, columns);
    let ys = split_even(area.size.height, gap, rows);
    core::array::from_fn(|i| {
        let (col, line) = (i as u32 % columns, i as u32 / columns);
        let (x, w) = xs(col);
        let (y, h) = ys(line);
        Rectangle::new(
            area.top_left + Point::new(x as i32, y as i32),
            Size::new(w, h),
        )
    })
}

/// Offset and size of part `i` of `parts` equal parts of `length`, `gap` apart.
fn split_even(length: u32, gap: u32, parts: u32) -> impl Fn(u32) -> (u32, u32) {
    let free = u64::from(length.saturating_sub(gap.saturating_mul(parts - 1)));
    move |i| {
        let start = free * u64::from(i) / u64::from(parts);
        let end = free * u64::from(i + 1) / u64::from(parts);
        (
            (start + u64::from(gap) * u64::from(i)) as u32,
            (end - start) as u32,
        )
    }
}
