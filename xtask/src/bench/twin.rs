//! The twin's counts (hosted: the demo, the drivers and the runtime against our model
//! of VirtualBox's devices), where bytes and presented pixels can be counted. Runs
//! the hosted `vitrine-twin-bench` binary and reads its `key=value` lines.

use std::collections::HashMap;

use super::{Goal, Row};
use crate::{cargo, Result};

fn figures() -> Result<HashMap<String, f64>> {
    let mut command = cargo();
    command.args([
        "run",
        "--quiet",
        "-p",
        "vitrine-hosted",
        "--bin",
        "vitrine-twin-bench",
    ]);
    crate::echo(&command);
    let output = command.output()?;
    if !output.status.success() {
        return Err(format!(
            "vitrine-twin-bench failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            Some((key.to_string(), value.parse().ok()?))
        })
        .collect())
}

/// The twin rows.
pub fn measure() -> Result<Vec<Row>> {
    let f = figures()?;
    let get = |key: &str| {
        f.get(key)
            .copied()
            .ok_or_else(|| format!("vitrine-twin-bench printed no `{key}`"))
    };
    let (hover_bytes, widget_bytes) = (get("bytes_per_hover")?, get("widget_bytes")?);
    let (hover_px, widget_px) = (get("presented_px_per_hover")?, get("widget_px")?);
    Ok(vec![
        Row::new(
            "fb bytes / pointer move (host pointer)",
            get("bytes_per_pointer_move")?,
            "B",
            Goal::Exactly(0.0),
        )
        .detail("twin, 1024x768, VBVA + host-drawn pointer"),
        Row::new(
            "fb bytes / hover change / widget bytes",
            hover_bytes / widget_bytes,
            "x",
            Goal::AtMost(1.0),
        )
        .detail(format!(
            "{hover_bytes:.0} B written per hover, widget {widget_bytes:.0} B"
        )),
        Row::new(
            "presented px / hover change / widget",
            hover_px / widget_px,
            "x",
            Goal::AtMost(1.0),
        )
        .detail(format!(
            "{hover_px:.0} px in VBVA records per hover, widget {widget_px:.0} px"
        )),
        Row::new(
            "redraws / applied resize hint",
            get("redraws_per_hint")?,
            "",
            Goal::Exactly(1.0),
        )
        .detail("full-screen presents per hint, 3 hints"),
    ])
}
