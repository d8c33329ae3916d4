//! The kiosk's layout, computed from the screen size alone (pure: tests and input
//! hit-testing use it). Every size derives from one `unit`, so 640×480 and
//! 3840×2160 look alike, only sharper.

use embedded_graphics::prelude::{Point, Size};
use embedded_graphics::primitives::Rectangle;
use vitrine::ui::layout as ui;

/// Buttons on every page.
pub const BUTTON_COUNT: usize = 6;

/// A named part of the screen that can be hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    /// The product name in the header.
    Title,
    /// The clock in the header.
    Clock,
    /// Button 0..BUTTON_COUNT, in reading order.
    Button(usize),
    /// The status panel.
    Status,
    /// The text field under the status panel.
    Field,
}

impl Widget {
    /// Stable name, for status lines and tests (`button1`..`button6`).
    pub fn name(self) -> &'static str {
        const BUTTONS: [&str; BUTTON_COUNT] = [
            "button1", "button2", "button3", "button4", "button5", "button6",
        ];
        match self {
            Self::Title => "title",
            Self::Clock => "clock",
            Self::Button(i) => BUTTONS.get(i).copied().unwrap_or("button"),
            Self::Status => "status",
            Self::Field => "field",
        }
    }
}

/// Where everything goes on a `width`×`height` screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The whole screen.
    pub screen: Rectangle,
    /// The header bar (contains title and clock).
    pub header: Rectangle,
    /// The product name.
    pub title: Rectangle,
    /// The clock.
    pub clock: Rectangle,
    /// The button grid, in reading order.
    pub buttons: [Rectangle; BUTTON_COUNT],
    /// The status panel.
    pub status: Rectangle,
    /// The text field (a one-line entry), below the status panel.
    pub field: Rectangle,
    /// Columns of the button grid.
    pub columns: u32,
    /// The base measure: spacing is 1 unit, margins 2.
    pub unit: u32,
    /// Corner radius of cards.
    pub radius: u32,
}

fn rect(x: u32, y: u32, w: u32, h: u32) -> Rectangle {
    Rectangle::new(Point::new(x as i32, y as i32), Size::new(w, h))
}

/// Computes the layout with the toolkit's `inset`, `row`, `column` and `grid`. Sizes
/// below 320×240 are laid out as 320×240 would be (the display never sets less than
/// 640×480); nothing is left unsized.
pub fn layout(width: u32, height: u32) -> Layout {
    let (w, h) = (width.clamp(320, 16384), height.clamp(240, 16384));
    let unit = (w / 64).min(h / 40).max(4);
    let margin = unit * 2;
    let gap = unit;
    let header_h = unit * 6;
    let screen = rect(0, 0, w, h);
    let [header, below] = ui::column(&screen, 0, [header_h, h - header_h]);
    // Title left, clock right: each gets a share of the width so they never meet.
    let bar = rect(margin, unit, w - 2 * margin, header_h - 2 * unit);
    let [title, _, clock] = ui::row(&bar, 0, [55, 5, 40]);

    let body = ui::inset(&below, margin);
    let (body_w, body_h) = (body.size.width, body.size.height);
    let landscape = body_w * 10 >= body_h * 13;
    let [grid, status_area] = if landscape {
        let status_w = (body_w * 32 / 100).max(unit * 20).min(body_w / 2);
        ui::row(&body, gap, [body_w - status_w - gap, status_w])
    } else {
        let status_h = body_h * 42 / 100;
        ui::column(&body, gap, [body_h - status_h - gap, status_h])
    };
    // The text field takes the bottom of the status area.
    let field_h = unit * 6;
    let status_h = status_area.size.height.saturating_sub(field_h + gap);
    let [status, field] = ui::column(&status_area, gap, [status_h, field_h]);
    let columns: u32 = if grid.size.width * 10 >= grid.size.height * 12 {
        3
    } else {
        2
    };
    // Equal cells, the gaps exact, reflowed with the columns.
    let buttons = ui::grid(&grid, columns, gap);
    Layout {
        screen,
        header,
        title,
        clock,
        buttons,
        status,
        field,
        columns,
        unit,
        radius: unit * 3 / 2,
    }
}

impl Layout {
    /// Every widget with its rectangle (leaf widgets only: the header is a container).
    pub fn widgets(&self) -> impl Iterator<Item = (Widget, Rectangle)> + '_ {
        [
            (Widget::Title, self.title),
            (Widget::Clock, self.clock),
            (Widget::Status, self.status),
            (Widget::Field, self.field),
        ]
        .into_iter()
        .chain(
            self.buttons
                .iter()
                .enumerate()
                .map(|(i, r)| (Widget::Button(i), *r)),
        )
    }

    /// The widget under pixel (x, y), if any.
    pub fn hit_test(&self, x: i32, y: i32) -> Option<Widget> {
        let p = Point::new(x, y);
        self.widgets().find(|(_, r)| r.contains(p)).map(|(w, _)| w)
    }

    /// The rectangle of a widget.
    pub fn rect_of(&self, widget: Widget) -> Rectangle {
        match widget {
            Widget::Title => self.title,
            Widget::Clock => self.clock,
            Widget::Button(i) => self.buttons.get(i).copied().unwrap_or(self.status),
            Widget::Status => self.status,
            Widget::Field => self.field,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    const SIZES: [(u32, u32); 10] = [
        (640, 480),
        (800, 600),
        (1024, 768),
        (1280, 800),
        (1920, 1080),
        (3840, 2160),
        (1366, 768),
        (1001, 777),
        (768, 1024),
        (1080, 1920),
    ];

    fn overlaps(a: &Rectangle, b: &Rectangle) -> bool {
        a.intersection(b).size != Size::zero()
    }

    #[test]
    fn widgets_are_inside_the_screen_and_do_not_overlap() {
        for (w, h) in SIZES {
            let l = layout(w, h);
            let screen = Rectangle::new(Point::zero(), Size::new(w, h));
            let widgets: Vec<_> = l.widgets().collect();
            for (name, r) in &widgets {
                assert!(
                    r.size.width > 0 && r.size.height > 0,
                    "{w}x{h}: {name:?} is empty"
                );
                assert!(
                    screen.contains(r.top_left) && screen.contains(r.bottom_right().unwrap()),
                    "{w}x{h}: {name:?} {r:?} leaves the screen"
                );
            }
            for (i, (a, ra)) in widgets.iter().enumerate() {
                for (b, rb) in &widgets[i + 1..] {
                    assert!(
                        !overlaps(ra, rb),
                        "{w}x{h}: {a:?} {ra:?} overlaps {b:?} {rb:?}"
                    );
                }
            }
            assert!(
                l.header.contains(l.title.top_left)
                    && l.header.contains(l.clock.bottom_right().unwrap())
            );
            for b in &l.buttons {
                assert!(!overlaps(b, &l.header), "{w}x{h}: button under the header");
            }
        }
    }

    #[test]
    fn buttons_are_large_enough_to_hit_and_read() {
        for (w, h) in SIZES {
            let l = layout(w, h);
            for b in &l.buttons {
                assert!(
                    b.size.width >= 100 && b.size.height >= 80,
                    "{w}x{h}: small button {b:?}"
                );
                // Scale with the screen: at least ~1/8 of the shorter side.
                assert!(b.size.height >= h.min(w) / 8, "{w}x{h}: {b:?}");
            }
            assert!(
                l.status.size.width >= 180 && l.status.size.height >= 120,
                "{w}x{h}: {:?}",
                l.status
            );
        }
    }

    #[test]
    fn hit_test_finds_each_widget_at_its_centre_and_nothing_in_the_gaps() {
        for (w, h) in SIZES {
            let l = layout(w, h);
            for (widget, r) in l.widgets() {
                let c = r.center();
                assert_eq!(l.hit_test(c.x, c.y), Some(widget), "{w}x{h}");
            }
            // The gap between the first two buttons of the first row.
            let gap_x = l.buttons[0].top_left.x + l.buttons[0].size.width as i32;
            assert_eq!(l.hit_test(gap_x, l.buttons[0].center().y), None);
            assert_eq!(l.hit_test(-1, -1), None);
            assert_eq!(l.hit_test(w as i32, h as i32), None);
        }
    }

    #[test]
    fn absurd_sizes_do_not_panic() {
        for (w, h) in [
            (0, 0),
            (1, 1),
            (u32::MAX, u32::MAX),
            (16384, 240),
            (320, 16384),
        ] {
            let l = layout(w, h);
            assert!(l
                .buttons
                .iter()
                .all(|b| b.size.width > 0 && b.size.height > 0));
        }
    }
}
