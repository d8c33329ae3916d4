//! Widget events from raw input: a 2×2 grid of widgets plus a text entry (4).

use super::*;
use std::vec::Vec;

/// Widgets 0..4 are 100×100 squares at (0|100, 0|100); widget 4 is below them.
fn hit(x: i32, y: i32) -> Option<WidgetId> {
    match (x, y) {
        (0..=99, 0..=99) => Some(0),
        (100..=199, 0..=99) => Some(1),
        (0..=99, 100..=199) => Some(2),
        (100..=199, 100..=199) => Some(3),
        (0..=199, 200..=249) => Some(4),
        _ => None,
    }
}

fn ui() -> Interaction {
    let mut ui = Interaction::new(5, 2);
    ui.set_text_widget(Some(4));
    ui
}

fn feed(ui: &mut Interaction, input: InputEvent) -> Vec<UiEvent> {
    ui.handle(&input, hit).to_vec()
}

fn mv(x: i32, y: i32) -> InputEvent {
    InputEvent::PointerMove { x, y }
}
fn left(pressed: bool) -> InputEvent {
    InputEvent::Button {
        button: Button::Left,
        pressed,
    }
}
fn key(key: Key) -> InputEvent {
    InputEvent::Key { key, pressed: true }
}

#[test]
fn moves_enter_and_leave_widgets_and_the_screen() {
    let mut ui = ui();
    assert_eq!(
        feed(&mut ui, mv(10, 10)),
        [UiEvent::PointerEnter, UiEvent::Enter(0)]
    );
    assert_eq!(feed(&mut ui, mv(20, 20)), []);
    assert_eq!(
        feed(&mut ui, mv(150, 10)),
        [UiEvent::Leave(0), UiEvent::Enter(1)]
    );
    assert_eq!(feed(&mut ui, mv(500, 500)), [UiEvent::Leave(1)]);
    assert_eq!(feed(&mut ui, mv(150, 150)), [UiEvent::Enter(3)]);
    assert_eq!(
        feed(&mut ui, InputEvent::PointerPresence { inside: false }),
        [UiEvent::Leave(3), UiEvent::PointerLeave]
    );
    assert_eq!(ui.hovered(), None);
    assert_eq!(ui.pointer(), None);
}

#[test]
fn press_and_release_on_one_widget_is_a_click_and_focuses_it() {
    let mut ui = ui();
    feed(&mut ui, mv(150, 150));
    assert_eq!(
        feed(&mut ui, left(true)),
        [
            UiEvent::Press {
                widget: 3,
                button: Button::Left
            },
            UiEvent::Focus {
                from: Some(0),
                to: 3
            }
        ]
    );
    assert_eq!(ui.pressed(), Some(3));
    assert_eq!(
        feed(&mut ui, left(false)),
        [
            UiEvent::Release {
                widget: 3,
                button: Button::Left
            },
            UiEvent::Click {
                widget: 3,
                button: Button::Left,
                x: 150,
                y: 150
            }
        ]
    );
    assert_eq!(ui.pressed(), None);
}

#[test]
fn release_elsewhere_is_no_click_and_other_buttons_do_not_release() {
    let mut ui = ui();
    feed(&mut ui, mv(10, 10));
    feed(&mut ui, left(true));
    feed(&mut ui, mv(150, 10));
    // The right button coming up does not end the left button's press.
    let right_up = InputEvent::Button {
        button: Button::Right,
        pressed: false,
    };
    assert_eq!(feed(&mut ui, right_up), []);
    assert_eq!(
        feed(&mut ui, left(false)),
        [UiEvent::Release {
            widget: 0,
            button: Button::Left
        }]
    );
    // A press over nothing is nothing.
    feed(&mut ui, mv(500, 10));
    assert_eq!(feed(&mut ui, left(true)), []);
    assert_eq!(feed(&mut ui, left(false)), []);
}

#[test]
fn wheel_names_the_widget_under_the_pointer() {
    let mut ui = ui();
    feed(&mut ui, mv(150, 10));
    assert_eq!(
        feed(&mut ui, InputEvent::Wheel { delta: -2 }),
        [UiEvent::Wheel {
            widget: Some(1),
            delta: -2
        }]
    );
}

#[test]
fn tab_arrows_and_enter_move_focus_and_activate() {
    let mut ui = ui();
    let focus = |events: Vec<UiEvent>| match events[..] {
        [UiEvent::Focus { to, .. }] => Some(to),
        _ => None,
    };
    assert_eq!(focus(feed(&mut ui, key(Key::Tab))), Some(1));
    assert_eq!(focus(feed(&mut ui, key(Key::Down))), Some(3));
    assert_eq!(
        focus(feed(&mut ui, key(Key::Down))),
        Some(4),
        "to the entry"
    );
    assert_eq!(feed(&mut ui, key(Key::Down)), [], "bottom: stays");
    assert_eq!(focus(feed(&mut ui, key(Key::Up))), Some(2));
    assert_eq!(focus(feed(&mut ui, key(Key::Left))), Some(1));
    assert_eq!(focus(feed(&mut ui, key(Key::BackTab))), Some(0));
    assert_eq!(focus(feed(&mut ui, key(Key::BackTab))), Some(4), "wraps");
    assert_eq!(focus(feed(&mut ui, key(Key::Tab))), Some(0), "wraps");
    assert_eq!(feed(&mut ui, key(Key::Enter)), [UiEvent::Activate(0)]);
    assert_eq!(
        feed(&mut ui, key(Key::Char('x'))),
        [UiEvent::Key {
            key: Key::Char('x'),
            focus: Some(0)
        }]
    );
    // Releases are not presses.
    let up = InputEvent::Key {
        key: Key::Tab,
        pressed: false,
    };
    assert_eq!(feed(&mut ui, up), []);
}

#[test]
fn the_text_entry_keeps_its_editing_keys() {
    let mut ui = ui();
    assert_eq!(ui.focus_widget(4).len(), 1);
    for k in [Key::Char('h'), Key::Left, Key::Right, Key::Backspace] {
        assert_eq!(
            feed(&mut ui, key(k)),
            [UiEvent::Key {
                key: k,
                focus: Some(4)
            }]
        );
    }
    assert_eq!(feed(&mut ui, key(Key::Enter)), [UiEvent::Activate(4)]);
    assert_eq!(
        feed(&mut ui, key(Key::Tab)),
        [UiEvent::Focus {
            from: Some(4),
            to: 0
        }]
    );
}

#[test]
fn hover_is_refreshed_after_a_layout_change() {
    let mut ui = ui();
    feed(&mut ui, mv(150, 10));
    let shifted = |x: i32, y: i32| hit(x - 100, y);
    assert_eq!(
        ui.refresh_hover(shifted).to_vec(),
        [UiEvent::Leave(1), UiEvent::Enter(0)]
    );
}

#[test]
fn no_widgets_no_focus_and_no_panic() {
    let mut ui = Interaction::new(0, 0);
    assert_eq!(ui.focus(), None);
    for k in [Key::Tab, Key::BackTab, Key::Down, Key::Enter] {
        let _ = ui.handle(&key(k), |_, _| None);
    }
    assert_eq!(ui.focus(), None);
    assert!(ui.focus_widget(3).is_empty());
}
