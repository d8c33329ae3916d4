//! Input latency in the guest's own time: with `bench=latency` every frame that shows
//! a button or key event prints `@vitrine latency kind=button|key us=N`, N being the
//! time from the event's interrupt to the end of the present. Clicks go through the
//! QEMU vmmouse (absolute), keys through the PS/2 keyboard (Tab, moving the focus).

use std::path::Path;
use std::time::Duration;

use embedded_graphics::prelude::Point;

use super::{percentile, Goal, Row};
use crate::qemu::{Firmware, QemuOptions, QemuRun};
use crate::qmp::MouseButton;
use crate::status_line::StatusLine;
use crate::Result;

const TIMEOUT: Duration = Duration::from_secs(120);
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// QEMU's absolute axis range.
const ABS_MAX: i64 = 0x7fff;

/// Waits for the next `latency kind=KIND` line after index `after`.
fn next_sample(run: &mut QemuRun, kind: &str, after: usize) -> Result<StatusLine> {
    run.wait_for_match(
        |l| l.word == "latency" && l.get("kind") == Some(kind) && l.index > after,
        STEP_TIMEOUT,
    )
}

fn samples(run: &mut QemuRun, target: Point, clicks: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    let ready = run.wait_for("frame", TIMEOUT)?;
    let (w, h) = (1024, 768);
    let centre = target;
    let abs = |p: i32, size: u32| i64::from(p) * ABS_MAX / i64::from(size);
    run.qmp()?
        .move_absolute(abs(centre.x, w), abs(centre.y, h))?;
    let mut last = ready.index;
    let (mut buttons, mut keys) = (Vec::new(), Vec::new());
    for _ in 0..clicks {
        for down in [true, false] {
            run.qmp()?.button(MouseButton::Left, down)?;
            let line = next_sample(run, "button", last)?;
            last = line.index;
            buttons.push(line.number("us").ok_or("latency line without us=")? as f64);
        }
    }
    for _ in 0..clicks {
        run.qmp()?.tap_key("tab")?;
        let line = next_sample(run, "key", last)?;
        last = line.index;
        keys.push(line.number("us").ok_or("latency line without us=")? as f64);
    }
    Ok((buttons, keys))
}

/// p50 and p99 of clicks (press and release) and key presses.
pub fn measure(elf: &Path, package: &str, quick: bool) -> Result<Vec<Row>> {
    let clicks = if quick { 20 } else { 100 };
    // The app's own widget list (its host binary) says where to click.
    let binary = crate::app_host::binary(package)?;
    let widgets = crate::app_host::widgets(&binary, 1024, 768, "")?;
    let target = widgets
        .get(1)
        .or(widgets.first())
        .ok_or("the app reports no widgets to click")?
        .center();
    let iso = super::iso_path("bench-latency");
    crate::iso::make_iso(elf, "mode=1024x768 bench=latency", &iso)?;
    let mut run = QemuRun::start("bench-latency", &QemuOptions::new(iso, Firmware::Bios))?;
    let (buttons, keys) = samples(&mut run, target, clicks).map_err(|e| {
        format!(
            "{e}\n---- serial log tail ----\n{}",
            tail(&run.serial_log())
        )
    })?;
    run.kill();
    let mut rows = Vec::new();
    for (what, values, count) in [
        (
            "click",
            &buttons,
            format!("{clicks} clicks (press and release), vmmouse"),
        ),
        ("key", &keys, format!("{clicks} Tab presses, PS/2")),
    ] {
        for p in [50.0, 99.0] {
            rows.push(
                Row::new(
                    format!("{what} latency p{p:.0}"),
                    percentile(values, p) / 1000.0,
                    "ms",
                    Goal::Record,
                )
                .detail(format!("interrupt -> end of present, guest TSC; {count}")),
            );
        }
    }
    Ok(rows)
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
