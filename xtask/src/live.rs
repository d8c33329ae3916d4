//! `cargo xtask preview -p APP --live`: the app in a resizable desktop window.
//!
//! The window (minifb, X11) lives here; the app runs in its own host binary's
//! `serve` loop (`vitrine::host`), fed the window's pointer, buttons, wheel, keys,
//! typed characters, size and the time over stdin, and answering each `frame` with
//! the screen as a PPM. Closing the window (or `--live-for` seconds) ends both.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use minifb::{Key, KeyRepeat, MouseButton, MouseMode, Window, WindowOptions};

use crate::Result;

/// The window's title (the headless test finds the window by it).
pub const TITLE: &str = "Vitrine live preview";

/// Collects typed characters (with layout, dead keys and shift applied by X).
struct Typed(Arc<Mutex<Vec<char>>>);

impl minifb::InputCallback for Typed {
    fn add_char(&mut self, code: u32) {
        if let Some(c) = char::from_u32(code).filter(|c| !c.is_control()) {
            if let Ok(mut typed) = self.0.lock() {
                typed.push(c);
            }
        }
    }
}

/// The app's serve loop, spoken to line by line.
struct Served {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Served {
    fn start(binary: &Path, width: u32, height: u32) -> Result<Self> {
        let mut child = Command::new(binary)
            .args(["serve", "--size", &format!("{width}x{height}")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let input = child.stdin.take().ok_or("no stdin for the app")?;
        let output = BufReader::new(child.stdout.take().ok_or("no stdout from the app")?);
        Ok(Self {
            child,
            input,
            output,
        })
    }

    fn send(&mut self, line: &str) -> Result {
        writeln!(self.input, "{line}").map_err(|e| format!("the app stopped: {e}"))?;
        Ok(())
    }

    /// Asks for a frame and reads it: (width, height, 0RGB pixels).
    fn frame(&mut self) -> Result<(usize, usize, Vec<u32>)> {
        self.send("frame")?;
        self.input.flush()?;
        let mut header = Vec::new();
        // "P6\nW H\n255\n": three lines.
        for _ in 0..3 {
            self.output.read_until(b'\n', &mut header)?;
        }
        let text = String::from_utf8_lossy(&header);
        let numbers: Vec<usize> = text
            .split_whitespace()
            .skip(1)
            .filter_map(|w| w.parse().ok())
            .collect();
        let [width, height, 255] = numbers[..] else {
            return Err(format!("the app sent a bad frame header {text:?}").into());
        };
        let mut rgb = vec![0u8; width * height * 3];
        self.output.read_exact(&mut rgb)?;
        let pixels = rgb
            .chunks_exact(3)
            .map(|p| (u32::from(p[0]) << 16) | (u32::from(p[1]) << 8) | u32::from(p[2]))
            .collect();
        Ok((width, height, pixels))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = writeln!(self.input, "quit");
        let _ = self.input.flush();
        // Bounded: the loop ends on `quit` or on the closed pipe; else it is killed.
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The script key name of a special key, if it is one the app gets.
fn key_name(key: Key) -> Option<&'static str> {
    Some(match key {
        Key::Enter | Key::NumPadEnter => "enter",
        Key::Tab => "tab",
        Key::Escape => "escape",
        Key::Backspace => "backspace",
        Key::Delete => "delete",
        Key::Left => "left",
        Key::Right => "right",
        Key::Up => "up",
        Key::Down => "down",
        Key::Home => "home",
        Key::End => "end",
        _ => return None,
    })
}

/// Runs the window until it is closed or `seconds` pass.
pub fn run(binary: &Path, width: u32, height: u32, seconds: Option<u64>) -> Result {
    let mut window = Window::new(
        TITLE,
        width as usize,
        height as usize,
        WindowOptions {
            resize: true,
            scale_mode: minifb::ScaleMode::UpperLeft,
            ..WindowOptions::default()
        },
    )
    .map_err(|e| {
        format!("cannot open a window ({e}); is $DISPLAY set? Headless: Xvfb :99 & DISPLAY=:99")
    })?;
    window.set_target_fps(30);
    let typed = Arc::new(Mutex::new(Vec::new()));
    window.set_input_callback(Box::new(Typed(typed.clone())));
    let mut served = Served::start(binary, width, height)?;
    let started = Instant::now();
    let mut size = (width as usize, height as usize);
    let mut pointer = None;
    let buttons = [
        (MouseButton::Left, "left"),
        (MouseButton::Right, "right"),
        (MouseButton::Middle, "middle"),
    ];
    let mut down = [false; 3];
    println!("live: {TITLE} {width}x{height}; close the window to stop");
    while window.is_open() {
        if seconds.is_some_and(|s| started.elapsed() >= Duration::from_secs(s)) {
            break;
        }
        let now = window.get_size();
        if now != size && now.0 > 0 && now.1 > 0 {
            size = now;
            served.send(&format!("resize {} {}", now.0, now.1))?;
        }
        if let Some((x, y)) = window.get_mouse_pos(MouseMode::Discard) {
            let at = (x as i32, y as i32);
            if pointer != Some(at) {
                pointer = Some(at);
                served.send(&format!("move {} {}", at.0, at.1))?;
            }
        }
        for (i, (button, name)) in buttons.iter().enumerate() {
            let is_down = window.get_mouse_down(*button);
            if is_down != down[i] {
                down[i] = is_down;
                let state = if is_down { "down" } else { "up" };
                served.send(&format!("button {name} {state}"))?;
            }
        }
        if let Some((_, dy)) = window.get_scroll_wheel() {
            if dy != 0.0 {
                served.send(&format!("wheel {}", dy.signum() as i32))?;
            }
        }
        for key in window.get_keys_pressed(KeyRepeat::Yes) {
            if let Some(name) = key_name(key) {
                served.send(&format!("key {name}"))?;
            }
        }
        let chars: Vec<char> = typed
            .lock()
            .map(|mut t| t.drain(..).collect())
            .unwrap_or_default();
        for c in chars {
            served.send(&format!("char {:x}", c as u32))?;
        }
        served.send(&format!("time {}", started.elapsed().as_micros()))?;
        let (w, h, pixels) = served.frame()?;
        window
            .update_with_buffer(&pixels, w, h)
            .map_err(|e| format!("window: {e}"))?;
    }
    Ok(())
}
