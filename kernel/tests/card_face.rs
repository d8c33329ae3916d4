//! A card drawn with what lies on its face in one pass (`ui::card_face::card_with`)
//! has the pixels of the card drawn first and each item over it in order (the
//! reference: a plain target, where text takes the glyph path): items inside the
//! face, at and across its edges, in the rounded rows, cut by their clip, under and
//! over each other, off the screen, with and without an edge, lines kept whole (on
//! the face's colour) and as runs (blended onto another); the text field through
//! it. Each card is drawn three times on the canvas (lines on a card are kept the
//! first time and copied after). Its own test binary, and its tests take turns, so
//! nothing else holds the label cache (a busy cache takes the two-pass path and
//! the pass would go untested).

use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use std::convert::Infallible;
use vitrine::display::memory::MemoryDisplay;
use vitrine::display::Display;
use vitrine::ui::card_face::{card_with, OnFace};
use vitrine::ui::text::{Align, TextStyle};
use vitrine::ui::{rounded_rect, CardStyle, Font, Weight};

/// The label cache is one for the binary: one test at a time holds it (a busy
/// cache takes the two-pass path, and the pass would go untested).
static CACHE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn cache_to_myself() -> std::sync::MutexGuard<'static, ()> {
    CACHE.lock().unwrap_or_else(|e| e.into_inner())
}

const W: u32 = 240;
const H: u32 = 140;
const BACKGROUND: Rgb888 = Rgb888::new(0x0F, 0x17, 0x2A);
const FACE: Rgb888 = Rgb888::new(0x1E, 0x29, 0x3B);
const EDGE: Rgb888 = Rgb888::new(0x33, 0x41, 0x55);
const INK: Rgb888 = Rgb888::new(0xF1, 0xF5, 0xF9);
const ACCENT: Rgb888 = Rgb888::new(0x2D, 0xD4, 0xBF);

/// A plain pixel buffer: text on it takes the glyph path.
struct Plain {
    pixels: Vec<Rgb888>,
}

impl OriginDimensions for Plain {
    fn size(&self) -> Size {
        Size::new(W, H)
    }
}

impl DrawTarget for Plain {
    type Color = Rgb888;
    type Error = Infallible;
    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
        &mut self,
        pixels: I,
    ) -> Result<(), Infallible> {
        for Pixel(p, c) in pixels {
            if p.x >= 0 && p.y >= 0 && (p.x as u32) < W && (p.y as u32) < H {
                self.pixels[(p.y as u32 * W + p.x as u32) as usize] = c;
            }
        }
        Ok(())
    }
}

fn rect(x: i32, y: i32, w: u32, h: u32) -> Rectangle {
    Rectangle::new(Point::new(x, y), Size::new(w, h))
}

fn style(stroke_width: u32) -> CardStyle {
    CardStyle {
        fill: FACE,
        stroke: EDGE,
        stroke_width,
        radius: 10,
        outside: Some(BACKGROUND),
    }
}

fn on_face(px: u32) -> TextStyle {
    TextStyle::new(Font::new(Weight::Bold, px), INK, FACE)
}

/// The reference: the card, then each item over it in order.
fn two_passes(d: &mut Plain, area: &Rectangle, card: &CardStyle, items: &[OnFace]) {
    rounded_rect(d, area, card);
    for item in items {
        item.draw(d);
    }
}

/// Draws `items` on a card over `area` both ways and compares every pixel; returns
/// the framebuffer bytes the third draw on the canvas wrote.
fn same_pixels(name: &str, area: Rectangle, card: CardStyle, items: &[OnFace]) -> u64 {
    let mut buffer = vec![0u32; (W * H) as usize];
    let mut display = MemoryDisplay::new(&mut buffer, W, H).unwrap();
    let canvas = display.canvas();
    canvas.clear(BACKGROUND).unwrap();
    let mut written = 0;
    for _ in 0..3 {
        let before = canvas.framebuffer().bytes_written();
        card_with(canvas, &area, &card, items);
        written = canvas.framebuffer().bytes_written() - before;
    }
    let mut reference = Plain {
        pixels: vec![BACKGROUND; (W * H) as usize],
    };
    two_passes(&mut reference, &area, &card, items);
    for y in 0..H {
        for x in 0..W {
            assert_eq!(
                canvas.framebuffer().color(x, y),
                reference.pixels[(y * W + x) as usize],
                "{name}: pixel ({x},{y})"
            );
        }
    }
    written
}

/// A button's content: a label, a bar, a value and a hint on one baseline.
fn button_items(card: &Rectangle) -> [OnFace<'static>; 4] {
    let inner = card.offset(-12);
    let (x, y) = (inner.top_left.x, inner.top_left.y);
    [
        OnFace::Text {
            text: "Lights",
            style: on_face(16),
            area: rect(x, y, inner.size.width, 20),
            align: Align::Left,
        },
        OnFace::Bar {
            area: rect(x, y + 24, 24, 3),
            color: ACCENT,
        },
        OnFace::Line {
            text: "42",
            style: on_face(30),
            x,
            baseline: y + 62,
        },
        OnFace::Line {
            text: "on",
            style: TextStyle::new(Font::new(Weight::Regular, 12), INK, FACE),
            x: x + 120,
            baseline: y + 62,
        },
    ]
}

#[test]
fn a_card_in_one_pass_has_the_pixels_of_the_card_then_its_items() {
    let _alone = cache_to_myself();
    let card = rect(20, 20, 180, 100);
    let area_bytes = u64::from(card.size.width * card.size.height) * 4;

    // Inside the face: every pixel of the card once, the ink not twice.
    let items = button_items(&card);
    for edge in [0, 1, 3] {
        let written = same_pixels("inside", card, style(edge), &items);
        assert_eq!(
            written, area_bytes,
            "edge {edge}: one pass writes the card once"
        );
    }

    // Lines blended onto another colour than the face: kept as runs, the face filled
    // between them; still one pass.
    let (x, y) = (card.top_left.x, card.top_left.y);
    let other = TextStyle::new(Font::new(Weight::Regular, 20), INK, ACCENT);
    let sparse = [
        OnFace::Line {
            text: "Runs only",
            style: other,
            x: x + 14,
            baseline: y + 40,
        },
        items[2],
    ];
    let written = same_pixels("sparse", card, style(1), &sparse);
    assert_eq!(
        written, area_bytes,
        "a sparse line in the pass is written once"
    );

    // A line across the left edge, one in the rounded top rows, one below the card:
    // drawn after the pass (over the edge, the corner, the background).
    let outside = [
        OnFace::Line {
            text: "Edge",
            style: on_face(18),
            x: x - 4,
            baseline: y + 50,
        },
        OnFace::Line {
            text: "Top",
            style: on_face(14),
            x: x + 40,
            baseline: y + 9,
        },
        OnFace::Line {
            text: "Under",
            style: on_face(14),
            x: x + 60,
            baseline: y + 110,
        },
        items[2],
    ];
    let written = same_pixels("at the edges", card, style(1), &outside);
    assert!(
        written > area_bytes,
        "the lines outside the face are drawn after it"
    );

    // Cut by their clip: a text too wide for its box (an ellipsis follows it), one
    // in a box lower than its glyphs.
    let clipped = [
        OnFace::Text {
            text: "A caption far too long for this box",
            style: on_face(16),
            area: rect(x + 12, y + 12, 110, 22),
            align: Align::Left,
        },
        OnFace::Text {
            text: "Squeezed",
            style: on_face(24),
            area: rect(x + 12, y + 50, 150, 9),
            align: Align::Center,
        },
        items[3],
    ];
    same_pixels("clipped", card, style(1), &clipped);

    // Under and over each other: a bar across a line drawn before it, a line over
    // the bar, two lines sharing columns (the later one's ink wins).
    let overlapping = [
        items[2],
        OnFace::Bar {
            area: rect(x + 14, y + 50, 40, 6),
            color: ACCENT,
        },
        OnFace::Line {
            text: "over",
            style: on_face(20),
            x: x + 30,
            baseline: y + 60,
        },
        OnFace::Line {
            text: "WWW",
            style: on_face(22),
            x: x + 100,
            baseline: y + 80,
        },
        OnFace::Line {
            text: "iii",
            style: TextStyle::new(Font::new(Weight::Regular, 26), ACCENT, FACE),
            x: x + 110,
            baseline: y + 84,
        },
    ];
    same_pixels("overlapping", card, style(1), &overlapping);

    // Off the screen: a card sticking out left and below, its items partly off it.
    let off = rect(-30, 70, 150, 100);
    same_pixels("off the screen", off, style(2), &button_items(&off));

    // More items than one pass takes: the rest are drawn after it, in order.
    let mut many = Vec::new();
    for i in 0..12 {
        many.push(OnFace::Bar {
            area: rect(x + 12 + i * 12, y + 40 + i, 10, 30),
            color: if i % 2 == 0 { ACCENT } else { INK },
        });
    }
    same_pixels("many", card, style(1), &many);
}

/// The text field draws its card, text and caret through the one pass: the same
/// pixels as on a plain target, in every state.
#[test]
fn a_text_field_in_one_pass_has_the_pixels_of_the_plain_target() {
    let _alone = cache_to_myself();
    use vitrine::ui::widgets::{TextField, Theme, WidgetState};
    let theme = Theme::default();
    let area = rect(10, 30, 200, 44);
    let font = Font::new(Weight::Regular, 20);
    let focused = WidgetState {
        focused: true,
        ..Default::default()
    };
    let hovered = WidgetState {
        hovered: true,
        ..Default::default()
    };
    for (typed, state) in [
        ("", WidgetState::default()),
        ("", focused),
        ("Zürich", WidgetState::default()),
        ("Zürich", focused),
        ("A text longer than the field can show", focused),
        ("A text longer than the field can show", hovered),
    ] {
        let mut field = TextField::<64>::new();
        for c in typed.chars() {
            field.edit(vitrine::event::Key::Char(c));
        }
        let mut buffer = vec![0u32; (W * H) as usize];
        let mut display = MemoryDisplay::new(&mut buffer, W, H).unwrap();
        let canvas = display.canvas();
        canvas.clear(BACKGROUND).unwrap();
        for _ in 0..3 {
            field.draw(canvas, &area, "Type here", font, state, &theme);
        }
        let mut reference = Plain {
            pixels: vec![BACKGROUND; (W * H) as usize],
        };
        field.draw(&mut reference, &area, "Type here", font, state, &theme);
        for y in 0..H {
            for x in 0..W {
                assert_eq!(
                    canvas.framebuffer().color(x, y),
                    reference.pixels[(y * W + x) as usize],
                    "{typed:?} {state:?}: pixel ({x},{y})"
                );
            }
        }
        assert_eq!(field.text(), typed);
    }
}

/// `row_with` keeps a line only the second time it is drawn: the first draw leaves
/// it for after the pass (its ink over the face), from the third on it is in the
/// pass; the pixels are the plain target's every time.
#[test]
fn a_row_keeps_its_lines_on_second_sight() {
    use vitrine::ui::card_face::row_with;
    let _alone = cache_to_myself();
    let row = rect(10, 40, 220, 30);
    let style = CardStyle::filled(FACE, 0);
    let items = [OnFace::Text {
        text: "Uptime 0:17:42 (row)",
        style: on_face(15),
        area: row,
        align: Align::Right,
    }];
    let mut buffer = vec![0u32; (W * H) as usize];
    let mut display = MemoryDisplay::new(&mut buffer, W, H).unwrap();
    let canvas = display.canvas();
    canvas.clear(BACKGROUND).unwrap();
    let mut reference = Plain {
        pixels: vec![BACKGROUND; (W * H) as usize],
    };
    row_with(&mut reference, &row, &style, &items);
    let area_bytes = u64::from(row.size.width * row.size.height) * 4;
    let mut written = Vec::new();
    for _ in 0..3 {
        let before = canvas.framebuffer().bytes_written();
        row_with(canvas, &row, &style, &items);
        written.push(canvas.framebuffer().bytes_written() - before);
        for y in 0..H {
            for x in 0..W {
                assert_eq!(
                    canvas.framebuffer().color(x, y),
                    reference.pixels[(y * W + x) as usize],
                    "draw {}: pixel ({x},{y})",
                    written.len()
                );
            }
        }
    }
    assert!(written[0] > area_bytes, "first sight: drawn after the pass");
    assert_eq!(written[2], area_bytes, "kept: in the pass, {written:?}");
}
