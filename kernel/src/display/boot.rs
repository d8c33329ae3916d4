//! Choosing the display at boot: the fallback chain VBVA → SVGA II → VBE → firmware
//! framebuffer (SVGA II first on SVGA II controllers), with the initial mode from the
//! command line.

use super::firmware::{FirmwareDisplay, FirmwareFramebufferInfo};
use super::svga::SvgaDisplay;
use super::system::SystemDisplay;
use super::vbe::VbeDisplay;
use super::vbva::VbvaDisplay;
use super::DisplayError;
use crate::boot::cmdline::DisplayChoice;
use crate::drivers::vga::svga::{SvgaLayout, VMWARE_SVGA2_ID};
use crate::drivers::vga::{VgaKind, VgaPciInfo, QEMU_STD_VGA_ID, VIRTUALBOX_VGA_ID};
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

/// One step of the display fallback chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// HGSMI/VBVA over VBE DISPI (VirtualBox).
    Vbva,
    /// SVGA II registers and FIFO.
    Svga,
    /// Plain VBE DISPI.
    Vbe,
    /// The boot loader's framebuffer.
    Firmware,
}

impl Backend {
    /// The word in status lines.
    pub fn name(self) -> &'static str {
        match self {
            Self::Vbva => "vbva",
            Self::Svga => "svga",
            Self::Vbe => "vbe",
            Self::Firmware => "firmware",
        }
    }
}

/// What the boot code knows when it picks the display.
#[derive(Debug, Clone, Copy)]
pub struct DisplayRequest {
    /// The mode to start in.
    pub mode: (u32, u32),
    /// `integration=on` (VBVA is VirtualBox integration).
    pub integration: bool,
    /// VMMDev answered: this is VirtualBox, so VMSVGA's DISPI is VirtualBox's too.
    pub virtualbox: bool,
    /// `display=`: where the chain starts.
    pub choice: DisplayChoice,
}

/// The fallback chain for a controller: VBVA → SVGA II → VBE → firmware, except on
/// VirtualBox's SVGA personalities (VBoxSVGA, VMSVGA), which start with SVGA II —
/// their own interface, no DISPI/HGSMI round trips per mode set, and the one the
/// resize storms and hostile-host scenarios exercise (README, "Graphics
/// controllers") — and keep VBVA as their second step. `display=` starts the chain
/// at that backend.
pub fn chain(vga: Option<&VgaPciInfo>, choice: DisplayChoice) -> heapless::Vec<Backend, 4> {
    let svga_first = vga.is_some_and(|pci| SvgaLayout::of(pci).is_some());
    let order: [Backend; 4] = if svga_first {
        [
            Backend::Svga,
            Backend::Vbva,
            Backend::Vbe,
            Backend::Firmware,
        ]
    } else {
        [
            Backend::Vbva,
            Backend::Svga,
            Backend::Vbe,
            Backend::Firmware,
        ]
    };
    let start = match choice {
        DisplayChoice::Auto => None,
        DisplayChoice::Vbva => Some(Backend::Vbva),
        DisplayChoice::Svga => Some(Backend::Svga),
        DisplayChoice::Vbe => Some(Backend::Vbe),
        DisplayChoice::Firmware => Some(Backend::Firmware),
    };
    let skip = start.map_or(0, |b| order.iter().position(|&o| o == b).unwrap_or(0));
    order[skip..].iter().copied().collect()
}

/// The VGA as the DISPI drivers see it: VMSVGA (15AD:0405) on VirtualBox has
/// VirtualBox's DISPI and HGSMI (vmsvga.md section 1); elsewhere 15AD:0405 is QEMU's
/// vmware-svga, built on QEMU's VGA with its Bochs DISPI (SeaBIOS's VGA BIOS for it
/// sets modes through DISPI), or VMware's, where the DISPI probe finds no id and fails.
fn as_dispi(pci: &VgaPciInfo, virtualbox: bool) -> VgaPciInfo {
    let mut info = *pci;
    if (pci.vendor, pci.device) == VMWARE_SVGA2_ID {
        (info.vendor, info.device) = if virtualbox {
            VIRTUALBOX_VGA_ID
        } else {
            QEMU_STD_VGA_ID
        };
    }
    info
}

/// Brings up a display along [`chain`]: VBVA only with integration on and on
/// VirtualBox's VGA; SVGA II only on an SVGA II function; VBE on a DISPI device; then
/// the firmware framebuffer. Each failure is logged with its status line; `Err` only
/// when nothing works (the caller logs and halts: there is nothing to draw on).
pub fn init_display<H: Platform>(
    hal: &mut H,
    vga: Option<&VgaPciInfo>,
    firmware: Option<&FirmwareFramebufferInfo>,
    request: DisplayRequest,
) -> Result<SystemDisplay, DisplayError> {
    let (width, height) = request.mode;
    let mut last_error = DisplayError::ModeChangeUnsupported;
    for backend in chain(vga, request.choice) {
        let result = match (backend, vga) {
            (Backend::Vbva, Some(pci)) if request.integration => {
                let pci = as_dispi(pci, request.virtualbox);
                if VgaKind::from_pci_id(pci.vendor, pci.device) != Some(VgaKind::VirtualBox) {
                    continue;
                }
                VbvaDisplay::new(hal, &pci, width, height).map(SystemDisplay::Vbva)
            }
            (Backend::Svga, Some(pci)) if SvgaLayout::of(pci).is_some() => {
                SvgaDisplay::new(hal, pci, width, height).map(SystemDisplay::Svga)
            }
            (Backend::Vbe, Some(pci)) => {
                let pci = as_dispi(pci, request.virtualbox);
                VbeDisplay::new(hal, &pci, width, height).map(SystemDisplay::Vbe)
            }
            (Backend::Firmware, _) => match firmware {
                Some(info) => FirmwareDisplay::new(hal, info).map(SystemDisplay::Firmware),
                None => {
                    status!("display unavailable backend=firmware error=NoFramebufferTag");
                    continue;
                }
            },
            _ => continue,
        };
        match result {
            Ok(display) => return Ok(display),
            Err(error) => {
                status!(
                    "display unavailable backend={} error={:?}",
                    backend.name(),
                    error
                );
                last_error = error;
            }
        }
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
    fn vmware_svga_falls_back_to_the_dispi_of_its_host() {
        let vmware = VgaPciInfo {
            vendor: VMWARE_SVGA2_ID.0,
            device: VMWARE_SVGA2_ID.1,
            subsystem: VMWARE_SVGA2_ID,
            bars: Default::default(),
        };
        let order = chain(Some(&vmware), DisplayChoice::Auto);
        assert_eq!(
            order.as_slice(),
            [
                Backend::Svga,
                Backend::Vbva,
                Backend::Vbe,
                Backend::Firmware
            ]
        );
        let kind = |virtualbox| {
            let pci = as_dispi(&vmware, virtualbox);
            VgaKind::from_pci_id(pci.vendor, pci.device)
        };
        assert_eq!(kind(true), Some(VgaKind::VirtualBox), "VMSVGA: VBVA, VBE");
        assert_eq!(kind(false), Some(VgaKind::QemuStd), "QEMU: Bochs VBE");
        let vbe_first = chain(Some(&vmware), DisplayChoice::Vbe);
        assert_eq!(vbe_first.as_slice(), [Backend::Vbe, Backend::Firmware]);
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
