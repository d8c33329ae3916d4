//! The live preview, headless: Xvfb, `cargo xtask preview --live` in it, xdotool
//! for the pointer, keys and window size, ImageMagick's `import` for screenshots of
//! the window, compared pixel by pixel with the app's own host render of the same
//! state (the clock and uptimes differ, so most pixels, not all, must match).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use embedded_graphics::primitives::Rectangle;

use crate::preview::Frame;
use crate::Result;

/// The check's name in `cargo xtask test`.
pub const NAME: &str = "live-preview-xvfb";

/// How long one expected picture may take to show.
const SHOW_TIMEOUT: Duration = Duration::from_secs(30);
/// Share of the window's pixels equal to the host render (clock, uptime and event
/// counts are the difference).
const SAME_SHARE: f64 = 0.95;

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(display: &str, args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .env("DISPLAY", display)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", args[0]))?;
    if !out.status.success() {
        return Err(format!(
            "`{}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(out.stdout)
}

fn screenshot(display: &str, window: &str) -> Result<Frame> {
    let png_bytes = tool(display, &["import", "-window", window, "png:-"])?;
    let mut decoder = png::Decoder::new(png_bytes.as_slice());
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| {
            let (r, g, b) = if channels >= 3 {
                (p[0], p[1], p[2])
            } else {
                (p[0], p[0], p[0])
            };
            (u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b)
        })
        .collect();
    Ok(Frame {
        width: info.width,
        height: info.height,
        pixels,
    })
}

/// Share of pixels of `rect` (the whole frame if `None`) equal in both frames.
fn same_share(a: &Frame, b: &Frame, rect: Option<Rectangle>) -> f64 {
    if (a.width, a.height) != (b.width, b.height) {
        return 0.0;
    }
    let (x0, y0, x1, y1) = match rect {
        Some(r) => (
            r.top_left.x.max(0) as u32,
            r.top_left.y.max(0) as u32,
            (r.top_left.x as u32 + r.size.width).min(a.width),
            (r.top_left.y as u32 + r.size.height).min(a.height),
        ),
        None => (0, 0, a.width, a.height),
    };
    let (mut same, mut all) = (0u64, 0u64);
    for y in y0..y1 {
        for x in x0..x1 {
            let i = (y * a.width + x) as usize;
            same += u64::from(a.pixels[i] == b.pixels[i]);
            all += 1;
        }
    }
    same as f64 / all.max(1) as f64
}

/// Waits until the window shows `expected` (whole frame, and `rect` almost exactly).
fn wait_for(
    display: &str,
    window: &str,
    expected: &Frame,
    rect: Option<Rectangle>,
    what: &str,
) -> Result {
    let deadline = Instant::now() + SHOW_TIMEOUT;
    let mut last = String::new();
    while Instant::now() < deadline {
        match screenshot(display, window) {
            Ok(shot) => {
                let whole = same_share(&shot, expected, None);
                let part = rect.map_or(1.0, |r| same_share(&shot, expected, Some(r)));
                if whole >= SAME_SHARE && part >= 0.99 {
                    println!(
                        "  live: {what}: {:.1}% of the window as rendered",
                        whole * 100.0
                    );
                    return Ok(());
                }
                last = format!(
                    "{}x{} window, {:.1}% equal to the {}x{} render ({:.1}% in {rect:?})",
                    shot.width,
                    shot.height,
                    whole * 100.0,
                    expected.width,
                    expected.height,
                    part * 100.0
                );
                if Instant::now() + Duration::from_millis(300) >= deadline {
                    let dir = crate::target_dir().join("xtask").join("live");
                    std::fs::create_dir_all(&dir)?;
                    let _ =
                        crate::preview::write_png(&shot, &dir.join(format!("{what}-window.png")));
                    let _ = crate::preview::write_png(
                        expected,
                        &dir.join(format!("{what}-expected.png")),
                    );
                    last += &format!(" (pictures in {})", dir.display());
                }
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!("live window never showed {what}: {last}").into())
}

/// What Xvfb said (its stderr goes to a file): for a failure report.
fn xvfb_log(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(8).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    format!("Xvfb's log {}: {}", path.display(), tail.join(" | "))
}

/// A running Xvfb: the process, its display and its log.
struct Xvfb {
    process: Killed,
    display: String,
    log: PathBuf,
}

impl Xvfb {
    /// Whether it still runs, and what it said: appended to a failure.
    fn state(&mut self) -> String {
        let running = match self.process.0.try_wait() {
            Ok(None) => "running".to_string(),
            Ok(Some(status)) => format!("exited ({status})"),
            Err(e) => format!("unknown ({e})"),
        };
        format!("Xvfb {} {running}; {}", self.display, xvfb_log(&self.log))
    }
}

fn start_xvfb() -> Result<Xvfb> {
    // A display number of our own, so parallel runs do not meet.
    for n in (90 + std::process::id() % 100)..300 {
        // A lock file without a socket is a server that was killed: its pid may be
        // reused, and then Xvfb refuses the number.
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let display = format!(":{n}");
        let dir = crate::target_dir().join("xtask").join("live");
        std::fs::create_dir_all(&dir)?;
        let log = dir.join(format!("xvfb-{n}.log"));
        let child = Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1600x1200x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .map_err(|e| format!("cannot start Xvfb: {e}"))?;
        let mut xvfb = Xvfb {
            process: Killed(child),
            display,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            // The socket exists from bind() and accepts connections before the server
            // has finished starting (keymap, screens), and it may still fail then:
            // ready means a real client's request was answered.
            if tool(&xvfb.display, &["xdotool", "getdisplaygeometry"]).is_ok() {
                return Ok(xvfb);
            }
            if let Ok(Some(_)) = xvfb.process.0.try_wait() {
                return Err(format!("Xvfb exited at start: {}", xvfb.state()).into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        return Err(format!("Xvfb did not answer in 15 s: {}", xvfb.state()).into());
    }
    Err("no free X display number".into())
}

/// The whole check for `package`.
pub fn run(package: &str) -> Result {
    crate::setup::ensure_packages(crate::setup::LIVE_NEEDS)?;
    let binary: PathBuf = crate::app_host::binary(package)?;
    let mut xvfb = start_xvfb()?;
    let display = xvfb.display.clone();
    let xtask = std::env::current_exe()?;
    let (w, h) = (800u32, 600u32);
    let live = Command::new(xtask)
        .args([
            "preview",
            "-p",
            package,
            "--live",
            "--size",
            &format!("{w}x{h}"),
        ])
        .args(["--live-for", "300"])
        .env("DISPLAY", &display)
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the live preview: {e}"))?;
    let mut live = Killed(live);

    let deadline = Instant::now() + SHOW_TIMEOUT;
    let window = loop {
        let found = tool(
            &display,
            &["xdotool", "search", "--name", crate::live::TITLE],
        );
        if let Some(id) = found.ok().and_then(|out| {
            String::from_utf8_lossy(&out)
                .lines()
                .next()
                .map(str::to_string)
        }) {
            break id;
        }
        if let Ok(Some(status)) = live.0.try_wait() {
            return Err(format!(
                "the live preview exited before its window showed: {status}; {}",
                xvfb.state()
            )
            .into());
        }
        if Instant::now() >= deadline {
            return Err(format!("the live preview window never appeared; {}", xvfb.state()).into());
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let render = |w: u32, h: u32, script: &str| crate::app_host::render(&binary, w, h, script);
    let widgets = crate::app_host::widgets(&binary, w, h, "")?;
    let first = *widgets.first().ok_or("the app reports no widgets")?;
    let centre = first.center();

    // The app as it starts; the pointer parked off its widgets.
    tool(
        &display,
        &["xdotool", "mousemove", "--window", &window, "1", "1"],
    )?;
    wait_for(&display, &window, &render(w, h, "move 1 1")?, None, "start")?;
    // Pointer onto the first widget: hover.
    let (cx, cy) = (centre.x.to_string(), centre.y.to_string());
    tool(
        &display,
        &["xdotool", "mousemove", "--window", &window, &cx, &cy],
    )?;
    wait_for(
        &display,
        &window,
        &render(w, h, "hover 0")?,
        Some(first),
        "hover",
    )?;
    // A click.
    // Held like a person holds it (the window samples the buttons once a frame).
    tool(
        &display,
        &["xdotool", "mousedown", "1", "sleep", "0.3", "mouseup", "1"],
    )?;
    wait_for(
        &display,
        &window,
        &render(w, h, "click 0")?,
        Some(first),
        "click",
    )?;
    // A key: Tab moves the focus.
    tool(&display, &["xdotool", "key", "--delay", "200", "Tab"])?;
    wait_for(
        &display,
        &window,
        &render(w, h, "click 0; key tab")?,
        None,
        "key",
    )?;
    // A resize: the app reflows to the new size.
    let (w2, h2) = (1024u32, 768u32);
    tool(
        &display,
        &[
            "xdotool",
            "windowsize",
            &window,
            &w2.to_string(),
            &h2.to_string(),
        ],
    )?;
    let resized_widgets = crate::app_host::widgets(&binary, w2, h2, "")?;
    let resized_first = resized_widgets[0];
    let c2 = resized_first.center();
    tool(
        &display,
        &[
            "xdotool",
            "mousemove",
            "--window",
            &window,
            &c2.x.to_string(),
            &c2.y.to_string(),
        ],
    )?;
    wait_for(
        &display,
        &window,
        &render(w2, h2, "click 0; key tab; hover 0")?,
        Some(resized_first),
        "resize",
    )?;
    Ok(())
}
