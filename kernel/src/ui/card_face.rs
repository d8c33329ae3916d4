//! A card and what lies on its face (lines of text, bars) drawn in one pass down its
//! rows: each row of the card's straight middle is written once, left to right, the
//! face colour filled around the kept lines' runs (`Framebuffer::fill_row_around`),
//! instead of the card first and every line and bar over it afterwards. Under
//! emulation each pass down a narrow area costs about a TLB miss per row, so a
//! card with three lines cost four passes over its rows; and the ink is no longer
//! written twice (a hover change writes its widget's bytes once).
//!
//! The pixels are those of `rounded_rect` followed by each item drawn in order.
//! What cannot go into the pass is drawn after it, the ordinary way, in order: a line
//! the label cache does not hold yet (or a busy cache, a 24-bit format, a target
//! other than a `Canvas`), anything outside the card's straight middle or its clip or
//! the screen, anything overlapping an item already in the pass or one left for
//! later (the later item must stay on top).

use super::font::count_missing;
use super::label_cache::{self, Line, LineKey, LineRows};
use super::paint::as_canvas;
use super::shape::{rounded_rect, rounded_rect_part, CardStyle};
use super::text::{self, Align, TextStyle, ELLIPSIS};
use crate::display::framebuffer::{BandPiece, BandPixels, InlayPixels, RowInlay};
use crate::display::Canvas;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// Something drawn on a card's face after the card, in the order given.
#[derive(Debug, Clone, Copy)]
pub enum OnFace<'a> {
    /// A text placed as `text::draw_in(d, text, style, area, align)` places it.
    Text {
        text: &'a str,
        style: TextStyle,
        area: Rectangle,
        align: Align,
    },
    /// A line as `text::draw_line(d, text, style, x, baseline)` draws it.
    Line {
        text: &'a str,
        style: TextStyle,
        x: i32,
        baseline: i32,
    },
    /// A rectangle of one colour (`fill_solid`).
    Bar { area: Rectangle, color: Rgb888 },
}

impl OnFace<'_> {
    /// Draws this item alone, the ordinary way (what `card_with` draws after its pass).
    pub fn draw<D: DrawTarget<Color = Rgb888>>(&self, d: &mut D) {
        match *self {
            OnFace::Text {
                text,
                style,
                area,
                align,
            } => {
                text::draw_in(d, text, &style, &area, align);
            }
            OnFace::Line {
                text,
                style,
                x,
                baseline,
            } => {
                text::draw_line(d, text, &style, x, baseline);
            }
            OnFace::Bar { area, color } => {
                let _ = d.fill_solid(&area, color);
            }
        }
    }
}

/// Items (lines, ellipses, bars) one card takes into its pass; more are drawn after.
const MOST: usize = 8;

/// One line or bar to draw, `OnFace` resolved.
#[derive(Debug, Clone, Copy)]
enum Piece<'a> {
    /// A line from pen `x`, inside `clip`.
    Line {
        text: &'a str,
        style: TextStyle,
        x: i32,
        baseline: i32,
        clip: Rectangle,
    },
    Bar {
        area: Rectangle,
        color: Rgb888,
    },
}

/// Draws `rounded_rect(d, area, style)` and then each of `on_face` in order, every
/// row of the card's middle in one pass with the items the label cache holds. Its
/// lines are kept the first time they are drawn (a card is redrawn with the same
/// lines: its hover colours, its values).
pub fn card_with<D: DrawTarget<Color = Rgb888>>(
    d: &mut D,
    area: &Rectangle,
    style: &CardStyle,
    on_face: &[OnFace],
) {
    draw(d, area, style, on_face, Keep::FirstSight);
}

/// `card_with` for items whose texts change often (a status row's uptime, a frame
/// count): a line is kept the second time it is drawn, as everywhere else, so
/// one-off texts do not fill the label cache; until then it is drawn after the pass.
pub fn row_with<D: DrawTarget<Color = Rgb888>>(
    d: &mut D,
    area: &Rectangle,
    style: &CardStyle,
    on_face: &[OnFace],
) {
    draw(d, area, style, on_face, Keep::SecondSight);
}

/// When a line not in the label cache is kept for the pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    FirstSight,
    SecondSight,
}

fn draw<D: DrawTarget<Color = Rgb888>>(
    d: &mut D,
    area: &Rectangle,
    style: &CardStyle,
    on_face: &[OnFace],
    keep: Keep,
) {
    let everything = d.bounding_box();
    let mut pieces: heapless::Vec<Piece, { 2 * MOST }> = heapless::Vec::new();
    let mut rest = on_face;
    while let Some((item, after)) = rest.split_first() {
        let fits = match *item {
            OnFace::Text {
                text,
                style,
                area,
                align,
            } => {
                let (shown, cut, x, baseline) = text::place_in(text, style.font, &area, align);
                let line = |text, x| Piece::Line {
                    text,
                    style,
                    x,
                    baseline,
                    clip: area,
                };
                pieces.len() + 2 <= pieces.capacity() && {
                    let _ = pieces.push(line(shown, x));
                    if cut {
                        let _ = pieces.push(line(ELLIPSIS, x + text::advance(style.font, shown)));
                    }
                    true
                }
            }
            OnFace::Line {
                text,
                style,
                x,
                baseline,
            } => pieces
                .push(Piece::Line {
                    text,
                    style,
                    x,
                    baseline,
                    clip: everything,
                })
                .is_ok(),
            OnFace::Bar { area, color } => pieces.push(Piece::Bar { area, color }).is_ok(),
        };
        if !fits {
            break;
        }
        rest = after;
    }
    let d = match as_canvas(d) {
        Ok(canvas) => {
            let after = in_one_pass(canvas, area, style, &pieces, keep);
            draw_after(canvas, &pieces, after);
            canvas
        }
        Err(d) => {
            rounded_rect(d, area, style);
            draw_after(d, &pieces, Later::ALL);
            return draw_plain(d, rest);
        }
    };
    draw_plain(d, rest);
}

/// Which pieces are left to draw after the pass (bit i: piece i).
#[derive(Debug, Clone, Copy)]
struct Later(u32);

impl Later {
    const ALL: Self = Self(u32::MAX);
}

/// Draws the pieces `later` names, in order, the ordinary way.
fn draw_after<D: DrawTarget<Color = Rgb888>>(d: &mut D, pieces: &[Piece], later: Later) {
    for (i, piece) in pieces.iter().enumerate() {
        if later.0 & (1 << i) == 0 {
            continue;
        }
        match *piece {
            Piece::Line {
                text,
                style,
                x,
                baseline,
                clip,
            } => {
                text::draw_line_clipped(d, text, &style, x, baseline, &clip);
            }
            Piece::Bar { area, color } => {
                let _ = d.fill_solid(&area, color);
            }
        }
    }
}

/// Draws items past what one pass takes, the ordinary way.
fn draw_plain<D: DrawTarget<Color = Rgb888>>(d: &mut D, items: &[OnFace]) {
    for item in items {
        item.draw(d);
    }
}

/// One item in the pass: columns [x, x + width) of rows [top, bottom).
struct Inlay<'a> {
    x: u32,
    width: u32,
    top: u32,
    bottom: u32,
    pixels: InlayKind<'a>,
}

impl<'a> Inlay<'a> {
    fn on_row(&self, y: u32) -> bool {
        y >= self.top && y < self.bottom
    }

    /// This item on one row: a bar, or `runs` (the kept line's row, `Some`).
    fn as_row_inlay(&self, runs: Option<(&'a [u32], &'a [u32])>) -> RowInlay<'a> {
        let pixels = match (&self.pixels, runs) {
            (InlayKind::Runs(_), Some((runs, pixels))) => InlayPixels::Runs(runs, pixels),
            (InlayKind::Runs(_), None) => InlayPixels::Runs(&[], &[]),
            (InlayKind::Solid(raw), _) => InlayPixels::Solid(*raw),
        };
        RowInlay {
            x: self.x,
            width: self.width,
            pixels,
        }
    }
}

enum InlayKind<'a> {
    Solid(u32),
    /// The kept line's rows, from its top.
    Runs(LineRows<'a>),
}

/// Draws the card with the pieces the label cache holds (and the bars) inside its
/// straight middle in one pass; returns the pieces left to draw after it.
fn in_one_pass(
    canvas: &mut Canvas,
    area: &Rectangle,
    style: &CardStyle,
    pieces: &[Piece],
    keep: Keep,
) -> Later {
    let (w, h) = (area.size.width, area.size.height);
    let fb = canvas.framebuffer();
    let (screen_w, screen_h, format) = (fb.width(), fb.height(), fb.format());
    let r = style.radius.min(w / 2).min(h / 2);
    let edge = style.stroke_width;
    let lines = label_cache::lock();
    // The straight middle's face (the rows below the top corners and edge, above
    // the bottom ones; the columns between the edges), on the screen.
    let straight = i64::from(r.max(edge));
    let (x0, y0) = (i64::from(area.top_left.x), i64::from(area.top_left.y));
    let face = Rect64 {
        left: (x0 + i64::from(edge)).max(0),
        right: (x0 + i64::from(w) - i64::from(edge)).min(i64::from(screen_w)),
        top: (y0 + straight).max(0),
        bottom: (y0 + i64::from(h) - straight).min(i64::from(screen_h)),
    };
    let usable = format.bytes_per_pixel == 4
        && (edge == 0 || (2 * edge < w && 2 * edge < h))
        && face.left < face.right
        && face.top < face.bottom;
    let Some(lines) = lines.filter(|_| usable) else {
        rounded_rect(canvas, area, style);
        return Later::ALL;
    };

    // A line on the face's colour is kept whole (see `LineKey::dense`): its rows
    // are copied as they are, the face's pixels between its strokes included.
    let fill_color = style.fill;
    let key_of = |text, line: &TextStyle| LineKey {
        text,
        font: line.font,
        color: line.color,
        background: line.background,
        format,
        dense: line.background == fill_color,
    };
    // Lines not kept yet are kept now, all before any is looked up for the pass (a
    // full arena empties as a whole): drawn from glyphs after the pass instead, their
    // ink would be written twice. On second sight only, a dense line is admitted
    // here (its key is its own); a sparse one is the ordinary path's line, which
    // admits it when it draws it after the pass.
    let mut lines = lines;
    // Lines kept just now (bit i: piece i): rendering them counted their missing
    // glyphs already.
    let mut fresh = 0u32;
    // What each piece's lookup found (`None` for a bar): the pass uses it unless a
    // line was kept meanwhile (which may have emptied the arena).
    let mut found: heapless::Vec<Option<Line>, { 2 * MOST }> = heapless::Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let mut line = None;
        if let Piece::Line { text, style, .. } = *piece {
            let key = key_of(text, &style);
            line = lines.find(&key);
            let worth = line.is_none()
                && match keep {
                    Keep::FirstSight => true,
                    Keep::SecondSight => key.dense && lines.admit(&key),
                };
            if worth && text::keep_now(&mut lines, &key, &style) {
                fresh |= 1 << i;
            }
        }
        let _ = found.push(line);
    }
    let lines = lines;

    // Which pieces go into the pass.
    let mut inlays: heapless::Vec<Inlay, { 2 * MOST }> = heapless::Vec::new();
    let mut boxes: heapless::Vec<Rect64, { 2 * MOST }> = heapless::Vec::new();
    let mut later = Later(0);
    // Whether a piece was left for later whose box could not be kept (then
    // everything after it is left for later too).
    let mut unknown_later = false;
    let screen = Rect64::screen(screen_w, screen_h);
    for (i, piece) in pieces.iter().enumerate() {
        let (placed, kind) = match *piece {
            Piece::Line {
                text,
                style,
                x,
                baseline,
                clip,
            } => {
                let clip = Rect64::of(&clip);
                let line = match found.get(i) {
                    Some(&line) if fresh == 0 => line,
                    _ => lines.find(&key_of(text, &style)),
                };
                match line {
                    Some(line) => {
                        let b = line.bounds();
                        let (left, top) = (
                            i64::from(x) + i64::from(b.left),
                            i64::from(baseline) + i64::from(b.top),
                        );
                        let boxed = Rect64 {
                            left,
                            right: left + i64::from(b.width),
                            top,
                            bottom: top + i64::from(b.height),
                        };
                        let whole = boxed.inside(&face) && boxed.inside(&clip);
                        let kind = InlayKind::Runs(lines.rows(&line));
                        (boxed.meet(&clip), whole.then_some((kind, b.missing)))
                    }
                    // Drawn after the pass from its glyphs: somewhere in its clip.
                    None => (clip.meet(&screen), None),
                }
            }
            Piece::Bar { area, color } => {
                let boxed = Rect64::of(&area).meet(&screen);
                let kind = InlayKind::Solid(format.pack(color));
                (boxed, boxed.inside(&face).then_some((kind, 0)))
            }
        };
        if placed.is_empty() {
            // Paints nothing (off the screen or its clip); a line still counts its
            // missing glyphs when drawn.
            if matches!(piece, Piece::Line { .. }) {
                later.0 |= 1 << i;
            }
            continue;
        }
        let clear = |b: &Rect64| boxes.iter().all(|other| !other.overlaps(b));
        match kind {
            Some((pixels, missing)) if !unknown_later && clear(&placed) && !inlays.is_full() => {
                for _ in 0..if fresh & (1 << i) == 0 { missing } else { 0 } {
                    count_missing();
                }
                let _ = inlays.push(Inlay {
                    x: placed.left as u32,
                    width: (placed.right - placed.left) as u32,
                    top: placed.top as u32,
                    bottom: placed.bottom as u32,
                    pixels,
                });
                let _ = boxes.push(placed);
            }
            _ => {
                later.0 |= 1 << i;
                unknown_later |= boxes.push(placed).is_err();
            }
        }
    }
    if inlays.is_empty() {
        rounded_rect(canvas, area, style);
        return later;
    }

    // The card: the rows above the items and below them as `rounded_rect` draws
    // them, the rows between edge, face and items left to right.
    inlays.sort_unstable_by_key(|inlay| inlay.x);
    let first = inlays.iter().map(|inlay| inlay.top).min().unwrap_or(0);
    let last = inlays.iter().map(|inlay| inlay.bottom).max().unwrap_or(0);
    canvas.add_dirty_area(area);
    let rows = |from: i64, to: i64| {
        Rectangle::new(
            Point::new(area.top_left.x, from as i32),
            Size::new(w, (to - from).max(0) as u32),
        )
    };
    rounded_rect_part(canvas, area, style, &rows(y0, i64::from(first)));
    let (span_left, span_right) = (
        x0.max(0) as u32,
        (x0 + i64::from(w)).min(i64::from(screen_w)) as u32,
    );
    let (fill, stroke) = (format.pack(style.fill), format.pack(style.stroke));
    let edge_inlay = |from: i64, to: i64| {
        let (from, to) = (
            from.max(i64::from(span_left)),
            to.min(i64::from(span_right)),
        );
        (from < to).then(|| RowInlay {
            x: from as u32,
            width: (to - from) as u32,
            pixels: InlayPixels::Solid(stroke),
        })
    };
    let left_edge = edge_inlay(x0, x0 + i64::from(edge));
    let right_edge = edge_inlay(x0 + i64::from(w) - i64::from(edge), x0 + i64::from(w));
    let edges = [left_edge, right_edge];
    let mut y = first;
    while y < last {
        // Rows alike up to the next item's top or bottom.
        let band_end = inlays
            .iter()
            .flat_map(|inlay| [inlay.top, inlay.bottom])
            .filter(|&edge| edge > y)
            .min()
            .unwrap_or(last);
        // Bars and dense lines (or nothing): the band's rows in one call, each line a
        // block of rows.
        let mut pieces = heapless::Vec::new();
        if band_pieces(
            &mut pieces,
            &inlays,
            (y, band_end - y),
            &edges,
            (span_left, span_right),
            fill,
        ) {
            canvas.framebuffer_mut().fill_band(y, band_end - y, &pieces);
            for inlay in inlays.iter_mut().filter(|inlay| inlay.on_row(y)) {
                if let InlayKind::Runs(rows) = &mut inlay.pixels {
                    rows.skip((band_end - y) as usize);
                }
            }
            y = band_end;
            continue;
        }
        // The band's items, left to right; per row only the lines' runs change.
        let mut row: heapless::Vec<RowInlay, { 2 * MOST + 2 }> = heapless::Vec::new();
        let mut lines_at: heapless::Vec<(usize, usize), { 2 * MOST }> = heapless::Vec::new();
        row.extend(left_edge);
        for (i, inlay) in inlays.iter().enumerate() {
            if inlay.on_row(y) {
                if matches!(inlay.pixels, InlayKind::Runs(_)) {
                    let _ = lines_at.push((row.len(), i));
                }
                let _ = row.push(inlay.as_row_inlay(None));
            }
        }
        row.extend(right_edge);
        for row_y in y..band_end {
            for &(at, i) in &lines_at {
                if let (Some(slot), Some(InlayKind::Runs(rows))) = (
                    row.get_mut(at),
                    inlays.get_mut(i).map(|inlay| &mut inlay.pixels),
                ) {
                    let (runs, pixels) = rows.next().unwrap_or((&[], &[]));
                    slot.pixels = InlayPixels::Runs(runs, pixels);
                }
            }
            canvas.framebuffer_mut().fill_row_around(
                span_left,
                row_y,
                span_right - span_left,
                fill,
                &row,
            );
        }
        y = band_end;
    }
    rounded_rect_part(
        canvas,
        area,
        style,
        &rows(i64::from(last), y0 + i64::from(h)),
    );
    later
}

/// Puts rows [y, y + rows) of the card's middle in `pieces`, side by side, left to
/// right: the edges, the items on those rows (bars, and lines as blocks of their
/// kept rows) and the face's colour between them; false if a line there is not
/// kept dense (its rows are copied run by run instead).
fn band_pieces<'a>(
    pieces: &mut heapless::Vec<BandPiece<'a>, { 4 * MOST + 4 }>,
    inlays: &[Inlay<'a>],
    (y, rows): (u32, u32),
    [left_edge, right_edge]: &[Option<RowInlay>; 2],
    (span_left, span_right): (u32, u32),
    fill: u32,
) -> bool {
    let mut at = span_left;
    let mut put = |x: u32, width: u32, pixels: BandPixels<'a>| {
        if x > at {
            let _ = pieces.push(BandPiece {
                x: at,
                width: x - at,
                pixels: BandPixels::Solid(fill),
            });
        }
        let _ = pieces.push(BandPiece { x, width, pixels });
        at = x + width;
    };
    let edge = |inlay: &Option<RowInlay>| match inlay {
        Some(RowInlay {
            x,
            width,
            pixels: InlayPixels::Solid(raw),
        }) => Some((*x, *width, BandPixels::Solid(*raw))),
        _ => None,
    };
    if let Some((x, width, pixels)) = edge(left_edge) {
        put(x, width, pixels);
    }
    for inlay in inlays.iter().filter(|inlay| inlay.on_row(y)) {
        let pixels = match &inlay.pixels {
            InlayKind::Solid(raw) => BandPixels::Solid(*raw),
            InlayKind::Runs(lines) => match lines.block(rows as usize, inlay.width as usize) {
                Some(block) => BandPixels::Block(block),
                None => return false,
            },
        };
        put(inlay.x, inlay.width, pixels);
    }
    if let Some((x, width, pixels)) = edge(right_edge) {
        put(x, width, pixels);
    }
    if span_right > at {
        let _ = pieces.push(BandPiece {
            x: at,
            width: span_right - at,
            pixels: BandPixels::Solid(fill),
        });
    }
    true
}

/// A rectangle in wide integers (items may lie far off the screen).
#[derive(Debug, Clone, Copy)]
struct Rect64 {
    left: i64,
    right: i64,
    top: i64,
    bottom: i64,
}

impl Rect64 {
    fn of(r: &Rectangle) -> Self {
        let (left, top) = (i64::from(r.top_left.x), i64::from(r.top_left.y));
        Self {
            left,
            right: left + i64::from(r.size.width),
            top,
            bottom: top + i64::from(r.size.height),
        }
    }

    fn screen(width: u32, height: u32) -> Self {
        Self::of(&Rectangle::new(Point::zero(), Size::new(width, height)))
    }

    fn meet(&self, other: &Self) -> Self {
        Self {
            left: self.left.max(other.left),
            right: self.right.min(other.right),
            top: self.top.max(other.top),
            bottom: self.bottom.min(other.bottom),
        }
    }

    fn is_empty(&self) -> bool {
        self.left >= self.right || self.top >= self.bottom
    }

    fn inside(&self, other: &Self) -> bool {
        !self.is_empty()
            && self.left >= other.left
            && self.right <= other.right
            && self.top >= other.top
            && self.bottom <= other.bottom
    }

    fn overlaps(&self, other: &Self) -> bool {
        !self.meet(other).is_empty()
    }
}
