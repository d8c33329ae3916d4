//! The demo kiosk: knows the App API and embedded-graphics, nothing of hardware.
//!
//! A header with the product name and a clock, a grid of large buttons (counters,
//! toggles, an accent switch and a page switch) with hover, pressed and focused
//! states, and a status panel. Everything is laid out from the screen size
//! (`layout`, with the toolkit's rows, columns and grid) and drawn with the toolkit's
//! widgets (`vitrine::ui::widgets`: labels, button faces, a text field, a list of
//! status rows) in the kiosk's colours; only what changed is redrawn.
#![no_std]
#![forbid(unsafe_code)]

pub mod layout;
pub mod theme;

use core::fmt::Write;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use heapless::String;
use layout::{Layout, Widget, BUTTON_COUNT};
use vitrine::app::{App, Button, Event, InputEvent, Interaction, Key, SystemInfo, UiEvent};
use vitrine::display::fill_outside::fill_outside;
use vitrine::ui::card_face::OnFace;
use vitrine::ui::widgets::{self, List, TextField, Theme, WidgetState};
use vitrine::ui::{rounded_rect, text, Align, CardStyle, Font, TextStyle, Weight};

pub use layout::layout;

/// The product name in the header.
pub const PRODUCT_NAME: &str = "Vitrine";

/// Which set of buttons is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// Drink counters, reset, accent colour, page switch.
    Home,
    /// Room toggles, all off, page switch.
    Rooms,
}

impl Page {
    /// Its name beside the clock.
    fn name(self) -> &'static str {
        match self {
            Page::Home => "Home",
            Page::Rooms => "Rooms",
        }
    }

    /// Its place in per-page tables.
    fn index(self) -> usize {
        match self {
            Page::Home => 0,
            Page::Rooms => 1,
        }
    }
}

/// The small text beside button `i`'s value on `page`.
fn hint(page: Page, i: usize) -> &'static str {
    match (page, i) {
        // Prices: accented text and the euro sign, from the toolkit's Latin-1 font.
        (Page::Home, 0..=2) => DRINK_PRICES[i],
        (Page::Home, 3) => "total",
        (Page::Home, 4) => "colour",
        (Page::Rooms, 0..=3) => "switch",
        (Page::Rooms, 4) => "devices",
        _ => "next",
    }
}

const HOME_LABELS: [&str; BUTTON_COUNT] = [
    "Espresso",
    "Cappuccino",
    "Tea",
    "Reset",
    "Accent",
    "Rooms >",
];
const ROOM_LABELS: [&str; BUTTON_COUNT] = ["Lights", "Music", "Blinds", "Fan", "All off", "< Home"];
const DRINK_PRICES: [&str; 3] = ["2,50 €", "3,80 €", "2 €"];
const ACCENT_NAMES: [&str; 4] = ["Teal", "Violet", "Coral", "Sky"];
/// Widest values a button shows, for choosing its font once per layout.
const VALUE_SAMPLES: [&str; 4] = ["88888", "Violet", "Page 2", "3 on"];
const STATUS_ROWS: usize = 6;
const STATUS_LABELS: [&str; STATUS_ROWS] = [
    "Resolution",
    "Display",
    "VirtualBox",
    "Uptime",
    "Input events",
    "Frames",
];

type Text = String<48>;

/// The text field's focus index: after the buttons.
pub const FIELD: usize = BUTTON_COUNT;
/// Widgets that take keyboard focus: the buttons, then the text field.
pub const FOCUSABLE: usize = BUTTON_COUNT + 1;
/// Characters the text field holds at most (fewer when they would not fit).
pub const FIELD_CAPACITY: usize = 32;
const FIELD_PLACEHOLDER: &str = "Note pour Genève";

/// The widget at a focus index.
fn widget_of(id: usize) -> Widget {
    if id == FIELD {
        Widget::Field
    } else {
        Widget::Button(id)
    }
}

/// Fonts chosen for the current layout.
#[derive(Debug, Clone, Copy)]
struct Fonts {
    title: Font,
    clock: Font,
    label: Font,
    value: Font,
    number: Font,
    status_title: Font,
    status_row: Font,
    field: Font,
    /// The page name's beside the clock, per page (`Page::index`).
    caption: [Font; 2],
    /// Each button's hint, per page, on its face as it is and pressed (sunk in,
    /// smaller): fitted once per layout rather than on every draw of a button.
    hint: [[[Font; 2]; BUTTON_COUNT]; 2],
}

impl Fonts {
    fn for_layout(l: &Layout) -> Self {
        let b = l.buttons[0].size;
        let pad = button_padding(l);
        let inner_w = b.width.saturating_sub(2 * pad);
        let all_labels: [&str; 2 * BUTTON_COUNT] = core::array::from_fn(|i| {
            if i < BUTTON_COUNT {
                HOME_LABELS[i]
            } else {
                ROOM_LABELS[i - BUTTON_COUNT]
            }
        });
        let title_h = l.title.size.height;
        let status_inner = l.status.size.width.saturating_sub(2 * pad);
        let (row_h, status_title_h) = status_rows(l);
        let clock = text::fit(
            &["up 00:00:00", "00:00:00 UTC"],
            Weight::Bold,
            l.clock.size.width,
            title_h * 6 / 10,
        );
        let label = text::fit(&all_labels, Weight::Bold, inner_w, b.height / 5);
        Self {
            title: text::fit(
                &[PRODUCT_NAME],
                Weight::Bold,
                l.title.size.width / 2,
                title_h * 7 / 10,
            ),
            clock,
            label,
            value: text::fit(
                &VALUE_SAMPLES,
                Weight::Bold,
                inner_w * 4 / 5,
                b.height * 2 / 5,
            ),
            number: text::fit(&["88"], Weight::Bold, inner_w / 2, b.height * 45 / 100),
            status_title: text::fit(
                &["System"],
                Weight::Bold,
                status_inner / 2,
                (status_title_h * 6 / 10).min(b.height / 5),
            ),
            status_row: text::fit(
                &["Input events  000000", "Resolution  3840x2160"],
                Weight::Regular,
                status_inner,
                row_h * 6 / 10,
            ),
            field: text::fit(
                &[FIELD_PLACEHOLDER, "Type a note here"],
                Weight::Regular,
                l.field.size.width.saturating_sub(2 * pad),
                l.field.size.height / 2,
            ),
            caption: [Page::Home, Page::Rooms].map(|page| caption_font(l, clock, page)),
            hint: [Page::Home, Page::Rooms].map(|page| {
                core::array::from_fn(|i| {
                    [false, true].map(|pressed| hint_font(l, label, page, i, pressed))
                })
            }),
        }
    }
}

/// The font of the page's name beside the clock (`clock`: the clock's font).
fn caption_font(l: &Layout, clock: Font, page: Page) -> Font {
    text::fit(
        &[page.name()],
        Weight::Regular,
        l.clock.size.width / 3,
        clock.height() * 3 / 4,
    )
}

/// The font of button `i`'s hint on `page` (`label`: the buttons' label font), on
/// its face as it is or pressed (which face: the accent colour does not move it).
fn hint_font(l: &Layout, label: Font, page: Page, i: usize, pressed: bool) -> Font {
    let state = WidgetState {
        pressed,
        ..WidgetState::default()
    };
    let inner = theme_for(l, theme::ACCENTS[0])
        .face_of(&l.buttons[i], state)
        .content;
    text::fit(
        &[hint(page, i)],
        Weight::Regular,
        inner.size.width / 3,
        label.height() * 3 / 4,
    )
}

/// Space between a button's edge and its content.
fn button_padding(l: &Layout) -> u32 {
    l.unit * 3 / 2
}

/// Height of a status row and of the panel's title band.
fn status_rows(l: &Layout) -> (u32, u32) {
    let pad = l.unit * 2;
    let inner_h = l.status.size.height.saturating_sub(2 * pad);
    let title_h = inner_h / (STATUS_ROWS as u32 + 2) * 3 / 2;
    ((inner_h - title_h) / STATUS_ROWS as u32, title_h)
}

/// The kiosk app.
#[derive(Debug, Clone)]
pub struct Kiosk {
    layout: Layout,
    fonts: Fonts,
    page: Page,
    counters: [u32; 3],
    toggles: [bool; 4],
    accent: usize,
    ui: Interaction,
    field: TextField<FIELD_CAPACITY>,
    full_redraw: bool,
    dirty_buttons: u8,
    field_dirty: bool,
    clock_dirty: bool,
    status_dirty: bool,
    clock_text: Text,
    status_second: u64,
    activations: u32,
    /// The header text: the host's `title` option, else [`PRODUCT_NAME`].
    title: String<{ vitrine::app_options::MAX_VALUE }>,
    header_dirty: bool,
    /// The boot-time options (`app.title=`, `app.page=`) were read: they are in
    /// place at the first event and never announced as changes.
    boot_options_read: bool,
}

impl Default for Kiosk {
    fn default() -> Self {
        Self::new()
    }
}

impl Kiosk {
    /// A kiosk on the home page; it lays itself out on the first `Resize`.
    pub fn new() -> Self {
        let layout = layout(640, 480);
        Self {
            fonts: Fonts::for_layout(&layout),
            layout,
            page: Page::Home,
            counters: [0; 3],
            toggles: [false; 4],
            accent: 0,
            ui: Self::interaction(&layout),
            field: TextField::new(),
            full_redraw: true,
            dirty_buttons: 0,
            field_dirty: false,
            clock_dirty: false,
            status_dirty: false,
            clock_text: Text::new(),
            status_second: u64::MAX,
            activations: 0,
            title: String::try_from(PRODUCT_NAME).unwrap_or_default(),
            header_dirty: false,
            boot_options_read: false,
        }
    }

    /// The current layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    /// The page shown.
    pub fn page(&self) -> Page {
        self.page
    }
    /// The drink counters of the home page.
    pub fn counters(&self) -> [u32; 3] {
        self.counters
    }
    /// The widget with keyboard focus: a button, or `FIELD`.
    pub fn focus(&self) -> usize {
        self.ui.focus().unwrap_or(0)
    }
    /// The widget under the pointer (a button, or `FIELD`).
    pub fn hover(&self) -> Option<usize> {
        self.ui.hovered()
    }
    /// The widget a mouse button is held down on.
    pub fn pressed(&self) -> Option<usize> {
        self.ui.pressed()
    }
    /// What was typed into the text field.
    pub fn text(&self) -> &str {
        self.field.text()
    }
    /// The header text.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// A host option changed: `title` replaces the header text (removed: the product
    /// name again), `page` switches to `home` or `rooms`.
    fn on_option(&mut self, key: &str, value: Option<&str>) -> bool {
        match (key, value) {
            ("title", value) => {
                let title = value.unwrap_or(PRODUCT_NAME);
                if title == self.title.as_str() {
                    return false;
                }
                self.title = String::try_from(title).unwrap_or_default();
                self.header_dirty = true;
                vitrine::status!("title value=\"{}\"", vitrine::fault_report::Quoted(title));
                true
            }
            ("page", Some("home")) if self.page != Page::Home => {
                self.switch_page(Page::Home);
                true
            }
            ("page", Some("rooms")) if self.page != Page::Rooms => {
                self.switch_page(Page::Rooms);
                true
            }
            ("page", Some("home" | "rooms") | None) => false,
            (key, value) => {
                vitrine::status!(
                    "option ignored key={} value=\"{}\"",
                    key,
                    vitrine::fault_report::Quoted(value.unwrap_or(""))
                );
                false
            }
        }
    }

    fn interaction(layout: &Layout) -> Interaction {
        let mut ui = Interaction::new(FOCUSABLE, layout.columns as usize);
        ui.set_text_widget(Some(FIELD));
        ui
    }
    /// Buttons activated so far.
    pub fn activations(&self) -> u32 {
        self.activations
    }

    fn accent(&self) -> Rgb888 {
        theme::ACCENTS[self.accent % theme::ACCENTS.len()]
    }

    fn mark_button(&mut self, widget: Option<usize>) {
        match widget {
            Some(FIELD) => self.field_dirty = true,
            Some(i) if i < BUTTON_COUNT => self.dirty_buttons |= 1 << i,
            _ => {}
        }
    }

    fn label(&self, i: usize) -> &'static str {
        match self.page {
            Page::Home => HOME_LABELS[i],
            Page::Rooms => ROOM_LABELS[i],
        }
    }

    fn value(&self, i: usize) -> Text {
        let mut s = Text::new();
        let _ = match (self.page, i) {
            (Page::Home, 0..=2) => write!(s, "{}", self.counters[i]),
            (Page::Home, 3) => write!(
                s,
                "{}",
                self.counters.iter().map(|&c| u64::from(c)).sum::<u64>()
            ),
            (Page::Home, 4) => write!(s, "{}", ACCENT_NAMES[self.accent % ACCENT_NAMES.len()]),
            (Page::Home, _) => write!(s, "Page 2"),
            (Page::Rooms, 0..=3) => write!(s, "{}", if self.toggles[i] { "On" } else { "Off" }),
            (Page::Rooms, 4) => write!(s, "{} on", self.toggles.iter().filter(|t| **t).count()),
            (Page::Rooms, _) => write!(s, "Page 1"),
        };
        s
    }

    fn hint(&self, i: usize) -> &'static str {
        hint(self.page, i)
    }

    /// Does what button `i` says.
    fn activate(&mut self, i: usize) {
        self.activations += 1;
        match (self.page, i) {
            (Page::Home, 0..=2) => {
                self.counters[i] = self.counters[i].saturating_add(1);
                self.dirty_buttons |= (1 << i) | (1 << 3);
            }
            (Page::Home, 3) => {
                self.counters = [0; 3];
                self.dirty_buttons |= 0b1111;
            }
            (Page::Home, 4) => {
                self.accent = (self.accent + 1) % theme::ACCENTS.len();
                self.full_redraw = true;
            }
            (Page::Rooms, 0..=3) => {
                self.toggles[i] = !self.toggles[i];
                self.dirty_buttons |= (1 << i) | (1 << 4);
            }
            (Page::Rooms, 4) => {
                self.toggles = [false; 4];
                self.dirty_buttons |= 0b11111;
            }
            (Page::Home, _) => self.switch_page(Page::Rooms),
            (Page::Rooms, _) => self.switch_page(Page::Home),
        }
    }

    fn switch_page(&mut self, page: Page) {
        self.page = page;
        self.dirty_buttons = 0b11_1111;
        self.clock_dirty = true; // the page name sits in the header
        let name = match page {
            Page::Home => "home",
            Page::Rooms => "rooms",
        };
        vitrine::status!("page name={}", name);
    }

    fn on_input(&mut self, input: &InputEvent) -> bool {
        let layout = self.layout;
        let events = self.ui.handle(input, |x, y| Self::widget_at(&layout, x, y));
        let mut changed = false;
        for event in events {
            changed |= self.on_ui(event);
        }
        changed
    }

    fn on_ui(&mut self, event: UiEvent) -> bool {
        match event {
            UiEvent::Enter(w) | UiEvent::Leave(w) => self.mark_button(Some(w)),
            UiEvent::Press { widget, .. } | UiEvent::Release { widget, .. } => {
                self.mark_button(Some(widget))
            }
            UiEvent::Click {
                widget,
                button: Button::Left,
                x,
                y,
            } if widget < BUTTON_COUNT => {
                vitrine::status!(
                    "click x={} y={} button=left target={}",
                    x,
                    y,
                    Widget::Button(widget).name()
                );
                self.activate(widget);
            }
            UiEvent::Focus { from, to } => {
                self.mark_button(from);
                self.mark_button(Some(to));
                vitrine::status!("focus target={}", widget_of(to).name());
            }
            UiEvent::Activate(FIELD) => self.submit_text(),
            UiEvent::Activate(widget) => self.activate_by_key(widget, "enter"),
            // Scrolling down shows the next page, up the previous one.
            UiEvent::Wheel { delta, .. } if delta < 0 && self.page == Page::Home => {
                self.switch_page(Page::Rooms)
            }
            UiEvent::Wheel { delta, .. } if delta > 0 && self.page == Page::Rooms => {
                self.switch_page(Page::Home)
            }
            UiEvent::Key {
                key: Key::Escape, ..
            } if self.page != Page::Home => self.switch_page(Page::Home),
            UiEvent::Key {
                key,
                focus: Some(FIELD),
            } => return self.edit_text(key),
            UiEvent::Key {
                key: Key::Char(' '),
                focus: Some(widget),
            } if widget < BUTTON_COUNT => self.activate_by_key(widget, "space"),
            _ => return false,
        }
        true
    }

    fn activate_by_key(&mut self, widget: usize, key: &str) {
        vitrine::status!(
            "activate key={} target={}",
            key,
            Widget::Button(widget).name()
        );
        self.mark_button(Some(widget));
        self.activate(widget);
    }

    /// Enter in the text field: report what it holds.
    fn submit_text(&mut self) {
        vitrine::status!(
            "text target={} len={} value=\"{}\"",
            Widget::Field.name(),
            self.field.text().len(),
            vitrine::fault_report::Quoted(self.field.text())
        );
        self.field_dirty = true;
    }

    fn edit_text(&mut self, key: Key) -> bool {
        let mut edited = self.field.clone();
        if !edited.edit(key) {
            return false;
        }
        let room = self
            .layout
            .field
            .size
            .width
            .saturating_sub(2 * button_padding(&self.layout) + self.layout.unit);
        if matches!(key, Key::Char(_)) && self.fonts.field.width(edited.text()) > room {
            return false; // full: the key is seen and ignored
        }
        self.field = edited;
        self.field_dirty = true;
        true
    }

    fn widget_at(layout: &Layout, x: i32, y: i32) -> Option<usize> {
        match layout.hit_test(x, y) {
            Some(Widget::Button(i)) => Some(i),
            Some(Widget::Field) => Some(FIELD),
            _ => None,
        }
    }

    fn clock(info: &SystemInfo) -> Text {
        let mut s = Text::new();
        let _ = match info.wall_clock_unix_ms() {
            Some(ms) => {
                let day_s = (ms / 1000) % 86_400;
                write!(
                    s,
                    "{:02}:{:02}:{:02} UTC",
                    day_s / 3600,
                    day_s / 60 % 60,
                    day_s % 60
                )
            }
            None => {
                let up = info.uptime_us / 1_000_000;
                write!(s, "up {:02}:{:02}:{:02}", up / 3600, up / 60 % 60, up % 60)
            }
        };
        s
    }

    fn on_tick(&mut self, info: &SystemInfo) -> bool {
        let clock = Self::clock(info);
        if clock != self.clock_text {
            self.clock_text = clock;
            self.clock_dirty = true;
        }
        let second = info.uptime_us / 1_000_000;
        if second != self.status_second {
            self.status_second = second;
            self.status_dirty = true;
        }
        self.clock_dirty || self.status_dirty
    }

    // ---- drawing: the toolkit's widgets in the kiosk's colours ----

    /// The toolkit theme for the current layout and accent colour.
    fn theme(&self) -> Theme {
        theme_for(&self.layout, self.accent())
    }

    /// The theme for text on the header bar.
    fn header_theme(&self) -> Theme {
        Theme {
            background: theme::HEADER,
            ..self.theme()
        }
    }

    fn draw_header<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        let l = &self.layout;
        let t = &l.title;
        let logo = t.size.height * 6 / 10;
        let name_x = t.top_left.x + logo as i32 + l.unit as i32;
        let room = (l.clock.top_left.x - name_x).max(1) as u32;
        // The name's label paints its own area, and the clock's labels all of the
        // clock's (`draw_clock` follows every `draw_header`): the bar only fills
        // around them.
        let name_area = Rectangle::new(
            Point::new(name_x, t.top_left.y),
            Size::new(room.min(t.size.width), t.size.height),
        );
        let _ = fill_outside(d, &l.header, &[name_area, l.clock], theme::HEADER);
        let line_h = (l.unit / 4).max(1);
        let line = Rectangle::new(
            Point::new(0, l.header.size.height as i32 - line_h as i32),
            Size::new(l.header.size.width, line_h),
        );
        let _ = d.fill_solid(&line, theme::shade(self.accent(), 45));
        // Logo: an accent tile with a dark inner tile, then the name.
        let logo_rect = Rectangle::new(
            Point::new(t.top_left.x, t.center().y - logo as i32 / 2),
            Size::new(logo, logo),
        );
        rounded_rect(d, &logo_rect, &CardStyle::filled(self.accent(), logo / 4));
        let inner = logo_rect.resized(
            Size::new(logo / 3, logo / 3),
            embedded_graphics::geometry::AnchorPoint::Center,
        );
        rounded_rect(d, &inner, &CardStyle::filled(theme::HEADER, logo / 10 + 1));
        // The product name's font, or a smaller one that fits a longer host title
        // into the room left of the clock.
        let font = if self.title.as_str() == PRODUCT_NAME {
            self.fonts.title
        } else {
            text::fit(
                &[self.title.as_str()],
                Weight::Bold,
                name_area.size.width,
                t.size.height * 7 / 10,
            )
        };
        widgets::label(
            d,
            &name_area,
            &self.title,
            font,
            Align::Left,
            &self.header_theme(),
        );
    }

    fn draw_clock<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        let c = &self.layout.clock;
        let page = self.page.name();
        let caption = self.fonts.caption[self.page.index()];
        let time_w = self.fonts.clock.width(&self.clock_text);
        let gap = self.layout.unit * 2;
        // Two labels side by side: the page name, then the time at the right edge.
        let caption_w = c.size.width.saturating_sub(time_w + gap);
        let caption_area = Rectangle::new(c.top_left, Size::new(caption_w, c.size.height));
        let time_area = Rectangle::new(
            c.top_left + Point::new(caption_w as i32, 0),
            Size::new(c.size.width - caption_w, c.size.height),
        );
        let header = self.header_theme();
        if caption.width(page) <= caption_area.size.width {
            let muted = Theme {
                text: theme::MUTED,
                ..header
            };
            widgets::label(d, &caption_area, page, caption, Align::Right, &muted);
        } else {
            let _ = d.fill_solid(&caption_area, theme::HEADER);
        }
        widgets::label(
            d,
            &time_area,
            &self.clock_text,
            self.fonts.clock,
            Align::Right,
            &header,
        );
    }

    fn draw_button<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D, i: usize) {
        let l = &self.layout;
        let accent = self.accent();
        let state = WidgetState {
            checked: self.page == Page::Rooms && i < 4 && self.toggles[i],
            ..WidgetState::of(&self.ui, i)
        };
        let value = self.value(i);
        let look = self.theme();
        let face = look.face_of(&l.buttons[i], state);
        let (inner, surface) = (face.content, face.color);
        let label_h = self.fonts.label.height();
        let label_area = Rectangle::new(inner.top_left, Size::new(inner.size.width, label_h));
        // The label, a short accent bar under it, the value and its hint: drawn with
        // the card, its rows in one pass (`card_face`).
        let mut on_face: heapless::Vec<OnFace, 4> = heapless::Vec::new();
        let _ = on_face.push(OnFace::Text {
            text: self.label(i),
            style: TextStyle::new(self.fonts.label, face.text, surface),
            area: label_area,
            align: Align::Left,
        });
        let bar_y = inner.top_left.y + label_h as i32 + l.unit as i32 / 2;
        let bar = Rectangle::new(
            Point::new(inner.top_left.x, bar_y),
            Size::new(l.unit * 3, (l.unit / 4).max(2)),
        );
        let mark = if state.lit() { face.text } else { accent };
        let _ = on_face.push(OnFace::Bar {
            area: bar,
            color: mark,
        });

        // The value sits centred in the space below the bar; the hint shares its baseline.
        let numeric = value.bytes().all(|b| b.is_ascii_digit());
        let mut value_font = if numeric {
            self.fonts.number
        } else {
            self.fonts.value
        };
        if value_font.width(&value) > inner.size.width {
            // A counter grew past what the font was chosen for: shrink, never overflow.
            value_font = text::fit(
                &[&value],
                Weight::Bold,
                inner.size.width,
                value_font.height(),
            );
        }
        let space_top = bar.top_left.y + bar.size.height as i32;
        let space_bottom = inner.top_left.y + inner.size.height as i32;
        let baseline =
            ((space_top + space_bottom) / 2 + value_font.ascent() as i32 / 2).min(space_bottom);
        let _ = on_face.push(OnFace::Line {
            text: &value,
            style: TextStyle::new(value_font, mark, surface),
            x: inner.top_left.x,
            baseline,
        });
        let hint = self.hint(i);
        let hint_font = self.fonts.hint[self.page.index()][i][usize::from(state.pressed)];
        if value_font.width(&value) + hint_font.width(hint) + l.unit * 2 <= inner.size.width {
            let hint_color = if state.lit() { face.text } else { theme::MUTED };
            let right = inner.top_left.x + inner.size.width as i32;
            let _ = on_face.push(OnFace::Line {
                text: hint,
                style: TextStyle::new(hint_font, hint_color, surface),
                x: right - hint_font.width(hint) as i32,
                baseline,
            });
        }
        look.card_with(d, &l.buttons[i], state, &on_face);
    }

    /// The status panel: a card with a title label and a list of label/value rows.
    fn draw_status<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D, info: &SystemInfo) {
        let l = &self.layout;
        let theme = self.theme();
        let pad = l.unit * 2;
        let inner = l.status.offset(-(pad as i32));
        let (row_h, title_h) = status_rows(l);
        let title_area = Rectangle::new(inner.top_left, Size::new(inner.size.width, title_h));
        let rows_area = Rectangle::new(
            inner.top_left + Point::new(0, title_h as i32),
            Size::new(inner.size.width, row_h * STATUS_ROWS as u32),
        );
        // The title and the rows paint their own areas; the card paints around them.
        let content = Rectangle::new(
            inner.top_left,
            Size::new(inner.size.width, title_h + rows_area.size.height),
        );
        theme.card_around(d, &l.status, WidgetState::default(), &content);
        let on_card = Theme {
            background: theme::CARD,
            ..theme
        };
        widgets::label(
            d,
            &title_area,
            "System",
            self.fonts.status_title,
            Align::Left,
            &on_card,
        );
        let dot = (title_h / 4).max(4);
        let dot_rect = Rectangle::new(
            Point::new(
                inner.top_left.x + inner.size.width as i32 - dot as i32,
                title_area.center().y - dot as i32 / 2,
            ),
            Size::new(dot, dot),
        );
        rounded_rect(d, &dot_rect, &CardStyle::filled(self.accent(), dot / 2));

        let values = status_values(info);
        let font = self.fonts.status_row;
        let unit = l.unit;
        // Each row with its rule and its two lines in one pass down its rows; its
        // values change every second (`List::draw_rows_with`).
        List::default().draw_rows_with(
            d,
            &rows_area,
            STATUS_ROWS,
            row_h,
            WidgetState::default(),
            &theme,
            |row, area, colors, on_row| {
                if row > 0 {
                    let rule = Rectangle::new(area.top_left, Size::new(area.size.width, 1));
                    let _ = on_row.push(OnFace::Bar {
                        area: rule,
                        color: theme::CARD_EDGE,
                    });
                }
                let (label, value) = (STATUS_LABELS[row], values[row].as_str());
                let label_w = font.width(label);
                let _ = on_row.push(OnFace::Text {
                    text: label,
                    style: TextStyle::new(font, theme::MUTED, colors.color),
                    area: *area,
                    align: Align::Left,
                });
                // Long values (integration text) get a smaller font rather than being cut.
                let room = area.size.width.saturating_sub(label_w + unit * 2);
                let value_font = if font.width(value) <= room {
                    font
                } else {
                    text::fit(&[value], Weight::Regular, room, font.height())
                };
                if value_font.width(value) <= room {
                    let _ = on_row.push(OnFace::Text {
                        text: value,
                        style: TextStyle::new(value_font, colors.text, colors.color),
                        area: *area,
                        align: Align::Right,
                    });
                }
            },
        );
    }

    fn draw_field<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        self.field.draw(
            d,
            &self.layout.field,
            FIELD_PLACEHOLDER,
            self.fonts.field,
            WidgetState::of(&self.ui, FIELD),
            &self.theme(),
        );
    }
}

/// The toolkit theme for layout `l` and accent colour `accent`.
fn theme_for(l: &Layout, accent: Rgb888) -> Theme {
    Theme {
        background: theme::BACKGROUND,
        surface: theme::CARD,
        hover: theme::CARD_HOVER,
        pressed: theme::shade(accent, 80),
        checked: accent,
        on_pressed: theme::ON_ACCENT,
        edge: theme::CARD_EDGE,
        focus: theme::FOCUS,
        text: theme::TEXT,
        muted: theme::MUTED,
        radius: l.radius,
        edge_width: (l.unit / 12).max(1),
        focus_width: (l.unit / 4).max(2),
        press_inset: (l.unit / 3).max(1),
    }
}

fn status_values(info: &SystemInfo) -> [Text; STATUS_ROWS] {
    let mut v: [Text; STATUS_ROWS] = Default::default();
    let up = info.uptime_us / 1_000_000;
    let _ = write!(v[0], "{}x{}", info.width, info.height);
    let _ = write!(v[1], "{}", info.display_backend);
    let _ = write!(v[2], "{}", info.integration);
    let _ = write!(v[3], "{}:{:02}:{:02}", up / 3600, up / 60 % 60, up % 60);
    if info.restarts > 0 {
        let _ = write!(v[3], ", {} restarts", info.restarts);
    }
    let _ = write!(v[4], "{}", info.counts.input);
    let _ = write!(v[5], "{}", info.counts.frames);
    v
}

impl App for Kiosk {
    fn event(&mut self, event: &Event, info: &SystemInfo) -> bool {
        if !core::mem::replace(&mut self.boot_options_read, true) {
            for key in ["title", "page"] {
                if let Some(value) = info.options.get(key) {
                    self.on_option(key, Some(value));
                }
            }
        }
        match event {
            Event::Resize { width, height } => {
                // Fitting the fonts is the costly part of a layout: only for a new size
                // (the same size again, e.g. a repeated host hint, only redraws).
                let fresh = layout(*width, *height);
                if fresh != self.layout {
                    self.layout = fresh;
                    self.fonts = Fonts::for_layout(&self.layout);
                }
                self.clock_text = Self::clock(info);
                self.ui.set_columns(self.layout.columns as usize);
                let layout = self.layout;
                let _ = self.ui.refresh_hover(|x, y| Self::widget_at(&layout, x, y));
                self.full_redraw = true;
                true
            }
            Event::Input(input) => self.on_input(input),
            Event::Tick { .. } => self.on_tick(info),
            Event::OptionChanged(name) => {
                self.on_option(name.as_str(), info.options.get(name.as_str()))
            }
            _ => false,
        }
    }

    fn options(&self) -> &'static [&'static str] {
        &["title", "page"]
    }

    fn state(&self) -> Option<&str> {
        Some(match self.page {
            Page::Home => "home",
            Page::Rooms => "rooms",
        })
    }

    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, d: &mut D, info: &SystemInfo) {
        if core::mem::take(&mut self.full_redraw) {
            // Only the background the widgets leave open: they paint their own areas.
            let l = &self.layout;
            let mut opaque: heapless::Vec<Rectangle, { BUTTON_COUNT + 3 }> = heapless::Vec::new();
            let _ = opaque.extend_from_slice(&[l.header, l.status, l.field]);
            let _ = opaque.extend_from_slice(&l.buttons);
            let _ = fill_outside(d, &d.bounding_box(), &opaque, theme::BACKGROUND);
            self.draw_header(d);
            self.header_dirty = false;
            self.dirty_buttons = 0b11_1111;
            self.clock_dirty = true;
            self.status_dirty = true;
            self.field_dirty = true;
        }
        if core::mem::take(&mut self.header_dirty) {
            self.draw_header(d);
            self.clock_dirty = true;
        }
        if core::mem::take(&mut self.clock_dirty) {
            self.draw_clock(d);
        }
        let dirty = core::mem::take(&mut self.dirty_buttons);
        for i in 0..BUTTON_COUNT {
            if dirty & (1 << i) != 0 {
                self.draw_button(d, i);
            }
        }
        if core::mem::take(&mut self.status_dirty) {
            self.draw_status(d, info);
        }
        if core::mem::take(&mut self.field_dirty) {
            self.draw_field(d);
        }
    }

    fn widgets(&self, visit: &mut dyn FnMut(usize, Rectangle)) {
        for (i, button) in self.layout.buttons.iter().enumerate() {
            visit(i, *button);
        }
        visit(FIELD, self.layout.field);
    }
}

#[cfg(test)]
extern crate std;

#[cfg(test)]
mod tests;
