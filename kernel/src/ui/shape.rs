//! Rounded rectangles (cards, buttons, tiles) drawn as row spans: rows that look
//! alike are drawn together, so the straight middle of a card is three rectangles
//! (edge, face, edge) and only the rounded rows are drawn one by one. With an
//! `outside` colour the corners left open are painted too, so every pixel of the
//! bounding box is written exactly once (no background fill under the card first).

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
fn corner_inset(r: u32, e: u32) -> u32 {
    let (r, e) = (i64::from(r), i64::from(e));
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
    (r - (odd + 1) / 2).clamp(0, r) as u32
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
    if let Ok(canvas) = super::paint::as_canvas(d) {
        // The whole part at once: the spans below then fall inside the newest dirty
        // rectangle (a few comparisons each) instead of growing it span by span.
        // Without `outside` the open corners are counted too (a few pixels).
        canvas.add_dirty_area(&part);
    }
    let r = style.radius.min(w / 2).min(h / 2);
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
    use super::{corner_inset, CornerWalk};

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
