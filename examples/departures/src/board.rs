//! The board: layout for the current screen, the page shown, and drawing.

use core::fmt::Write;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};
use vitrine::app::{App, Button, Event, InputEvent, SystemInfo, TimerId};
use vitrine::ui::{text, Align, Font, Image, TextStyle, Weight};

/// The station's logo: `assets/logo.png` (drawn by `assets/make-logo.py`), converted
/// to premultiplied RGBA at build time.
static LOGO: Image = vitrine::include_image!("assets/logo.png");

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
#[derive(Debug, Clone, Copy)]
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
    /// Header text (title, clock) and table text.
    big: Font,
    body: Font,
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
            big: Font::new(Weight::Bold, (header_h * 2 / 5).max(12) as u32),
            body: Font::new(Weight::Regular, (row_height * 11 / 20).max(10) as u32),
        }
    }

    /// The box of column `column` in the row whose top is `top`.
    fn cell(&self, column: usize, top: i32) -> Rectangle {
        let right = match column {
            0 => self.columns[1],
            1 if self.show_platform => self.columns[2],
            1 => self.columns[3],
            2 => self.columns[3],
            _ => self.size.width as i32,
        } - self.pad;
        let left = self.columns[column];
        Rectangle::new(
            Point::new(left, top),
            Size::new((right - left).max(1) as u32, self.row_height as u32),
        )
    }

    fn pages(&self) -> usize {
        DEPARTURES.len().div_ceil(self.rows.max(1))
    }

    fn clock(&self) -> Rectangle {
        let width = self.big.width("00:00:00") as i32 + self.pad;
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
            layout: Layout::new(640, 480),
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
        words: &str,
        area: &Rectangle,
        (font, colour, background): (Font, Rgb888, Rgb888),
        align: Align,
    ) {
        text::draw_in(
            d,
            words,
            &TextStyle::new(font, colour, background),
            area,
            align,
        );
    }

    fn draw_header<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D, info: &SystemInfo) {
        let l = &self.layout;
        let _ = l
            .header
            .into_styled(PrimitiveStyle::with_fill(HEADER))
            .draw(d);
        let side = Size::new(l.logo_side, l.logo_side);
        let logo_box = Rectangle::new(Point::new(l.pad, l.pad), side);
        LOGO.draw(d, &LOGO.fit_in(&logo_box), HEADER);
        let title_x = 2 * l.pad + l.logo_side as i32;
        let title_w = (l.clock().top_left.x - title_x - l.pad).max(1) as u32;
        let title = Rectangle::new(
            Point::new(title_x, 0),
            Size::new(title_w, l.header.size.height),
        );
        Self::draw_text(
            d,
            Self::title(info),
            &title,
            (l.big, INK, HEADER),
            Align::Left,
        );
    }

    fn draw_clock<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        let area = self.layout.clock();
        let _ = area.into_styled(PrimitiveStyle::with_fill(HEADER)).draw(d);
        let style = (self.layout.big, AMBER, HEADER);
        Self::draw_text(d, &self.clock, &area, style, Align::Right);
    }

    fn draw_table<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        let l = &self.layout;
        let heading_top = l.header.size.height as i32;
        let heading = (l.body, AMBER, BACKGROUND);
        let titles = ["Heure", "Destination", "Voie", "État"];
        for (column, title) in titles.iter().enumerate() {
            if column != 2 || l.show_platform {
                Self::draw_text(d, title, &l.cell(column, heading_top), heading, Align::Left);
            }
        }
        let first = self.page * l.rows;
        let rows = DEPARTURES.iter().skip(first).take(l.rows).enumerate();
        for (i, (time, destination, platform, status)) in rows {
            let top = l.table_top + i as i32 * l.row_height;
            let surface = if i % 2 == 1 { STRIPE } else { BACKGROUND };
            let band = Rectangle::new(
                Point::new(0, top),
                Size::new(l.size.width, l.row_height as u32),
            );
            let _ = band.into_styled(PrimitiveStyle::with_fill(surface)).draw(d);
            let ink = (l.body, INK, surface);
            Self::draw_text(d, time, &l.cell(0, top), ink, Align::Left);
            Self::draw_text(d, destination, &l.cell(1, top), ink, Align::Left);
            if l.show_platform {
                Self::draw_text(d, platform, &l.cell(2, top), ink, Align::Left);
            }
            let colour = if status.starts_with('à') { INK } else { AMBER };
            Self::draw_text(
                d,
                status,
                &l.cell(3, top),
                (l.body, colour, surface),
                Align::Left,
            );
        }
    }

    fn draw_footer<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        let l = &self.layout;
        let mut text = heapless::String::<16>::new();
        let _ = write!(text, "Page {}/{}", self.page + 1, l.pages());
        let width = (l.button.top_left.x - l.columns[0]).max(1) as u32;
        let area = Rectangle::new(
            Point::new(l.columns[0], l.button.top_left.y),
            Size::new(width, l.button.size.height),
        );
        Self::draw_text(d, &text, &area, (l.body, INK, BACKGROUND), Align::Left);
    }

    fn draw_button<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        const LABEL: &str = "Page suivante »";
        let fill = if self.hover { BUTTON_HOVER } else { BUTTON };
        let b = self.layout.button;
        let _ = b.into_styled(PrimitiveStyle::with_fill(fill)).draw(d);
        let font = text::fit(
            &[LABEL],
            Weight::Bold,
            b.size.width * 9 / 10,
            b.size.height * 3 / 5,
        );
        Self::draw_text(d, LABEL, &b, (font, INK, fill), Align::Center);
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
            }) if self.layout.button.contains(self.pointer) => {
                // A click on the button: the next page now, the timer restarts.
                let _ = info.timers.every(PAGE_TIMER, PAGE_PERIOD_US);
                self.turn_page("button");
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
    use embedded_graphics::pixelcolor::RgbColor;
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
    fn the_logo_is_blended_over_the_header() {
        let frame = run(800, 600, &[], "");
        let l = Layout::new(800, 600);
        let rgb = |c: Rgb888| (u32::from(c.r()) << 16) | (u32::from(c.g()) << 8) | u32::from(c.b());
        let logo_box = Rectangle::new(
            Point::new(l.pad, l.pad),
            Size::new(l.logo_side, l.logo_side),
        );
        let inside: std::vec::Vec<u32> = (0..l.logo_side as i32)
            .flat_map(|y| (0..l.logo_side as i32).map(move |x| (x, y)))
            .map(|(x, y)| {
                let p = logo_box.top_left + Point::new(x, y);
                frame.pixels[(p.y * 800 + p.x) as usize]
            })
            .collect();
        // Corners show the header through the transparent part; the edge of the disc
        // has blended colours that are neither the header nor the logo's blue.
        assert_eq!(inside[0], rgb(HEADER));
        let blue = 0x1E63B5;
        let blended = inside
            .iter()
            .filter(|&&p| p != rgb(HEADER) && p != blue && p != 0xFFFFFF)
            .count();
        assert!(blended > 20, "{blended} blended pixels");
        assert!(inside.contains(&blue), "the logo's own colour shows inside");
    }

    #[test]
    fn the_title_comes_from_the_option() {
        let default = run(800, 600, &[], "");
        let other = run(800, 600, &[("title", "Genève Cornavin")], "");
        let header = |f: &vitrine::host::HostFrame| f.pixels[..60 * 800].to_vec();
        assert_ne!(header(&default), header(&other));
    }
}
