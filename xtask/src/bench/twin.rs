//! The twin's counts (hosted: the kiosk, the drivers and the runtime against our
//! model of VirtualBox's devices), where bytes and presented pixels can be counted.

use super::{Goal, Row};
use crate::Result;

/// Runs `vitrine_hosted::bench::measure` and turns it into rows.
pub fn measure() -> Result<Vec<Row>> {
    let figures = vitrine_hosted::bench::measure().map_err(|e| e.to_string())?;
    Ok(vec![
        Row::new(
            "fb bytes / pointer move (host pointer)",
            figures.bytes_per_pointer_move,
            "B",
            Goal::Exactly(0.0),
        )
        .detail("twin, 1024x768, VBVA + host-drawn pointer"),
        Row::new(
            "fb bytes / hover change / widget bytes",
            figures.bytes_per_hover / figures.widget_bytes as f64,
            "x",
            Goal::AtMost(1.0),
        )
        .detail(format!(
            "{:.0} B written per hover, widget {} B",
            figures.bytes_per_hover, figures.widget_bytes
        )),
        Row::new(
            "presented px / hover change / widget",
            figures.presented_px_per_hover / figures.widget_px as f64,
            "x",
            Goal::AtMost(1.0),
        )
        .detail(format!(
            "{:.0} px in VBVA records per hover, widget {} px",
            figures.presented_px_per_hover, figures.widget_px
        )),
        Row::new(
            "redraws / applied resize hint",
            figures.redraws_per_hint,
            "",
            Goal::Exactly(1.0),
        )
        .detail("full-screen presents per hint, 3 hints"),
    ])
}
