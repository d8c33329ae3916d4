//! The SVGA II backend (`-vga vmware`) against VBE (`-vga std`) in the same run, at
//! 1920x1080: the redraw-to-fill ratio (write-combining, median of side-by-side
//! pairs, from a `bench=redraw` boot) and the first frame, both its guest time (`@vitrine
//! frame t_us`: drawing and presenting it, UPDATE + SYNC on SVGA II) and the wall
//! time from starting QEMU to that line (a plain boot).

use std::path::Path;
use std::time::{Duration, Instant};

use super::redraw::figure;
use super::{Goal, Row};
use crate::qemu::{Firmware, QemuOptions, QemuRun};
use crate::status_line::StatusLine;
use crate::Result;

const TIMEOUT: Duration = Duration::from_secs(300);
const MODE: &str = "1920x1080";
/// The QEMU display devices compared, and the backend each must come up on.
const DEVICES: [(&str, &str); 2] = [("std", "vbe"), ("vmware", "svga")];

/// Boots each device twice (redraw bench, plain boot) and returns their rows.
pub fn measure(elf: &Path) -> Result<Vec<Row>> {
    let bench_iso = super::iso_path("bench-svga-redraw");
    crate::iso::make_iso(elf, &format!("mode={MODE} bench=redraw"), &bench_iso)?;
    let boot_iso = super::iso_path("bench-svga-boot");
    crate::iso::make_iso(elf, &format!("mode={MODE}"), &boot_iso)?;
    let mut rows = Vec::new();
    for (vga, backend) in DEVICES {
        let lines = boot(&bench_iso, vga, backend, true)?.lines;
        let Some(redraw) = figure(&lines, "redraw", MODE, "wc") else {
            return Err(format!("-vga {vga}: no redraw line at {MODE} wc").into());
        };
        rows.push(
            Row::new(
                format!("redraw/fill {MODE} wc -vga {vga}"),
                redraw.ratio,
                "x",
                Goal::Record,
            )
            .detail(format!(
                "{backend}: full redraw / full fill, median of 15 pairs; fastest {:.0} / {:.0} us",
                redraw.min_us, redraw.fill_min_us
            )),
        );
        let plain = boot(&boot_iso, vga, backend, false)?;
        let (wall, frame) = (plain.wall, plain.frame.number("t_us"));
        let frame = frame.ok_or(format!("-vga {vga}: `{}` has no t_us", plain.frame.raw))?;
        rows.push(
            Row::new(
                format!("first frame {MODE} -vga {vga}"),
                frame as f64 / 1000.0,
                "ms",
                Goal::Record,
            )
            .detail(format!(
                "{backend}: draw + present of the first frame; {wall:.2} s wall from QEMU's start"
            )),
        );
    }
    Ok(rows)
}

/// What one boot gave: wall seconds from QEMU's start to the first frame (after
/// `bench done` for a bench boot), that `frame` line, and every status line.
struct Boot {
    wall: f64,
    frame: StatusLine,
    lines: Vec<StatusLine>,
}

/// Boots `iso` on `-vga vga` (SeaBIOS) until its first frame (after `bench done`
/// when `bench`), checks the backend, and stops QEMU.
fn boot(iso: &Path, vga: &str, backend: &str, bench: bool) -> Result<Boot> {
    let mut options = QemuOptions::new(iso.to_path_buf(), Firmware::Bios);
    options.extra_args = vec!["-vga".into(), vga.into()];
    let name = format!("bench-svga-{vga}{}", if bench { "-redraw" } else { "" });
    let start = Instant::now();
    let mut run = QemuRun::start(&name, &options)?;
    let first_frame = |run: &mut QemuRun| -> Result<StatusLine> {
        let display = run.wait_for("display", TIMEOUT)?;
        if display.get("backend") != Some(backend) {
            return Err(format!("-vga {vga}: came up as `{}`, not {backend}", display.raw).into());
        }
        let mut after = display.index + 1;
        if bench {
            let done = |l: &StatusLine| l.word == "bench" && l.fields.contains_key("done");
            after = run.wait_for_match(done, TIMEOUT)?.index + 1;
        }
        run.wait_for_after(after, "frame", TIMEOUT)
    };
    let frame = first_frame(&mut run);
    let wall = start.elapsed().as_secs_f64();
    run.kill();
    match frame {
        Ok(frame) => Ok(Boot {
            wall,
            frame,
            lines: run.status_lines(),
        }),
        Err(error) => Err(format!(
            "{error}\n---- serial log of {name} ----\n{}",
            run.serial_log()
        )
        .into()),
    }
}
