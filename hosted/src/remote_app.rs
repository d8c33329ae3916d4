//! Any app crate on the hosted runtime: the app runs in its own host binary
//! (`APP serve`, made by `vitrine::main!`), this process runs the drivers, the
//! runtime and the twin, and [`RemoteApp`] carries the events over and the frames
//! back. So `cargo xtask sim -p APP` needs no app linked into `vitrine-hosted`, and
//! the app crate names nothing but `vitrine`.
//!
//! Each event becomes a `serve` line followed by `sync`; the answer brings the app's
//! status lines (emitted again here, in order, so `expect status` sees them as the
//! guest's) and whether it wants a redraw. `draw` fetches the frame and paints only
//! the runs of pixels that changed since the last one, so what the display presents
//! is what the app changed.

use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use vitrine::app::{App, Button, Event, InputEvent, Key, SystemInfo, WidgetId};

/// The pipes to the app's process.
struct Pipes {
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Pipes {
    fn send(&mut self, line: &str) -> std::io::Result<()> {
        writeln!(self.input, "{line}")?;
        self.input.flush()
    }

    fn read_line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.output.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the app's process ended",
            ));
        }
        Ok(line.trim_end().to_string())
    }
}

/// An app in another process, driven through its host binary's `serve` mode.
pub struct RemoteApp {
    binary: String,
    child: Child,
    pipes: RefCell<Pipes>,
    /// The last frame, 0x00RRGGBB, `width` × `height`.
    frame: Vec<u32>,
    width: u32,
    height: u32,
}

impl std::fmt::Debug for RemoteApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteApp")
            .field("binary", &self.binary)
            .finish()
    }
}

impl RemoteApp {
    /// Starts `binary serve` (an app crate's host binary). Its first frame comes with
    /// the runtime's first `Resize`.
    pub fn spawn(binary: &Path) -> std::io::Result<Self> {
        let mut child = Command::new(binary)
            .args(["serve", "--size", "640x480"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot start {}: {e}", binary.display()))
            })?;
        let pipes = Pipes {
            input: child.stdin.take().expect("stdin is piped"),
            output: BufReader::new(child.stdout.take().expect("stdout is piped")),
        };
        Ok(Self {
            binary: binary.display().to_string(),
            child,
            pipes: RefCell::new(pipes),
            frame: Vec::new(),
            width: 0,
            height: 0,
        })
    }

    /// A lost app process is a failed scenario: say which and stop.
    fn lost(&self, e: std::io::Error) -> ! {
        panic!("the app `{}` stopped answering: {e}", self.binary)
    }

    /// Sends `line`, then `sync`: re-emits the app's status lines and returns
    /// whether it asked for a redraw.
    fn exchange(&self, line: &str) -> bool {
        let mut pipes = self.pipes.borrow_mut();
        let answer = (|| {
            pipes.send(line)?;
            pipes.send("sync")?;
            loop {
                let reply = pipes.read_line()?;
                if let Some(flag) = reply.strip_prefix("sync redraw=") {
                    return Ok(flag == "1");
                }
                let status = reply.strip_prefix("@vitrine ").unwrap_or(&reply);
                vitrine::status!("{}", status);
            }
        })();
        answer.unwrap_or_else(|e| self.lost(e))
    }

    /// The `serve` line for an event, if the app's process takes it.
    fn line_for(event: &Event, info: &SystemInfo) -> Option<String> {
        let button_name = |button: &Button| match button {
            Button::Left => "left",
            Button::Right => "right",
            Button::Middle => "middle",
        };
        Some(match event {
            Event::Resize { width, height } => format!("resize {width} {height}"),
            Event::Tick { now_us } => format!("time {now_us}"),
            Event::Input(InputEvent::PointerMove { x, y }) => format!("move {x} {y}"),
            Event::Input(InputEvent::Button { button, pressed }) => format!(
                "button {} {}",
                button_name(button),
                if *pressed { "down" } else { "up" }
            ),
            Event::Input(InputEvent::Wheel { delta }) => format!("wheel {delta}"),
            // `serve` types a key as press and release: the press carries it.
            Event::Input(InputEvent::Key { key, pressed: true }) => key_line(*key)?,
            Event::OptionChanged(name) => {
                let name = name.as_str();
                match info.options.get(name) {
                    Some(value) => format!("option {name} {value}"),
                    None => format!("option {name}"),
                }
            }
            _ => return None,
        })
    }
}

/// `key NAME` or `char HEX` for a key press.
fn key_line(key: Key) -> Option<String> {
    match key {
        Key::Char(c) => Some(format!("char {:x}", u32::from(c))),
        key => vitrine::host::key_name(key).map(|name| format!("key {name}")),
    }
}

impl Drop for RemoteApp {
    fn drop(&mut self) {
        let _ = self.pipes.get_mut().send("quit");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one binary PPM (`P6\nW H\n255\n` then RGB bytes).
fn read_ppm(output: &mut impl BufRead) -> std::io::Result<(u32, u32, Vec<u8>)> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let mut header = Vec::new();
    // Three header lines: magic, size, depth.
    for _ in 0..3 {
        output.read_until(b'\n', &mut header)?;
    }
    let text = String::from_utf8_lossy(&header);
    let words: Vec<&str> = text.split_whitespace().collect();
    let [magic, w, h, depth] = words.as_slice() else {
        return Err(bad("not a PPM header"));
    };
    let (Ok(width), Ok(height)) = (w.parse::<u32>(), h.parse::<u32>()) else {
        return Err(bad("PPM size"));
    };
    if *magic != "P6" || *depth != "255" {
        return Err(bad("not an 8-bit P6 PPM"));
    }
    let mut rgb = vec![0; width as usize * height as usize * 3];
    output.read_exact(&mut rgb)?;
    Ok((width, height, rgb))
}

impl App for RemoteApp {
    fn event(&mut self, event: &Event, info: &SystemInfo) -> bool {
        match Self::line_for(event, info) {
            Some(line) => self.exchange(&line),
            None => false,
        }
    }

    fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, target: &mut D, _info: &SystemInfo) {
        let frame = {
            let pipes = self.pipes.get_mut();
            pipes
                .send("frame")
                .and_then(|()| read_ppm(&mut pipes.output))
        };
        let (width, height, rgb) = frame.unwrap_or_else(|e| self.lost(e));
        let fresh = (width, height) != (self.width, self.height);
        if fresh {
            self.frame = vec![u32::MAX; width as usize * height as usize];
            (self.width, self.height) = (width, height);
        }
        for y in 0..height as usize {
            let row = &mut self.frame[y * width as usize..(y + 1) * width as usize];
            let mut x = 0;
            while x < row.len() {
                let pixel = |x: usize| {
                    let i = (y * width as usize + x) * 3;
                    u32::from_be_bytes([0, rgb[i], rgb[i + 1], rgb[i + 2]])
                };
                if row[x] == pixel(x) {
                    x += 1;
                    continue;
                }
                // A run of changed pixels: painted in one call.
                let start = x;
                while x < row.len() && row[x] != pixel(x) {
                    row[x] = pixel(x);
                    x += 1;
                }
                let colors = row[start..x]
                    .iter()
                    .map(|&p| Rgb888::new((p >> 16) as u8, (p >> 8) as u8, p as u8));
                let area = Rectangle::new(
                    Point::new(start as i32, y as i32),
                    Size::new((x - start) as u32, 1),
                );
                let _ = target.fill_contiguous(&area, colors);
            }
        }
    }

    fn widgets(&self, visit: &mut dyn FnMut(WidgetId, Rectangle)) {
        let mut pipes = self.pipes.borrow_mut();
        let answer = (|| -> std::io::Result<()> {
            pipes.send("widgets")?;
            loop {
                let line = pipes.read_line()?;
                if line == "widgets end" {
                    return Ok(());
                }
                let field = |key: &str| -> Option<i64> {
                    line.split_whitespace()
                        .find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
                };
                if let (Some(id), Some(x), Some(y), Some(w), Some(h)) =
                    (field("id"), field("x"), field("y"), field("w"), field("h"))
                {
                    visit(
                        id as WidgetId,
                        Rectangle::new(
                            Point::new(x as i32, y as i32),
                            Size::new(w as u32, h as u32),
                        ),
                    );
                }
            }
        })();
        if let Err(e) = answer {
            drop(pipes);
            self.lost(e)
        }
    }
}
