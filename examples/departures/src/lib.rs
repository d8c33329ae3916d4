//! A station departure board, drawn with `vitrine::ui`: the station's logo (a PNG
//! converted at build time, scaled and blended over the header), its
//! name from the `app.title` option, a live clock, departures that turn page every
//! ten seconds (an app timer) or when the "Page suivante" button is clicked, and a
//! layout that reflows on every resize (narrow screens drop the platform column).
#![no_std]

mod board;

pub use board::Board;
