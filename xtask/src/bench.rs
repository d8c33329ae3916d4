//! `cargo xtask bench [-p APP] [--size WxH] [--rounds N] [--vga std,vmware]`: how much a full app redraw costs
//! next to a plain fill of the same framebuffer.
//!
//! In QEMU: boots the ISO with `bench=redraw`; the kernel times both with the TSC in
//! the same run, with the framebuffer mapped write-combining and then uncached, and
//! prints `@vitrine bench name=fill|redraw cache=wc|uc reps=N us=N min_us=N`.
//! On the host: the same app drawing into memory (its host binary's `bench`).

use std::time::Duration;

use crate::cli::{parse_size, AppPackage};
use crate::qemu::{Firmware, QemuOptions, QemuRun};
use crate::status_line::StatusLine;
use crate::Result;

const TIMEOUT: Duration = Duration::from_secs(120);

/// `cargo xtask bench` options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub app: AppPackage,
    /// Screen size
    #[arg(long, value_name = "WxH", value_parser = parse_size, default_value = "1920x1080")]
    pub size: (u32, u32),
    /// Host redraw rounds
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub rounds: u32,
    /// QEMU display devices to boot, one boot each (`std`, `vmware`: the VBE and the
    /// SVGA II backends)
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "std"
    )]
    pub vga: Vec<String>,
}

/// `cargo xtask bench`.
pub fn run(args: &BenchArgs) -> Result {
    let ((width, height), rounds) = (args.size, args.rounds);
    crate::setup::ensure_all()?;
    let elf = crate::build::build_kernel(&args.app.package)?;
    // No test-exit: the run goes on to the app's first frame (its time to draw and
    // present shows too), then QEMU is stopped.
    let cmdline = format!("mode={width}x{height} bench=redraw");
    let iso = crate::target_dir()
        .join("xtask")
        .join("iso")
        .join("bench.iso");
    crate::iso::make_iso(&elf, &cmdline, &iso)?;
    for vga in &args.vga {
        let mut options = QemuOptions::new(iso.clone(), Firmware::Bios);
        options.extra_args = vec!["-vga".into(), vga.clone()];
        let mut run = QemuRun::start(&format!("bench-{vga}"), &options)?;
        println!("-vga {vga}:");
        let (lines, first_frame) = match collect(&mut run) {
            Ok(lines) => lines,
            Err(error) => {
                run.kill();
                println!("---- serial log ----\n{}", run.serial_log());
                return Err(error);
            }
        };
        print_qemu_table(&lines)?;
        println!("{first_frame}");
    }

    let binary = crate::app_host::binary(&args.app.package)?;
    let (redraw, fill) = crate::app_host::bench(&binary, width, height, rounds)?;
    println!(
        "host (the app drawing into memory, debug profile, {width}x{height}, {rounds} rounds): \
         full redraw {redraw:.0} us, plain fill {fill:.0} us, ratio {:.1}",
        redraw / fill
    );
    Ok(())
}

/// Waits for `bench done` and the first frame, then stops QEMU; returns the `bench` lines
/// and a line about the first frame (backend, time to draw and present it).
fn collect(run: &mut QemuRun) -> Result<(Vec<StatusLine>, String)> {
    let start = run.wait_for("bench", TIMEOUT)?;
    run.wait_for_match(
        |l| l.word == "bench" && l.fields.contains_key("done"),
        TIMEOUT,
    )?;
    let frame = run.wait_for("frame", TIMEOUT)?;
    run.kill();
    println!("{}", start.raw);
    let lines = run.status_lines();
    let display = lines
        .iter()
        .rev()
        .find(|l| l.word == "display" && l.get("backend").is_some());
    let first_frame = format!(
        "first frame: backend={} t_us={} dirty_px={}",
        display.and_then(|l| l.get("backend")).unwrap_or("?"),
        frame.get("t_us").unwrap_or("?"),
        frame.get("dirty_px").unwrap_or("?")
    );
    Ok((
        lines
            .into_iter()
            .filter(|l| l.word == "bench" && l.get("name").is_some())
            .collect(),
        first_frame,
    ))
}

/// One measurement: (mean µs, fastest µs).
fn figure(lines: &[StatusLine], name: &str, cache: &str) -> Option<(u64, u64)> {
    let line = lines
        .iter()
        .find(|l| l.get("name") == Some(name) && l.get("cache") == Some(cache))?;
    Some((line.number("us")?, line.number("min_us")?))
}

fn print_qemu_table(lines: &[StatusLine]) -> Result {
    println!("QEMU TCG, TSC-timed in one boot:");
    println!(
        "{:<8} {:<6} {:>10} {:>10}",
        "what", "cache", "mean us", "min us"
    );
    for line in lines {
        println!(
            "{:<8} {:<6} {:>10} {:>10}",
            line.get("name").unwrap_or("?"),
            line.get("cache").unwrap_or("?"),
            line.get("us").unwrap_or("?"),
            line.get("min_us").unwrap_or("?")
        );
    }
    let (fill_wc, _) = figure(lines, "fill", "wc").ok_or("no `bench name=fill cache=wc` line")?;
    let (redraw_wc, _) =
        figure(lines, "redraw", "wc").ok_or("no `bench name=redraw cache=wc` line")?;
    println!(
        "redraw / fill (write-combining): {:.2}",
        redraw_wc as f64 / fill_wc.max(1) as f64
    );
    if let (Some((fill_uc, _)), Some((redraw_uc, _))) =
        (figure(lines, "fill", "uc"), figure(lines, "redraw", "uc"))
    {
        println!(
            "redraw / fill (uncached): {:.2}; uncached / write-combining: fill {:.2}, redraw {:.2}",
            redraw_uc as f64 / fill_uc.max(1) as f64,
            fill_uc as f64 / fill_wc.max(1) as f64,
            redraw_uc as f64 / redraw_wc.max(1) as f64
        );
    } else {
        println!("(no uncached figures: the framebuffer range could not be remapped)");
    }
    Ok(())
}
