//! A minimal RFB (VNC) client for boot tests: enough of RFC 6143 to receive the
//! cursor shape QEMU's VNC server forwards from the guest's display device (the
//! Cursor pseudo-encoding, -239), which `screendump` never contains.
//!
//! The client asks for 32-bit little-endian true colour (red at bit 16), so cursor
//! pixels arrive as 0x00RRGGBB words.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::Result;

/// Raw pixel rectangles.
const ENCODING_RAW: i32 = 0;
/// The Cursor pseudo-encoding ("rich cursor"): pixels plus a 1-bpp mask.
const ENCODING_CURSOR: i32 = -239;
/// The DesktopSize pseudo-encoding: the framebuffer changed size.
const ENCODING_DESKTOP_SIZE: i32 = -223;
/// Bytes per pixel in the format the client asks for.
const BYTES_PER_PIXEL: usize = 4;

/// A cursor shape as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Hotspot (the rectangle's x and y).
    pub hotspot: (u32, u32),
    /// 0x00RRGGBB per pixel, row by row.
    pub pixels: Vec<u32>,
    /// Whether each pixel is part of the cursor (the mask bit), row by row.
    pub visible: Vec<bool>,
}

impl Cursor {
    /// The pixel at (x, y): `Some(0x00RRGGBB)` where the mask shows it.
    pub fn pixel(&self, x: u32, y: u32) -> Option<u32> {
        let i = (y * self.width + x) as usize;
        self.visible[i].then(|| self.pixels[i])
    }
}

/// One connection to a VNC server.
pub struct Rfb {
    stream: UnixStream,
    size: (u16, u16),
}

impl Rfb {
    /// Connects to the server's unix socket (retrying until `timeout`: QEMU creates
    /// it while starting), does the version and security handshake (security type
    /// None), and sets the pixel format and the encodings.
    pub fn connect(socket: &Path, timeout: Duration) -> Result<Self> {
        let stream = crate::qemu::connect_when_ready(socket, timeout)
            .map_err(|e| format!("cannot connect to {}: {e}", socket.display()))?;
        stream.set_read_timeout(Some(timeout))?;
        let mut rfb = Self {
            stream,
            size: (0, 0),
        };
        rfb.handshake()?;
        Ok(rfb)
    }

    fn handshake(&mut self) -> Result {
        let version = self.bytes(12)?;
        if !version.starts_with(b"RFB 003.") {
            return Err(
                format!("not an RFB server: {:?}", String::from_utf8_lossy(&version)).into(),
            );
        }
        self.stream.write_all(b"RFB 003.008\n")?;
        let count = self.u8()?;
        if count == 0 {
            let reason = self.string()?;
            return Err(format!("the server refused the connection: {reason}").into());
        }
        let types = self.bytes(usize::from(count))?;
        if !types.contains(&1) {
            return Err(format!("no security type None among {types:?}").into());
        }
        self.stream.write_all(&[1])?;
        if self.u32()? != 0 {
            return Err("security handshake failed".into());
        }
        // ClientInit: share the desktop with other clients.
        self.stream.write_all(&[1])?;
        self.size = (self.u16()?, self.u16()?);
        let _server_format = self.bytes(16)?;
        let _name = self.string()?;
        // SetPixelFormat: 32 bpp, depth 24, little-endian, true colour, 8 bits each,
        // red at 16, green at 8, blue at 0.
        let mut format = vec![0u8, 0, 0, 0, 32, 24, 0, 1];
        for max in [255u16, 255, 255] {
            format.extend(max.to_be_bytes());
        }
        format.extend([16, 8, 0, 0, 0, 0]);
        self.stream.write_all(&format)?;
        let encodings = [ENCODING_RAW, ENCODING_CURSOR, ENCODING_DESKTOP_SIZE];
        let mut message = vec![2u8, 0];
        message.extend((encodings.len() as u16).to_be_bytes());
        for encoding in encodings {
            message.extend(encoding.to_be_bytes());
        }
        self.stream.write_all(&message)?;
        Ok(())
    }

    /// Asks for the whole screen and reads server messages until a cursor shape
    /// arrives, or fails at `timeout`.
    pub fn wait_cursor(&mut self, timeout: Duration) -> Result<Cursor> {
        let deadline = Instant::now() + timeout;
        self.request_update(false)?;
        while Instant::now() < deadline {
            match self.u8()? {
                0 => {
                    if let Some(cursor) = self.framebuffer_update()? {
                        return Ok(cursor);
                    }
                    self.request_update(true)?;
                }
                1 => {
                    // SetColourMapEntries (not expected in true colour).
                    let _ = self.bytes(3)?;
                    let n = self.u16()?;
                    let _ = self.bytes(6 * usize::from(n))?;
                }
                2 => {} // Bell
                3 => {
                    let _ = self.bytes(3)?;
                    let len = self.u32()?;
                    let _ = self.bytes(len as usize)?;
                }
                other => return Err(format!("unexpected server message type {other}").into()),
            }
        }
        Err(format!("no cursor shape from the VNC server within {timeout:?}").into())
    }

    fn request_update(&mut self, incremental: bool) -> Result {
        let (w, h) = self.size;
        let mut message = vec![3u8, u8::from(incremental), 0, 0, 0, 0];
        message.extend(w.to_be_bytes());
        message.extend(h.to_be_bytes());
        self.stream.write_all(&message)?;
        Ok(())
    }

    /// Reads one FramebufferUpdate; returns the cursor if it carried one.
    fn framebuffer_update(&mut self) -> Result<Option<Cursor>> {
        let _padding = self.u8()?;
        let rects = self.u16()?;
        let mut cursor = None;
        for _ in 0..rects {
            let (x, y, w, h) = (self.u16()?, self.u16()?, self.u16()?, self.u16()?);
            let encoding = self.u32()? as i32;
            let (wu, hu) = (usize::from(w), usize::from(h));
            match encoding {
                ENCODING_RAW => {
                    let _ = self.bytes(wu * hu * BYTES_PER_PIXEL)?;
                }
                ENCODING_CURSOR => {
                    let raw = self.bytes(wu * hu * BYTES_PER_PIXEL)?;
                    let row_bytes = wu.div_ceil(8);
                    let mask = self.bytes(row_bytes * hu)?;
                    let pixels = raw
                        .chunks_exact(4)
                        .map(|p| u32::from_le_bytes([p[0], p[1], p[2], p[3]]) & 0x00FF_FFFF)
                        .collect();
                    let visible = (0..hu)
                        .flat_map(|row| {
                            let mask = &mask;
                            (0..wu).map(move |col| {
                                mask[row * row_bytes + col / 8] & (0x80 >> (col % 8)) != 0
                            })
                        })
                        .collect();
                    cursor = Some(Cursor {
                        width: u32::from(w),
                        height: u32::from(h),
                        hotspot: (u32::from(x), u32::from(y)),
                        pixels,
                        visible,
                    });
                }
                ENCODING_DESKTOP_SIZE => self.size = (w, h),
                other => return Err(format!("unexpected rectangle encoding {other}").into()),
            }
        }
        Ok(cursor)
    }

    fn bytes(&mut self, n: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0; n];
        self.stream
            .read_exact(&mut buf)
            .map_err(|e| format!("VNC connection: {e}"))?;
        Ok(buf)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String> {
        let len = self.u32()?;
        Ok(String::from_utf8_lossy(&self.bytes(len as usize)?).into_owned())
    }
}
