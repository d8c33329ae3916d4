//! Choosing the display at boot: VBVA on VirtualBox's VGA, else VBE DISPI when a known
//! VGA is on the PCI bus, else the firmware framebuffer, with the initial mode from the
//! command line.

use super::firmware::{FirmwareDisplay, FirmwareFramebufferInfo};
use super::system::SystemDisplay;
use super::vbe::VbeDisplay;
use super::vbva::VbvaDisplay;
use super::DisplayError;
use crate::drivers::vga::{VgaKind, VgaPciInfo};
use crate::hal::Platform;
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

/// Brings up a display: with `use_vbva`, VBVA on `vga` if it is VirtualBox's VGA with
/// a working HGSMI; then VBE on `vga` if given and working; then the firmware
/// framebuffer if given. Without `use_vbva` (`integration=off`) VBVA is not tried.
/// Each failure is logged with its reason; `Err` only when nothing works (the caller
/// logs and halts: there is nothing to draw on).
pub fn init_display<H: Platform>(
    hal: &mut H,
    vga: Option<&VgaPciInfo>,
    firmware: Option<&FirmwareFramebufferInfo>,
    (width, height): (u32, u32),
    use_vbva: bool,
) -> Result<SystemDisplay, DisplayError> {
    let mut last_error = DisplayError::ModeChangeUnsupported;
    if let Some(pci) = vga {
        if use_vbva && VgaKind::from_pci_id(pci.vendor, pci.device) == Some(VgaKind::VirtualBox) {
            match VbvaDisplay::new(hal, pci, width, height) {
                Ok(display) => return Ok(SystemDisplay::Vbva(display)),
                Err(error) => status!("display unavailable backend=vbva error={:?}", error),
            }
        }
        match VbeDisplay::new(hal, pci, width, height) {
            Ok(display) => return Ok(SystemDisplay::Vbe(display)),
            Err(error) => {
                status!("display unavailable backend=vbe error={:?}", error);
                last_error = error;
            }
        }
    }
    match firmware {
        Some(info) => match FirmwareDisplay::new(hal, info) {
            Ok(display) => return Ok(SystemDisplay::Firmware(display)),
            Err(error) => {
                status!("display unavailable backend=firmware error={:?}", error);
                last_error = error;
            }
        },
        None => status!("display unavailable backend=firmware error=NoFramebufferTag"),
    }
    Err(last_error)
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
