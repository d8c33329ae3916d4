//! The display chosen at run time: VirtualBox VBVA, SVGA II, plain VBE DISPI or the
//! firmware framebuffer (`display::boot` picks one).

use super::firmware::{FirmwareDisplay, FirmwareFramebufferInfo};
use super::svga::SvgaDisplay;
use super::vbe::VbeDisplay;
use super::vbva::VbvaDisplay;
use super::{Canvas, Display, DisplayError, ModeInfo, Rect};
use crate::drivers::vga::dispi::{report_fallback, validate_mode, ModeLimits};
use crate::drivers::vga::{framebuffer_bar, VgaPciInfo};
use crate::hal::Platform;
use crate::runtime::EventQueue;
use crate::status;

/// One display type for the runtime, whichever backend came up.
// One value lives for the whole run, and there is no heap to box the big variant in.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum SystemDisplay {
    /// VirtualBox VGA with HGSMI/VBVA: dirty rectangles, mode hints, host pointer.
    Vbva(VbvaDisplay),
    /// SVGA II (VMSVGA, VBoxSVGA, QEMU `-vga vmware`): UPDATE rects, hardware cursor.
    Svga(SvgaDisplay),
    /// VBE DISPI (QEMU, VirtualBox without VBVA or with integration off).
    Vbe(VbeDisplay),
    /// The firmware's framebuffer, fixed mode.
    Firmware(FirmwareDisplay),
}

impl SystemDisplay {
    /// The modes a host hint may ask for; `None` for a fixed-mode backend.
    pub fn mode_limits(&self) -> Option<ModeLimits> {
        match self {
            Self::Vbva(d) => Some(d.mode_limits()),
            Self::Svga(d) => Some(d.mode_limits()),
            Self::Vbe(d) => Some(d.dispi().limits()),
            Self::Firmware(_) => None,
        }
    }

    /// The physical range the canvas draws into (for a write-combining mapping):
    /// the framebuffer area of VRAM, never the VBVA ring or HGSMI heaps behind it.
    pub fn framebuffer_range(
        &self,
        vga: Option<&VgaPciInfo>,
        firmware: Option<&FirmwareFramebufferInfo>,
    ) -> Option<(u64, u64)> {
        match self {
            Self::Vbva(d) => {
                let (base, _) = framebuffer_bar(&vga?.bars)?;
                let area = d.vbva().layout().framebuffer;
                Some((base + u64::from(area.offset), u64::from(area.size)))
            }
            Self::Svga(d) => {
                let vram = d.svga().vram();
                Some((vram.phys(), vram.len() as u64))
            }
            Self::Vbe(d) => Some((d.dispi().framebuffer_base(), d.dispi().vram_bytes())),
            Self::Firmware(_) => {
                let fb = firmware?;
                Some((fb.phys, u64::from(fb.pitch) * u64::from(fb.height)))
            }
        }
    }

    /// Whether the host can draw the pointer (VBVA or SVGA II with a hardware cursor).
    pub fn host_pointer_capable(&self) -> bool {
        match self {
            Self::Vbva(d) => d.host_pointer(),
            Self::Svga(d) => d.host_pointer(),
            _ => false,
        }
    }
}

macro_rules! each {
    ($self:expr, $d:ident => $body:expr) => {
        match $self {
            SystemDisplay::Vbva($d) => $body,
            SystemDisplay::Svga($d) => $body,
            SystemDisplay::Vbe($d) => $body,
            SystemDisplay::Firmware($d) => $body,
        }
    };
}

impl Display for SystemDisplay {
    fn backend_name(&self) -> &'static str {
        each!(self, d => d.backend_name())
    }
    fn mode(&self) -> ModeInfo {
        each!(self, d => d.mode())
    }
    fn canvas(&mut self) -> &mut Canvas {
        each!(self, d => d.canvas())
    }
    fn present<H: Platform>(&mut self, hal: &mut H, dirty: &[Rect]) -> Result<(), DisplayError> {
        each!(self, d => d.present(hal, dirty))
    }
    fn set_mode<H: Platform>(
        &mut self,
        hal: &mut H,
        width: u32,
        height: u32,
    ) -> Result<ModeInfo, DisplayError> {
        each!(self, d => d.set_mode(hal, width, height))
    }
    fn poll<H: Platform>(&mut self, hal: &mut H, fired_lines: u64, queue: &mut EventQueue) {
        let Self::Vbva(display) = self else {
            return each!(self, d => d.poll(hal, fired_lines, queue));
        };
        // VBVA passes the host's hint on as it came: validate it here, so a hint
        // the display must clamp is applied once, not again after every mode set.
        let earlier = queue.take_mode_request();
        display.poll(hal, fired_lines, queue);
        let Some((width, height)) = queue.take_mode_request() else {
            if let Some((w, h)) = earlier {
                queue.request_mode(w, h);
            }
            return;
        };
        let mode = display.mode();
        match validate_mode(width, height, &display.mode_limits()) {
            Ok(choice) if (choice.width, choice.height) != (mode.width, mode.height) => {
                if (choice.width, choice.height) == (width, height) {
                    status!("resize screen=0 mode={}x{} source=vbva", width, height);
                } else {
                    status!(
                        "resize screen=0 mode={}x{} source=vbva requested={}x{}",
                        choice.width,
                        choice.height,
                        width,
                        height
                    );
                    report_fallback(width, height, &choice);
                }
                queue.request_mode(choice.width, choice.height);
            }
            Ok(_) => {
                if let Some((w, h)) = earlier {
                    queue.request_mode(w, h);
                }
            }
            Err(error) => {
                status!(
                    "resize rejected screen=0 mode={}x{} source=vbva reason={:?}",
                    width,
                    height,
                    error
                );
                if let Some((w, h)) = earlier {
                    queue.request_mode(w, h);
                }
            }
        }
    }
    fn fault_handover(&self) -> crate::recovery::handover::ScreenHandover {
        each!(self, d => d.fault_handover())
    }
    fn show_host_pointer<H: Platform>(&mut self, hal: &mut H, visible: bool) -> bool {
        match self {
            Self::Vbva(d) if d.host_pointer() => {
                d.set_host_pointer_visible(hal, visible);
                visible
            }
            Self::Svga(d) => d.show_host_pointer(hal, visible),
            _ => false,
        }
    }
    fn places_host_pointer(&self) -> bool {
        matches!(self, Self::Svga(d) if d.places_host_pointer())
    }
    fn move_host_pointer<H: Platform>(&mut self, hal: &mut H, x: i32, y: i32) {
        if let Self::Svga(d) = self {
            d.move_host_pointer(hal, x, y);
        }
    }
}
