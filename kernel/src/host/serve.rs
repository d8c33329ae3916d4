//! `APP serve --size WxH`: the app in a host loop driven line by line over stdin,
//! answering `frame` with the screen as a binary PPM on stdout. `cargo xtask preview
//! --live` shows it in a desktop window and feeds it the window's events.
//!
//! Lines: `resize W H`, `move X Y`, `button left|right|middle down|up`, `wheel N`,
//! `key NAME` (as in scripts: `enter`, `tab`, `a`, ...), `char HEX` (a typed
//! character by its code point), `time US` (the uptime now: fires timers and the
//! 250 ms tick), `option NAME VALUE...` / `option NAME` (the app's option set or
//! removed, as a host would), `frame`, `quit`. For a driver process (`cargo xtask sim -p APP`):
//! `sync` answers with the status lines the app printed since the last `sync`, then
//! `sync redraw=0|1` (whether the app asked to be drawn); `widgets` answers with one
//! `widget id= x= y= w= h=` line per widget, then `widgets end`.

use super::script::{parse_script, Step};
use super::Options;
use crate::app::{App, Button, Event, InputEvent, Key, SystemInfo};
use crate::display::memory::MemoryDisplay;
use crate::display::Display;
use std::format;
use std::io::{BufRead, Write};
use std::string::{String, ToString};
use std::sync::Mutex;
use std::vec;
use std::vec::Vec;

/// The runtime's tick period, which the loop imitates.
const TICK_US: u64 = 250_000;

/// Status lines kept for `sync` (the oldest go first when nobody asks).
const MAX_STATUS_LINES: usize = 256;

/// Status lines the app printed since the last `sync`.
static STATUS_LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn keep_status_line(args: core::fmt::Arguments) {
    let mut lines = STATUS_LINES.lock().unwrap_or_else(|e| e.into_inner());
    if lines.len() == MAX_STATUS_LINES {
        lines.remove(0);
    }
    lines.push(args.to_string());
}

struct Served<A> {
    app: A,
    info: SystemInfo,
    pixels: Vec<u32>,
    needs_draw: bool,
    next_tick_us: u64,
}

impl<A: App> Served<A> {
    fn new(app: A, width: u32, height: u32) -> Self {
        let mut info = SystemInfo {
            display_backend: "memory",
            ..SystemInfo::default()
        };
        info.set_integration("off (live preview)");
        let mut served = Self {
            app,
            info,
            pixels: Vec::new(),
            needs_draw: false,
            next_tick_us: 0,
        };
        served.resize(width, height);
        served
    }

    fn send(&mut self, event: Event) {
        if matches!(event, Event::Input(_)) {
            self.info.counts.input += 1;
        }
        self.needs_draw |= self.app.event(&event, &self.info);
    }

    fn resize(&mut self, width: u32, height: u32) {
        let (width, height) = (width.clamp(1, 16384), height.clamp(1, 16384));
        self.pixels = vec![0; width as usize * height as usize];
        self.info.width = width;
        self.info.height = height;
        self.info.counts.resizes += 1;
        self.send(Event::Resize { width, height });
        self.needs_draw = true;
    }

    fn input(&mut self, input: InputEvent) {
        self.send(Event::Input(input));
    }

    fn time(&mut self, now_us: u64) {
        self.info.uptime_us = now_us.max(self.info.uptime_us);
        let now = self.info.uptime_us;
        self.info.timers.set_now(now);
        for _ in 0..crate::timers::MAX_TIMERS {
            let Some(id) = self.info.timers.take_due(now) else {
                break;
            };
            self.send(Event::Timer(id));
        }
        if now >= self.next_tick_us {
            self.info.counts.ticks += 1;
            self.send(Event::Tick { now_us: now });
            self.next_tick_us = (self.next_tick_us + TICK_US).max(now + 1);
        }
    }

    /// Draws what changed and returns the screen as a PPM.
    fn frame(&mut self) -> Result<Vec<u8>, String> {
        let (width, height) = (self.info.width, self.info.height);
        if core::mem::take(&mut self.needs_draw) {
            let mut display = MemoryDisplay::new(&mut self.pixels, width, height)
                .map_err(|e| format!("display: {e:?}"))?;
            self.info.counts.frames += 1;
            self.app.draw(display.canvas(), &self.info);
        }
        let mut out = format!("P6\n{width} {height}\n255\n").into_bytes();
        out.reserve(self.pixels.len() * 3);
        for p in &self.pixels {
            out.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, *p as u8]);
        }
        Ok(out)
    }

    /// Handles one line; `Ok(false)` on `quit`.
    fn line(&mut self, line: &str, out: &mut impl Write) -> Result<bool, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let number = |i: usize| -> Result<i64, String> {
            words
                .get(i)
                .and_then(|w| w.parse().ok())
                .ok_or_else(|| format!("`{line}`: word {i} is not a number"))
        };
        match words.as_slice() {
            [] => {}
            ["quit"] => return Ok(false),
            ["frame"] => {
                let ppm = self.frame()?;
                write_reply(out, &ppm)?;
            }
            ["resize", _, _] => self.resize(number(1)? as u32, number(2)? as u32),
            ["move", _, _] => self.input(InputEvent::PointerMove {
                x: number(1)? as i32,
                y: number(2)? as i32,
            }),
            ["button", name, state] => {
                let button = match *name {
                    "left" => Button::Left,
                    "right" => Button::Right,
                    "middle" => Button::Middle,
                    _ => return Err(format!("`{line}`: unknown button")),
                };
                let pressed = *state == "down";
                self.input(InputEvent::Button { button, pressed });
            }
            ["wheel", _] => self.input(InputEvent::Wheel {
                delta: number(1)? as i32,
            }),
            ["char", hex] => {
                let c = u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("`{line}`: not a character code"))?;
                self.key(Key::Char(c));
            }
            ["key", _] => match parse_script(line)?.as_slice() {
                [Step::Key(key)] => self.key(*key),
                _ => return Err(format!("`{line}`: unknown key")),
            },
            ["time", _] => self.time(number(1)?.max(0) as u64),
            ["option", name] => {
                if self.info.options.remove(name) {
                    if let Some(name) = self.info.options.take_change() {
                        self.send(Event::OptionChanged(name));
                    }
                }
            }
            ["option", name, ..] => {
                let value = line.trim_start()["option".len()..]
                    .trim_start()
                    .get(name.len()..)
                    .unwrap_or("")
                    .trim();
                let change = self.info.options.set(name, value);
                change.map_err(|e| format!("`{line}`: {e:?}"))?;
                if let Some(name) = self.info.options.take_change() {
                    self.send(Event::OptionChanged(name));
                }
            }
            ["sync"] => {
                let lines =
                    core::mem::take(&mut *STATUS_LINES.lock().unwrap_or_else(|e| e.into_inner()));
                let mut reply = String::new();
                for status in lines {
                    reply.push_str(&status);
                    reply.push('\n');
                }
                reply.push_str(&format!("sync redraw={}\n", u8::from(self.needs_draw)));
                write_reply(out, reply.as_bytes())?;
            }
            ["widgets"] => {
                let mut reply = String::new();
                self.app.widgets(&mut |id, r| {
                    reply.push_str(&format!(
                        "widget id={id} x={} y={} w={} h={}\n",
                        r.top_left.x, r.top_left.y, r.size.width, r.size.height
                    ));
                });
                reply.push_str("widgets end\n");
                write_reply(out, reply.as_bytes())?;
            }
            _ => return Err(format!("unknown line `{line}`")),
        }
        Ok(true)
    }

    fn key(&mut self, key: Key) {
        for pressed in [true, false] {
            self.input(InputEvent::Key { key, pressed });
        }
    }
}

fn write_reply(out: &mut impl Write, reply: &[u8]) -> Result<(), String> {
    out.write_all(reply)
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}

/// `APP serve --size WxH`.
pub(super) fn serve_command<A: App>(new_app: fn() -> A, args: &[String]) -> Result<(), String> {
    let options = Options::parse(args, &["--size"])?;
    crate::status::set_sink(keep_status_line);
    let (width, height) = options.size()?;
    let mut served = Served::new(new_app(), width, height);
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        match served.line(line.trim(), &mut stdout) {
            Ok(true) => {}
            Ok(false) => break,
            // A bad line is reported and skipped: the window keeps running.
            Err(e) => std::eprintln!("serve: {e}"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::pixelcolor::Rgb888;
    use embedded_graphics::prelude::*;

    /// Paints the screen grey, the pixel under the pointer's column white, and counts.
    #[derive(Default)]
    struct Probe {
        x: i32,
        keys: Vec<Key>,
        timers: u32,
    }

    impl App for Probe {
        fn event(&mut self, event: &Event, info: &SystemInfo) -> bool {
            match event {
                Event::Resize { .. } => {
                    let _ = info.timers.after(crate::timers::TimerId(7), 1_000);
                }
                Event::Input(InputEvent::PointerMove { x, .. }) => self.x = *x,
                Event::Input(InputEvent::Key { key, pressed: true }) => self.keys.push(*key),
                Event::Timer(_) => self.timers += 1,
                _ => {}
            }
            true
        }
        fn draw<D: DrawTarget<Color = Rgb888>>(&mut self, d: &mut D, _: &SystemInfo) {
            let _ = d.clear(Rgb888::new(9, 9, 9));
            let _ = Pixel(Point::new(self.x, 0), Rgb888::WHITE).draw(d);
        }
    }

    fn frame(served: &mut Served<Probe>) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(served.line("frame", &mut out).unwrap());
        out
    }

    #[test]
    fn lines_become_events_and_frames_show_them() {
        let mut served = Served::new(Probe::default(), 4, 2);
        let mut sink = Vec::new();
        for line in ["move 2 1", "key tab", "char e8", "time 5000"] {
            assert!(served.line(line, &mut sink).unwrap(), "{line}");
        }
        assert_eq!(served.app.keys, [Key::Tab, Key::Char('è')]);
        assert_eq!(served.app.timers, 1, "the timer fired at time 5000");
        let ppm = frame(&mut served);
        let header = b"P6\n4 2\n255\n";
        assert_eq!(&ppm[..header.len()], header);
        let px = &ppm[header.len()..];
        assert_eq!(px.len(), 4 * 2 * 3);
        assert_eq!(&px[6..9], &[255, 255, 255], "pointer column 2 in row 0");
        assert_eq!(&px[0..3], &[9, 9, 9]);
        // A resize changes the frame size; quit ends; junk is an error, not a panic.
        served.line("resize 3 3", &mut sink).unwrap();
        assert!(frame(&mut served).starts_with(b"P6\n3 3\n255\n"));
        assert!(served.line("jump 1", &mut sink).is_err());
        assert!(served.line("move x 1", &mut sink).is_err());
        assert!(!served.line("quit", &mut sink).unwrap());
    }
}
