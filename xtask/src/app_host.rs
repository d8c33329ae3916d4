//! An app's host binary (what `vitrine::main!` makes off bare metal), driven from
//! xtask: renders, widget lists and redraw timings of any app, without linking it.

use std::path::PathBuf;
use std::process::Command;

use embedded_graphics::prelude::{Point, Size};
use embedded_graphics::primitives::Rectangle;

use crate::preview::Frame;
use crate::status_line::{StatusLine, MARKER};
use crate::{cargo, run_command, Result};

/// Builds `package`'s host binary (debug profile) and returns its path. Built once
/// per process and one build at a time: tests in parallel threads must not rebuild a
/// binary another thread is running.
pub fn binary(package: &str) -> Result<PathBuf> {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let path = crate::target_dir().join("debug").join(package);
    if built.iter().any(|p| p == package) {
        return Ok(path);
    }
    build_binary(package)?;
    built.push(package.to_string());
    Ok(path)
}

fn build_binary(package: &str) -> Result<PathBuf> {
    let mut command = cargo();
    command.args(["build", "--quiet", "--package", package, "--bin", package]);
    run_command(&mut command)?;
    let path = crate::target_dir().join("debug").join(package);
    if !path.is_file() {
        return Err(format!("built {package} but {} is missing", path.display()).into());
    }
    Ok(path)
}

fn output(binary: &PathBuf, args: &[String]) -> Result<String> {
    let out = Command::new(binary)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !out.status.success() {
        return Err(format!(
            "`{} {}` failed: {}",
            binary.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The app rendered at `width`×`height` after the input `script` (see `vitrine::host`).
pub fn render(binary: &PathBuf, width: u32, height: u32, script: &str) -> Result<Frame> {
    render_with(binary, width, height, &[], script)
}

/// [`render`] with app options (`NAME=VALUE`, as `app.NAME=VALUE` on the command line).
pub fn render_with(
    binary: &PathBuf,
    width: u32,
    height: u32,
    options: &[&str],
    script: &str,
) -> Result<Frame> {
    let dir = crate::target_dir().join("xtask").join("renders");
    std::fs::create_dir_all(&dir)?;
    let stem = binary.file_name().unwrap_or_default().to_string_lossy();
    // Unique per call: tests render in parallel threads.
    static RENDERS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = RENDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ppm = dir.join(format!(
        "{stem}-{width}x{height}-{}-{n}.ppm",
        std::process::id()
    ));
    let mut args: Vec<String> = vec![
        "render".into(),
        "--size".into(),
        format!("{width}x{height}"),
        "--out".into(),
        ppm.to_string_lossy().into_owned(),
        "--events".into(),
        script.into(),
    ];
    for option in options {
        args.extend(["--option".into(), option.to_string()]);
    }
    output(binary, &args)?;
    let bytes = std::fs::read(&ppm)?;
    let _ = std::fs::remove_file(&ppm);
    Ok(crate::screenshot::read_ppm(&bytes)?)
}

/// The app's widgets at `width`×`height` after `script`, indexed by widget id.
pub fn widgets(binary: &PathBuf, width: u32, height: u32, script: &str) -> Result<Vec<Rectangle>> {
    let text = output(
        binary,
        &[
            "widgets".into(),
            "--size".into(),
            format!("{width}x{height}"),
            "--events".into(),
            script.into(),
        ],
    )?;
    let mut list: Vec<(usize, Rectangle)> = Vec::new();
    for line in text.lines() {
        let parsed = StatusLine::parse(&format!("{MARKER}{line}"));
        let field = |key: &str| {
            parsed
                .as_ref()
                .and_then(|l| l.get(key)?.parse::<i64>().ok())
                .ok_or_else(|| format!("bad widget line `{line}`"))
        };
        let rect = Rectangle::new(
            Point::new(field("x")? as i32, field("y")? as i32),
            Size::new(field("w")? as u32, field("h")? as u32),
        );
        list.push((field("id")? as usize, rect));
    }
    list.sort_by_key(|(id, _)| *id);
    Ok(list.into_iter().map(|(_, r)| r).collect())
}

/// µs per full redraw and per plain fill, host CPU: (redraw, fill).
pub fn bench(binary: &PathBuf, width: u32, height: u32, rounds: u32) -> Result<(f64, f64)> {
    let text = output(
        binary,
        &[
            "bench".into(),
            "--size".into(),
            format!("{width}x{height}"),
            "--rounds".into(),
            rounds.to_string(),
        ],
    )?;
    let line = StatusLine::parse(&format!("{MARKER}{}", text.trim()))
        .ok_or_else(|| format!("no bench line in `{}`", text.trim()))?;
    let number = |key: &str| {
        line.get(key)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| format!("no {key}= in `{}`", text.trim()))
    };
    Ok((number("redraw_us")?, number("fill_us")?))
}
