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
