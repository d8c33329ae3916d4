//! Backend for the VirtualBox VGA with HGSMI/VBVA: DISPI programs screen 0's
//! registers, VBVA tells the host the geometry, repaints exactly the dirty rectangles,
//! carries mode hints and the host-drawn pointer.
//!
//! The canvas covers only the framebuffer area of VRAM (below the VBVA ring and the
//! HGSMI heaps), and modes are validated against that area, not the whole VRAM.

use super::pointer::{arrow_argb, ARROW_HEIGHT, ARROW_HOTSPOT, ARROW_WIDTH};
use super::vram::{framebuffer_at, map_vram};
use super::{Canvas, Display, DisplayError, ModeInfo, Rect};
use crate::drivers::vga::dispi::{validate_mode, Dispi, DispiMode, ModeLimits};
use crate::drivers::vga::hgsmi::HgsmiError;
use crate::drivers::vga::vbva::pointer::PointerShape;
use crate::drivers::vga::vbva::{ScreenMode, Vbva, VbvaError};
use crate::drivers::vga::VgaPciInfo;
use crate::hal::{PhysRegion, Platform, PortIo};
use crate::logging;
use crate::runtime::EventQueue;
use embedded_graphics::geometry::{Point, Size};
use embedded_graphics::primitives::Rectangle;

/// The VirtualBox display: DISPI + VBVA over one VRAM mapping.
#[derive(Debug)]
pub struct VbvaDisplay {
    dispi: Dispi,
    vbva: Vbva,
    framebuffer_area: PhysRegion,
    canvas: Canvas,
    mode: DispiMode,
    host_pointer: bool,
    /// Check the host's hint once after a mode set: while the ring was off the host
    /// held no caps and raised no IRQ for a new hint.
    recheck_hint: bool,
}

impl VbvaDisplay {
    /// Probes the VGA, brings up HGSMI/VBVA, sets the valid mode nearest
    /// `width`×`height` and uploads the arrow as the host-drawn pointer (when the host
    /// can draw one). Errors mean "use the plain VBE backend instead".
    pub fn new<H: Platform>(
        hal: &mut H,
        pci: &VgaPciInfo,
        width: u32,
        height: u32,
    ) -> Result<Self, DisplayError> {
        let dispi = Dispi::probe(hal, pci)?;
        if !dispi.has_hgsmi() {
            return Err(DisplayError::Vbva(VbvaError::Hgsmi(
                HgsmiError::NotPresent { id: 0 },
            )));
        }
        let vram = map_vram(hal, dispi.framebuffer_base(), dispi.vram_bytes())?;
        let vbva = Vbva::init(hal, vram)?;
        let area = vbva.layout().framebuffer;
        let framebuffer_area =
            vram.sub(area.offset as usize, area.size as usize)
                .ok_or(DisplayError::MapFailed {
                    phys: vram.phys() + u64::from(area.offset),
                    len: u64::from(area.size),
                })?;
        let mut display = Self {
            dispi,
            vbva,
            framebuffer_area,
            // Replaced by the first mode set below; a 1×1 placeholder until then.
            canvas: Canvas::new(framebuffer_at(framebuffer_area, 0, 1, 1, 4)?),
            mode: DispiMode {
                width: 1,
                height: 1,
                pitch: 4,
            },
            host_pointer: false,
            recheck_hint: false,
        };
        display.apply(hal, width, height)?;
        display.host_pointer = display.vbva.host_config().hardware_cursor
            && PointerShape::from_fn(
                ARROW_WIDTH,
                ARROW_HEIGHT,
                ARROW_HOTSPOT.0,
                ARROW_HOTSPOT.1,
                arrow_argb,
            )
            .is_some_and(|arrow| display.vbva.set_pointer_shape(hal, &arrow, true) == Ok(true));
        Ok(display)
    }

    /// Whether the host draws our pointer (else the runtime draws it in software).
    pub fn host_pointer(&self) -> bool {
        self.host_pointer
    }

    /// Shows or hides the host-drawn pointer (as mouse integration turns on/off).
    pub fn set_host_pointer_visible(&mut self, hal: &mut impl PortIo, visible: bool) {
        if self.host_pointer && self.vbva.set_pointer_visible(hal, visible) != Ok(true) {
            logging::warn!("vbva display: pointer visibility {visible} not applied");
        }
    }

    /// Tells the host where the pointer is, when it asked for reports.
    pub fn report_pointer_position(&mut self, hal: &mut impl PortIo, x: i32, y: i32) {
        let (x, y) = (x.max(0) as u32, y.max(0) as u32);
        if let Err(error) = self.vbva.report_cursor_position(hal, x, y) {
            logging::warn!("vbva display: cursor position not reported: {error:?}");
        }
    }

    /// The VBVA driver (for tests and status).
    pub fn vbva(&self) -> &Vbva {
        &self.vbva
    }

    /// The modes this display can set (the framebuffer area, not the whole VRAM).
    pub fn mode_limits(&self) -> ModeLimits {
        self.limits()
    }

    fn limits(&self) -> ModeLimits {
        ModeLimits {
            vram_bytes: u64::from(self.vbva.framebuffer_capacity()),
            ..self.dispi.limits()
        }
    }

    /// Validates against the framebuffer area, sets the mode through VBVA (which calls
    /// DISPI in the right place) and points the canvas at it.
    fn apply<H: Platform>(
        &mut self,
        hal: &mut H,
        width: u32,
        height: u32,
    ) -> Result<(), DisplayError> {
        let choice = validate_mode(width, height, &self.limits())?;
        let dispi = self.dispi;
        let mut dispi_mode = None;
        let wanted = ScreenMode {
            width: choice.width,
            height: choice.height,
        };
        let result = self.vbva.set_mode(hal, wanted, |io, mode| {
            let set = dispi.change_mode(io, mode.width, mode.height).ok()?;
            // VBVA describes the screen with pitch = width × 4; a device that padded
            // the lines would be misdescribed, so treat that as a refusal.
            (set.pitch == set.width * 4).then(|| {
                dispi_mode = Some(set);
                ScreenMode {
                    width: set.width,
                    height: set.height,
                }
            })
        });
        match (result, dispi_mode) {
            (Ok(_), Some(mode)) => {
                let framebuffer = framebuffer_at(
                    self.framebuffer_area,
                    0,
                    mode.width,
                    mode.height,
                    mode.pitch,
                )?;
                self.canvas.replace_framebuffer(framebuffer);
                self.canvas.mark_all_dirty();
                self.mode = mode;
                self.recheck_hint = true;
                Ok(())
            }
            (Err(VbvaError::VbeRejected), _) if self.mode.width > 1 => {
                // The device dropped the mode: put the previous one back.
                let previous = self.mode;
                let _ = self.vbva.set_mode(
                    hal,
                    ScreenMode {
                        width: previous.width,
                        height: previous.height,
                    },
                    |io, mode| {
                        let set = dispi.change_mode(io, mode.width, mode.height).ok()?;
                        Some(ScreenMode {
                            width: set.width,
                            height: set.height,
                        })
                    },
                );
                self.canvas.mark_all_dirty();
                Err(DisplayError::Vbva(VbvaError::VbeRejected))
            }
            (Err(error), _) => Err(DisplayError::Vbva(error)),
            (Ok(_), None) => Err(DisplayError::Vbva(VbvaError::VbeRejected)),
        }
    }

    fn queue_hint(&mut self, hal: &mut impl PortIo, queue: &mut EventQueue) {
        match self.vbva.query_mode_hint(hal) {
            Ok(Some(hint)) if hint.enabled => {
                if (hint.width, hint.height) != (self.mode.width, self.mode.height) {
                    queue.request_mode(hint.width, hint.height);
                }
            }
            Ok(Some(_)) => logging::info!("vbva display: host switched screen 0 off; ignored"),
            Ok(None) => {}
            Err(error) => logging::warn!("vbva display: hint query failed: {error:?}"),
        }
    }
}

impl Display for VbvaDisplay {
    fn backend_name(&self) -> &'static str {
        "vbva"
    }

    fn mode(&self) -> ModeInfo {
        let mode = self.mode;
        ModeInfo::new(mode.width, mode.height, mode.pitch, self.dispi.vram_bytes())
    }

    fn canvas(&mut self) -> &mut Canvas {
        &mut self.canvas
    }

    fn present<H: Platform>(&mut self, hal: &mut H, dirty: &[Rect]) -> Result<(), DisplayError> {
        let rects = dirty.iter().map(|r| {
            Rectangle::new(
                Point::new(
                    r.x.min(i32::MAX as u32) as i32,
                    r.y.min(i32::MAX as u32) as i32,
                ),
                Size::new(r.width, r.height),
            )
        });
        match self.vbva.present(hal, rects) {
            Ok(stats) => {
                // A hint sent while the host had VBVA off raised no IRQ.
                self.recheck_hint |= stats.reenabled;
                Ok(())
            }
            Err(VbvaError::RingStuck { unsent }) => {
                // Nothing is lost: the next frame repaints everything.
                logging::warn!("vbva display: {unsent} rects not sent; full repaint next frame");
                self.canvas.mark_all_dirty();
                Ok(())
            }
            Err(error) => Err(DisplayError::Vbva(error)),
        }
    }

    fn set_mode<H: Platform>(
        &mut self,
        hal: &mut H,
        width: u32,
        height: u32,
    ) -> Result<ModeInfo, DisplayError> {
        self.apply(hal, width, height)?;
        Ok(self.mode())
    }

    fn fault_handover(&self) -> crate::recovery::handover::ScreenHandover {
        if !self.vbva.ring_enabled() {
            // The host refreshes from the framebuffer already.
            return crate::recovery::handover::ScreenHandover::Direct;
        }
        crate::recovery::handover::ScreenHandover::VbvaOff {
            vram: *self.vbva.vram(),
            command_offset: self.vbva.layout().guest_heap.offset,
        }
    }

    fn poll<H: Platform>(&mut self, hal: &mut H, _fired_lines: u64, queue: &mut EventQueue) {
        // Reading the host flags is a VRAM read, cheap enough for every iteration, so
        // the VGA line need not even be routed.
        let notes = self.vbva.service_irq(hal);
        if notes.mode_hint || core::mem::take(&mut self.recheck_hint) {
            self.queue_hint(hal, queue);
        }
    }
}
