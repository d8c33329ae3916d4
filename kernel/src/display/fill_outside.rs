//! Filling an area around opaque shapes, each pixel once: the background of a screen
//! whose widgets paint their own rectangles, the corners a rounded card leaves open.
//! Bands between the holes' top and bottom edges are filled as spans between the
//! holes that cross them, so nothing a later widget covers is drawn twice.

use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// Holes handled exactly; with more, the whole area is filled (correct, not minimal).
pub const MAX_HOLES: usize = 16;

/// Fills `area` with `color`, except the parts covered by `holes`. The holes are
/// for shapes the caller paints in the same frame: on a `Canvas` the whole area is
/// marked dirty first, so what is drawn in it afterwards (a full redraw's widgets)
/// falls inside the newest dirty rectangle, one test each.
pub fn fill_outside<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    area: &Rectangle,
    holes: &[Rectangle],
    color: Rgb888,
) -> Result<(), D::Error> {
    let Some(bottom_right) = area.bottom_right() else {
        return Ok(());
    };
    if let Ok(canvas) = crate::ui::paint::as_canvas(target) {
        canvas.add_dirty_area(area);
    }
    let (left, right) = (area.top_left.x, bottom_right.x + 1);
    let mut clipped: heapless::Vec<(i32, i32, i32, i32), MAX_HOLES> = heapless::Vec::new();
    for hole in holes {
        let hole = hole.intersection(area);
        if let Some(end) = hole.bottom_right() {
            let edges = (hole.top_left.x, hole.top_left.y, end.x + 1, end.y + 1);
            if clipped.push(edges).is_err() {
                return target.fill_solid(area, color);
            }
        }
    }
    let mut rows: heapless::Vec<i32, { 2 * MAX_HOLES + 2 }> = heapless::Vec::new();
    for &(_, top, _, bottom) in &clipped {
        // Cannot fail: two per hole plus the area's two fit the capacity.
        let _ = rows.push(top);
        let _ = rows.push(bottom);
    }
    let _ = rows.push(area.top_left.y);
    let _ = rows.push(bottom_right.y + 1);
    insertion_sort(&mut rows);
    for band in rows.windows(2) {
        let (top, bottom) = (band[0], band[1]);
        if top == bottom {
            continue;
        }
        let mut spans: heapless::Vec<(i32, i32), MAX_HOLES> = clipped
            .iter()
            .filter(|&&(_, t, _, b)| t <= top && b >= bottom)
            .map(|&(l, _, r, _)| (l, r))
            .collect();
        insertion_sort(&mut spans);
        let mut gaps: heapless::Vec<(i32, i32, Rgb888), { MAX_HOLES + 1 }> = heapless::Vec::new();
        let mut x = left;
        for (start, end) in spans.iter().copied().chain([(right, right)]) {
            if start > x {
                // Cannot fail: one gap before each hole and one after the last.
                let _ = gaps.push((x, start, color));
            }
            x = x.max(end);
        }
        let rows = (bottom - top) as u32;
        match crate::ui::paint::as_canvas(target) {
            // Side by side, row after row: each row of video memory visited once.
            Ok(canvas) if gaps.len() > 1 => {
                canvas.fill_spans_rows(top, rows, &gaps);
                for &(from, to, _) in &gaps {
                    let gap =
                        Rectangle::new(Point::new(from, top), Size::new((to - from) as u32, rows));
                    canvas.add_dirty_area(&gap);
                }
            }
            Ok(canvas) => fill_gaps(canvas, top, rows, &gaps).unwrap_or(()),
            Err(target) => fill_gaps(target, top, rows, &gaps)?,
        }
    }
    Ok(())
}

/// Fills each gap (first column, end column) over `rows` rows from `top`, one after
/// the other.
fn fill_gaps<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    top: i32,
    rows: u32,
    gaps: &[(i32, i32, Rgb888)],
) -> Result<(), D::Error> {
    for &(from, to, color) in gaps {
        let gap = Rectangle::new(Point::new(from, top), Size::new((to - from) as u32, rows));
        target.fill_solid(&gap, color)?;
    }
    Ok(())
}

/// Sorts a few items (at most `2 * MAX_HOLES + 2`) in place: smaller code than the
/// library's general sort, which the image would otherwise carry for each item type.
fn insertion_sort<T: PartialOrd + Copy>(items: &mut [T]) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && items[j - 1] > items[j] {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::mock_display::MockDisplay;

    /// Counts writes per pixel.
    struct Counting {
        writes: Vec<u32>,
        width: u32,
    }
    impl OriginDimensions for Counting {
        fn size(&self) -> Size {
            Size::new(self.width, self.writes.len() as u32 / self.width)
        }
    }
    impl DrawTarget for Counting {
        type Color = Rgb888;
        type Error = core::convert::Infallible;
        fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
            &mut self,
            pixels: I,
        ) -> Result<(), Self::Error> {
            for Pixel(p, _) in pixels {
                if p.x >= 0 && p.y >= 0 && (p.x as u32) < self.width {
                    if let Some(w) = self
                        .writes
                        .get_mut((p.y as u32 * self.width + p.x as u32) as usize)
                    {
                        *w += 1;
                    }
                }
            }
            Ok(())
        }
    }

    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn every_pixel_outside_the_holes_is_written_once_and_none_inside() {
        let (w, h) = (61u32, 47u32);
        let mut seed = 7;
        for _ in 0..300 {
            let area = Rectangle::new(
                Point::new((next(&mut seed) % 10) as i32, (next(&mut seed) % 10) as i32),
                Size::new(
                    1 + (next(&mut seed) % 50) as u32,
                    1 + (next(&mut seed) % 36) as u32,
                ),
            );
            let holes: Vec<Rectangle> = (0..next(&mut seed) % 6)
                .map(|_| {
                    Rectangle::new(
                        Point::new(
                            (next(&mut seed) % 70) as i32 - 5,
                            (next(&mut seed) % 55) as i32 - 5,
                        ),
                        Size::new((next(&mut seed) % 30) as u32, (next(&mut seed) % 30) as u32),
                    )
                })
                .collect();
            let mut target = Counting {
                writes: vec![0; (w * h) as usize],
                width: w,
            };
            fill_outside(&mut target, &area, &holes, Rgb888::WHITE).unwrap();
            for y in 0..h as i32 {
                for x in 0..w as i32 {
                    let p = Point::new(x, y);
                    let expected =
                        u32::from(area.contains(p) && !holes.iter().any(|r| r.contains(p)));
                    assert_eq!(
                        target.writes[(y as u32 * w + x as u32) as usize],
                        expected,
                        "({x},{y}) area {area:?} holes {holes:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn on_a_canvas_exactly_the_pixels_outside_the_holes_are_filled_and_marked() {
        use crate::display::memory::MemoryDisplay;
        use crate::display::Display;
        let (w, h) = (61u32, 47u32);
        let mut buffer = vec![0u32; (w * h) as usize];
        let mut seed = 11;
        for _ in 0..300 {
            buffer.fill(0);
            let mut display = MemoryDisplay::new(&mut buffer, w, h).unwrap();
            let area = Rectangle::new(
                Point::new(
                    (next(&mut seed) % 20) as i32 - 5,
                    (next(&mut seed) % 20) as i32 - 5,
                ),
                Size::new(
                    1 + (next(&mut seed) % 60) as u32,
                    1 + (next(&mut seed) % 50) as u32,
                ),
            );
            let holes: Vec<Rectangle> = (0..next(&mut seed) % 7)
                .map(|_| {
                    Rectangle::new(
                        Point::new(
                            (next(&mut seed) % 70) as i32 - 5,
                            (next(&mut seed) % 55) as i32 - 5,
                        ),
                        Size::new((next(&mut seed) % 30) as u32, (next(&mut seed) % 30) as u32),
                    )
                })
                .collect();
            let canvas = display.canvas();
            let _ = canvas.take_dirty();
            fill_outside(canvas, &area, &holes, Rgb888::WHITE).unwrap();
            let dirty = canvas.take_dirty();
            for y in 0..h as i32 {
                for x in 0..w as i32 {
                    let p = Point::new(x, y);
                    let filled = area.contains(p) && !holes.iter().any(|r| r.contains(p));
                    let raw = display.pixel(x as u32, y as u32);
                    assert_eq!(
                        raw == 0xFF_FFFF,
                        filled,
                        "({x},{y}) area {area:?} holes {holes:?}"
                    );
                    let marked = dirty.iter().any(|r| {
                        (x as u32) >= r.x
                            && (x as u32) < r.right()
                            && (y as u32) >= r.y
                            && (y as u32) < r.bottom()
                    });
                    assert!(!filled || marked, "({x},{y}) filled, not marked dirty");
                }
            }
        }
    }

    #[test]
    fn insertion_sort_sorts() {
        let mut v = [5, -1, 3, 3, 0, 9, -7];
        insertion_sort(&mut v);
        assert_eq!(v, [-7, -1, 0, 3, 3, 5, 9]);
    }

    #[test]
    fn too_many_holes_fill_the_whole_area() {
        let mut display = MockDisplay::<Rgb888>::new();
        let area = Rectangle::new(Point::zero(), Size::new(4, 2));
        let holes = [Rectangle::new(Point::zero(), Size::new(1, 1)); MAX_HOLES + 1];
        fill_outside(&mut display, &area, &holes, Rgb888::WHITE).unwrap();
        display.assert_pattern(&["WWWW", "WWWW"]);
    }
}
