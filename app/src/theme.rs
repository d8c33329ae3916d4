//! Colours of the kiosk: a dark slate background, light cards, one accent colour.

use embedded_graphics::pixelcolor::Rgb888;

/// Page background.
pub const BACKGROUND: Rgb888 = Rgb888::new(0x0F, 0x17, 0x2A);
/// Header bar.
pub const HEADER: Rgb888 = Rgb888::new(0x0B, 0x12, 0x20);
/// Card (button, panel) surface.
pub const CARD: Rgb888 = Rgb888::new(0x1E, 0x29, 0x3B);
/// Card under the pointer.
pub const CARD_HOVER: Rgb888 = Rgb888::new(0x2A, 0x38, 0x50);
/// Card edge.
pub const CARD_EDGE: Rgb888 = Rgb888::new(0x33, 0x41, 0x55);
/// Main text.
pub const TEXT: Rgb888 = Rgb888::new(0xF1, 0xF5, 0xF9);
/// Secondary text.
pub const MUTED: Rgb888 = Rgb888::new(0x94, 0xA3, 0xB8);
/// Text on an accent surface.
pub const ON_ACCENT: Rgb888 = Rgb888::new(0x0B, 0x12, 0x20);
/// Keyboard focus ring.
pub const FOCUS: Rgb888 = Rgb888::new(0xFA, 0xCC, 0x15);

/// Accent colours the "Accent" button cycles through: teal, violet, coral, sky.
pub const ACCENTS: [Rgb888; 4] = [
    Rgb888::new(0x2D, 0xD4, 0xBF),
    Rgb888::new(0xA7, 0x8B, 0xFA),
    Rgb888::new(0xFB, 0x92, 0x6C),
    Rgb888::new(0x38, 0xBD, 0xF8),
];

/// `color` darkened to `percent` of its brightness.
pub fn shade(color: Rgb888, percent: u32) -> Rgb888 {
    use embedded_graphics::pixelcolor::RgbColor;
    let f = |c: u8| (u32::from(c) * percent / 100).min(255) as u8;
    Rgb888::new(f(color.r()), f(color.g()), f(color.b()))
}
