//! Widgets: label, button, text field and list. They draw from state the app keeps
//! (text, rows, selection) and from hover/press/focus as `Interaction` tracks them
//! (`WidgetState::of`), so input handling stays in one place; each draws only its
//! own rectangle, which is what the app redraws when that widget changes.

use super::shape::{rounded_rect, CardStyle};
use super::text::{self, Align, TextStyle};
use super::Font;
use crate::interaction::{Interaction, WidgetId};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{PrimitiveStyleBuilder, Rectangle, StrokeAlignment};

/// Colours and measures widgets draw with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Behind the widgets.
    pub background: Rgb888,
    /// A widget's face.
    pub surface: Rgb888,
    /// The face under the pointer.
    pub hover: Rgb888,
    /// The face while pressed, and a selected list row.
    pub pressed: Rgb888,
    /// The outline.
    pub edge: Rgb888,
    /// The keyboard focus ring and the text caret.
    pub focus: Rgb888,
    /// Text.
    pub text: Rgb888,
    /// Placeholder and secondary text.
    pub muted: Rgb888,
    /// Corner radius in pixels.
    pub radius: u32,
    /// Outline width; the focus ring is twice as wide.
    pub edge_width: u32,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            background: Rgb888::new(0x0F, 0x17, 0x2A),
            surface: Rgb888::new(0x1E, 0x29, 0x3B),
            hover: Rgb888::new(0x2A, 0x38, 0x50),
            pressed: Rgb888::new(0x2D, 0xD4, 0xBF),
            edge: Rgb888::new(0x33, 0x41, 0x55),
            focus: Rgb888::new(0xFA, 0xCC, 0x15),
            text: Rgb888::new(0xF1, 0xF5, 0xF9),
            muted: Rgb888::new(0x94, 0xA3, 0xB8),
            radius: 8,
            edge_width: 1,
        }
    }
}

/// How a widget looks right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WidgetState {
    /// The pointer is over it.
    pub hovered: bool,
    /// A button is held down on it.
    pub pressed: bool,
    /// It has keyboard focus.
    pub focused: bool,
}

impl WidgetState {
    /// Widget `id`'s state as `ui` tracks it.
    pub fn of(ui: &Interaction, id: WidgetId) -> Self {
        Self {
            hovered: ui.hovered() == Some(id),
            pressed: ui.pressed() == Some(id),
            focused: ui.focus() == Some(id),
        }
    }
}

impl Theme {
    /// The face colour for `state`.
    pub fn face(&self, state: WidgetState) -> Rgb888 {
        if state.pressed {
            self.pressed
        } else if state.hovered {
            self.hover
        } else {
            self.surface
        }
    }

    /// Draws a card: background around it, rounded face, outline or focus ring.
    pub fn card<D: DrawTarget<Color = Rgb888>>(
        &self,
        d: &mut D,
        area: &Rectangle,
        state: WidgetState,
    ) {
        let (edge, width) = if state.focused {
            (self.focus, self.edge_width * 2)
        } else {
            (self.edge, self.edge_width)
        };
        // The corners get the background: each pixel of the area is painted once.
        let style = CardStyle {
            fill: self.face(state),
            stroke: edge,
            stroke_width: width,
            radius: self.radius,
            outside: Some(self.background),
        };
        rounded_rect(d, area, &style);
    }

    /// The part of a card's `area` its content goes in.
    pub fn content(&self, area: &Rectangle) -> Rectangle {
        super::layout::inset(area, self.radius.max(self.edge_width * 3))
    }
}

/// A text on the background, fitted into `area` with an ellipsis if too long.
pub fn label<D: DrawTarget<Color = Rgb888>>(
    d: &mut D,
    area: &Rectangle,
    content: &str,
    font: Font,
    align: Align,
    theme: &Theme,
) {
    let _ = d.fill_solid(area, theme.background);
    let style = TextStyle::new(font, theme.text, theme.background);
    text::draw_in(d, content, &style, area, align);
}

/// A button: a card with its caption centred.
pub fn button<D: DrawTarget<Color = Rgb888>>(
    d: &mut D,
    area: &Rectangle,
    caption: &str,
    font: Font,
    state: WidgetState,
    theme: &Theme,
) {
    theme.card(d, area, state);
    let color = if state.pressed {
        theme.background
    } else {
        theme.text
    };
    let style = TextStyle::new(font, color, theme.face(state));
    text::draw_in(d, caption, &style, &theme.content(area), Align::Center);
}

/// A one-line text entry holding up to `N` bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextField<const N: usize> {
    text: heapless::String<N>,
}

impl<const N: usize> TextField<N> {
    /// An empty field.
    pub const fn new() -> Self {
        Self {
            text: heapless::String::new(),
        }
    }

    /// What it holds.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Applies a key: characters with a glyph are typed (while there is room),
    /// Backspace removes one, Delete and Escape clear. Returns whether it changed.
    pub fn edit(&mut self, key: crate::event::Key) -> bool {
        use crate::event::Key;
        match key {
            Key::Char(c) if !c.is_control() && super::font::has_glyph(c) => {
                self.text.push(c).is_ok()
            }
            Key::Backspace => self.text.pop().is_some(),
            Key::Delete | Key::Escape if !self.text.is_empty() => {
                self.text.clear();
                true
            }
            _ => false,
        }
    }

    /// Draws the field: its text (the end of it when too long, so what is typed is
    /// seen) or `placeholder`, and a caret when focused.
    pub fn draw<D: DrawTarget<Color = Rgb888>>(
        &self,
        d: &mut D,
        area: &Rectangle,
        placeholder: &str,
        font: Font,
        state: WidgetState,
        theme: &Theme,
    ) {
        let state = WidgetState {
            pressed: false,
            ..state
        };
        theme.card(d, area, state);
        let inner = theme.content(area);
        let face = theme.face(state);
        let caret_w = (font.px() / 12).max(2);
        if self.text.is_empty() && !state.focused {
            let style = TextStyle::new(font, theme.muted, face);
            text::draw_in(d, placeholder, &style, &inner, Align::Left);
            return;
        }
        // The longest tail of the text that fits before the caret.
        let room = inner.size.width.saturating_sub(caret_w + 1);
        let mut start = 0;
        while font.width(&self.text[start..]) > room {
            start += self.text[start..].chars().next().map_or(1, char::len_utf8);
        }
        let shown = &self.text[start..];
        let style = TextStyle::new(font, theme.text, face);
        text::draw_in(d, shown, &style, &inner, Align::Left);
        if state.focused {
            let h = font.height().min(inner.size.height);
            let caret = Rectangle::new(
                Point::new(
                    inner.top_left.x + font.width(shown) as i32 + 1,
                    inner.center().y - h as i32 / 2,
                ),
                Size::new(caret_w, h),
            );
            let _ = d.fill_solid(&caret, theme.focus);
        }
    }
}

/// A scrolling list of rows with one selected row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct List {
    /// The first row shown.
    pub first: usize,
    /// The selected row, if any.
    pub selected: Option<usize>,
}

impl List {
    /// Rows of `row_height` that fit in `area`.
    pub fn visible_rows(area: &Rectangle, row_height: u32) -> usize {
        (area.size.height / row_height.max(1)) as usize
    }

    /// The row (index into the items) at screen point (x, y), if any.
    pub fn row_at(
        &self,
        area: &Rectangle,
        row_height: u32,
        len: usize,
        x: i32,
        y: i32,
    ) -> Option<usize> {
        if !area.contains(Point::new(x, y)) {
            return None;
        }
        let row = ((y - area.top_left.y) as u32 / row_height.max(1)) as usize;
        (row < Self::visible_rows(area, row_height))
            .then_some(self.first + row)
            .filter(|&i| i < len)
    }

    /// Scrolls by `rows` (positive: down), keeping the last page full.
    pub fn scroll(&mut self, rows: i32, len: usize, visible: usize) {
        let last_first = len.saturating_sub(visible);
        let first = self.first as i64 + i64::from(rows);
        self.first = first.clamp(0, last_first as i64) as usize;
    }

    /// Selects `row` and scrolls it into view.
    pub fn select(&mut self, row: usize, len: usize, visible: usize) {
        if row >= len {
            return;
        }
        self.selected = Some(row);
        if row < self.first {
            self.first = row;
        } else if visible > 0 && row >= self.first + visible {
            self.first = row + 1 - visible;
        }
    }

    /// Draws the visible rows of `items` (the selected one highlighted) in a card.
    #[allow(clippy::too_many_arguments)]
    pub fn draw<D: DrawTarget<Color = Rgb888>>(
        &self,
        d: &mut D,
        area: &Rectangle,
        items: &[&str],
        row_height: u32,
        font: Font,
        state: WidgetState,
        theme: &Theme,
    ) {
        let face = theme.face(WidgetState {
            pressed: false,
            ..state
        });
        let _ = d.fill_solid(area, face);
        let pad = (row_height / 4) as i32;
        for (slot, (index, item)) in items
            .iter()
            .enumerate()
            .skip(self.first)
            .take(Self::visible_rows(area, row_height))
            .enumerate()
        {
            let row = Rectangle::new(
                area.top_left + Point::new(0, (slot as u32 * row_height) as i32),
                Size::new(area.size.width, row_height),
            );
            let selected = self.selected == Some(index);
            let (surface, color) = if selected {
                (theme.pressed, theme.background)
            } else {
                (face, theme.text)
            };
            let _ = d.fill_solid(&row, surface);
            let inner = Rectangle::new(
                row.top_left + Point::new(pad, 0),
                Size::new(row.size.width.saturating_sub(2 * pad as u32), row_height),
            );
            text::draw_in(
                d,
                item,
                &TextStyle::new(font, color, surface),
                &inner,
                Align::Left,
            );
        }
        if state.focused {
            let ring = PrimitiveStyleBuilder::new()
                .stroke_color(theme.focus)
                .stroke_width(theme.edge_width * 2)
                .stroke_alignment(StrokeAlignment::Inside)
                .build();
            let _ = area.into_styled(ring).draw(d);
        }
    }
}
