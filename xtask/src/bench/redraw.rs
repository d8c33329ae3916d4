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

/// One `bench name=...` line: a step timed alternately with its plain fill.
pub(super) struct Figure {
    /// Fastest run of the step, µs.
    pub min_us: f64,
    /// Fastest run of its fill, µs.
    pub fill_min_us: f64,
    /// Median of the 15 step/fill pairs.
    pub ratio: f64,
    /// Pixels the step marked dirty.
    pub px: u64,
}

/// The figure of measurement `name` at `mode`, `cache`.
pub(super) fn figure(lines: &[StatusLine], name: &str, mode: &str, cache: &str) -> Option<Figure> {
    let line = lines.iter().find(|l| {
        l.get("name") == Some(name) && l.get("mode") == Some(mode) && l.get("cache") == Some(cache)
    })?;
    Some(Figure {
        min_us: line.number("min_us")? as f64,
        fill_min_us: line.number("fill_min_us")? as f64,
        ratio: line.number("ratio_milli")? as f64 / 1000.0,
        px: line.number("px")?,
    })
}

fn rows(lines: &[StatusLine]) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for line in lines.iter().filter(|l| l.fields.contains_key("skipped")) {
        println!("bench: {}", line.raw);
    }
    for mode in ["1024x768", "1920x1080", "3840x2160"] {
        for cache in ["wc", "uc"] {
            for (name, what) in [
                ("redraw", "full redraw / full fill"),
                (
                    "redraw-uncached",
                    "full redraw without the text caches / full fill",
                ),
                (
                    "cold",
                    "first redraw at a size, text caches empty / full fill",
                ),
                ("page", "page switch / full fill"),
                ("hover", "one hover change / a fill of its dirty px"),
            ] {
                let Some(measured) = figure(lines, name, mode, cache) else {
                    continue;
                };
                let goal = if name == "redraw" && mode == "1920x1080" {
                    Goal::AtMost(1.5)
                } else {
                    Goal::Record
                };
                let what = if name == "hover" {
                    what.replace("its dirty px", &format!("its {} dirty px", measured.px))
                } else {
                    what.to_string()
                };
                rows.push(
                    Row::new(
                        format!("{name}/fill {mode} {cache}"),
                        measured.ratio,
                        "x",
                        goal,
                    )
                    .detail(format!(
                        "{what}: median of 15 side-by-side pairs; fastest {:.0} / {:.0} us",
                        measured.min_us, measured.fill_min_us
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status_line::parse_log;

    #[test]
    fn rows_take_the_median_ratio_and_hold_only_the_1080p_redraw_to_the_goal() {
        let lines = parse_log(
            "@vitrine bench name=redraw mode=1920x1080 cache=wc reps=15 us=5000 min_us=4000 fill_us=2600 fill_min_us=2500 ratio_milli=1730 px=2073600\n\
             @vitrine bench name=page mode=1920x1080 cache=wc reps=15 us=900 min_us=800 fill_us=2600 fill_min_us=2500 ratio_milli=350 px=400\n\
             @vitrine bench name=hover mode=1024x768 cache=uc reps=15 us=90 min_us=80 fill_us=40 fill_min_us=35 ratio_milli=2100 px=58368\n\
             @vitrine bench name=redraw mode=1024x768 cache=wc reps=15 us=2000 min_us=1900 fill_us=800 ratio_milli=2500 px=1\n",
        );
        let rows = rows(&lines).unwrap();
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        // The 1024x768 redraw line lacks fill_min_us: no row rather than a made-up one.
        assert_eq!(
            keys,
            [
                "hover/fill 1024x768 uc",
                "redraw/fill 1920x1080 wc",
                "page/fill 1920x1080 wc"
            ]
        );
        assert_eq!(rows[1].value, 1.73);
        assert!(matches!(rows[1].goal, Goal::AtMost(g) if g == 1.5));
        assert!(matches!(rows[2].goal, Goal::Record));
        assert!(
            rows[0].detail.contains("58368 dirty px"),
            "{}",
            rows[0].detail
        );
        assert!(
            rows[1].detail.contains("4000 / 2500 us"),
            "{}",
            rows[1].detail
        );
        assert!(super::rows(&[]).is_err());
    }
}
