//! Redraw, page switch and hover against plain fills, in QEMU: one boot with
//! `bench=redraw` measures every size the display can show (1024x768, 1920x1080,
//! 3840x2160), write-combining and uncached, timed with the guest's TSC. Ratios use
//! the fastest of the repetitions (the least disturbed by the host).

use std::path::Path;
use std::time::Duration;

use super::{Goal, Row};
use crate::qemu::{Firmware, QemuExit, QemuOptions, QemuRun};
use crate::status_line::StatusLine;
use crate::Result;

const TIMEOUT: Duration = Duration::from_secs(300);

/// Boots the bench ISO and turns its `bench` lines into rows; with `instructions`,
/// under `-icount shift=0` (one TSC nanosecond per guest instruction).
pub fn measure(elf: &Path, instructions: bool) -> Result<Vec<Row>> {
    let iso = super::iso_path("bench-redraw");
    crate::iso::make_iso(elf, "bench=redraw test-exit=bench", &iso)?;
    let mut options = QemuOptions::new(iso, Firmware::Bios);
    // 3840x2160x32 needs 32 MiB of VRAM; -vga std has 16 by default.
    options
        .extra_args
        .extend(["-global", "VGA.vgamem_mb=64"].map(String::from));
    if instructions {
        options
            .extra_args
            .extend(["-icount", "shift=0"].map(String::from));
    }
    let mut run = QemuRun::start("bench-redraw", &options)?;
    let lines = match collect(&mut run) {
        Ok(lines) => lines,
        Err(error) => {
            run.kill();
            return Err(format!("{error}\n---- serial log ----\n{}", run.serial_log()).into());
        }
    };
    let rows = rows(&lines)?;
    if !instructions {
        return Ok(rows);
    }
    // Instruction ratios: their own names, no goal (the goal is about time).
    Ok(rows
        .into_iter()
        .map(|row| {
            let detail = row.detail.replace(" us", " k instructions");
            Row::new(
                format!("{} (instructions)", row.key),
                row.value,
                row.unit,
                Goal::Record,
            )
            .detail(detail)
        })
        .collect())
}

/// Waits for `bench done` and a clean exit; returns the `bench` lines.
fn collect(run: &mut QemuRun) -> Result<Vec<StatusLine>> {
    let start = run.wait_for("bench", TIMEOUT)?;
    println!("{}", start.raw);
    run.wait_for_match(
        |l| l.word == "bench" && l.fields.contains_key("done"),
        TIMEOUT,
    )?;
    let exit = run.wait_exit(TIMEOUT)?;
    if exit != QemuExit::Success {
        return Err(format!("the bench boot ended with {exit}").into());
    }
    Ok(run
        .status_lines()
        .into_iter()
        .filter(|l| l.word == "bench")
        .collect())
}

/// (fastest µs, mean µs, dirty px) of measurement `name` at `mode`, `cache`.
pub(super) fn figure(
    lines: &[StatusLine],
    name: &str,
    mode: &str,
    cache: &str,
) -> Option<(f64, f64, u64)> {
    let line = lines.iter().find(|l| {
        l.get("name") == Some(name) && l.get("mode") == Some(mode) && l.get("cache") == Some(cache)
    })?;
    Some((
        line.number("min_us")? as f64,
        line.number("us")? as f64,
        line.number("px")?,
    ))
}

fn rows(lines: &[StatusLine]) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for line in lines.iter().filter(|l| l.fields.contains_key("skipped")) {
        println!("bench: {}", line.raw);
    }
    for mode in ["1024x768", "1920x1080", "3840x2160"] {
        for cache in ["wc", "uc"] {
            let Some(fill) = figure(lines, "fill", mode, cache) else {
                continue;
            };
            let goal = if mode == "1920x1080" {
                Goal::AtMost(1.5)
            } else {
                Goal::Record
            };
            for (name, reference, what) in [
                ("redraw", fill, "full redraw / full fill"),
                (
                    "redraw-uncached",
                    fill,
                    "full redraw without the text caches / full fill",
                ),
                (
                    "cold",
                    fill,
                    "first redraw at a size, text caches empty / full fill",
                ),
                ("page", fill, "page switch / full fill"),
            ] {
                if let Some(measured) = figure(lines, name, mode, cache) {
                    rows.push(
                        Row::new(
                            format!("{name}/fill {mode} {cache}"),
                            measured.0 / reference.0.max(1.0),
                            "x",
                            if name == "redraw" { goal } else { Goal::Record },
                        )
                        .detail(format!(
                            "{what}: {:.0} / {:.0} us (min of 15)",
                            measured.0, reference.0
                        )),
                    );
                }
            }
            if let (Some(hover), Some(fill_hover)) = (
                figure(lines, "hover", mode, cache),
                figure(lines, "fill-hover", mode, cache),
            ) {
                rows.push(
                    Row::new(
                        format!("hover/fill {mode} {cache}"),
                        hover.0 / fill_hover.0.max(1.0),
                        "x",
                        Goal::Record,
                    )
                    .detail(format!(
                        "one hover change / a fill of its {} dirty px: {:.0} / {:.0} us",
                        hover.2, hover.0, fill_hover.0
                    )),
                );
            }
        }
    }
    if rows.is_empty() {
        return Err("no `bench name=...` lines".into());
    }
    Ok(rows)
}
