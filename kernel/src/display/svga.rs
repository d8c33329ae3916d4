//! Backend for SVGA II (VMSVGA, VBoxSVGA, QEMU `-vga vmware`, VMware): modes through
//! the SVGA registers, each frame's dirty rectangles as UPDATE commands in the FIFO
//! (one SYNC per frame), and the arrow as the hardware cursor.
//!
//! The host shows nothing that is not UPDATEd (VirtualBox keeps TRACES off), so a
//! rectangle that finds the ring full is never dropped: it is carried into the next
//! frame's present.
//!
//! The host applies mode registers before the commands already queued, so a mode is
//! written only once the host drained the FIFO. While it has not (a stuck worker),
//! the guest draws the new mode at once and the host is told at a later present.

use super::framebuffer::Framebuffer;
use super::pointer::{arrow_argb, ARROW_HEIGHT, ARROW_HOTSPOT, ARROW_WIDTH};
use super::vram::framebuffer_at;
use super::{Canvas, Display, DisplayError, ModeInfo, Rect};
use crate::drivers::vga::dispi::{report_fallback, validate_mode, ModeLimits};
use crate::drivers::vga::svga::cursor::CursorImage;
use crate::drivers::vga::svga::{CursorKind, Svga, SvgaError, SvgaMode};
use crate::drivers::vga::VgaPciInfo;
use crate::hal::{PhysRegion, Platform};
use crate::logging;

/// Bytes one UPDATE command takes in the ring (id + 16-byte payload).
const UPDATE_BYTES: u32 = 20;

/// The SVGA II display.
#[derive(Debug)]
pub struct SvgaDisplay {
    svga: Svga,
    canvas: Canvas,
    mode: SvgaMode,
    cursor: Option<CursorKind>,
    /// Rectangles the ring had no room for, as one bounding box for the next present.
    carried: Option<Rect>,
    /// `mode` is not written to the host yet: it still had commands of the old mode
    /// queued. Nothing is queued until it is (the rectangles are carried).
    mode_unwritten: bool,
}

impl SvgaDisplay {
    /// Probes the device, sets the valid mode nearest `width`×`height` and defines
    /// the arrow as the hardware cursor when the device has one. Errors mean "try
    /// the next backend"; SVGA mode is left again if the first mode was not taken.
    pub fn new<H: Platform>(
        hal: &mut H,
        pci: &VgaPciInfo,
        width: u32,
        height: u32,
    ) -> Result<Self, DisplayError> {
        let mut svga = Svga::probe(hal, pci)?;
        let choice = validate_mode(width, height, &svga.limits())?;
        report_fallback(width, height, &choice);
        let mode = match svga.set_mode(hal, choice.width, choice.height) {
            Ok(mode) => mode,
            Err(error) => {
                svga.disable(hal);
                return Err(error.into());
            }
        };
        let confirmed = if svga.host_stuck() {
            // The host never confirmed the first mode: a worse start than VBE.
            Err(SvgaError::SyncTimeout)
        } else {
            svga.confirm_fifo(hal)
        };
        if let Err(error) = confirmed {
            svga.disable(hal);
            return Err(error.into());
        }
        let canvas = Canvas::new(framebuffer(svga.vram(), &mode)?);
        let cursor = Self::define_arrow(hal, &mut svga);
        logging::info!(
            "svga: {} caps={:#x} fifo={:?} cursor={:?}",
            svga.layout().name(),
            svga.caps().bits(),
            svga.fifo().bounds(),
            cursor
        );
        Ok(Self {
            svga,
            canvas,
            mode,
            cursor,
            carried: None,
            mode_unwritten: false,
        })
    }

    fn define_arrow<H: Platform>(hal: &mut H, svga: &mut Svga) -> Option<CursorKind> {
        let image = CursorImage {
            width: ARROW_WIDTH,
            height: ARROW_HEIGHT,
            hotspot: ARROW_HOTSPOT,
            pixel: &arrow_argb,
        };
        match svga.define_cursor(hal, &image) {
            Ok(kind) => Some(kind),
            Err(error) => {
                logging::info!(
                    "svga: no hardware cursor ({error:?}); the pointer is drawn in software"
                );
                None
            }
        }
    }

    /// Whether the host draws our pointer (a hardware cursor is defined).
    pub fn host_pointer(&self) -> bool {
        self.cursor.is_some()
    }

    /// The driver (tests, status).
    pub fn svga(&self) -> &Svga {
        &self.svga
    }

    /// Whether the host is behind the guest's framebuffer: rectangles wait to be
    /// sent with the next present, or the mode is not written yet.
    pub fn host_behind(&self) -> bool {
        self.carried.is_some() || self.mode_unwritten
    }

    /// The modes this display can set.
    pub fn mode_limits(&self) -> ModeLimits {
        self.svga.limits()
    }

    /// Queues one UPDATE, making room once (bounded) when the ring is full.
    fn queue<H: Platform>(&mut self, hal: &mut H, rect: &Rect) -> bool {
        let (x, y, w, h) = (rect.x, rect.y, rect.width, rect.height);
        if self.svga.queue_update(x, y, w, h).is_ok() {
            return true;
        }
        self.svga.make_room(hal, UPDATE_BYTES) && self.svga.queue_update(x, y, w, h).is_ok()
    }
}

impl SvgaDisplay {
    /// Writes the mode the guest draws to the host once it drained the FIFO: true
    /// when the host has it (rectangles may be queued again).
    fn write_mode<H: Platform>(&mut self, hal: &mut H) -> bool {
        let (width, height) = (self.mode.width, self.mode.height);
        match self.svga.set_mode(hal, width, height) {
            Ok(mode) => {
                self.mode_unwritten = false;
                if mode != self.mode {
                    // Not what the registers promised: show the host's layout; the
                    // pixels are right again at the app's next full redraw.
                    logging::warn!("svga display: host set {mode:?}, not {:?}", self.mode);
                    if let Ok(fb) = framebuffer(self.svga.vram(), &mode) {
                        self.canvas.replace_framebuffer(fb);
                        self.mode = mode;
                    }
                }
                logging::info!("svga display: host drained its FIFO; {width}x{height} set");
                true
            }
            Err(SvgaError::FifoNotDrained { .. }) => false,
            Err(error) => {
                logging::warn!("svga display: host refused {width}x{height} late: {error:?}");
                false
            }
        }
    }
}

fn framebuffer(vram: PhysRegion, mode: &SvgaMode) -> Result<Framebuffer, DisplayError> {
    framebuffer_at(vram, mode.fb_offset, mode.width, mode.height, mode.pitch)
}

impl From<SvgaError> for DisplayError {
    fn from(e: SvgaError) -> Self {
        Self::Svga(e)
    }
}

impl Display for SvgaDisplay {
    fn backend_name(&self) -> &'static str {
        "svga"
    }

    fn fault_handover(&self) -> crate::recovery::handover::ScreenHandover {
        if !self
            .svga
            .caps()
            .contains(crate::drivers::vga::svga::wire::Caps::TRACES)
        {
            // QEMU has no TRACES (its surface is the framebuffer itself).
            return crate::recovery::handover::ScreenHandover::Direct;
        }
        crate::recovery::handover::ScreenHandover::SvgaTraces {
            io_base: self.svga.io_base(),
        }
    }

    fn mode(&self) -> ModeInfo {
        let mode = self.mode;
        let vram = self.svga.vram().len() as u64;
        ModeInfo::new(mode.width, mode.height, mode.pitch, vram)
    }

    fn canvas(&mut self) -> &mut Canvas {
        &mut self.canvas
    }

    fn present<H: Platform>(&mut self, hal: &mut H, dirty: &[Rect]) -> Result<(), DisplayError> {
        if self.mode_unwritten && !self.write_mode(hal) {
            let all = dirty.iter().filter(|r| !r.is_empty());
            self.carried = all.fold(self.carried, |c, r| Some(c.map_or(*r, |c| c.union(r))));
            return Ok(());
        }
        let carried = self.carried.take();
        let mut unsent: Option<Rect> = None;
        for rect in carried.iter().chain(dirty) {
            if rect.is_empty() {
                continue;
            }
            if unsent.is_some() || !self.queue(hal, rect) {
                unsent = Some(unsent.map_or(*rect, |u| u.union(rect)));
            }
        }
        if let Some(rect) = unsent {
            if carried.is_none() {
                logging::warn!("svga display: ring full; {rect:?} carried to the next frame");
            }
            self.carried = Some(rect);
        }
        self.svga.sync(hal);
        Ok(())
    }

    fn set_mode<H: Platform>(
        &mut self,
        hal: &mut H,
        width: u32,
        height: u32,
    ) -> Result<ModeInfo, DisplayError> {
        let choice = validate_mode(width, height, &self.svga.limits())?;
        let (mode, unwritten) = match self.svga.set_mode(hal, choice.width, choice.height) {
            Ok(mode) => (mode, false),
            Err(SvgaError::FifoNotDrained { stop, next }) => {
                logging::warn!(
                    "svga display: host has not drained the FIFO (stop={stop:#x} next={next:#x}); \
                     {}x{} is drawn now and set on the host once it has",
                    choice.width,
                    choice.height
                );
                // What the host makes of these registers (vmsvga.md 4.3: no pitch
                // lock is set, screen 0 starts where it did); checked when written.
                let mode = SvgaMode {
                    width: choice.width,
                    height: choice.height,
                    pitch: choice.width * 4,
                    fb_offset: self.mode.fb_offset,
                };
                (mode, true)
            }
            Err(error) => return Err(error.into()),
        };
        self.canvas
            .replace_framebuffer(framebuffer(self.svga.vram(), &mode)?);
        self.mode = mode;
        self.mode_unwritten = unwritten;
        // Whatever was carried belongs to the old mode: the full redraw covers it.
        self.carried = None;
        Ok(self.mode())
    }

    fn show_host_pointer<H: Platform>(&mut self, hal: &mut H, visible: bool) -> bool {
        if self.cursor.is_none() {
            return false;
        }
        if !self.svga.show_cursor(hal, visible) && !visible {
            // No CURSOR_ON register: the defined cursor stays on screen.
            logging::warn!("svga display: the host cursor cannot be hidden");
        }
        visible
    }

    fn places_host_pointer(&self) -> bool {
        self.cursor.is_some()
    }

    fn move_host_pointer<H: Platform>(&mut self, hal: &mut H, x: i32, y: i32) {
        if self.cursor.is_some() {
            self.svga.move_cursor(hal, x.max(0) as u32, y.max(0) as u32);
        }
    }
}
