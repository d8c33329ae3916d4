//! Text: measuring, fitting to a box, alignment, ellipsis, word wrap, and drawing
//! anti-aliased glyph rows straight into the target (see `paint`).

use super::font::{count_missing, Font, Glyph, Weight, MAX_SIZE, MIN_SIZE};
use super::glyph::{self, Master};
use super::glyph_cache::{self, CacheGuard, Rendered};
use super::label_cache::{self, Line, LineBox, LineKey};
use super::paint::{as_canvas, Painter, CHUNK};
use crate::display::Canvas;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// How text is drawn: font, colour, and the colour it is blended onto (the surface
/// under it, which the text does not paint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    /// The font.
    pub font: Font,
    /// Glyph colour.
    pub color: Rgb888,
    /// The surface colour the glyph edges blend into. Text paints only its ink:
    /// the surface under it must already be this colour (fill it first).
    pub background: Rgb888,
}

impl TextStyle {
    /// `font` in `color` on `background`.
    pub const fn new(font: Font, color: Rgb888, background: Rgb888) -> Self {
        Self {
            font,
            color,
            background,
        }
    }
}

/// Horizontal placement in a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Against the left edge.
    #[default]
    Left,
    /// Centred.
    Center,
    /// Against the right edge.
    Right,
}

/// Shown where text was cut to fit.
pub const ELLIPSIS: &str = "\u{2026}";

/// The largest font of `weight` no taller than `max_height` in which every text of
/// `texts` is at most `max_width` wide (`MIN_SIZE` if none fits).
pub fn fit(texts: &[&str], weight: Weight, max_width: u32, max_height: u32) -> Font {
    let fits = |font: Font| {
        font.height() <= max_height && texts.iter().all(|t| font.width(t) <= max_width)
    };
    // Widths and heights grow with the size: bisect for the largest that fits.
    let (mut lo, mut hi) = (u32::from(MIN_SIZE), u32::from(MAX_SIZE));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(Font::new(weight, mid)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Font::new(weight, lo)
}

/// The longest prefix of `text` that fits `max_width` with an ellipsis after it, or
/// all of `text` (and `false`) when it fits as it is.
pub fn ellipsize(font: Font, text: &str, max_width: u32) -> (&str, bool) {
    let (shown, cut, _) = ellipsized(font, text, max_width);
    (shown, cut)
}

/// `ellipsize`, and the width of what it shows (the ellipsis included): measured
/// once where the text fits (`place_in` would measure it again).
fn ellipsized(font: Font, text: &str, max_width: u32) -> (&str, bool, u32) {
    let width = font.width(text);
    if width <= max_width {
        return (text, false, width);
    }
    let room = u64::from(max_width.saturating_sub(font.width(ELLIPSIS))) * 64;
    let (mut used, advances) = (0u64, font.advances());
    let mut end = 0;
    for (i, c) in text.char_indices() {
        used += u64::from(advances.of(c));
        if used > room {
            break;
        }
        end = i + c.len_utf8();
    }
    let shown = text[..end].trim_end();
    (shown, true, font.width(shown) + font.width(ELLIPSIS))
}

/// Greedy word wrap of `text` to `max_width`: lines break at spaces and at `\n`; a
/// word wider than a line is broken between characters.
pub fn wrap(font: Font, text: &str, max_width: u32) -> Lines<'_> {
    Lines {
        font,
        rest: text,
        max64: u64::from(max_width.max(1)) * 64,
    }
}

/// The lines of a wrapped text (see `wrap`).
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    font: Font,
    rest: &'a str,
    max64: u64,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let text = self.rest;
        let mut used = 0u64;
        // End of the line so far, and where the next line starts.
        let mut last_break: Option<(usize, usize)> = None;
        for (i, c) in text.char_indices() {
            if c == '\n' {
                self.rest = &text[i + 1..];
                return Some(text[..i].trim_end());
            }
            if c == ' ' {
                last_break = Some((i, i + 1));
            }
            used += u64::from(self.font.advance64(c));
            if used > self.max64 && c != ' ' {
                let (end, next) = match last_break {
                    Some(b) => b,
                    // One word wider than the line: break before this character
                    // (but always take at least one).
                    None if i == 0 => (c.len_utf8(), c.len_utf8()),
                    None => (i, i),
                };
                self.rest = text[next..].trim_start_matches(' ');
                return Some(text[..end].trim_end());
            }
        }
        self.rest = "";
        Some(text.trim_end())
    }
}

/// Draws `text` on one line with its baseline at `baseline`, starting at `x`;
/// returns the pen position after it.
pub fn draw_line<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    text: &str,
    style: &TextStyle,
    x: i32,
    baseline: i32,
) -> i32 {
    let everything = target.bounding_box();
    draw_line_clipped(target, text, style, x, baseline, &everything)
}

/// Glyphs kept around the one being painted: those whose boxes may share columns
/// with it (a glyph reaches at most about an em past its pen; spaces and periods
/// are the narrowest advances, so a handful either side is plenty).
const NEAR: usize = 16;

/// `draw_line`, touching nothing outside `clip`.
pub fn draw_line_clipped<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    text: &str,
    style: &TextStyle,
    x: i32,
    baseline: i32,
    clip: &Rectangle,
) -> i32 {
    if let Ok(canvas) = as_canvas(target) {
        if let Some(end) = draw_kept(canvas, text, style, x, baseline, clip) {
            return end;
        }
    }
    draw_glyphs(target, text, style, x, baseline, clip)
}

/// `draw_line_clipped` on a canvas from the label cache: the line's pixels copied
/// as kept, rendering and keeping them first if they are drawn a second time.
/// `None` when the line is drawn for the first time or the cache cannot keep it
/// (busy, absent, full of it, a 24-bit format): then the glyphs are drawn.
fn draw_kept(
    canvas: &mut Canvas,
    text: &str,
    style: &TextStyle,
    x: i32,
    baseline: i32,
    clip: &Rectangle,
) -> Option<i32> {
    let mut lines = label_cache::lock()?;
    let key = LineKey {
        text,
        font: style.font,
        color: style.color,
        background: style.background,
        format: canvas.framebuffer().format(),
        dense: false,
    };
    let line = match lines.find(&key) {
        Some(line) => {
            for _ in 0..line.bounds().missing {
                count_missing();
            }
            line
        }
        None if !lines.admit(&key) => return None,
        None => {
            let bounds = line_box(text, style.font);
            if bounds.width == 0 {
                return Some(x.saturating_add(bounds.end));
            }
            keep(&mut lines, &key, style, bounds)?
        }
    };
    let b = line.bounds();
    // Saturating: a line placed far off the screen only needs to stay off it.
    let (left, top) = (x.saturating_add(b.left), baseline.saturating_add(b.top));
    let area =
        Rectangle::new(Point::new(left, top), Size::new(b.width, b.height)).intersection(clip);
    canvas.copy_pixel_runs((left, top), b.width, lines.rows(&line), &area);
    canvas.add_dirty_area(&area);
    Some(x.saturating_add(b.end))
}

/// Renders the line `key` (drawn in `style`, its box `bounds`) into the label
/// cache and keeps it; `None` if the cache does not take it.
fn keep(
    lines: &mut label_cache::CacheGuard,
    key: &LineKey,
    style: &TextStyle,
    bounds: LineBox,
) -> Option<Line> {
    lines.insert(key, bounds, |canvas, pen, baseline| {
        let everything = canvas.bounding_box();
        draw_glyphs(canvas, key.text, style, pen, baseline, &everything);
    })
}

/// Keeps the line `key` in the label cache now, whether drawn before or not (a
/// card drawn in one pass takes only kept lines into it); `false` if it paints
/// nothing or the cache does not take it.
pub(super) fn keep_now(
    lines: &mut label_cache::CacheGuard,
    key: &LineKey,
    style: &TextStyle,
) -> bool {
    let bounds = line_box(key.text, style.font);
    bounds.width != 0 && keep(lines, key, style, bounds).is_some()
}

/// The box of the pixels `text` may paint in `font` (the union of its glyphs'
/// boxes) relative to the pen and the baseline, where the pen ends, and how many
/// characters have no glyph.
fn line_box(text: &str, font: Font) -> LineBox {
    let mut cache = glyph_cache::lock();
    let (mut left, mut right, mut top, mut bottom) = (i32::MAX, i32::MIN, i32::MAX, i32::MIN);
    let (mut pen64, mut missing) = (0i64, 0);
    for c in text.chars() {
        let p = Placed::new(font, c, pen64, cache.as_mut());
        pen64 += i64::from(p.advance64);
        missing += u32::from(p.glyph.is_none());
        if p.is_blank() {
            continue;
        }
        let ((l, r), (t, b)) = (p.columns(font), p.rows(font));
        (left, right, top, bottom) = (left.min(l), right.max(r), top.min(t), bottom.max(b));
    }
    let end = round64(pen64);
    if left >= right || top >= bottom {
        return LineBox {
            end,
            missing,
            ..LineBox::default()
        };
    }
    LineBox {
        left,
        top,
        width: (right - left) as u32,
        height: (bottom - top) as u32,
        end,
        missing,
    }
}

/// `draw_line_clipped` glyph by glyph. Not inlined: `draw_line_clipped` calls it
/// for a canvas in two places (drawing, and rendering a line to keep).
#[inline(never)]
fn draw_glyphs<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    text: &str,
    style: &TextStyle,
    x: i32,
    baseline: i32,
    clip: &Rectangle,
) -> i32 {
    let font = style.font;
    let mut painter = Painter::new(target, style.color, style.background);
    let mut cache = glyph_cache::lock();
    let mut pen64 = i64::from(x) * 64;
    let mut chars = text.chars();
    // Each glyph paints the columns of its box not painted yet, with the coverage
    // of every glyph reaching into them (the highest wins), so overlapping glyphs
    // (kerning, 'fj') stay whole. Only inked pixels are painted: the surface under
    // the text already has the background colour, and a neighbour's ink (a text
    // drawn before, the ellipsis after) is never painted over.
    let mut near: heapless::Vec<Placed, NEAR> = heapless::Vec::new();
    let mut current: usize = 0;
    let mut painted_to = i32::MIN;
    let reach = font.px() as i32 + 2;
    let mut scratch = [0u8; CHUNK];
    // Only a line with glyphs drawn uncached sets up (and pays for) this storage.
    let mut masters: Option<Masters> = None;
    loop {
        // Place glyphs ahead until one starts past anything the current one covers.
        loop {
            let ahead_enough = near.get(current).is_some_and(|me| {
                near.last()
                    .is_some_and(|last| round64(last.pen64) >= me.columns(font).1 + reach)
            });
            if ahead_enough {
                break;
            }
            let Some(c) = chars.next() else { break };
            let p = Placed::new(font, c, pen64, cache.as_mut());
            if p.glyph.is_none() {
                count_missing();
            }
            pen64 += i64::from(p.advance64);
            if near.is_full() {
                // Far more glyphs overlap than any font makes: drop the oldest.
                near.remove(0);
                current = current.saturating_sub(1);
            }
            let _ = near.push(p);
        }
        let Some(me) = near.get(current).copied() else {
            break;
        };
        current += 1;
        let (l, r) = me.columns(font);
        let l = l.max(painted_to);
        if l >= r || me.is_blank() {
            continue;
        }
        painted_to = r;
        let (mut top, mut bottom) = (i32::MAX, i32::MIN);
        let mut reaching: heapless::Vec<Placed, NEAR> = heapless::Vec::new();
        for p in near.iter().filter(|p| !p.is_blank()) {
            let (pl, pr) = p.columns(font);
            if pl < r && pr > l {
                let (t, b) = p.rows(font);
                (top, bottom) = (top.min(t), bottom.max(b));
                let _ = reaching.push(*p);
            }
        }
        let area = Rectangle::new(
            Point::new(l, baseline + top),
            Size::new((r - l) as u32, (bottom - top).max(0) as u32),
        )
        .intersection(clip);
        let (ax, ay) = (area.top_left.x, area.top_left.y);
        let (aw, ah) = (area.size.width as i32, area.size.height as i32);
        let cache = cache.as_ref();
        // A glyph alone in these columns, from the cache: its rows go out as stored.
        let alone = match (reaching.as_slice(), cache) {
            ([p], Some(c)) => p.cached.map(|r| (round64(p.pen64), r, c)),
            _ => None,
        };
        // Stored as runs: the whole glyph in one go.
        let runs = alone.and_then(|(pen, r, c)| c.glyph_runs(&r, pen));
        let rows = if runs.is_some() { 0 } else { ah };
        if let Some(glyph) = runs {
            painter.glyph((glyph.x, baseline - glyph.above), glyph.rows, &area);
        }
        if rows > 0 && reaching.iter().any(|p| p.resampled(cache).is_some()) {
            masters
                .get_or_insert_with(|| Masters(heapless::Vec::new()))
                .decode(font, cache, &reaching);
        }
        for y in ay..ay + rows {
            if let Some((pen, r, c)) = alone {
                if let Some(row) = c.row(&r, pen, y - baseline, ax, aw as usize) {
                    painter.row(ax, y, row);
                    continue;
                }
            }
            let mut x0 = ax;
            while x0 < ax + aw {
                let cov = &mut scratch[..((ax + aw - x0) as usize).min(CHUNK)];
                cov.fill(0);
                for p in &reaching {
                    p.rasterize_row(font, cache, masters.as_ref(), y - baseline, x0, cov);
                }
                painter.row(x0, y, cov);
                x0 += cov.len() as i32;
            }
        }
        painter.done(&area);
        // Glyphs wholly left of what is painted now are not needed any more.
        while current > 0
            && near
                .first()
                .is_some_and(|p| p.columns(font).1 <= painted_to)
        {
            near.remove(0);
            current -= 1;
        }
    }
    round64(pen64)
}

fn round64(v: i64) -> i32 {
    ((v + 32) >> 6) as i32
}

/// The decoded master glyphs of the glyphs on a line that are resampled (not drawn
/// from the cache): each decoded once for the rows and boxes it reaches into, and a
/// letter that comes again on the line while it is held not decoded again.
struct Masters(heapless::Vec<(*const Glyph, Master), NEAR>);

impl Masters {
    /// Decodes the masters of `reaching` not held yet; first lets go of all when
    /// those might not fit (the glyphs held are mostly behind on the line by then).
    fn decode(&mut self, font: Font, cache: Option<&CacheGuard>, reaching: &[Placed]) {
        let missing = |held: &Self| {
            (reaching.iter())
                .filter(|p| p.resampled(cache).is_some() && held.of(p).is_none())
                .count()
        };
        if self.0.len() + missing(self) > self.0.capacity() {
            self.0.clear();
        }
        for p in reaching {
            let Some(g) = p.resampled(cache) else {
                continue;
            };
            if self.of(p).is_none() {
                let _ = self.0.push((g, Master::decode(font.face(), g)));
            }
        }
    }

    fn of(&self, p: &Placed) -> Option<&Master> {
        let g = core::ptr::from_ref(p.glyph?);
        self.0.iter().find(|(held, _)| *held == g).map(|(_, m)| m)
    }
}

/// A character placed on the line.
#[derive(Debug, Clone, Copy)]
struct Placed {
    glyph: Option<&'static Glyph>,
    /// The glyph resampled at this size, when the cache could hold it.
    cached: Option<Rendered>,
    pen64: i64,
    advance64: u32,
}

impl Placed {
    fn new(font: Font, c: char, pen64: i64, cache: Option<&mut CacheGuard>) -> Self {
        let glyph = font.glyph(c);
        let cached = match (glyph, cache) {
            (Some(g), Some(cache)) => cache.get(font, c, g),
            _ => None,
        };
        Self {
            glyph,
            cached,
            pen64,
            advance64: font.advance64(c),
        }
    }

    /// Whether it draws nothing (a space).
    fn is_blank(&self) -> bool {
        matches!(self.glyph, Some(g) if g.width == 0 || g.height == 0)
    }

    /// Rows [top, bottom) relative to the baseline this glyph may touch.
    fn rows(&self, font: Font) -> (i32, i32) {
        match (self.glyph, &self.cached) {
            (Some(_), Some(r)) => r.rows(),
            (Some(g), None) => glyph::rows(g, font.scale()),
            (None, _) => (-(font.px() as i32 * 72 / 100), 0),
        }
    }

    /// Columns [left, right) this glyph may touch.
    fn columns(&self, font: Font) -> (i32, i32) {
        let pen = round64(self.pen64);
        match (self.glyph, &self.cached) {
            (Some(_), Some(r)) => {
                let (l, r) = r.columns();
                (pen + l, pen + r)
            }
            (Some(g), None) => glyph::columns(g, font.scale(), i64::from(pen) * 64),
            (None, _) => (pen, round64(self.pen64 + i64::from(self.advance64))),
        }
    }

    /// The glyph, when it is resampled from its master: not drawn from the cache (nor
    /// a replacement box).
    fn resampled(&self, cache: Option<&CacheGuard>) -> Option<&'static Glyph> {
        let from_cache = matches!((&self.cached, cache), (Some(r), Some(c)) if c.is_current(r));
        self.glyph.filter(|_| !from_cache)
    }

    /// Adds this glyph's coverage (0..=15) on the row `dy` pixels below the baseline
    /// (negative: above) to `cov`, which starts at column `x0`: from the cache, else
    /// resampled from its master in `masters`.
    fn rasterize_row(
        &self,
        font: Font,
        cache: Option<&CacheGuard>,
        masters: Option<&Masters>,
        dy: i32,
        x0: i32,
        cov: &mut [u8],
    ) {
        if let (Some(r), Some(cache)) = (&self.cached, cache) {
            if cache.is_current(r) {
                return cache.rasterize_row(r, round64(self.pen64), dy, x0, cov);
            }
        }
        // Whole-pixel pens, as the cached glyphs are rendered.
        let pen64 = i64::from(round64(self.pen64)) * 64;
        match (self.glyph, masters.and_then(|m| m.of(self))) {
            (Some(_), Some(m)) => glyph::rasterize_row(m, font.scale(), pen64, dy, x0, cov),
            (Some(_), None) => {}
            (None, _) => self.replacement_row(font, dy, x0, cov),
        }
    }

    /// A hollow box, so a character without a glyph is seen.
    fn replacement_row(&self, font: Font, dy: i32, x0: i32, cov: &mut [u8]) {
        let px = font.px() as i32;
        let stroke = (px / 16).max(1);
        let inset = (px / 10).max(1);
        let left = round64(self.pen64) + inset;
        let right = round64(self.pen64 + i64::from(self.advance64)) - inset;
        let (top, bottom) = (-(px * 72 / 100), 0);
        if dy < top || dy >= bottom || right <= left {
            return;
        }
        let full_row = dy < top + stroke || dy >= bottom - stroke;
        for x in left.max(x0)..right.min(x0 + cov.len() as i32) {
            if full_row || x < left + stroke || x >= right - stroke {
                cov[(x - x0) as usize] = 15;
            }
        }
    }
}

/// Draws `text` on one line in `area`: vertically centred, placed as `align` says,
/// cut with an ellipsis if it is too wide. Returns whether it was cut.
pub fn draw_in<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    text: &str,
    style: &TextStyle,
    area: &Rectangle,
    align: Align,
) -> bool {
    let (shown, cut, x, baseline) = place_in(text, style.font, area, align);
    let end = draw_line_clipped(target, shown, style, x, baseline, area);
    if cut {
        draw_line_clipped(target, ELLIPSIS, style, end, baseline, area);
    }
    cut
}

/// How far a line of `text` in `font` moves the pen: what `draw_line` returns less
/// the pen it started at (pens are whole pixels, the advances 1/64 pixel).
pub(super) fn advance(font: Font, text: &str) -> i32 {
    let advances = font.advances();
    round64(text.chars().map(|c| i64::from(advances.of(c))).sum())
}

/// Where `draw_in` puts `text` in `font`: the part shown, whether it is cut (an
/// ellipsis follows it), its pen and its baseline.
pub(super) fn place_in<'a>(
    text: &'a str,
    font: Font,
    area: &Rectangle,
    align: Align,
) -> (&'a str, bool, i32, i32) {
    let (shown, cut, width) = ellipsized(font, text, area.size.width);
    let x = aligned_x(area, width, align);
    let baseline = area.top_left.y
        + (area.size.height as i32 - font.height() as i32) / 2
        + font.ascent() as i32;
    (shown, cut, x, baseline)
}

/// Draws `text` word-wrapped in `area`, lines placed as `align` says, from the top;
/// the last line that fits gets an ellipsis if text remains. Returns the lines drawn.
pub fn draw_wrapped<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    text: &str,
    style: &TextStyle,
    area: &Rectangle,
    align: Align,
) -> usize {
    let font = style.font;
    let line_h = font.height() as i32;
    let max_lines = (area.size.height as i32 / line_h.max(1)).max(0) as usize;
    let mut lines = wrap(font, text, area.size.width).peekable();
    let mut drawn = 0;
    while drawn < max_lines {
        let Some(line) = lines.next() else { break };
        let row = Rectangle::new(
            Point::new(area.top_left.x, area.top_left.y + drawn as i32 * line_h),
            Size::new(area.size.width, line_h as u32),
        );
        if drawn + 1 == max_lines && lines.peek().is_some() {
            // Out of room: the rest of the text becomes an ellipsis.
            let (shown, _) = ellipsize(
                font,
                line,
                area.size.width.saturating_sub(font.width(ELLIPSIS)),
            );
            let width = font.width(shown) + font.width(ELLIPSIS);
            let x = aligned_x(&row, width, align);
            let baseline = row.top_left.y + font.ascent() as i32;
            let end = draw_line_clipped(target, shown, style, x, baseline, &row);
            draw_line_clipped(target, ELLIPSIS, style, end, baseline, &row);
        } else {
            draw_in(target, line, style, &row, align);
        }
        drawn += 1;
    }
    drawn
}

fn aligned_x(area: &Rectangle, width: u32, align: Align) -> i32 {
    let free = area.size.width as i32 - width as i32;
    area.top_left.x
        + match align {
            Align::Left => 0,
            Align::Center => free / 2,
            Align::Right => free,
        }
}
