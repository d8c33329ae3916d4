//! Fixed-capacity dirty-rectangle tracker: a frame's changes as at most N rectangles.
//!
//! When full, the two rectangles whose union wastes the fewest pixels are merged, so
//! the set never grows past N and always covers every pixel that was added.

use heapless::Vec;

/// A screen rectangle in pixels (non-negative, already clipped to the screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Rect {
    /// A rectangle from its position and size.
    pub const fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Self {
            x,
            y,
            width,
            height,
        }
    }
    /// No pixels.
    pub const fn is_empty(&self) -> bool {
        self.width == 0 || self.height == 0
    }
    /// One past the right edge.
    pub const fn right(&self) -> u32 {
        self.x + self.width
    }
    /// One past the bottom edge.
    pub const fn bottom(&self) -> u32 {
        self.y + self.height
    }
    /// Number of pixels.
    pub const fn area(&self) -> u64 {
        self.width as u64 * self.height as u64
    }
    /// Whether `other` lies entirely inside `self`.
    pub const fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }
    /// Whether the two overlap or share an edge (their union has no gap between them).
    pub const fn touches(&self, other: &Rect) -> bool {
        other.x <= self.right()
            && self.x <= other.right()
            && other.y <= self.bottom()
            && self.y <= other.bottom()
    }
    /// Whether pixel (x, y) is inside.
    pub const fn contains_point(&self, x: u32, y: u32) -> bool {
        x >= self.x && y >= self.y && x < self.right() && y < self.bottom()
    }
    /// The smallest rectangle covering both.
    pub fn union(&self, other: &Rect) -> Rect {
        if self.is_empty() {
            return *other;
        }
        if other.is_empty() {
            return *self;
        }
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        Rect::new(
            x,
            y,
            self.right().max(other.right()) - x,
            self.bottom().max(other.bottom()) - y,
        )
    }
}

/// Tracks up to `N` dirty rectangles.
#[derive(Debug, Clone, Default)]
pub struct DirtyRects<const N: usize> {
    rects: Vec<Rect, N>,
}

impl<const N: usize> DirtyRects<N> {
    const CAPACITY_OK: () = assert!(N >= 1, "a dirty-rect tracker needs room for one rectangle");

    /// An empty tracker.
    pub const fn new() -> Self {
        let () = Self::CAPACITY_OK;
        Self { rects: Vec::new() }
    }

    /// Records that `rect` changed.
    #[inline]
    pub fn add(&mut self, rect: Rect) {
        // Most spans of a redraw fall inside the newest rectangle (a card marks its
        // box before drawing its rows): that test stays in the caller.
        if rect.is_empty() || self.rects.last().is_some_and(|last| last.contains(&rect)) {
            return;
        }
        self.add_new(rect);
    }

    /// `add` for a non-empty `rect` outside the newest rectangle.
    fn add_new(&mut self, rect: Rect) {
        // Shapes arrive as runs of touching spans (the scanlines of a rounded card,
        // the rows of a glyph): growing the newest rectangle by one span costs O(1),
        // where a new entry would soon cost a merge search over the whole set.
        if let Some(last) = self.rects.last_mut() {
            let union = last.union(&rect);
            let waste = union.area().saturating_sub(last.area() + rect.area());
            // Slack: the span's own area plus one row and one column of the union (a
            // card's stroke pieces, the steps of a rounded corner).
            let slack = rect.area() + u64::from(union.width) + u64::from(union.height);
            if last.touches(&rect) && waste <= slack {
                *last = union;
                let grown = *last;
                let newest = self.rects.len() - 1;
                let mut index = 0;
                self.rects.retain(|r| {
                    index += 1;
                    index - 1 == newest || !grown.contains(r)
                });
                return;
            }
        }
        if self.rects.iter().any(|r| r.contains(&rect)) {
            return;
        }
        self.rects.retain(|r| !rect.contains(r));
        if self.rects.is_full() {
            self.merge_cheapest(rect);
        } else {
            // Cannot fail: not full, checked above.
            let _ = self.rects.push(rect);
        }
    }

    /// Merges `rect` into the set when it is full: either with the existing rectangle
    /// it wastes least with, or two existing ones are merged to make room.
    fn merge_cheapest(&mut self, rect: Rect) {
        // Pixels the union covers beyond the two (overlap makes it cheaper still).
        let waste = |a: &Rect, b: &Rect| a.union(b).area().saturating_sub(a.area() + b.area());
        let mut best_with_new = (u64::MAX, 0);
        for (i, r) in self.rects.iter().enumerate() {
            let w = waste(r, &rect);
            if w < best_with_new.0 {
                best_with_new = (w, i);
            }
        }
        if best_with_new.0 == 0 {
            // No pair can waste less than nothing (a pair wins only when strictly
            // cheaper): skip the search over every pair.
            let i = best_with_new.1;
            self.rects[i] = self.rects[i].union(&rect);
            return;
        }
        let mut best_pair = (u64::MAX, 0, 0);
        for i in 0..self.rects.len() {
            for j in i + 1..self.rects.len() {
                let w = waste(&self.rects[i], &self.rects[j]);
                if w < best_pair.0 {
                    best_pair = (w, i, j);
                }
            }
        }
        if best_pair.0 < best_with_new.0 {
            let (_, i, j) = best_pair;
            self.rects[i] = self.rects[i].union(&self.rects[j]);
            self.rects.swap_remove(j);
            let _ = self.rects.push(rect);
        } else {
            let i = best_with_new.1;
            self.rects[i] = self.rects[i].union(&rect);
        }
    }

    /// The rectangles recorded so far.
    pub fn rects(&self) -> &[Rect] {
        &self.rects
    }

    /// Returns this frame's rectangles and starts a new frame.
    pub fn take(&mut self) -> Vec<Rect, N> {
        core::mem::take(&mut self.rects)
    }

    /// Total pixels in the recorded rectangles (overlaps counted twice).
    pub fn pixel_count(&self) -> u64 {
        self.rects.iter().map(Rect::area).sum()
    }

    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.rects.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    #[test]
    fn never_exceeds_capacity_and_covers_every_added_pixel() {
        const W: u32 = 97;
        const H: u32 = 61;
        let mut seed = 42;
        for round in 0..200 {
            let mut tracker = DirtyRects::<4>::new();
            let mut changed = vec![false; (W * H) as usize];
            let count = 1 + next(&mut seed) % 30;
            for _ in 0..count {
                let x = (next(&mut seed) % u64::from(W)) as u32;
                let y = (next(&mut seed) % u64::from(H)) as u32;
                let w = (next(&mut seed) % u64::from(W - x + 1)) as u32;
                let h = (next(&mut seed) % u64::from(H - y + 1)) as u32;
                let r = Rect::new(x, y, w, h);
                tracker.add(r);
                assert!(tracker.rects().len() <= 4);
                for py in r.y..r.bottom() {
                    for px in r.x..r.right() {
                        changed[(py * W + px) as usize] = true;
                    }
                }
            }
            let rects = tracker.take();
            for py in 0..H {
                for px in 0..W {
                    if changed[(py * W + px) as usize] {
                        assert!(
                            rects.iter().any(|r| r.contains_point(px, py)),
                            "round {round}: pixel ({px},{py}) not covered by {rects:?}"
                        );
                    }
                }
            }
            for r in &rects {
                assert!(!r.is_empty() && r.right() <= W && r.bottom() <= H);
            }
            assert!(tracker.is_empty(), "take() starts a new frame");
        }
    }

    #[test]
    fn contained_rects_are_absorbed_and_empty_ones_ignored() {
        let mut t = DirtyRects::<8>::new();
        t.add(Rect::new(10, 10, 5, 5));
        t.add(Rect::new(0, 0, 100, 100));
        t.add(Rect::new(20, 20, 3, 3));
        t.add(Rect::new(5, 5, 0, 10));
        assert_eq!(t.rects(), &[Rect::new(0, 0, 100, 100)]);
    }

    #[test]
    fn scanlines_of_one_shape_grow_one_rectangle() {
        let mut t = DirtyRects::<4>::new();
        t.add(Rect::new(500, 0, 5, 5));
        // A rounded card's rows: narrow at the corners, full width in between.
        for (y, inset) in [
            (10, 3),
            (11, 1),
            (12, 0),
            (13, 0),
            (14, 0),
            (15, 1),
            (16, 3),
        ] {
            t.add(Rect::new(10 + inset, y, 40 - 2 * inset, 1));
        }
        assert_eq!(
            t.rects(),
            &[Rect::new(500, 0, 5, 5), Rect::new(10, 10, 40, 7)]
        );
        // A span far from the newest rectangle starts a new one.
        t.add(Rect::new(200, 200, 10, 1));
        assert_eq!(t.rects().len(), 3);
    }

    #[test]
    fn merging_prefers_neighbours() {
        let mut t = DirtyRects::<2>::new();
        t.add(Rect::new(0, 0, 10, 10));
        t.add(Rect::new(500, 500, 10, 10));
        t.add(Rect::new(10, 0, 10, 10)); // touches the first: merge there, not with the far one
        let rects = t.take();
        assert_eq!(rects.len(), 2);
        assert!(rects.contains(&Rect::new(0, 0, 20, 10)));
        assert!(rects.contains(&Rect::new(500, 500, 10, 10)));
    }
}
