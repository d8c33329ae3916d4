//! The UI toolkit apps draw with: anti-aliased text in DejaVu Sans (Latin-1, €, every
//! size), fit-to-box, alignment, ellipsis and word wrap; images embedded at build
//! time with alpha and scaling; rows/columns/grids that reflow on `Resize`; and
//! label, button, text field and list widgets whose hover and focus come from
//! `Interaction`. No heap, no hardware: everything draws on any
//! `DrawTarget<Color = Rgb888>`, row by row through `fill_contiguous`.
//!
//! ```
//! use vitrine::ui::{text, Align, Font, TextStyle, Weight};
//! use embedded_graphics::{pixelcolor::Rgb888, prelude::*, primitives::Rectangle};
//! # use embedded_graphics::mock_display::MockDisplay;
//! # let mut target = MockDisplay::<Rgb888>::new();
//! # target.set_allow_overdraw(true);
//! let area = Rectangle::new(Point::new(0, 0), Size::new(64, 20));
//! let font = text::fit(&["Genève"], Weight::Bold, area.size.width, area.size.height);
//! let style = TextStyle::new(font, Rgb888::WHITE, Rgb888::BLACK);
//! text::draw_in(&mut target, "Genève", &style, &area, Align::Center);
//! ```

pub mod card_face;
mod coverage;
pub mod font;
mod glyph;
pub mod glyph_cache;
pub mod image;
pub mod label_cache;
pub mod layout;
pub(crate) mod paint;
pub mod shape;
pub mod text;
pub mod widgets;

pub use font::{missing_glyphs, Font, Weight};
pub use image::Image;
pub use paint::blend;
pub use shape::{rounded_rect, rounded_rect_part, CardStyle};
pub use text::{Align, TextStyle};

#[cfg(test)]
#[path = "../../build/coverage_encode.rs"]
mod coverage_encode;
#[cfg(test)]
mod tests;
