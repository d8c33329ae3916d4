//! Rounded rectangles (cards, buttons, tiles) drawn as row spans: rows that look
//! alike are drawn together, so the straight middle of a card is three rectangles
//! (edge, face, edge) and only the rounded rows are drawn one by one. With an
//! `outside` colour the corners left open are painted too, so every pixel of the
//! bounding box is written exactly once (no background fill under the card first).

use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// How a rounded rectangle is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardStyle {
    /// The face.
    pub fill: Rgb888,
    /// The edge, drawn inside the rectangle.
    pub stroke: Rgb888,
    /// Edge width in pixels (0: no edge).
    pub stroke_width: u32,
    /// Corner radius in pixels (clamped to half the shorter side).
    pub radius: u32,
    /// The colour of what lies under the corners, painted into the parts of the
    /// bounding box the rounding leaves open; `None` leaves them untouched.
    pub outside: Option<Rgb888>,
}

impl CardStyle {
    /// A face of `fill` without an edge, corners untouched.
    pub const fn filled(fill: Rgb888, radius: u32) -> Self {
        Self {
            fill,
            stroke: fill,
            stroke_width: 0,
            radius,
            outside: None,
        }
    }
}

/// Columns a corner of radius `r` leaves open on the row `e` rows from the edge
/// (`e < r`): those whose pixel centre lies outside the quarter circle.
const fn corner_inset(r: u32, e: u32) -> u32 {
    let (r, e) = (r as i64, e as i64);
    // Centres at half pixels: compare doubled distances to avoid fractions.
    let dy = 2 * (r - e) - 1;
    let limit = 4 * r * r - dy * dy;
    // First column (from the edge) whose centre is inside: (2(r - i) - 1)² <= limit.
    // Centres dx = 2(r - i) - 1 fall as i grows: the first inside is the largest odd
    // dx with dx² <= limit.
    if limit < 1 {
        return r as u32;
    }
    let largest = limit.isqrt();
    let odd = largest - (1 - largest % 2);
    let inset = r - (odd + 1) / 2;
    if inset < 0 {
        0
    } else if inset > r {
        r as u32
    } else {
        inset as u32
    }
}

/// The largest radius whose corners are looked up in `CORNER_INSETS` (the demo's
/// cards: 15 at 640x480, 24 at 1024x768, 40 at 1080p, 81 at 4K; buttons 8); larger
/// ones take the band path, walked row by row.
const TABLED_RADIUS: u32 = 96;
/// Entries of `CORNER_INSETS`: r + 1 for each radius r up to `TABLED_RADIUS`.
const TABLE_LEN: usize = ((TABLED_RADIUS + 1) * (TABLED_RADIUS + 2) / 2) as usize;

/// `corner_inset(r, e)` at `table_start(r) + e` for every `e <= r <= TABLED_RADIUS`
/// whose radius `tabled_corner` has filled in; `e == r` (the first row past the
/// corner) holds 0, so a row's entry is `table_start(r) + min(e, r)` whatever its
/// distance from the edge. Zeros until filled, so it lies in `.bss` and costs the
/// kernel image nothing (a table built at compile time cost 1.2 KiB for radii up to 48).
static CORNER_INSETS: [AtomicU8; TABLE_LEN] = [const { AtomicU8::new(0) }; TABLE_LEN];
/// Which radii `CORNER_INSETS` holds.
static TABLED: [AtomicBool; TABLED_RADIUS as usize + 1] =
    [const { AtomicBool::new(false) }; TABLED_RADIUS as usize + 1];

/// Where radius `r`'s entries start in `CORNER_INSETS`.
const fn table_start(r: u32) -> usize {
    (r as usize) * (r as usize + 1) / 2
}

/// Fills in radius `r <= TABLED_RADIUS` (once per radius; a shape or a CPU that
/// gets here at the same time writes the same values) and returns where it starts.
fn tabled_corner(r: u32) -> usize {
    let start = table_start(r);
    let Some(done) = TABLED.get(r as usize) else {
        return start;
    };
    if !done.load(Ordering::Acquire) {
        for e in 0..r {
            if let Some(entry) = CORNER_INSETS.get(start + e as usize) {
                // At most r <= TABLED_RADIUS, which fits a byte.
                entry.store(corner_inset(r, e) as u8, Ordering::Relaxed);
            }
        }
        done.store(true, Ordering::Release);
    }
    start
}

/// The open columns `e` rows from the edge of a tabled corner starting at `start`
/// (`table_start(r)`), or 0 from `e >= r` on: a load, no branch.
#[inline(always)]
fn tabled_inset(start: usize, r: u32, e: i64) -> i64 {
    let at = start + e.clamp(0, i64::from(r)) as usize;
    i64::from(CORNER_INSETS[at.min(TABLE_LEN - 1)].load(Ordering::Relaxed))
}

/// The open columns of a corner of radius `r`, row after row: each answer starts
/// from the one before (a shape's rows are visited in order, and neighbouring rows
/// open by a column or two), so a corner costs one square root, not one per row.
#[derive(Debug, Clone, Copy)]
struct CornerWalk {
    r: u32,
    /// The last row's open columns (`None` before the first row).
    last: Option<u32>,
}

impl CornerWalk {
    fn new(r: u32) -> Self {
        Self { r, last: None }
    }

    /// `corner_inset(r, e)`, walked from the last answer.
    fn at(&mut self, e: u32) -> u32 {
        let r = i64::from(self.r);
        let dy = 2 * (r - i64::from(e)) - 1;
        let limit = 4 * r * r - dy * dy;
        // Column `i` (from the edge) has its centre inside; false up to the answer,
        // true from it on (the same test `corner_inset` solves with the root).
        let inside = |i: u32| (2 * (r - i64::from(i)) - 1).pow(2) <= limit;
        let mut i = match self.last {
            Some(last) => last,
            None => corner_inset(self.r, e),
        };
        while i > 0 && inside(i - 1) {
            i -= 1;
        }
        while i < self.r && !inside(i) {
            i += 1;
        }
        self.last = Some(i);
        i
    }

    /// Open columns on row `k` of a `height`-row shape with this corner.
    fn inset(&mut self, height: u32, k: u32) -> u32 {
        let from_edge = k.min(height - 1 - k);
        if from_edge >= self.r {
            0
        } else {
            self.at(from_edge)
        }
    }
}

/// One row's spans, as offsets from the left edge: open, edge, face, edge, open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RowSpans {
    /// End of the open part on the left (and its width on the right).
    open: u32,
    /// The face [left, right), or `None` where the row is all edge.
    face: Option<(u32, u32)>,
}

/// Draws a rounded rectangle over `area` in `style`.
pub fn rounded_rect<D: DrawTarget<Color = Rgb888>>(d: &mut D, area: &Rectangle, style: &CardStyle) {
    rounded_rect_part(d, area, style, area);
}

/// The part of `rounded_rect(d, area, style)` inside `part`: only the rows and
/// columns of `part` are visited and drawn (a panel drawn around its content).
pub fn rounded_rect_part<D: DrawTarget<Color = Rgb888>>(
    d: &mut D,
    area: &Rectangle,
    style: &CardStyle,
    part: &Rectangle,
) {
    let (w, h) = (area.size.width, area.size.height);
    let part = part.intersection(area);
    if w == 0 || h == 0 || part.is_zero_sized() {
        return;
    }
    let r = style.radius.min(w / 2).min(h / 2);
    if let Ok(canvas) = super::paint::as_canvas(d) {
        // The whole part at once: the spans below then fall inside the newest dirty
        // rectangle (a few comparisons each) instead of growing it span by span.
        // Without `outside` the open corners are counted too (a few pixels).
        canvas.add_dirty_area(&part);
        if r <= TABLED_RADIUS {
            return part_on_canvas(canvas, area, style, &part, r);
        }
    }
    let edge = style.stroke_width;
    let (mut outer, mut inner) = (CornerWalk::new(r), CornerWalk::new(r.saturating_sub(edge)));
    let mut row = |k: u32| {
        let open = outer.inset(h, k);
        let face = if edge == 0 {
            Some((open, w - open))
        } else if 2 * edge < w && 2 * edge < h && k >= edge && k < h - edge {
            // The face is the rectangle inset by the edge, with the radius shrunk
            // by as much (same centres, so the edge keeps its width round the corner).
            let open_in = inner.inset(h - 2 * edge, k - edge);
            let left = (edge + open_in).max(open);
            let right = (w - edge - open_in).min(w - open).max(left);
            Some((left, right))
        } else {
            None
        };
        RowSpans { open, face }
    };
    // Rows [straight, straight_end) lie below the top corners and the top edge and
    // above the bottom ones: all alike, so they are not computed one by one.
    let straight = r.max(edge);
    let straight_end = h.saturating_sub(straight);
    let first = (part.top_left.y - area.top_left.y) as u32;
    let end = first + part.size.height;
    let (mut top, mut spans) = (first, row(first));
    while top < end {
        // Each row's spans are computed once: the row ending a band starts the next.
        let mut bottom = top + 1;
        let mut next = None;
        while bottom < end {
            let here = row(bottom);
            if here != spans {
                next = Some(here);
                break;
            }
            bottom = if (straight..straight_end).contains(&bottom) {
                straight_end.min(end)
            } else {
                bottom + 1
            };
        }
        draw_band(d, area, style, (top, bottom - top), spans, &part);
        top = bottom;
        match next {
            Some(here) => spans = here,
            None => break,
        }
    }
}

/// `rounded_rect_part` on a canvas, for a radius `r` (already clamped) whose corners
/// are tabled: each run of rounded rows is one `Framebuffer::fill_rows_with`, every
/// row's spans computed without a branch or a call (a rounded row used to cost a
/// corner walk per corner, a band and its clipping, some fifty translated blocks
/// besides its pixels); the straight middle is one band.
fn part_on_canvas(
    canvas: &mut crate::display::Canvas,
    area: &Rectangle,
    style: &CardStyle,
    part: &Rectangle,
    r: u32,
) {
    let (w, h) = (area.size.width, area.size.height);
    let edge = style.stroke_width;
    let fb = canvas.framebuffer();
    let (screen_w, screen_h, format) = (i64::from(fb.width()), i64::from(fb.height()), fb.format());
    // The part's visible columns and rows, and its rows [k0, k1) counted in the shape.
    let (x0, y0) = (i64::from(area.top_left.x), i64::from(area.top_left.y));
    let (part_x, part_y) = (i64::from(part.top_left.x), i64::from(part.top_left.y));
    let columns = (
        part_x.max(0),
        (part_x + i64::from(part.size.width)).min(screen_w),
    );
    let (top, bottom) = (
        part_y.max(0),
        (part_y + i64::from(part.size.height)).min(screen_h),
    );
    if columns.0 >= columns.1 || top >= bottom {
        return;
    }
    // Inside the shape (`part` lies inside `area`), so these fit u32.
    let (k0, k1) = ((top - y0) as u32, (bottom - y0) as u32);
    let columns = (columns.0 as u32, columns.1 as u32);

    let (w64, h64, e64) = (i64::from(w), i64::from(h), i64::from(edge));
    let r_in = r.saturating_sub(edge);
    let (outer, inner) = (tabled_corner(r), tabled_corner(r_in));
    // Rows inside the edge have a face (the rectangle inset by the edge, its radius
    // shrunk by as much); where the edges meet there is none.
    let has_face = 2 * edge < w && 2 * edge < h;
    // 1 where the open parts are left as they are (a factor, not a test: one copy of
    // the row code).
    let closed = i64::from(style.outside.is_none());
    // Row k's cuts, from the left: open, edge, face, edge, open (some may be empty).
    let cuts = move |k: u32| -> [i64; 6] {
        let k = i64::from(k);
        let open = tabled_inset(outer, r, k.min(h64 - 1 - k));
        // Negative on the rows of the top and bottom edge.
        let from_edge_in = (k - e64).min(h64 - 1 - e64 - k);
        let open_in = tabled_inset(inner, r_in, from_edge_in);
        let face_left = (e64 + open_in).max(open);
        let face_right = (w64 - e64 - open_in).min(w64 - open).max(face_left);
        // A row without a face is edge from one open part to the other: its middle
        // run, drawn in the stroke's colour (`edge_raws`), so the row stays on
        // `fill_five_runs`' fast path.
        let (left, right) = if has_face && from_edge_in >= 0 {
            (face_left, face_right)
        } else {
            (open, w64 - open)
        };
        // Without an outside colour the open parts are empty spans.
        let outer = open * closed;
        [outer, open, left, right, w64 - open, w64 - outer].map(|cut| x0 + cut)
    };
    let (fill, stroke) = (format.pack(style.fill), format.pack(style.stroke));
    let outside = style.outside.map_or(0, |outside| format.pack(outside));
    let raws = [outside, stroke, fill, stroke, outside];
    let edge_raws = [outside, stroke, stroke, stroke, outside];
    let y_of = |k: u32| (y0 + i64::from(k)) as u32;
    let rows_with = |canvas: &mut crate::display::Canvas, from: u32, to: u32, raws| {
        if from < to {
            canvas.framebuffer_mut().fill_rows_with(
                (y_of(from), to - from),
                columns,
                raws,
                move |i| cuts(from + i),
            );
        }
    };
    // Rows [from, to): those of the top and bottom edge (all of them without a face)
    // with the stroke's colour in the middle run, the others with the fill's.
    let (face_top, face_bottom) = if has_face { (edge, h - edge) } else { (0, 0) };
    let rounded_rows = |canvas: &mut crate::display::Canvas, from: u32, to: u32| {
        if from >= to {
            return;
        }
        let first_face = face_top.clamp(from, to);
        let past_face = face_bottom.clamp(from, to).max(first_face);
        rows_with(canvas, from, first_face, &edge_raws);
        rows_with(canvas, first_face, past_face, &raws);
        rows_with(canvas, past_face, to, &edge_raws);
    };
    // Rows [straight, straight_end) lie below the top corners and the top edge and
    // above the bottom ones: all alike, one band.
    let straight = r.max(edge);
    let straight_end = h.saturating_sub(straight);
    if straight >= straight_end {
        rounded_rows(canvas, k0, k1);
        return;
    }
    rounded_rows(canvas, k0, k1.min(straight));
    let (m0, m1) = (k0.max(straight), k1.min(straight_end));
    if m0 < m1 {
        let face = if edge == 0 {
            Some((0, w))
        } else if has_face {
            Some((edge, w - edge))
        } else {
            None
        };
        draw_band(
            canvas,
            area,
            style,
            (m0, m1 - m0),
            RowSpans { open: 0, face },
            part,
        );
    }
    rounded_rows(canvas, k0.max(straight_end), k1);
}

/// Rows [top, top + rows) of the shape, which all have `spans`.
fn draw_band<D: DrawTarget<Color = Rgb888>>(
    d: &mut D,
    area: &Rectangle,
    style: &CardStyle,
    (top, rows): (u32, u32),
    spans: RowSpans,
    part: &Rectangle,
) {
    let w = area.size.width;
    let (part_left, part_right) = (part.top_left.x, part.top_left.x + part.size.width as i32);
    if let Ok(canvas) = super::paint::as_canvas(d) {
        // Left to right, row after row: each row of video memory is visited once
        // (`rounded_rect_part` marked the part dirty).
        let mut row: heapless::Vec<(i32, i32, Rgb888), 5> = heapless::Vec::new();
        let mut put = |from: u32, to: u32, color: Rgb888| {
            let left = (area.top_left.x + from as i32).max(part_left);
            let right = (area.top_left.x + to as i32).min(part_right);
            if right > left {
                let _ = row.push((left, right, color));
            }
        };
        let open = spans.open;
        let outside = style.outside;
        if let Some(outside) = outside {
            put(0, open, outside);
        }
        match spans.face {
            Some((left, right)) => {
                put(open, left, style.stroke);
                put(left, right, style.fill);
                put(right, w - open, style.stroke);
            }
            None => put(open, w - open, style.stroke),
        }
        if let Some(outside) = outside {
            put(w - open, w, outside);
        }
        canvas.fill_spans_rows(area.top_left.y + top as i32, rows, &row);
        return;
    }
    let mut put = |from: u32, to: u32, color: Rgb888| {
        let left = (area.top_left.x + from as i32).max(part_left);
        let right = (area.top_left.x + to as i32).min(part_right);
        if right > left {
            let rect = Rectangle::new(
                Point::new(left, area.top_left.y + top as i32),
                Size::new((right - left) as u32, rows),
            );
            let _ = d.fill_solid(&rect, color);
        }
    };
    // The widest piece first: on a target other than the `Canvas` (which marks the
    // box first) the dirty rectangle of the band above then grows over the whole band
    // at once (see `DirtyRects::add`) instead of splitting the card.
    let open = spans.open;
    match spans.face {
        Some((left, right)) => {
            put(left, right, style.fill);
            put(open, left, style.stroke);
            put(right, w - open, style.stroke);
        }
        None => put(open, w - open, style.stroke),
    }
    if let Some(outside) = style.outside {
        put(0, open, outside);
        put(w - open, w, outside);
    }
}

#[cfg(test)]
mod tests {
    use super::{corner_inset, tabled_corner, tabled_inset, CornerWalk, TABLED_RADIUS};

    /// The table, filled radius by radius in any order, holds the root's columns,
    /// and 0 from the corner's last row on.
    #[test]
    fn tabled_corners_give_the_roots_columns() {
        for r in (0..=TABLED_RADIUS).rev().chain(0..=TABLED_RADIUS) {
            let start = tabled_corner(r);
            for e in -2..i64::from(r) + 3 {
                let want = if e >= i64::from(r) {
                    0
                } else {
                    corner_inset(r, e.max(0) as u32)
                };
                assert_eq!(tabled_inset(start, r, e), i64::from(want), "r={r} e={e}");
            }
        }
    }

    /// A walk gives the root's answer whichever row it comes from: down a corner,
    /// up it, and jumping about (a part drawn from its middle, the next shape).
    #[test]
    fn corner_walk_gives_the_same_columns_as_the_root_in_any_order() {
        for r in 0..300u32 {
            let down: std::vec::Vec<u32> = (0..r).collect();
            let up: std::vec::Vec<u32> = (0..r).rev().collect();
            let jumps: std::vec::Vec<u32> = (0..r).map(|e| (e * 7 + r / 2) % r.max(1)).collect();
            for order in [&down, &up, &jumps] {
                let mut walk = CornerWalk::new(r);
                for &e in order.iter().chain(up.iter()).chain(down.iter()) {
                    assert_eq!(walk.at(e), corner_inset(r, e), "r={r} e={e}");
                }
            }
        }
    }

    /// The square root gives the column a walk from the edge would stop at.
    #[test]
    fn corner_inset_is_the_first_column_whose_centre_is_inside() {
        for r in 1..400u32 {
            for e in 0..r {
                let (r64, e64) = (i64::from(r), i64::from(e));
                let dy = 2 * (r64 - e64) - 1;
                let limit = 4 * r64 * r64 - dy * dy;
                let walked = (0..r)
                    .find(|&i| (2 * (r64 - i64::from(i)) - 1).pow(2) <= limit)
                    .unwrap_or(r);
                assert_eq!(corner_inset(r, e), walked, "r={r} e={e}");
            }
        }
    }
}
