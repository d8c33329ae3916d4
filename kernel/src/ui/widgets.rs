//! Widgets: label, button, text field and list. They draw from state the app keeps
//! (text, rows, selection) and from hover/press/focus as `Interaction` tracks them
//! (`WidgetState::of`), so input handling stays in one place; each draws only its
//! own rectangle, which is what the app redraws when that widget changes. Cards
//! paint every pixel of their rectangle once (the background only in the corners
//! the rounded face leaves open), so a redraw costs about one fill of the widget.

use super::card_face::{card_with, row_with, OnFace};
use super::shape::{rounded_rect, rounded_rect_part, CardStyle};
use super::text::{self, Align, TextStyle};
use super::Font;
use crate::display::fill_outside::fill_outside;
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
    /// The face of a button that is switched on (`WidgetState::checked`).
    pub checked: Rgb888,
    /// Text on a pressed or switched-on face.
    pub on_pressed: Rgb888,
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
    /// Outline width.
    pub edge_width: u32,
    /// Width of the focus ring.
    pub focus_width: u32,
    /// How far a pressed button's face sinks in from its rectangle, in pixels.
    pub press_inset: u32,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            background: Rgb888::new(0x0F, 0x17, 0x2A),
            surface: Rgb888::new(0x1E, 0x29, 0x3B),
            hover: Rgb888::new(0x2A, 0x38, 0x50),
            pressed: Rgb888::new(0x2D, 0xD4, 0xBF),
            checked: Rgb888::new(0x2D, 0xD4, 0xBF),
            on_pressed: Rgb888::new(0x0F, 0x17, 0x2A),
            edge: Rgb888::new(0x33, 0x41, 0x55),
            focus: Rgb888::new(0xFA, 0xCC, 0x15),
            text: Rgb888::new(0xF1, 0xF5, 0xF9),
            muted: Rgb888::new(0x94, 0xA3, 0xB8),
            radius: 8,
            edge_width: 1,
            focus_width: 2,
            press_inset: 0,
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
    /// It is switched on (a toggle button): the app sets this, `Interaction` does not.
    pub checked: bool,
}

impl WidgetState {
    /// Widget `id`'s state as `ui` tracks it.
    pub fn of(ui: &Interaction, id: WidgetId) -> Self {
        Self {
            hovered: ui.hovered() == Some(id),
            pressed: ui.pressed() == Some(id),
            focused: ui.focus() == Some(id),
            checked: false,
        }
    }

    /// Pressed or switched on: the face is the strong colour.
    pub fn lit(&self) -> bool {
        self.pressed || self.checked
    }
}

/// Where a card's content goes and in which colours: what `button_face` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Face {
    /// The padded inside of the face.
    pub content: Rectangle,
    /// The face colour (the background the content's text blends onto).
    pub color: Rgb888,
    /// The colour for text on it.
    pub text: Rgb888,
}

impl Theme {
    /// The face colour for `state`.
    pub fn face(&self, state: WidgetState) -> Rgb888 {
        if state.pressed {
            self.pressed
        } else if state.checked {
            self.checked
        } else if state.hovered {
            self.hover
        } else {
            self.surface
        }
    }

    /// The colour for text on the face for `state`.
    pub fn text_on(&self, state: WidgetState) -> Rgb888 {
        if state.lit() {
            self.on_pressed
        } else {
            self.text
        }
    }

    /// Draws a card over `area`: the background in the corners, the rounded face
    /// (sunk in by `press_inset` while pressed), the outline or focus ring. Returns
    /// the face's rectangle.
    pub fn card<D: DrawTarget<Color = Rgb888>>(
        &self,
        d: &mut D,
        area: &Rectangle,
        state: WidgetState,
    ) -> Rectangle {
        self.card_around(d, area, state, &Rectangle::zero())
    }

    /// Like `card`, but leaves `hole` (inside the face) unpainted: for a panel whose
    /// content widgets paint that part themselves, so no pixel is drawn twice.
    pub fn card_around<D: DrawTarget<Color = Rgb888>>(
        &self,
        d: &mut D,
        area: &Rectangle,
        state: WidgetState,
        hole: &Rectangle,
    ) -> Rectangle {
        let body = self.clear_around_body(d, area, state);
        let style = self.card_style(state);
        let hole = hole.intersection(&body);
        let Some(end) = hole.bottom_right() else {
            rounded_rect(d, &body, &style);
            return body;
        };
        // The card in four bands around the hole.
        let (left, top) = (body.top_left.x, body.top_left.y);
        let (right, bottom) = (left + body.size.width as i32, top + body.size.height as i32);
        let (hole_right, hole_bottom) = (end.x + 1, end.y + 1);
        let band = |x0: i32, y0: i32, x1: i32, y1: i32| {
            (x1 > x0 && y1 > y0).then(|| {
                Rectangle::new(
                    Point::new(x0, y0),
                    Size::new((x1 - x0) as u32, (y1 - y0) as u32),
                )
            })
        };
        for clip in [
            band(left, top, right, hole.top_left.y),
            band(left, hole_bottom, right, bottom),
            band(left, hole.top_left.y, hole.top_left.x, hole_bottom),
            band(hole_right, hole.top_left.y, right, hole_bottom),
        ]
        .into_iter()
        .flatten()
        {
            rounded_rect_part(d, &body, &style, &clip);
        }
        body
    }

    /// Like `card`, then draws `on_face` on it in order: the card's middle rows and
    /// the items on them in one pass where the label cache holds the lines (see
    /// `card_face`), with the same pixels.
    pub fn card_with<D: DrawTarget<Color = Rgb888>>(
        &self,
        d: &mut D,
        area: &Rectangle,
        state: WidgetState,
        on_face: &[OnFace],
    ) -> Rectangle {
        let body = self.clear_around_body(d, area, state);
        card_with(d, &body, &self.card_style(state), on_face);
        body
    }

    /// What `button_face` says about a card over `area` for `state`, without drawing.
    pub fn face_of(&self, area: &Rectangle, state: WidgetState) -> Face {
        Face {
            content: self.content(&self.body(area, state)),
            color: self.face(state),
            text: self.text_on(state),
        }
    }

    /// The card's rectangle for `state` (`body`), with the ring a pressed card sinks
    /// away from painted in the background.
    fn clear_around_body<D: DrawTarget<Color = Rgb888>>(
        &self,
        d: &mut D,
        area: &Rectangle,
        state: WidgetState,
    ) -> Rectangle {
        let body = self.body(area, state);
        if body != *area {
            let _ = fill_outside(d, area, &[body], self.background);
        }
        body
    }

    /// The rectangle a card over `area` draws for `state` (a pressed one sinks in).
    fn body(&self, area: &Rectangle, state: WidgetState) -> Rectangle {
        if state.pressed {
            super::layout::inset(area, self.press_inset)
        } else {
            *area
        }
    }

    /// How a card for `state` is painted. The corners get the background: each pixel
    /// of the card's area is painted once.
    fn card_style(&self, state: WidgetState) -> CardStyle {
        let face = self.face(state);
        let (edge, width) = if state.focused {
            (self.focus, self.focus_width)
        } else if state.lit() {
            (face, self.edge_width)
        } else {
            (self.edge, self.edge_width)
        };
        CardStyle {
            fill: face,
            stroke: edge,
            stroke_width: width,
            radius: self.radius,
            outside: Some(self.background),
        }
    }

    /// The part of a card's `area` its content goes in.
    pub fn content(&self, area: &Rectangle) -> Rectangle {
        super::layout::inset(area, self.radius.max(self.edge_width * 3))
    }
}

/// A text on the background, fitted into `area` with an ellipsis if too long:
/// `area` filled with the background and the text over it, drawn as a row of a list
/// is (`card_face::row_with`): once its line is kept (the second time it is drawn),
/// each row of `area` is written once, the line's rows copied whole (background
/// pixels and ink) with the background filled around them.
pub fn label<D: DrawTarget<Color = Rgb888>>(
    d: &mut D,
    area: &Rectangle,
    content: &str,
    font: Font,
    align: Align,
    theme: &Theme,
) {
    let text = OnFace::Text {
        text: content,
        style: TextStyle::new(font, theme.text, theme.background),
        area: *area,
        align,
    };
    row_with(d, area, &CardStyle::filled(theme.background, 0), &[text]);
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
    let face = theme.face_of(area, state);
    let caption = OnFace::Text {
        text: caption,
        style: TextStyle::new(font, face.text, face.color),
        area: face.content,
        align: Align::Center,
    };
    theme.card_with(d, area, state, &[caption]);
}

/// A button whose content the app draws itself (several texts, a mark): draws the
/// card for `state` and says where the content goes and in which colours.
pub fn button_face<D: DrawTarget<Color = Rgb888>>(
    d: &mut D,
    area: &Rectangle,
    state: WidgetState,
    theme: &Theme,
) -> Face {
    theme.card(d, area, state);
    theme.face_of(area, state)
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
        let inner = theme.content(area);
        let face = theme.face(state);
        let caret_w = (font.px() / 12).max(2);
        if self.text.is_empty() && !state.focused {
            let placeholder = OnFace::Text {
                text: placeholder,
                style: TextStyle::new(font, theme.muted, face),
                area: inner,
                align: Align::Left,
            };
            theme.card_with(d, area, state, &[placeholder]);
            return;
        }
        // The longest tail of the text that fits before the caret.
        let room = inner.size.width.saturating_sub(caret_w + 1);
        let mut start = 0;
        while font.width(&self.text[start..]) > room {
            start += self.text[start..].chars().next().map_or(1, char::len_utf8);
        }
        let shown = &self.text[start..];
        // The text and the caret drawn with the card (`card_face`).
        let text = OnFace::Text {
            text: shown,
            style: TextStyle::new(font, theme.text, face),
            area: inner,
            align: Align::Left,
        };
        if !state.focused {
            theme.card_with(d, area, state, &[text]);
            return;
        }
        let h = font.height().min(inner.size.height);
        let caret = Rectangle::new(
            Point::new(
                inner.top_left.x + font.width(shown) as i32 + 1,
                inner.center().y - h as i32 / 2,
            ),
            Size::new(caret_w, h),
        );
        let caret = OnFace::Bar {
            area: caret,
            color: theme.focus,
        };
        theme.card_with(d, area, state, &[text, caret]);
    }
}

/// Items a row of `List::draw_rows_with` takes on its face.
pub const ROW_ITEMS: usize = 4;

/// The colours of a list row: its face and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowColors {
    /// The row's face (the background its text blends onto).
    pub color: Rgb888,
    /// Text on it.
    pub text: Rgb888,
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

    /// Draws the visible rows of `items` (the selected one highlighted), each as one
    /// line of text.
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
        let pad = row_height / 4;
        self.draw_rows(
            d,
            area,
            items.len(),
            row_height,
            state,
            theme,
            |d, index, row, colors| {
                let inner = Rectangle::new(
                    row.top_left + Point::new(pad as i32, 0),
                    Size::new(row.size.width.saturating_sub(2 * pad), row.size.height),
                );
                let style = TextStyle::new(font, colors.text, colors.color);
                text::draw_in(d, items[index], &style, &inner, Align::Left);
            },
        );
    }

    /// Draws the visible rows of a list of `len` rows whose content the app draws:
    /// each row is cleared to its face colour (the selected one highlighted), then
    /// `draw_row(d, index, row rectangle, colours)` paints on it. What is left of
    /// `area` below the rows gets the face colour; every pixel is painted once.
    #[allow(clippy::too_many_arguments)]
    pub fn draw_rows<D, F>(
        &self,
        d: &mut D,
        area: &Rectangle,
        len: usize,
        row_height: u32,
        state: WidgetState,
        theme: &Theme,
        mut draw_row: F,
    ) where
        D: DrawTarget<Color = Rgb888>,
        F: FnMut(&mut D, usize, &Rectangle, RowColors),
    {
        self.paint_rows(
            d,
            area,
            len,
            row_height,
            state,
            theme,
            |d, index, row, colors| {
                let _ = d.fill_solid(row, colors.color);
                draw_row(d, index, row, colors);
            },
        );
    }

    /// `draw_rows` for rows whose content is items on the row's face:
    /// `row_items(index, row rectangle, colours, items)` lists them, and each row is
    /// drawn with its items in one pass down its rows (`card_face::row_with`: kept
    /// lines on second sight, for values that change), the same pixels.
    #[allow(clippy::too_many_arguments)]
    pub fn draw_rows_with<'t, D, F>(
        &self,
        d: &mut D,
        area: &Rectangle,
        len: usize,
        row_height: u32,
        state: WidgetState,
        theme: &Theme,
        mut row_items: F,
    ) where
        D: DrawTarget<Color = Rgb888>,
        F: FnMut(usize, &Rectangle, RowColors, &mut heapless::Vec<OnFace<'t>, ROW_ITEMS>),
    {
        self.paint_rows(
            d,
            area,
            len,
            row_height,
            state,
            theme,
            |d, index, row, colors| {
                let mut items = heapless::Vec::new();
                row_items(index, row, colors, &mut items);
                row_with(d, row, &CardStyle::filled(colors.color, 0), &items);
            },
        );
    }

    /// The rows' geometry and colours for `draw_rows` and `draw_rows_with`:
    /// `paint_row` paints every pixel of each visible row.
    #[allow(clippy::too_many_arguments)]
    fn paint_rows<D, F>(
        &self,
        d: &mut D,
        area: &Rectangle,
        len: usize,
        row_height: u32,
        state: WidgetState,
        theme: &Theme,
        mut paint_row: F,
    ) where
        D: DrawTarget<Color = Rgb888>,
        F: FnMut(&mut D, usize, &Rectangle, RowColors),
    {
        let face = theme.face(WidgetState {
            pressed: false,
            checked: false,
            ..state
        });
        let row_height = row_height.max(1);
        let shown = Self::visible_rows(area, row_height).min(len.saturating_sub(self.first));
        for slot in 0..shown {
            let index = self.first + slot;
            let row = Rectangle::new(
                area.top_left + Point::new(0, (slot as u32 * row_height) as i32),
                Size::new(area.size.width, row_height),
            );
            let colors = if self.selected == Some(index) {
                RowColors {
                    color: theme.pressed,
                    text: theme.on_pressed,
                }
            } else {
                RowColors {
                    color: face,
                    text: theme.text,
                }
            };
            paint_row(d, index, &row, colors);
        }
        let used = shown as u32 * row_height;
        let rest = Rectangle::new(
            area.top_left + Point::new(0, used as i32),
            Size::new(area.size.width, area.size.height.saturating_sub(used)),
        );
        let _ = d.fill_solid(&rest, face);
        if state.focused {
            let ring = PrimitiveStyleBuilder::new()
                .stroke_color(theme.focus)
                .stroke_width(theme.focus_width)
                .stroke_alignment(StrokeAlignment::Inside)
                .build();
            let _ = area.into_styled(ring).draw(d);
        }
    }
}
