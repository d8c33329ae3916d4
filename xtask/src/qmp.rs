//! A minimal QMP client (QEMU Machine Protocol) over a unix socket.
//!
//! One command at a time: send a JSON object, skip asynchronous events, return the
//! `return` value or the `error` as an Err.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::Result;

/// A connected, capabilities-negotiated QMP session.
pub struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    /// Asynchronous events seen so far (e.g. `SHUTDOWN`), oldest first.
    pub events: Vec<Value>,
}

/// A mouse button as QMP names it.
#[derive(Debug, Clone, Copy)]
pub enum MouseButton {
    /// The left button.
    Left,
    /// The right button.
    Right,
    /// The middle button.
    Middle,
    /// Wheel one step up.
    WheelUp,
    /// Wheel one step down.
    WheelDown,
}

impl MouseButton {
    fn name(self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::Right => "right",
            Self::Middle => "middle",
            Self::WheelUp => "wheel-up",
            Self::WheelDown => "wheel-down",
        }
    }
}

impl Qmp {
    /// Connects to QEMU's `-qmp unix:PATH,server=on,wait=off` socket, retrying until
    /// `timeout` while QEMU starts, and negotiates capabilities.
    pub fn connect(socket: &Path, timeout: Duration) -> Result<Self> {
        let stream = crate::qemu::connect_when_ready(socket, timeout)
            .map_err(|e| format!("QMP connect {}: {e}", socket.display()))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut qmp = Self {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
            events: Vec::new(),
        };
        let greeting = qmp.read_message()?;
        if greeting.get("QMP").is_none() {
            return Err(format!("unexpected QMP greeting: {greeting}").into());
        }
        qmp.execute("qmp_capabilities", json!({}))?;
        Ok(qmp)
    }

    /// Runs one command and returns its `return` value.
    pub fn execute(&mut self, command: &str, arguments: Value) -> Result<Value> {
        let mut request = json!({ "execute": command });
        if arguments.as_object().is_some_and(|a| !a.is_empty()) {
            request["arguments"] = arguments;
        }
        let mut line = serde_json::to_vec(&request)?;
        line.push(b'\n');
        self.writer.write_all(&line)?;
        loop {
            let message = self.read_message()?;
            if let Some(value) = message.get("return") {
                return Ok(value.clone());
            }
            if let Some(error) = message.get("error") {
                return Err(format!("QMP {command}: {error}").into());
            }
            if message.get("event").is_some() {
                self.events.push(message);
            }
        }
    }

    /// Saves the current screen as a PPM file (QEMU writes it).
    pub fn screendump(&mut self, ppm: &Path) -> Result {
        let path = ppm
            .to_str()
            .ok_or("screendump path is not UTF-8")?
            .to_string();
        self.execute("screendump", json!({ "filename": path }))?;
        Ok(())
    }

    /// Sends raw `input-send-event` events (see QEMU's qapi/ui.json `InputEvent`).
    pub fn send_input(&mut self, events: Value) -> Result {
        self.execute("input-send-event", json!({ "events": events }))?;
        Ok(())
    }

    /// Presses and releases a key by QEMU qcode (`"a"`, `"ret"`, `"tab"`, `"shift"`...).
    pub fn tap_key(&mut self, qcode: &str) -> Result {
        for down in [true, false] {
            self.send_input(json!([{ "type": "key",
                "data": { "down": down, "key": { "type": "qcode", "data": qcode } } }]))?;
        }
        Ok(())
    }

    /// Moves the pointer by a relative amount (PS/2 mouse).
    pub fn move_relative(&mut self, dx: i64, dy: i64) -> Result {
        self.send_input(json!([
            { "type": "rel", "data": { "axis": "x", "value": dx } },
            { "type": "rel", "data": { "axis": "y", "value": dy } },
        ]))
    }

    /// Moves the pointer to an absolute position, each axis scaled 0..=0x7fff
    /// (needs an absolute device such as vmmouse or usb-tablet).
    pub fn move_absolute(&mut self, x: i64, y: i64) -> Result {
        self.send_input(json!([
            { "type": "abs", "data": { "axis": "x", "value": x } },
            { "type": "abs", "data": { "axis": "y", "value": y } },
        ]))
    }

    /// Presses or releases a mouse button.
    pub fn button(&mut self, button: MouseButton, down: bool) -> Result {
        self.send_input(json!([{ "type": "btn",
            "data": { "down": down, "button": button.name() } }]))
    }

    /// Waits for the asynchronous event `name` (one already seen counts) until
    /// `timeout`; fails at the timeout or when QEMU closes the connection first.
    pub fn wait_event(&mut self, name: &str, timeout: Duration) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        let result = loop {
            if let Some(event) = self.events.iter().find(|e| e["event"] == name) {
                break Ok(event.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break Err(format!("no QMP {name} event within {timeout:?}").into());
            }
            self.reader.get_ref().set_read_timeout(Some(left))?;
            match self.read_message() {
                Ok(message) if message.get("event").is_some() => self.events.push(message),
                Ok(_) => {}
                Err(_) if Instant::now() >= deadline => {
                    break Err(format!("no QMP {name} event within {timeout:?}").into())
                }
                Err(error) => break Err(format!("waiting for QMP {name}: {error}").into()),
            }
        };
        self.reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_secs(30)))?;
        result
    }

    /// Asks QEMU to quit.
    pub fn quit(&mut self) -> Result {
        self.execute("quit", json!({}))?;
        Ok(())
    }

    fn read_message(&mut self) -> Result<Value> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err("QMP connection closed".into());
        }
        Ok(serde_json::from_str(&line)?)
    }
}
