//! The board: layout for the current screen, the page shown, and drawing.

use core::fmt::Write;
use embedded_graphics::mono_font::{iso_8859_1::FONT_10X20, MonoTextStyle};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};
use embedded_graphics::text::{Alignment, Baseline, Text, TextStyleBuilder};
use vitrine::app::{App, Button, Event, InputEvent, SystemInfo, TimerId};

use crate::logo;

const BACKGROUND: Rgb888 = Rgb888::new(0x0B, 0x1D, 0x33);
const HEADER: Rgb888 = Rgb888::new(0x12, 0x2F, 0x52);
const STRIPE: Rgb888 = Rgb888::new(0x10, 0x26, 0x42);
const INK: Rgb888 = Rgb888::new(0xF2, 0xF5, 0xF8);
const AMBER: Rgb888 = Rgb888::new(0xFF, 0xC1, 0x3B);
const BUTTON: Rgb888 = Rgb888::new(0x1E, 0x63, 0xB5);
const BUTTON_HOVER: Rgb888 = Rgb888::new(0x2F, 0x7E, 0xD8);

/// The station when `app.title` is not given.
pub const DEFAULT_TITLE: &str = "Gare de Lyon";
/// How often the page turns by itself.
pub const PAGE_PERIOD_US: u64 = 10_000_000;
const PAGE_TIMER: TimerId = TimerId(1);

/// (time, destination, platform, status).
const DEPARTURES: [(&str, &str, &str, &str); 12] = [
    ("08:02", "Genève", "A", "à l'heure"),
    ("08:10", "Zürich HB", "B", "à l'heure"),
    ("08:15", "Besançon Viotte", "C", "retard 5 min"),
    ("08:21", "Saint-Étienne", "D", "à l'heure"),
    ("08:30", "Nîmes", "E", "à l'heure"),
    ("08:34", "Mâcon", "F", "supprimé"),
    ("08:41", "Annecy", "G", "à l'heure"),
    ("08:47", "Chambéry", "H", "retard 10 min"),
    ("08:52", "Dijon", "J", "à l'heure"),
    ("09:03", "Montbéliard", "K", "à l'heure"),
    ("09:10", "Évian-les-Bains", "L", "à l'heure"),
    ("09:18", "Bourg-en-Bresse", "M", "retard 2 min"),
];

/// Where everything goes on the current screen.
#[derive(Debug, Clone, Copy, Default)]
struct Layout {
    size: Size,
    pad: i32,
    header: Rectangle,
    logo_side: u32,
    table_top: i32,
    row_height: i32,
    rows: usize,
    /// Column x positions: time, destination, platform (if shown), status.
    columns: [i32; 4],
    show_platform: bool,
    button: Rectangle,
}

impl Layout {
    fn new(width: u32, height: u32) -> Self {
        let (w, h) = (width as i32, height as i32);
        let pad = (h / 60).max(8);
        let header_h = (h / 8).max(48);
        let footer_h = (h / 12).max(44);
        let row_height = (h / 16).max(28);
        let table_top = header_h + row_height;
        let rows = ((h - table_top - footer_h) / row_height).clamp(1, DEPARTURES.len() as i32);
        let show_platform = width >= 700;
        let columns = if show_platform {
            [pad * 2, w * 14 / 100, w * 64 / 100, w * 74 / 100]
        } else {
            [pad * 2, w * 20 / 100, 0, w * 66 / 100]
        };
        let button_w = (w / 4).max(180).min(w - 2 * pad);
        let button_h = footer_h - 2 * pad;
        Self {
            size: Size::new(width, height),
            pad,
            header: Rectangle::new(Point::zero(), Size::new(width, header_h as u32)),
            logo_side: (header_h - 2 * pad).max(8) as u32,
            table_top,
            row_height,
            rows: rows as usize,
            columns,
            show_platform,
            button: Rectangle::new(
                Point::new(w - pad - button_w, h - footer_h + pad),
                Size::new(button_w.max(1) as u32, button_h.max(1) as u32),
            ),
        }
    }

    fn pages(&self) -> usize {
        DEPARTURES.len().div_ceil(self.rows.max(1))
    }

    fn clock(&self) -> Rectangle {
        let width = 10 * 9 + self.pad;
        Rectangle::new(
            Point::new(self.size.width as i32 - width - self.pad, 0),
            Size::new(width as u32, self.header.size.height),
        )
    }
}

/// The app.
pub struct Board {
    layout: Layout,
    page: usize,
    hover: bool,
    pointer: Point,
    clock: heapless::String<16>,
    redraw_all: bool,
    redraw_clock: bool,
    redraw_button: bool,
    started: bool,
}

impl Default for Board {
    fn default() -> Self {
        Self::new()
    }
}

impl Board {
    /// A board on its first page; it lays itself out on the first `Resize`.
    pub fn new() -> Self {
        Self {
            layout: Layout::default(),
            page: 0,
            hover: false,
            pointer: Point::zero(),
            clock: heapless::String::new(),
            redraw_all: true,
            redraw_clock: false,
            redraw_button: false,
            started: false,
        }
    }

    /// The page shown (0-based).
    pub fn page(&self) -> usize {
        self.page
    }

    fn turn_page(&mut self, via: &str) {
        self.page = (self.page + 1) % self.layout.pages();
        vitrine::status!("departures page={} via={via}", self.page + 1);
        self.redraw_all = true;
    }

    /// HH:MM:SS of the wall clock (UTC), or the uptime when the time is unknown.
    fn clock_text(info: &SystemInfo) -> heapless::String<16> {
        let seconds = match info.wall_clock_unix_ms() {
            Some(ms) => ms / 1000,
            None => info.uptime_us / 1_000_000,
        } % 86_400;
        let mut text = heapless::String::new();
        let _ = write!(
            text,
            "{:02}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
        text
    }

    fn title(info: &SystemInfo) -> &str {
        info.options.get("title").unwrap_or(DEFAULT_TITLE)
    }

    fn draw_text<D: DrawTarget<Color = Rgb888>>(
        d: &mut D,
        text: &str,
        at: Point,
        colour: Rgb888,
        align: Alignment,
    ) {
        let style = MonoTextStyle::new(&FONT_10X20, colour);
        let layout = TextStyleBuilder::new()
            .alignment(align)
            .baseline(Baseline::Middle)
            .build();
        let _ = Text::with_text_style(text, at, style, layout).draw(d);
    }

    fn draw_header<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D, info: &SystemInfo) {
        let l = &self.layout;
        let _ = l
            .header
            .into_styled(PrimitiveStyle::with_fill(HEADER))
            .draw(d);
        logo::draw(d, Point::new(l.pad, l.pad), l.logo_side, HEADER);
        let middle = l.header.size.height as i32 / 2;
        let title_x = 2 * l.pad + l.logo_side as i32;
        Self::draw_text(
            d,
            Self::title(info),
            Point::new(title_x, middle),
            INK,
            Alignment::Left,
        );
    }

    fn draw_clock<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        let area = self.layout.clock();
        let _ = area.into_styled(PrimitiveStyle::with_fill(HEADER)).draw(d);
        let at = Point::new(area.top_left.x + area.size.width as i32, area.center().y);
        Self::draw_text(d, &self.clock, at, AMBER, Alignment::Right);
    }

    fn draw_table<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        let l = &self.layout;
        let c = l.columns;
        let heading_y = l.header.size.height as i32 + l.row_height / 2;
        Self::draw_text(
            d,
            "Heure",
            Point::new(c[0], heading_y),
            AMBER,
            Alignment::Left,
        );
        Self::draw_text(
            d,
            "Destination",
            Point::new(c[1], heading_y),
            AMBER,
            Alignment::Left,
        );
        if l.show_platform {
            Self::draw_text(
                d,
                "Voie",
                Point::new(c[2], heading_y),
                AMBER,
                Alignment::Left,
            );
        }
        Self::draw_text(
            d,
            "État",
            Point::new(c[3], heading_y),
            AMBER,
            Alignment::Left,
        );
        let first = self.page * l.rows;
        for (i, (time, destination, platform, status)) in
            DEPARTURES.iter().skip(first).take(l.rows).enumerate()
        {
            let top = l.table_top + i as i32 * l.row_height;
            if i % 2 == 1 {
                let stripe = Rectangle::new(
                    Point::new(0, top),
                    Size::new(l.size.width, l.row_height as u32),
                );
                let _ = stripe
                    .into_styled(PrimitiveStyle::with_fill(STRIPE))
                    .draw(d);
            }
            let y = top + l.row_height / 2;
            Self::draw_text(d, time, Point::new(c[0], y), INK, Alignment::Left);
            Self::draw_text(d, destination, Point::new(c[1], y), INK, Alignment::Left);
            if l.show_platform {
                Self::draw_text(d, platform, Point::new(c[2], y), INK, Alignment::Left);
            }
            let colour = if status.starts_with('à') { INK } else { AMBER };
            Self::draw_text(d, status, Point::new(c[3], y), colour, Alignment::Left);
        }
    }

    fn draw_footer<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        let l = &self.layout;
        let mut text = heapless::String::<16>::new();
        let _ = write!(text, "Page {}/{}", self.page + 1, l.pages());
        let y = l.button.center().y;
        Self::draw_text(d, &text, Point::new(l.columns[0], y), INK, Alignment::Left);
    }

    fn draw_button<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        let fill = if self.hover { BUTTON_HOVER } else { BUTTON };
        let b = self.layout.button;
        let _ = b.into_styled(PrimitiveStyle::with_fill(fill)).draw(d);
        Self::draw_text(d, "Page suivante »", b.center(), INK, Alignment::Center);
    }
}

impl App for Board {
    fn event(&mut self, event: &Event, info: &SystemInfo) -> bool {
        match *event {
            Event::Resize { width, height } => {
                self.layout = Layout::new(width, height);
                self.page %= self.layout.pages();
                if !core::mem::replace(&mut self.started, true) {
                    let _ = info.timers.every(PAGE_TIMER, PAGE_PERIOD_US);
                    vitrine::status!(
                        "departures title=\"{}\" rows={}",
                        Self::title(info),
                        self.layout.rows
                    );
                }
                self.clock = Self::clock_text(info);
                self.redraw_all = true;
            }
            Event::Timer(PAGE_TIMER) => self.turn_page("timer"),
            Event::OptionChanged(name) if name.as_str() == "title" => self.redraw_all = true,
            Event::Tick { .. } => {
                let now = Self::clock_text(info);
                if now != self.clock {
                    self.clock = now;
                    self.redraw_clock = true;
                }
            }
            Event::Input(InputEvent::PointerMove { x, y }) => {
                self.pointer = Point::new(x, y);
                let hover = self.layout.button.contains(self.pointer);
                if hover != self.hover {
                    self.hover = hover;
                    self.redraw_button = true;
                }
            }
            Event::Input(InputEvent::Button {
                button: Button::Left,
                pressed: false,
            }) => {
                if self.layout.button.contains(self.pointer) {
                    // A click on the button: the next page now, the timer restarts.
                    let _ = info.timers.every(PAGE_TIMER, PAGE_PERIOD_US);
                    self.turn_page("button");
                }
            }
            _ => {}
        }
        self.redraw_all || self.redraw_clock || self.redraw_button
    }

    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, d: &mut D, info: &SystemInfo) {
        if core::mem::take(&mut self.redraw_all) {
            let _ = d.clear(BACKGROUND);
            self.draw_header(d, info);
            self.draw_table(d);
            self.draw_footer(d);
            self.redraw_clock = true;
            self.redraw_button = true;
        }
        if core::mem::take(&mut self.redraw_clock) {
            self.draw_clock(d);
        }
        if core::mem::take(&mut self.redraw_button) {
            self.draw_button(d);
        }
    }

    fn widgets(&self, visit: &mut dyn FnMut(usize, Rectangle)) {
        visit(0, self.layout.button);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn run(
        width: u32,
        height: u32,
        options: &[(&str, &str)],
        script: &str,
    ) -> vitrine::host::HostFrame {
        let options: std::vec::Vec<(String, String)> = options
            .iter()
            .map(|(n, v)| (String::from(*n), String::from(*v)))
            .collect();
        let steps = vitrine::host::parse_script(script).unwrap();
        vitrine::host::render(Board::new(), width, height, &options, &steps).unwrap()
    }

    #[test]
    fn the_layout_reflows_with_the_screen() {
        let wide = Layout::new(1920, 1080);
        let small = Layout::new(640, 480);
        assert!(wide.show_platform && !small.show_platform);
        assert!(wide.rows >= small.rows);
        assert!(wide.button.top_left.x + wide.button.size.width as i32 <= 1920);
        assert!(small.button.top_left.y + small.button.size.height as i32 <= 480);
    }

    #[test]
    fn the_timer_and_the_button_turn_pages() {
        let first = run(800, 600, &[], "");
        let after_timer = run(800, 600, &[], "tick 10000000");
        let after_click = run(800, 600, &[], "click 0");
        assert_ne!(
            first.pixels, after_timer.pixels,
            "the timer turned the page"
        );
        // Both turned exactly one page: the table looks the same (clock and hover aside).
        let table = |f: &vitrine::host::HostFrame| f.pixels[100 * 800..400 * 800].to_vec();
        assert_eq!(table(&after_timer), table(&after_click));
    }

    #[test]
    fn the_title_comes_from_the_option() {
        let default = run(800, 600, &[], "");
        let other = run(800, 600, &[("title", "Genève Cornavin")], "");
        let header = |f: &vitrine::host::HostFrame| f.pixels[..60 * 800].to_vec();
        assert_ne!(header(&default), header(&other));
    }
}
