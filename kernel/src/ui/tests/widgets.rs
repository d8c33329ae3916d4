//! Widgets: states from `Interaction`, what each draws, field editing, list rows.

use super::Screen;
use crate::event::{Button, InputEvent, Key};
use crate::interaction::Interaction;
use crate::ui::widgets::{button, label, List, TextField, Theme, WidgetState};
use crate::ui::{Align, Font, Weight};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use std::vec::Vec;

fn font() -> Font {
    Font::new(Weight::Bold, 18)
}

fn area() -> Rectangle {
    Rectangle::new(Point::new(10, 10), Size::new(160, 48))
}

#[test]
fn states_follow_the_interaction() {
    let mut ui = Interaction::new(2, 2);
    let hit = |x: i32, _y: i32| Some(usize::from(x >= 100));
    ui.handle(&InputEvent::PointerMove { x: 150, y: 5 }, hit);
    let (one, zero) = (WidgetState::of(&ui, 1), WidgetState::of(&ui, 0));
    assert!(one.hovered && !one.pressed && !one.focused);
    assert!(!zero.hovered && zero.focused, "focus starts on 0");
    ui.handle(
        &InputEvent::Button {
            button: Button::Left,
            pressed: true,
        },
        hit,
    );
    let one = WidgetState::of(&ui, 1);
    assert!(one.hovered && one.pressed);
    assert_eq!(one.focused, ui.focus() == Some(1));
}

#[test]
fn a_button_shows_its_state_and_caption() {
    let theme = Theme::default();
    let draw = |state: WidgetState| {
        let mut screen = Screen::new(180, 70, Rgb888::BLACK);
        button(&mut screen, &area(), "Départ", font(), state, &theme);
        screen
    };
    let plain = draw(WidgetState::default());
    let centre = area().center();
    // Face colour a few pixels in from the left edge, caption ink in the middle.
    assert_eq!(plain.at(16, centre.y), theme.surface);
    assert!(
        plain.count(theme.text, (10, 10, 170, 58)) > 20,
        "caption drawn"
    );
    assert_eq!(plain.at(0, 0), Rgb888::BLACK, "nothing outside its area");
    let hovered = draw(WidgetState {
        hovered: true,
        ..Default::default()
    });
    assert_eq!(hovered.at(16, centre.y), theme.hover);
    let pressed = draw(WidgetState {
        pressed: true,
        ..Default::default()
    });
    assert_eq!(pressed.at(16, centre.y), theme.pressed);
    let focused = draw(WidgetState {
        focused: true,
        ..Default::default()
    });
    assert_eq!(
        focused.at(centre.x, 10),
        theme.focus,
        "focus ring on the top edge"
    );
    assert_eq!(plain.at(centre.x, 10), theme.edge);
}

#[test]
fn a_label_is_cut_with_an_ellipsis_inside_its_area() {
    let theme = Theme::default();
    let mut screen = Screen::new(200, 70, Rgb888::BLACK);
    label(
        &mut screen,
        &area(),
        "Genève-Aéroport via Lausanne",
        font(),
        Align::Left,
        &theme,
    );
    assert!(screen.count(theme.text, (10, 10, 170, 58)) > 20);
    assert_eq!(screen.count(Rgb888::BLACK, (170, 0, 200, 70)), 30 * 70);
}

#[test]
fn the_text_field_edits_and_shows_the_end_of_long_text() {
    let mut field: TextField<16> = TextField::new();
    assert!(field.edit(Key::Char('é')) && field.edit(Key::Char('5')));
    assert!(!field.edit(Key::Char('\u{4E2D}')), "no glyph: refused");
    assert!(!field.edit(Key::Enter));
    assert_eq!(field.text(), "é5");
    assert!(field.edit(Key::Backspace));
    assert_eq!(field.text(), "é");
    for _ in 0..20 {
        field.edit(Key::Char('x'));
    }
    assert_eq!(field.text().len(), 16, "holds at most its capacity");
    let theme = Theme::default();
    let mut screen = Screen::new(180, 70, Rgb888::BLACK);
    let focused = WidgetState {
        focused: true,
        ..Default::default()
    };
    let narrow = Rectangle::new(Point::new(10, 10), Size::new(80, 40));
    field.draw(&mut screen, &narrow, "Note", font(), focused, &theme);
    assert!(
        screen.count(theme.focus, (10, 10, 90, 50)) > 20,
        "caret and ring"
    );
    assert!(
        screen.count(theme.text, (10, 10, 90, 50)) > 10,
        "text shown"
    );
    assert_eq!(
        screen.count(Rgb888::BLACK, (90, 0, 180, 70)),
        90 * 70,
        "kept inside"
    );
    assert!(field.edit(Key::Escape) && field.text().is_empty());
    // Empty and unfocused: the placeholder in the muted colour.
    let mut screen = Screen::new(180, 70, Rgb888::BLACK);
    field.draw(
        &mut screen,
        &area(),
        "Note",
        font(),
        WidgetState::default(),
        &theme,
    );
    assert!(screen.count(theme.muted, (10, 10, 170, 58)) > 10);
}

#[test]
fn the_list_hits_scrolls_selects_and_draws_rows() {
    let items: Vec<&str> = ["Genève", "Lausanne", "Zürich", "Bern", "Basel", "Chur"].to_vec();
    let area = Rectangle::new(Point::new(0, 0), Size::new(150, 90));
    let row_h = 30;
    let mut list = List::default();
    assert_eq!(List::visible_rows(&area, row_h), 3);
    assert_eq!(list.row_at(&area, row_h, items.len(), 10, 45), Some(1));
    assert_eq!(list.row_at(&area, row_h, items.len(), 10, 95), None);
    list.scroll(10, items.len(), 3);
    assert_eq!(list.first, 3, "stops at the last full page");
    assert_eq!(list.row_at(&area, row_h, items.len(), 10, 5), Some(3));
    list.select(0, items.len(), 3);
    assert_eq!(
        (list.first, list.selected),
        (0, Some(0)),
        "scrolled into view"
    );
    list.select(99, items.len(), 3);
    assert_eq!(list.selected, Some(0), "out of range ignored");
    let theme = Theme::default();
    let mut screen = Screen::new(150, 90, Rgb888::BLACK);
    list.draw(
        &mut screen,
        &area,
        &items,
        row_h,
        font(),
        WidgetState::default(),
        &theme,
    );
    assert_eq!(screen.at(2, 2), theme.pressed, "selected row highlighted");
    assert_eq!(screen.at(2, 32), theme.surface);
    assert!(
        screen.count(theme.text, (0, 30, 150, 90)) > 20,
        "rows have text"
    );
}

/// A target that counts how often each pixel is written.
struct Writes {
    width: u32,
    counts: Vec<u32>,
}

impl Writes {
    fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            counts: vec![0; (width * height) as usize],
        }
    }
    fn at(&self, x: i32, y: i32) -> u32 {
        self.counts[(y as u32 * self.width + x as u32) as usize]
    }
}

impl OriginDimensions for Writes {
    fn size(&self) -> Size {
        Size::new(self.width, self.counts.len() as u32 / self.width)
    }
}

impl DrawTarget for Writes {
    type Color = Rgb888;
    type Error = core::convert::Infallible;
    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
        &mut self,
        pixels: I,
    ) -> Result<(), Self::Error> {
        let size = self.size();
        for Pixel(p, _) in pixels {
            if p.x >= 0 && p.y >= 0 && (p.x as u32) < size.width && (p.y as u32) < size.height {
                self.counts[(p.y as u32 * self.width + p.x as u32) as usize] += 1;
            }
        }
        Ok(())
    }
}

fn demo_like_theme() -> Theme {
    Theme {
        radius: 12,
        edge_width: 2,
        focus_width: 5,
        press_inset: 4,
        checked: Rgb888::new(0xA7, 0x8B, 0xFA),
        on_pressed: Rgb888::new(1, 2, 3),
        ..Theme::default()
    }
}

#[test]
fn cards_paint_each_pixel_of_their_area_once_and_leave_a_hole_alone() {
    let theme = demo_like_theme();
    for state in [
        WidgetState::default(),
        WidgetState {
            pressed: true,
            focused: true,
            ..Default::default()
        },
    ] {
        let mut writes = Writes::new(180, 70);
        let body = theme.card(&mut writes, &area(), state);
        assert_eq!(body.size.width, 160 - 8 * u32::from(state.pressed));
        for y in 0..70 {
            for x in 0..180 {
                let inside = area().contains(Point::new(x, y));
                assert_eq!(writes.at(x, y), u32::from(inside), "({x},{y}) {state:?}");
            }
        }
    }
    let hole = Rectangle::new(Point::new(30, 20), Size::new(100, 30));
    let mut writes = Writes::new(180, 70);
    theme.card_around(&mut writes, &area(), WidgetState::default(), &hole);
    for y in 0..70 {
        for x in 0..180 {
            let p = Point::new(x, y);
            let expected = u32::from(area().contains(p) && !hole.contains(p));
            assert_eq!(writes.at(x, y), expected, "({x},{y})");
        }
    }
}

#[test]
fn pressed_buttons_sink_and_checked_ones_light_up() {
    let theme = demo_like_theme();
    let draw = |state: WidgetState| {
        let mut screen = Screen::new(180, 70, Rgb888::BLACK);
        let face = crate::ui::widgets::button_face(&mut screen, &area(), state, &theme);
        (screen, face)
    };
    let (pressed, face) = draw(WidgetState {
        pressed: true,
        ..Default::default()
    });
    assert_eq!(face.color, theme.pressed);
    assert_eq!(face.text, theme.on_pressed);
    assert_eq!(pressed.at(12, 35), theme.background, "sunk in by 4 px");
    assert_eq!(
        pressed.at(16, 35),
        theme.pressed,
        "no outline on a lit face"
    );
    assert!(area().contains(face.content.top_left) && face.content.size.width < 160 - 8);
    let (checked, face) = draw(WidgetState {
        checked: true,
        hovered: true,
        ..Default::default()
    });
    assert_eq!((face.color, face.text), (theme.checked, theme.on_pressed));
    assert_eq!(checked.at(11, 35), theme.checked);
    let (plain, face) = draw(WidgetState::default());
    assert_eq!((face.color, face.text), (theme.surface, theme.text));
    assert_eq!(plain.at(10, 35), theme.edge);
}

#[test]
fn list_rows_are_drawn_by_the_app_on_cleared_rows() {
    let theme = Theme::default();
    let area = Rectangle::new(Point::new(0, 0), Size::new(100, 100));
    let list = List {
        first: 2,
        selected: Some(3),
    };
    let mut screen = Screen::new(100, 100, Rgb888::BLACK);
    let mut seen = Vec::new();
    list.draw_rows(
        &mut screen,
        &area,
        5,
        30,
        WidgetState::default(),
        &theme,
        |d, index, row, colors| {
            seen.push((index, row.top_left.y, colors.color));
            let _ = d.fill_solid(&Rectangle::new(row.top_left, Size::new(5, 5)), colors.text);
        },
    );
    assert_eq!(
        seen,
        [
            (2, 0, theme.surface),
            (3, 30, theme.pressed),
            (4, 60, theme.surface)
        ]
    );
    assert_eq!(screen.at(1, 31), theme.on_pressed, "the app's drawing");
    assert_eq!(screen.at(50, 45), theme.pressed, "selected row cleared");
    assert_eq!(screen.at(50, 95), theme.surface, "below the rows");
    assert_eq!(screen.differing(Rgb888::BLACK), 100 * 100);
}

/// Rows listed as items on their faces paint what rows cleared and then drawn on do,
/// and only the visible rows are asked for.
#[test]
fn list_rows_with_items_match_rows_drawn_on() {
    use crate::ui::card_face::OnFace;
    use crate::ui::text::{self, TextStyle};
    let theme = Theme::default();
    let area = Rectangle::new(Point::new(0, 0), Size::new(120, 100));
    let list = List {
        first: 1,
        selected: Some(2),
    };
    let labels = ["zero", "one", "two", "three", "four"];
    let rule = |row: &Rectangle| Rectangle::new(row.top_left, Size::new(row.size.width, 1));
    let mut drawn_on = Screen::new(120, 100, Rgb888::BLACK);
    list.draw_rows(
        &mut drawn_on,
        &area,
        labels.len(),
        30,
        WidgetState::default(),
        &theme,
        |d, index, row, colors| {
            let _ = d.fill_solid(&rule(row), theme.edge);
            let style = TextStyle::new(font(), colors.text, colors.color);
            text::draw_in(d, labels[index], &style, row, Align::Left);
        },
    );
    let mut with_items = Screen::new(120, 100, Rgb888::BLACK);
    let mut asked = Vec::new();
    list.draw_rows_with(
        &mut with_items,
        &area,
        labels.len(),
        30,
        WidgetState::default(),
        &theme,
        |index, row, colors, items| {
            asked.push(index);
            let _ = items.push(OnFace::Bar {
                area: rule(row),
                color: theme.edge,
            });
            let _ = items.push(OnFace::Text {
                text: labels[index],
                style: TextStyle::new(font(), colors.text, colors.color),
                area: *row,
                align: Align::Left,
            });
        },
    );
    assert_eq!(asked, [1, 2, 3], "the rows that fit, from the first shown");
    for y in 0..100 {
        for x in 0..120 {
            assert_eq!(with_items.at(x, y), drawn_on.at(x, y), "pixel ({x}, {y})");
        }
    }
    assert_eq!(with_items.at(60, 95), theme.surface, "below the rows");
}
