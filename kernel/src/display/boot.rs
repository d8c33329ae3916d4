//! Choosing the display at boot: VBE DISPI when a known VGA is on the PCI bus, else
//! the firmware framebuffer, with the initial mode from the command line.

use super::firmware::{FirmwareDisplay, FirmwareFramebufferInfo};
use super::vbe::VbeDisplay;
use super::vbva::VbvaDisplay;
use super::{Canvas, Display, DisplayError, ModeInfo, Rect};
use crate::drivers::vga::{VgaKind, VgaPciInfo};
use crate::hal::Platform;
use crate::runtime::EventQueue;
use crate::status;

/// The mode used when the command line names none.
pub const DEFAULT_MODE: (u32, u32) = (1024, 768);

/// The `mode=WxH` option of the kernel command line, if present and well-formed.
/// A malformed value is logged and ignored (the default applies); range checks are the
/// display's job (it falls back to the nearest valid mode).
pub fn mode_from_cmdline(cmdline: &str) -> Option<(u32, u32)> {
    let value = cmdline
        .split_ascii_whitespace()
        .find_map(|word| word.strip_prefix("mode="))?;
    let parsed = value
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)));
    if parsed.is_none() {
        status!("display bad_cmdline_mode value={}", value);
    }
    parsed
}

/// The display the boot code found: one type for the runtime, whichever it is.
/// (Not `Clone`: the VBVA backend owns driver state shared with the host.)
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // built once and owned by the runtime; no heap to box into
pub enum BootDisplay {
    /// VirtualBox's VGA with HGSMI/VBVA: dirty-rect updates, hints, host pointer.
    Vbva(VbvaDisplay),
    /// VBE DISPI on VirtualBox's or QEMU's VGA.
    Vbe(VbeDisplay),
    /// The firmware's framebuffer (e.g. UEFI GOP).
    Firmware(FirmwareDisplay),
}

/// Brings up a display: VBVA on `vga` if it is VirtualBox's VGA with a working HGSMI,
/// else VBE on `vga` if given and working, else the firmware framebuffer if given. Each failure is logged with its reason; `Err` only when
/// neither works (the caller logs and halts: there is nothing to draw on).
pub fn init_display<H: Platform>(
    hal: &mut H,
    vga: Option<&VgaPciInfo>,
    firmware: Option<&FirmwareFramebufferInfo>,
    (width, height): (u32, u32),
) -> Result<BootDisplay, DisplayError> {
    let mut last_error = DisplayError::ModeChangeUnsupported;
    if let Some(pci) = vga {
        if VgaKind::from_pci_id(pci.vendor, pci.device) == Some(VgaKind::VirtualBox) {
            match VbvaDisplay::new(hal, pci, width, height) {
                Ok(display) => return Ok(BootDisplay::Vbva(display)),
                Err(error) => status!("display unavailable backend=vbva error={:?}", error),
            }
        }
        match VbeDisplay::new(hal, pci, width, height) {
            Ok(display) => return Ok(BootDisplay::Vbe(display)),
            Err(error) => {
                status!("display unavailable backend=vbe error={:?}", error);
                last_error = error;
            }
        }
    }
    match firmware {
        Some(info) => match FirmwareDisplay::new(hal, info) {
            Ok(display) => return Ok(BootDisplay::Firmware(display)),
            Err(error) => {
                status!("display unavailable backend=firmware error={:?}", error);
                last_error = error;
            }
        },
        None => status!("display unavailable backend=firmware error=NoFramebufferTag"),
    }
    Err(last_error)
}

macro_rules! each {
    ($self:expr, $d:ident => $body:expr) => {
        match $self {
            BootDisplay::Vbva($d) => $body,
            BootDisplay::Vbe($d) => $body,
            BootDisplay::Firmware($d) => $body,
        }
    };
}

impl BootDisplay {
    /// Whether the host draws the pointer (VBVA with a hardware cursor); otherwise
    /// the runtime should draw it in software.
    pub fn host_pointer(&self) -> bool {
        matches!(self, BootDisplay::Vbva(display) if display.host_pointer())
    }
}

impl Display for BootDisplay {
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
        each!(self, d => d.poll(hal, fired_lines, queue))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_mode_is_found_among_other_options() {
        assert_eq!(
            mode_from_cmdline("quiet mode=1920x1080 log=debug"),
            Some((1920, 1080))
        );
        assert_eq!(mode_from_cmdline("mode=800X600"), Some((800, 600)));
        assert_eq!(mode_from_cmdline("quiet"), None);
        assert_eq!(mode_from_cmdline(""), None);
    }

    #[test]
    fn malformed_cmdline_modes_are_ignored() {
        for bad in [
            "mode=",
            "mode=x",
            "mode=800",
            "mode=800x",
            "mode=-1x5",
            "mode=99999999999x1",
            "mode=axb",
        ] {
            assert_eq!(mode_from_cmdline(bad), None, "{bad}");
        }
    }
}
