//! The logo, converted from `assets/logo.png` at build time (see `build.rs`), drawn
//! scaled to a square and alpha-blended over a plain background.

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::*;

const WIDTH: u32 = parse(env!("LOGO_WIDTH"));
const HEIGHT: u32 = parse(env!("LOGO_HEIGHT"));
static RGBA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/logo.rgba"));

const fn parse(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

/// `top` over `bottom` with coverage `alpha` (0..=255).
pub fn blend(top: Rgb888, bottom: Rgb888, alpha: u8) -> Rgb888 {
    let mix = |t: u8, b: u8| {
        ((u32::from(t) * u32::from(alpha) + u32::from(b) * (255 - u32::from(alpha)) + 127) / 255)
            as u8
    };
    Rgb888::new(
        mix(top.r(), bottom.r()),
        mix(top.g(), bottom.g()),
        mix(top.b(), bottom.b()),
    )
}

/// Draws the logo as a `side`×`side` square at `top_left` over `background`
/// (nearest source pixel per target pixel).
pub fn draw<D: DrawTarget<Color = Rgb888>>(
    target: &mut D,
    top_left: Point,
    side: u32,
    background: Rgb888,
) {
    let side = side.max(1);
    let pixels = (0..side * side).map(|i| {
        let (x, y) = (i % side, i / side);
        let (sx, sy) = (x * WIDTH / side, y * HEIGHT / side);
        let at = ((sy * WIDTH + sx) * 4) as usize;
        let p = &RGBA[at..at + 4];
        blend(Rgb888::new(p[0], p[1], p[2]), background, p[3])
    });
    let area = embedded_graphics::primitives::Rectangle::new(top_left, Size::new(side, side));
    let _ = target.fill_contiguous(&area, pixels);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logo_is_decoded_with_transparent_corners_and_an_opaque_middle() {
        assert_eq!(RGBA.len() as u32, WIDTH * HEIGHT * 4);
        assert_eq!(RGBA[3], 0, "corner is transparent");
        let centre = ((HEIGHT / 2 * WIDTH + WIDTH / 2 - 10) * 4) as usize;
        assert_eq!(RGBA[centre + 3], 255, "inside is opaque");
        let edge = RGBA.chunks(4).filter(|p| p[3] > 0 && p[3] < 255).count();
        assert!(edge > 50, "anti-aliased edge: {edge} partly covered pixels");
    }

    #[test]
    fn blending_mixes_by_alpha() {
        let (white, black) = (Rgb888::WHITE, Rgb888::BLACK);
        assert_eq!(blend(white, black, 255), white);
        assert_eq!(blend(white, black, 0), black);
        assert_eq!(blend(white, black, 128), Rgb888::new(128, 128, 128));
    }
}
