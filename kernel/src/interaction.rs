//! Widget-level input for apps: turns the runtime's raw pointer and key events into
//! enter/leave, press/release/click, wheel, key and focus events for the app's
//! widgets, given the app's hit test.
//!
//! Widgets are numbers `0..count` in focus order, laid out in a grid of `columns`
//! for the arrow keys; one of them may be a text-entry widget that keeps the keys it
//! edits with. The app stays in charge of what a widget is and how it looks.

use crate::event::{Button, InputEvent, Key};

/// A widget, by its index in focus order.
pub type WidgetId = usize;

/// What happened, in widget terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiEvent {
    /// The pointer came onto the screen.
    PointerEnter,
    /// The pointer left the screen (the host took it back).
    PointerLeave,
    /// The pointer is now over this widget.
    Enter(WidgetId),
    /// The pointer is no longer over this widget.
    Leave(WidgetId),
    /// A button went down over this widget.
    Press {
        /// The widget under the pointer.
        widget: WidgetId,
        /// Which button.
        button: Button,
    },
    /// A button that went down over `widget` came up (wherever the pointer is now).
    Release {
        /// The widget it was pressed on.
        widget: WidgetId,
        /// Which button.
        button: Button,
    },
    /// Pressed and released over the same widget.
    Click {
        /// The widget.
        widget: WidgetId,
        /// Which button.
        button: Button,
        /// Pointer x at the release, in pixels.
        x: i32,
        /// Pointer y at the release, in pixels.
        y: i32,
    },
    /// Wheel steps (positive away from the user) over a widget or over nothing.
    Wheel {
        /// The widget under the pointer.
        widget: Option<WidgetId>,
        /// Steps.
        delta: i32,
    },
    /// Keyboard focus moved.
    Focus {
        /// Where it was.
        from: Option<WidgetId>,
        /// Where it is now.
        to: WidgetId,
    },
    /// Enter on the focused widget.
    Activate(WidgetId),
    /// A key press focus navigation did not use (characters, Escape, editing keys).
    Key {
        /// The key.
        key: Key,
        /// The widget with focus.
        focus: Option<WidgetId>,
    },
}

/// Events one input event can turn into (a move: leave + enter).
pub const MAX_UI_EVENTS: usize = 4;
/// The events one `handle` call produced.
pub type UiEvents = heapless::Vec<UiEvent, MAX_UI_EVENTS>;

/// Pointer, press and focus state over the app's widgets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interaction {
    count: usize,
    columns: usize,
    text_widget: Option<WidgetId>,
    pointer: Option<(i32, i32)>,
    hovered: Option<WidgetId>,
    pressed: Option<(WidgetId, Button)>,
    focus: Option<WidgetId>,
}

fn push(events: &mut UiEvents, event: UiEvent) {
    // Capacity covers the most one input can produce; a miss would be a bug here.
    let _ = events.push(event);
}

impl Interaction {
    /// `count` focusable widgets in a grid of `columns` (at least 1); focus starts
    /// on widget 0.
    pub const fn new(count: usize, columns: usize) -> Self {
        Self {
            count,
            columns: if columns == 0 { 1 } else { columns },
            text_widget: None,
            pointer: None,
            hovered: None,
            pressed: None,
            focus: if count > 0 { Some(0) } else { None },
        }
    }

    /// The grid changed shape (a new layout).
    pub fn set_columns(&mut self, columns: usize) {
        self.columns = columns.max(1);
    }

    /// Marks `widget` as a text entry: while it has focus, Left, Right, Home, End,
    /// Backspace, Delete and characters go to it as `Key` instead of moving focus.
    pub fn set_text_widget(&mut self, widget: Option<WidgetId>) {
        self.text_widget = widget;
    }

    /// The widget under the pointer.
    pub fn hovered(&self) -> Option<WidgetId> {
        self.hovered
    }
    /// The widget a button is held down on.
    pub fn pressed(&self) -> Option<WidgetId> {
        self.pressed.map(|(w, _)| w)
    }
    /// The widget with keyboard focus.
    pub fn focus(&self) -> Option<WidgetId> {
        self.focus
    }
    /// The pointer position, while it is on the screen.
    pub fn pointer(&self) -> Option<(i32, i32)> {
        self.pointer
    }

    /// Turns one input event into widget events; `hit` says which widget (if any) is
    /// at a pixel.
    pub fn handle(
        &mut self,
        input: &InputEvent,
        hit: impl Fn(i32, i32) -> Option<WidgetId>,
    ) -> UiEvents {
        let mut out = UiEvents::new();
        match *input {
            InputEvent::PointerMove { x, y } => {
                if self.pointer.is_none() {
                    push(&mut out, UiEvent::PointerEnter);
                }
                self.pointer = Some((x, y));
                self.set_hover(hit(x, y), &mut out);
            }
            InputEvent::PointerPresence { inside: true } => {}
            InputEvent::PointerPresence { inside: false } => {
                self.set_hover(None, &mut out);
                if self.pointer.take().is_some() {
                    push(&mut out, UiEvent::PointerLeave);
                }
            }
            InputEvent::Button {
                button,
                pressed: true,
            } => {
                if let (None, Some(widget)) = (self.pressed, self.hovered) {
                    self.pressed = Some((widget, button));
                    push(&mut out, UiEvent::Press { widget, button });
                    if widget < self.count {
                        self.move_focus_to(widget, &mut out);
                    }
                }
            }
            InputEvent::Button {
                button,
                pressed: false,
            } => {
                if let Some((widget, held)) = self.pressed {
                    if held == button {
                        self.pressed = None;
                        push(&mut out, UiEvent::Release { widget, button });
                        if self.hovered == Some(widget) {
                            let (x, y) = self.pointer.unwrap_or_default();
                            push(
                                &mut out,
                                UiEvent::Click {
                                    widget,
                                    button,
                                    x,
                                    y,
                                },
                            );
                        }
                    }
                }
            }
            InputEvent::Wheel { delta } => push(
                &mut out,
                UiEvent::Wheel {
                    widget: self.hovered,
                    delta,
                },
            ),
            InputEvent::Key { key, pressed: true } => self.key(key, &mut out),
            InputEvent::Key { pressed: false, .. } => {}
        }
        out
    }

    /// Hit-tests the pointer again (after a layout change).
    pub fn refresh_hover(&mut self, hit: impl Fn(i32, i32) -> Option<WidgetId>) -> UiEvents {
        let mut out = UiEvents::new();
        if let Some((x, y)) = self.pointer {
            self.set_hover(hit(x, y), &mut out);
        }
        out
    }

    /// Moves focus to `widget` (ignored when out of range).
    pub fn focus_widget(&mut self, widget: WidgetId) -> UiEvents {
        let mut out = UiEvents::new();
        if widget < self.count {
            self.move_focus_to(widget, &mut out);
        }
        out
    }

    fn set_hover(&mut self, widget: Option<WidgetId>, out: &mut UiEvents) {
        if widget == self.hovered {
            return;
        }
        if let Some(old) = self.hovered {
            push(out, UiEvent::Leave(old));
        }
        if let Some(new) = widget {
            push(out, UiEvent::Enter(new));
        }
        self.hovered = widget;
    }

    fn move_focus_to(&mut self, widget: WidgetId, out: &mut UiEvents) {
        if self.focus != Some(widget) {
            push(
                out,
                UiEvent::Focus {
                    from: self.focus,
                    to: widget,
                },
            );
            self.focus = Some(widget);
        }
    }

    fn key(&mut self, key: Key, out: &mut UiEvents) {
        let editing = self.focus.is_some() && self.focus == self.text_widget;
        let edit_key = matches!(
            key,
            Key::Char(_)
                | Key::Left
                | Key::Right
                | Key::Home
                | Key::End
                | Key::Backspace
                | Key::Delete
        );
        let target = match (key, self.focus) {
            _ if self.count == 0 || (editing && edit_key) => None,
            (Key::Tab, f) => Some(f.map_or(0, |f| (f + 1) % self.count)),
            (Key::BackTab, f) => {
                Some(f.map_or(self.count - 1, |f| (f + self.count - 1) % self.count))
            }
            (Key::Right, Some(f)) => Some((f + 1) % self.count),
            (Key::Left, Some(f)) => Some((f + self.count - 1) % self.count),
            // Down a row, or to the last widget from the bottom row; up a row, or stay.
            (Key::Down, Some(f)) => Some((f + self.columns).min(self.count - 1)),
            (Key::Up, Some(f)) => Some(f.checked_sub(self.columns).unwrap_or(f)),
            (Key::Right | Key::Left | Key::Down | Key::Up, None) => Some(0),
            _ => None,
        };
        match (target, key, self.focus) {
            (Some(to), _, _) => self.move_focus_to(to, out),
            (None, Key::Enter, Some(widget)) => push(out, UiEvent::Activate(widget)),
            (None, key, focus) => push(out, UiEvent::Key { key, focus }),
        }
    }
}

#[cfg(test)]
mod tests;
