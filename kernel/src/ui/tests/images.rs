//! Images: exact copies at 1:1, alpha blending, scaling both ways, aspect fitting.

use super::Screen;
use crate::ui::{blend, Image};
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

const BG: Rgb888 = Rgb888::new(0x20, 0x40, 0x60);

/// 2×2: opaque red, half-transparent white (premultiplied), transparent, opaque blue.
static QUAD: [u8; 16] = [
    255, 0, 0, 255, 128, 128, 128, 128, 0, 0, 0, 0, 0, 0, 255, 255,
];

#[test]
fn one_to_one_blends_each_pixel_over_the_background() {
    let image = Image::new(2, 2, &QUAD);
    let mut screen = Screen::new(6, 6, Rgb888::BLACK);
    image.draw(
        &mut screen,
        &Rectangle::new(Point::new(3, 1), Size::new(2, 2)),
        BG,
    );
    assert_eq!(screen.at(3, 1), Rgb888::RED);
    assert_eq!(screen.at(4, 1), blend(Rgb888::WHITE, BG, 128));
    assert_eq!(screen.at(3, 2), BG);
    assert_eq!(screen.at(4, 2), Rgb888::BLUE);
    // Nothing outside the area.
    assert_eq!(screen.differing(Rgb888::BLACK), 4);
}

#[test]
fn enlarging_keeps_corners_and_interpolates_between() {
    let image = Image::new(2, 2, &QUAD);
    let mut screen = Screen::new(40, 40, Rgb888::BLACK);
    image.draw(
        &mut screen,
        &Rectangle::new(Point::zero(), Size::new(40, 40)),
        BG,
    );
    assert_eq!(screen.at(0, 0), Rgb888::RED);
    assert_eq!(screen.at(39, 39), Rgb888::BLUE);
    assert_eq!(screen.at(0, 39), BG);
    // Halfway along the top edge: between red and the half-white pixel.
    let mid = screen.at(20, 0);
    assert!(mid.r() > 128 && mid.r() < 255 && mid.g() > 0, "{mid:?}");
    assert_eq!(screen.differing(Rgb888::BLACK), 1600);
}

#[test]
fn shrinking_averages_what_it_covers() {
    // 4×2 opaque stripes: white, black, white, black -> 2×1 of grey.
    static STRIPES: [u8; 32] = [
        255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, //
        255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255,
    ];
    let image = Image::new(4, 2, &STRIPES);
    let mut screen = Screen::new(2, 1, Rgb888::RED);
    image.draw(
        &mut screen,
        &Rectangle::new(Point::zero(), Size::new(2, 1)),
        BG,
    );
    for x in 0..2 {
        let p = screen.at(x, 0);
        assert!(
            (p.r() as i32 - 128).abs() <= 1 && p.r() == p.g() && p.g() == p.b(),
            "{p:?}"
        );
    }
}

#[test]
fn fit_in_keeps_the_aspect_ratio_and_centres() {
    let image = Image::new(4, 2, &[0; 32]);
    let area = Rectangle::new(Point::new(10, 10), Size::new(100, 100));
    let fitted = image.fit_in(&area);
    assert_eq!(fitted.size, Size::new(100, 50));
    assert_eq!(fitted.center(), area.center());
    // A buffer of the wrong length is an empty image that draws nothing.
    let broken = Image::new(3, 3, &[0; 8]);
    assert_eq!((broken.width(), broken.height()), (0, 0));
    let mut screen = Screen::new(4, 4, Rgb888::BLACK);
    broken.draw(
        &mut screen,
        &Rectangle::new(Point::zero(), Size::new(4, 4)),
        BG,
    );
    assert_eq!(screen.differing(Rgb888::BLACK), 0);
}

#[test]
fn include_image_converts_a_png_at_build_time() {
    // kernel/tests/data/test-badge.png: 8×4, left half opaque teal, right half clear.
    let image = crate::include_image!("tests/data/test-badge.png");
    assert_eq!((image.width(), image.height()), (8, 4));
    let mut screen = Screen::new(8, 4, Rgb888::BLACK);
    image.draw(
        &mut screen,
        &Rectangle::new(Point::zero(), Size::new(8, 4)),
        BG,
    );
    assert_eq!(screen.at(0, 0), Rgb888::new(0x2D, 0xD4, 0xBF));
    assert_eq!(screen.at(7, 3), BG);
}
