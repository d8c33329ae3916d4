//! Text: picks the largest font (and integer scale, past the largest font) that fits
//! a box, and draws it anchored in that box.

use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use u8g2_fonts::fonts;
use u8g2_fonts::types::{FontColor, HorizontalAlignment, VerticalPosition};
use u8g2_fonts::FontRenderer;

/// Regular or bold face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// FreeUniversal Regular.
    Regular,
    /// FreeUniversal Bold.
    Bold,
}

/// Nominal pixel sizes of the fonts below, smallest first.
const SIZES: [u32; 8] = [11, 14, 17, 20, 25, 30, 35, 42];

static BOLD: [FontRenderer; 8] = [
    FontRenderer::new::<fonts::u8g2_font_fub11_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fub14_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fub17_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fub20_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fub25_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fub30_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fub35_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fub42_tr>(),
];

static REGULAR: [FontRenderer; 8] = [
    FontRenderer::new::<fonts::u8g2_font_fur11_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fur14_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fur17_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fur20_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fur25_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fur30_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fur35_tr>(),
    FontRenderer::new::<fonts::u8g2_font_fur42_tr>(),
];

/// A font at a scale: what `fit` picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Font {
    index: usize,
    scale: u32,
    weight: Weight,
}

impl Font {
    fn renderer(&self) -> &'static FontRenderer {
        match self.weight {
            Weight::Bold => &BOLD[self.index],
            Weight::Regular => &REGULAR[self.index],
        }
    }

    /// Height in pixels (ascent + descent, scaled).
    pub fn height(&self) -> u32 {
        let r = self.renderer();
        (r.get_ascent() as i32 - r.get_descent() as i32).unsigned_abs() * self.scale
    }

    /// Width of `text` in pixels.
    pub fn width(&self, text: &str) -> u32 {
        self.renderer()
            .get_rendered_dimensions(text, Point::zero(), VerticalPosition::Baseline)
            .map(|d| d.advance.x.max(0) as u32 * self.scale)
            .unwrap_or(u32::MAX)
    }
}

/// The largest font no taller than `max_height` in which every text of `texts` is
/// at most `max_width` wide (the smallest font if none fits).
pub fn fit(texts: &[&str], weight: Weight, max_width: u32, max_height: u32) -> Font {
    // Candidates, largest first: scaled copies of the big fonts, then every font.
    let scaled = (2..=4u32)
        .rev()
        .flat_map(|scale| (4..SIZES.len()).rev().map(move |index| (index, scale)));
    let plain = (0..SIZES.len()).rev().map(|index| (index, 1));
    let mut best = Font {
        index: 0,
        scale: 1,
        weight,
    };
    let mut best_px = 0;
    for (index, scale) in scaled.chain(plain) {
        let font = Font {
            index,
            scale,
            weight,
        };
        let px = SIZES[index] * scale;
        if px <= best_px {
            continue;
        }
        if font.height() <= max_height && texts.iter().all(|t| font.width(t) <= max_width) {
            best = font;
            best_px = px;
        }
    }
    best
}

/// Where in its box a text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left edge, vertically centred.
    Left,
    /// Centred.
    Center,
    /// Right edge, vertically centred.
    Right,
}

/// Draws `text` with its baseline at `baseline_y`, starting at (Left), centred on
/// (Center) or ending at (Right) `x`: texts in different fonts on one line.
pub fn draw_on_baseline<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    text: &str,
    font: Font,
    x: i32,
    baseline_y: i32,
    align: Align,
    color: Rgb888,
) {
    let horizontal = match align {
        Align::Left => HorizontalAlignment::Left,
        Align::Center => HorizontalAlignment::Center,
        Align::Right => HorizontalAlignment::Right,
    };
    render(
        target,
        text,
        font,
        Point::new(x, baseline_y),
        VerticalPosition::Baseline,
        horizontal,
        color,
    );
}

impl Font {
    /// Pixels from the baseline up to the top of the tallest glyph.
    pub fn ascent(&self) -> u32 {
        (self.renderer().get_ascent().max(0) as u32) * self.scale
    }
}

fn render<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    text: &str,
    font: Font,
    anchor: Point,
    vertical: VerticalPosition,
    horizontal: HorizontalAlignment,
    color: Rgb888,
) {
    let renderer = font.renderer();
    if font.scale == 1 {
        let _ = renderer.render_aligned(
            text,
            anchor,
            vertical,
            horizontal,
            FontColor::Transparent(color),
            target,
        );
    } else {
        let mut scaled = Scaled {
            target,
            origin: anchor,
            scale: font.scale,
        };
        let _ = renderer.render_aligned(
            text,
            Point::zero(),
            vertical,
            horizontal,
            FontColor::Transparent(color),
            &mut scaled,
        );
    }
}

/// Draws `text` in `font`, anchored in `area` as `align` says.
pub fn draw<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    text: &str,
    font: Font,
    area: &Rectangle,
    align: Align,
    color: Rgb888,
) {
    let center = area.center();
    let (x, horizontal) = match align {
        Align::Left => (area.top_left.x, HorizontalAlignment::Left),
        Align::Center => (center.x, HorizontalAlignment::Center),
        Align::Right => (
            area.top_left.x + area.size.width as i32,
            HorizontalAlignment::Right,
        ),
    };
    render(
        target,
        text,
        font,
        Point::new(x, center.y),
        VerticalPosition::Center,
        horizontal,
        color,
    );
}

/// Draws every pixel as a `scale`×`scale` block around `origin`: big text from the
/// largest bitmap font.
struct Scaled<'a, D> {
    target: &'a mut D,
    origin: Point,
    scale: u32,
}

impl<D: DrawTarget<Color = Rgb888>> Dimensions for Scaled<'_, D> {
    fn bounding_box(&self) -> Rectangle {
        let outer = self.target.bounding_box();
        let s = self.scale as i32;
        Rectangle::new(
            (outer.top_left - self.origin) / s,
            Size::new(
                outer.size.width / self.scale + 1,
                outer.size.height / self.scale + 1,
            ),
        )
    }
}

impl<D: DrawTarget<Color = Rgb888>> DrawTarget for Scaled<'_, D> {
    type Color = Rgb888;
    type Error = D::Error;

    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
        &mut self,
        pixels: I,
    ) -> Result<(), D::Error> {
        let block = Size::new(self.scale, self.scale);
        for Pixel(p, color) in pixels {
            let at = self.origin + p * self.scale as i32;
            self.target.fill_solid(&Rectangle::new(at, block), color)?;
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Rgb888) -> Result<(), D::Error> {
        let at = self.origin + area.top_left * self.scale as i32;
        self.target
            .fill_solid(&Rectangle::new(at, area.size * self.scale), color)
    }
}
