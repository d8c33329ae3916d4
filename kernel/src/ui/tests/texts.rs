//! Text: glyph pixels against the decoded master coverage, Latin-1 and € at every size,
//! crisp scaled edges, fitting, ellipsis, wrapping, replacement boxes.

use super::Screen;
use crate::ui::font::{self, has_glyph, Font, Weight, MASTER_SIZE, MIN_SIZE};
use crate::ui::glyph::Master;
use crate::ui::text::{self, Align, TextStyle, ELLIPSIS};
use crate::ui::{blend, missing_glyphs};
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use std::vec::Vec;

const INK: Rgb888 = Rgb888::new(0xF0, 0xE0, 0x10);
const PAPER: Rgb888 = Rgb888::new(0x10, 0x20, 0x40);

/// The missing-glyph count is one static for every thread: tests that draw a
/// replacement box and the test that expects none take turns.
static MISSING_COUNT: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn missing_count_to_myself() -> std::sync::MutexGuard<'static, ()> {
    MISSING_COUNT.lock().unwrap_or_else(|e| e.into_inner())
}

fn style(font: Font) -> TextStyle {
    TextStyle::new(font, INK, PAPER)
}

#[test]
fn at_the_master_size_a_glyph_lands_pixel_for_pixel_with_its_coverage() {
    let font = Font::new(Weight::Bold, u32::from(MASTER_SIZE));
    for c in ['A', 'g', 'é', '€', 'Ø'] {
        let mut screen = Screen::new(200, 120, PAPER);
        let (x, baseline) = (20, 80);
        let end = text::draw_line(&mut screen, &c.to_string(), &style(font), x, baseline);
        let g = font.glyph(c).unwrap();
        assert_eq!(end, x + ((u32::from(g.advance) + 32) / 64) as i32);
        let master = Master::decode(font.face(), g);
        let (left, top) = (i32::from(g.left), i32::from(g.top));
        for y in 0..120 {
            for sx in 0..200 {
                let (gx, gy) = (sx - x - left, y - (baseline - top));
                let inside =
                    gx >= 0 && gy >= 0 && gx < i32::from(g.width) && gy < i32::from(g.height);
                let want = if inside {
                    let v = master.coverage(i64::from(gx), i64::from(gy));
                    blend(INK, PAPER, u32::from(v) * 17)
                } else {
                    PAPER
                };
                assert_eq!(screen.at(sx, y), want, "{c:?} pixel ({sx},{y})");
            }
        }
    }
}

#[test]
fn half_size_glyphs_are_the_mean_of_the_master_pixels() {
    // At exactly half the master size each output pixel covers 2x2 master pixels.
    let master = Font::new(Weight::Regular, u32::from(MASTER_SIZE));
    let half = Font::new(Weight::Regular, u32::from(MASTER_SIZE) / 2);
    let (mut big, mut small) = (Screen::new(120, 80, PAPER), Screen::new(60, 40, PAPER));
    let (bg, fg) = (Rgb888::BLACK, Rgb888::WHITE);
    // The pen on an even column, the baseline on an even row, in master pixels.
    text::draw_line(&mut big, "Hé", &TextStyle::new(master, fg, bg), 10, 60);
    text::draw_line(&mut small, "Hé", &TextStyle::new(half, fg, bg), 5, 30);
    let level = |c: Rgb888| i32::from(c.r()) * 15 / 255;
    let mut checked = 0;
    for y in 0..40 {
        for x in 0..60 {
            let mean = (level(big.at(2 * x, 2 * y))
                + level(big.at(2 * x + 1, 2 * y))
                + level(big.at(2 * x, 2 * y + 1))
                + level(big.at(2 * x + 1, 2 * y + 1))) as f32
                / 4.0;
            let got = level(small.at(x, y)) as f32;
            assert!(
                (got - mean).abs() <= 0.51,
                "({x},{y}): {got} vs mean {mean}"
            );
            checked += usize::from(mean > 0.0);
        }
    }
    assert!(checked > 50, "the glyphs were drawn");
}

#[test]
fn latin1_and_euro_have_visible_glyphs_in_every_size() {
    let blanks = [' ', '\u{A0}', '\u{AD}'];
    let sizes: Vec<u32> = vec![11, 14, 17, 20, 25, 33, 40, 52, 64, 100, 180, 300];
    let chars: Vec<char> = (0x21u8..=0x7E)
        .chain(0xA1..=0xFF)
        .map(char::from)
        .chain(['€'])
        .collect();
    let _turn = missing_count_to_myself();
    let before = missing_glyphs();
    for px in sizes {
        for weight in [Weight::Regular, Weight::Bold] {
            let font = Font::new(weight, px);
            assert_eq!(font.px(), px, "{px} is a size the font draws");
            for &c in &chars {
                assert!(has_glyph(c), "{c:?}");
                if blanks.contains(&c) {
                    continue;
                }
                let h = font.height() as i32 + 4;
                let mut screen = Screen::new(px * 2, h as u32, PAPER);
                text::draw_line(
                    &mut screen,
                    &c.to_string(),
                    &style(font),
                    2,
                    font.ascent() as i32 + 2,
                );
                // Clearly inked somewhere (solid from 30 px up): drawn, not a faint smear.
                let strong = screen.pixels.iter().filter(|p| p.r() >= 0x60).count();
                assert!(strong > 0, "{c:?} at {px}px {weight:?}");
                if px >= 30 {
                    assert!(
                        screen.count(INK, (0, 0, 2 * px as i32, h)) > 0,
                        "{c:?} at {px}px {weight:?}"
                    );
                }
            }
        }
    }
    assert_eq!(
        missing_glyphs(),
        before,
        "no replacement box for Latin-1 or €"
    );
}

#[test]
fn every_size_is_drawn_and_metrics_scale_with_it() {
    assert_eq!(Font::new(Weight::Regular, 1).px(), u32::from(MIN_SIZE));
    assert_eq!(Font::new(Weight::Bold, 137).px(), 137);
    let a = Font::new(Weight::Bold, 100);
    let b = Font::new(Weight::Bold, 200);
    assert!(b.height() >= 2 * a.height() - 2 && b.height() <= 2 * a.height() + 2);
    let (wa, wb) = (a.width("Genève"), b.width("Genève"));
    assert!(wb >= 2 * wa - 2 && wb <= 2 * wa + 2, "{wa} {wb}");
}

#[test]
fn scaled_text_has_sharp_edges() {
    // A capital I at 4K heading size: its stem is solid ink with at most one blended
    // pixel at each side, on every row through the middle of the stem.
    for px in [120u32, 250, 400] {
        let font = Font::new(Weight::Bold, px);
        let mut screen = Screen::new(px, font.height(), PAPER);
        text::draw_line(&mut screen, "I", &style(font), 0, font.ascent() as i32);
        let mid = font.ascent() as i32 - (px as i32 * 36 / 100);
        let row: Vec<Rgb888> = (0..px as i32).map(|x| screen.at(x, mid)).collect();
        let ink = row.iter().filter(|&&c| c == INK).count();
        let blended = row.iter().filter(|&&c| c != INK && c != PAPER).count();
        assert!(ink as u32 >= px / 10, "{px}px: stem {ink} px wide");
        assert!(
            blended <= 4,
            "{px}px: {blended} blended pixels on a straight stem"
        );
    }
}

#[test]
fn fit_picks_the_largest_font_that_fits_both_ways() {
    for (w, h) in [(60, 20), (300, 40), (900, 300), (2000, 700)] {
        let font = text::fit(&["Genève", "5 €"], Weight::Bold, w, h);
        assert!(
            font.height() <= h && font.width("Genève") <= w,
            "{w}x{h}: {font:?}"
        );
        // One size up would not fit.
        let bigger = Font::new(Weight::Bold, font.px() + 1);
        assert!(
            bigger.height() > h || bigger.width("Genève") > w,
            "{w}x{h}: {font:?} not the largest"
        );
    }
    // Nothing fits: the smallest size.
    assert_eq!(
        text::fit(&["x"], Weight::Regular, 1, 1).px(),
        u32::from(MIN_SIZE)
    );
}

/// `place_in` puts the shown text (and its ellipsis) where its measured width says,
/// for a text that fits and one cut, at every alignment.
#[test]
fn placed_text_is_aligned_by_the_width_of_what_is_shown() {
    let font = Font::new(Weight::Bold, 23);
    let whole = "Genève – 3,80 €";
    for width in [
        font.width(whole) + 7,
        font.width(whole),
        font.width(whole) - 1,
        40,
    ] {
        let area = Rectangle::new(Point::new(11, 3), Size::new(width, 40));
        for align in [Align::Left, Align::Center, Align::Right] {
            let (shown, cut, x, _) = text::place_in(whole, font, &area, align);
            assert_eq!((shown, cut), text::ellipsize(font, whole, width));
            let used = font.width(shown) + if cut { font.width(ELLIPSIS) } else { 0 };
            let free = width as i32 - used as i32;
            let want = 11
                + match align {
                    Align::Left => 0,
                    Align::Center => free / 2,
                    Align::Right => free,
                };
            assert_eq!(x, want, "width {width} {align:?}");
        }
    }
}

#[test]
fn ellipsis_cuts_only_what_does_not_fit() {
    let font = Font::new(Weight::Regular, 19);
    let whole = "Gare de Lyon";
    assert_eq!(
        text::ellipsize(font, whole, font.width(whole)),
        (whole, false)
    );
    let (shown, cut) = text::ellipsize(font, whole, font.width(whole) - 1);
    assert!(cut && whole.starts_with(shown) && shown.len() < whole.len());
    assert!(font.width(shown) + font.width(ELLIPSIS) < font.width(whole));
    // No trailing space before the ellipsis; nothing fits -> empty.
    let (shown, _) = text::ellipsize(font, whole, font.width("Gare ") + font.width(ELLIPSIS));
    assert_eq!(shown, "Gare");
    assert_eq!(text::ellipsize(font, whole, 2), ("", true));
    // Drawn: the cut text plus the ellipsis stay inside the box.
    let mut screen = Screen::new(200, 40, PAPER);
    let area = Rectangle::new(Point::new(10, 5), Size::new(60, 30));
    assert!(text::draw_in(
        &mut screen,
        whole,
        &style(font),
        &area,
        Align::Left
    ));
    assert_eq!(
        screen.count(PAPER, (0, 0, 200, 40)) + screen.differing(PAPER),
        8000
    );
    assert!(screen.differing(PAPER) > 0);
    assert_eq!(screen.count(PAPER, (0, 0, 10, 40)), 400);
    assert_eq!(screen.count(PAPER, (70, 0, 200, 40)), 130 * 40);
}

#[test]
fn wrap_breaks_at_spaces_newlines_and_inside_long_words() {
    let font = Font::new(Weight::Regular, 15);
    fn lines(t: &str, w: u32) -> Vec<&str> {
        text::wrap(Font::new(Weight::Regular, 15), t, w).collect()
    }
    let w = font.width("Prochain départ");
    assert_eq!(
        lines("Prochain départ vers Genève", w),
        ["Prochain départ", "vers Genève"]
    );
    assert_eq!(
        lines("Prochain départ vers Genève", w - 1),
        ["Prochain", "départ vers", "Genève"]
    );
    assert_eq!(lines("a\nb c\n\nd", 1000), ["a", "b c", "", "d"]);
    assert_eq!(lines("", 100), Vec::<&str>::new());
    let long = "Zugangsberechtigung";
    let parts = lines(long, font.width("Zugang"));
    assert_eq!(parts.concat(), long);
    assert!(parts.len() >= 3 && parts.iter().all(|p| font.width(p) <= font.width("Zugang")));
    // A line never exceeds the width, even when one character is wider than it.
    assert_eq!(lines("WW", 1), ["W", "W"]);
    for line in lines("Voie 12 · 5 € · Lausanne, Genève-Aéroport et Zürich HB", 90) {
        assert!(
            font.width(line) <= 90 || line.chars().count() == 1,
            "{line:?}"
        );
    }
}

#[test]
fn wrapped_text_ends_with_an_ellipsis_when_out_of_room() {
    let font = Font::new(Weight::Regular, 15);
    let mut screen = Screen::new(120, 60, PAPER);
    let area = Rectangle::new(Point::zero(), Size::new(120, font.height() * 2 + 3));
    let drawn = text::draw_wrapped(
        &mut screen,
        "un deux trois quatre cinq six sept huit neuf dix",
        &style(font),
        &area,
        Align::Left,
    );
    assert_eq!(drawn, 2);
    // Nothing below the two lines.
    assert_eq!(
        screen.count(PAPER, (0, 2 * font.height() as i32, 120, 60)),
        (120 * (60 - 2 * font.height())) as usize
    );
}

#[test]
fn a_character_without_a_glyph_draws_a_counted_box() {
    let font = Font::new(Weight::Bold, 30);
    let _turn = missing_count_to_myself();
    let before = missing_glyphs();
    let mut screen = Screen::new(120, 50, PAPER);
    let end = text::draw_line(&mut screen, "\u{4E2D}", &style(font), 10, 40);
    assert!(missing_glyphs() > before, "counted");
    assert!(end > 10 + 10, "it advances");
    // The box: solid ink on its left edge column and its bottom row.
    let ink_cols = (10..end)
        .filter(|&x| screen.count(INK, (x, 0, x + 1, 50)) >= 15)
        .count();
    assert!(ink_cols >= 1, "a vertical edge");
    assert!(screen.count(INK, (10, 38, end, 40)) >= 10, "a bottom edge");
    assert!(!font::has_glyph('\u{4E2D}'));
}

#[test]
fn drawing_fast_or_pixel_by_pixel_gives_the_same_pixels() {
    use crate::display::framebuffer::{Framebuffer, PixelFormat};
    use crate::display::Canvas;
    use crate::hal::PhysRegion;
    let (w, h) = (420u32, 90u32);
    let mut buf = vec![0u8; (w * h * 4) as usize];
    // SAFETY: `buf` outlives the canvas.
    let region = unsafe { PhysRegion::new(0x1000, buf.as_mut_ptr(), buf.len()) };
    let mut canvas =
        Canvas::new(Framebuffer::new(region, w, h, w * 4, PixelFormat::XRGB8888).unwrap());
    // Text is drawn onto its background colour (the surface under it).
    canvas.clear(PAPER).unwrap();
    let mut screen = Screen::new(w, h, PAPER);
    // Glyphs off both edges and cut by a clip box (`draw_in` with a narrow area), at
    // sizes from tiny to large, so glyph rows go out as clipped runs; each drawn twice
    // on the canvas (the second time from the cache's runs).
    let cut = Rectangle::new(Point::new(183, 20), Size::new(61, 50));
    for (t, weight, px, x) in [
        ("Genève 5 €", Weight::Bold, 24u32, -7),
        ("Zürich", Weight::Bold, 70, -7),
        ("Wall ßé", Weight::Regular, 13, 360),
        ("IIIll|", Weight::Bold, 55, 330),
        ("fjord", Weight::Regular, 9, 100),
    ] {
        let s = style(Font::new(weight, px));
        for _ in 0..2 {
            text::draw_line(&mut canvas, t, &s, x, 60);
            text::draw_in(&mut canvas, t, &s, &cut, text::Align::Center);
        }
        text::draw_line(&mut screen, t, &s, x, 60);
        text::draw_in(&mut screen, t, &s, &cut, text::Align::Center);
    }
    for y in 0..h {
        for x in 0..w {
            assert_eq!(
                canvas.framebuffer().color(x, y),
                screen.at(x as i32, y as i32),
                "({x},{y})"
            );
        }
    }
}

#[test]
fn blend_is_exact_at_the_ends_and_rounds_in_between() {
    let (a, b) = (Rgb888::new(255, 0, 100), Rgb888::new(0, 255, 100));
    assert_eq!(blend(a, b, 255), a);
    assert_eq!(blend(a, b, 0), b);
    let mid = blend(a, b, 128);
    assert_eq!((mid.r(), mid.g(), mid.b()), (128, 127, 100));
}

#[test]
fn cached_and_freshly_resampled_glyphs_are_the_same() {
    let text_sizes = [
        (Weight::Regular, 13u32),
        (Weight::Bold, 40),
        (Weight::Bold, 97),
    ];
    for (weight, px) in text_sizes {
        let s = style(Font::new(weight, px));
        let mut cached = Screen::new(400, 140, PAPER);
        // Twice: the second draw certainly comes from the cache (if this thread got it).
        text::draw_line(&mut cached, "Aéro 5 €", &s, 3, 100);
        text::draw_line(&mut cached, "Aéro 5 €", &s, 3, 100);
        let mut fresh = Screen::new(400, 140, PAPER);
        {
            // Holding the cache makes the drawing below resample every glyph.
            let _held = crate::ui::glyph_cache::lock();
            text::draw_line(&mut fresh, "Aéro 5 €", &s, 3, 100);
        }
        assert!(cached.differing(PAPER) > 100);
        assert!(cached.pixels == fresh.pixels, "{weight:?} {px}px");
    }
}

#[test]
fn cached_and_uncached_paths_draw_the_same_pixels() {
    // Narrow glyphs next to wide ones, accents, kerned pairs, at small and large
    // sizes, partly off the left edge, each followed by an ellipsis drawn where it
    // ends and by a second text over it (what `draw_in` and a card's rows do): the
    // uncached path resamples only the columns in view, with wider boxes; and a
    // line longer than the masters the uncached path keeps decoded at once.
    let texts = [
        "Genève 5 €",
        "Zürich",
        "fjord ij rt",
        "Aéro 5 €",
        "W.i.l.l",
        "Genève, Zürich, Neuchâtel, Fribourg",
    ];
    let sizes = [
        (Weight::Regular, 9u32),
        (Weight::Regular, 13),
        (Weight::Bold, 24),
        (Weight::Bold, 40),
        (Weight::Regular, 55),
        (Weight::Bold, 70),
    ];
    let draw = |screen: &mut Screen, t: &str, s: &TextStyle, x: i32| {
        let end = text::draw_line(screen, t, s, x, 100);
        text::draw_line(screen, text::ELLIPSIS, s, end, 100);
        let small = style(Font::new(Weight::Regular, s.font.px() / 2 + 8));
        text::draw_line(screen, "Zürich Genève", &small, x + 5, 104);
    };
    let mut failures = Vec::new();
    for (weight, px) in sizes {
        let s = style(Font::new(weight, px));
        for t in texts {
            for x in [3, -7] {
                let mut cached = Screen::new(700, 140, PAPER);
                // Twice: the second time every glyph certainly comes from the cache.
                draw(&mut cached, t, &s, x);
                cached = Screen::new(700, 140, PAPER);
                draw(&mut cached, t, &s, x);
                let mut uncached = Screen::new(700, 140, PAPER);
                {
                    // Holding the cache makes the drawing resample every glyph.
                    let _held = crate::ui::glyph_cache::lock();
                    draw(&mut uncached, t, &s, x);
                }
                let differ = (cached.pixels.iter())
                    .zip(&uncached.pixels)
                    .filter(|(a, b)| a != b)
                    .count();
                if differ != 0 {
                    failures.push(format!("{t:?} {weight:?} {px}px at x={x}: {differ} px"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn lines_far_off_the_canvas_draw_nothing_and_end_where_the_glyph_path_does() {
    use crate::display::framebuffer::{Framebuffer, PixelFormat};
    use crate::display::Canvas;
    use crate::hal::PhysRegion;
    let (w, h) = (64u32, 32u32);
    let mut buf = vec![0u8; (w * h * 4) as usize];
    // SAFETY: `buf` outlives the canvas.
    let region = unsafe { PhysRegion::new(0x1000, buf.as_mut_ptr(), buf.len()) };
    let mut canvas =
        Canvas::new(Framebuffer::new(region, w, h, w * 4, PixelFormat::XRGB8888).unwrap());
    canvas.clear(PAPER).unwrap();
    let mut screen = Screen::new(w, h, PAPER);
    let s = style(Font::new(Weight::Bold, 20));
    for (x, baseline) in [
        (-1_000_000, 20),
        (1_000_000, 20),
        (10, -1_000_000),
        (10, 1_000_000),
    ] {
        // Three times: drawn from glyphs, then kept, then copied.
        for _ in 0..3 {
            let end = text::draw_line(&mut canvas, "Genève", &s, x, baseline);
            assert_eq!(end, text::draw_line(&mut screen, "Genève", &s, x, baseline));
        }
    }
    assert_eq!(screen.differing(PAPER), 0);
    for y in 0..h {
        for x in 0..w {
            assert_eq!(canvas.framebuffer().color(x, y), PAPER, "({x},{y})");
        }
    }
}
