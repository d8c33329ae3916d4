//! Layout: cells tile their area exactly, with the gaps asked for, at every screen
//! size, and grids reflow to fewer columns on narrow screens.

use crate::ui::layout::{column, columns_that_fit, grid, inset, row};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

const SCREENS: [(u32, u32); 6] = [
    (640, 480),
    (800, 600),
    (1080, 1920),
    (1366, 768),
    (1920, 1080),
    (3840, 2160),
];

fn right(r: &Rectangle) -> i32 {
    r.top_left.x + r.size.width as i32
}

fn bottom(r: &Rectangle) -> i32 {
    r.top_left.y + r.size.height as i32
}

#[test]
fn rows_and_columns_tile_the_area_with_exact_gaps() {
    for (w, h) in SCREENS {
        let screen = Rectangle::new(Point::zero(), Size::new(w, h));
        let body = inset(&screen, w / 40);
        assert_eq!(body.top_left, Point::new((w / 40) as i32, (w / 40) as i32));
        assert_eq!(right(&body), (w - w / 40) as i32);
        let gap = w / 100;
        let cells = row(&body, gap, [1, 2, 1]);
        assert_eq!(cells[0].top_left, body.top_left);
        assert_eq!(right(&cells[2]), right(&body));
        for pair in cells.windows(2) {
            assert_eq!(pair[1].top_left.x - right(&pair[0]), gap as i32, "{w}x{h}");
        }
        // Weights: the middle one is twice as wide (within a pixel of rounding).
        let (a, b) = (cells[0].size.width as i32, cells[1].size.width as i32);
        assert!((b - 2 * a).abs() <= 2, "{w}x{h}: {a} {b}");
        let stack = column(&cells[1], gap, [1, 1, 1, 1]);
        assert_eq!(bottom(&stack[3]), bottom(&cells[1]));
        for pair in stack.windows(2) {
            assert_eq!(pair[1].top_left.y - bottom(&pair[0]), gap as i32);
            assert!(pair[0].size.height.abs_diff(pair[1].size.height) <= 1);
        }
    }
}

#[test]
fn grids_reflow_and_never_overlap() {
    for (w, h) in SCREENS {
        let screen = Rectangle::new(Point::zero(), Size::new(w, h));
        let gap = 12;
        let columns = columns_that_fit(&screen, 300, gap, 4);
        // The cells are at least as wide as asked, and one more column would not be.
        let cells: [Rectangle; 8] = grid(&screen, columns, gap);
        assert!(
            cells.iter().all(|c| c.size.width >= 300 || columns == 1),
            "{w}x{h}"
        );
        if columns < 4 {
            assert!(
                (columns + 1) * 300 + columns * gap > w,
                "{w}x{h}: {columns}"
            );
        }
        for (i, a) in cells.iter().enumerate() {
            assert!(a.size.width > 0 && a.size.height > 0);
            assert!(
                right(a) <= w as i32 && bottom(a) <= h as i32,
                "{w}x{h}: {a:?}"
            );
            for b in &cells[i + 1..] {
                assert!(
                    a.intersection(b).size == Size::zero(),
                    "{w}x{h}: {a:?} {b:?}"
                );
            }
        }
        // Reading order: the second cell is right of the first, unless one column.
        if columns > 1 {
            assert_eq!(cells[1].top_left.x, right(&cells[0]) + gap as i32);
        } else {
            assert_eq!(cells[1].top_left.y, bottom(&cells[0]) + gap as i32);
        }
    }
    // 640 wide fits 2 columns of 300, 3840 the maximum 4.
    let narrow = Rectangle::new(Point::zero(), Size::new(640, 480));
    let wide = Rectangle::new(Point::zero(), Size::new(3840, 2160));
    assert_eq!(columns_that_fit(&narrow, 300, 12, 4), 2);
    assert_eq!(columns_that_fit(&wide, 300, 12, 4), 4);
}

#[test]
fn degenerate_areas_give_empty_cells_not_panics() {
    let tiny = Rectangle::new(Point::new(5, 5), Size::new(3, 2));
    let cells = row(&tiny, 10, [1, 1, 1]);
    assert!(cells.iter().all(|c| c.size.width == 0));
    let g: [Rectangle; 5] = grid(&tiny, 0, 50);
    assert_eq!(g.len(), 5);
    assert_eq!(inset(&tiny, 100).size, Size::new(1, 0));
    assert_eq!(columns_that_fit(&tiny, 0, 0, 0), 1);
}
