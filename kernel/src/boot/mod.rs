//! Boot information from the loader: command line, memory map, RSDP, framebuffer.
//!
//! `multiboot` turns the Multiboot2 information into a plain [`BootInfo`]; the pure
//! pieces here (framebuffer checks, command-line copy) are host-tested.

pub mod cmdline;
pub mod free_region;
pub mod memory_map;
pub mod multiboot;

use core::fmt;

use cmdline::Cmdline;
use memory_map::MemoryMap;

/// Longest command line kept (longer ones are cut at a character boundary, logged).
pub const MAX_CMDLINE: usize = 256;

/// The firmware that started the boot loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// Legacy BIOS (SeaBIOS, VirtualBox's BIOS).
    Bios,
    /// UEFI (OVMF, VirtualBox EFI): GRUB passed EFI tags.
    Uefi,
}

impl fmt::Display for Firmware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Firmware::Bios => "bios",
            Firmware::Uefi => "uefi",
        })
    }
}

/// Position and width of one colour channel in a pixel, in bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColorField {
    /// Lowest bit of the channel.
    pub position: u8,
    /// Bits in the channel.
    pub size: u8,
}

/// A linear RGB framebuffer the firmware (GOP or VBE, through GRUB) left set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirmwareFramebuffer {
    /// Physical address of the first pixel.
    pub phys: u64,
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Bytes per scan line.
    pub pitch: u32,
    /// Bits per pixel (32 after `validate`).
    pub bpp: u8,
    /// Red channel.
    pub red: ColorField,
    /// Green channel.
    pub green: ColorField,
    /// Blue channel.
    pub blue: ColorField,
}

/// Why a firmware framebuffer was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramebufferRejection {
    /// Not a direct-RGB framebuffer (indexed colour or EGA text).
    NotRgb,
    /// Only 32 bits per pixel is supported.
    UnsupportedDepth(u8),
    /// Zero width or height, or a pitch shorter than a row of pixels.
    #[allow(missing_docs)]
    BadGeometry { width: u32, height: u32, pitch: u32 },
    /// The buffer does not lie below 4 GiB (the identity map).
    #[allow(missing_docs)]
    OutOfReach { phys: u64, bytes: u64 },
    /// A colour channel lies outside the 32-bit pixel.
    BadColorField,
}

/// Below this address the kernel's identity map reaches.
const REACHABLE_END: u64 = 4 << 30;

impl FirmwareFramebuffer {
    /// Checks that the display code can draw on this framebuffer.
    pub fn validate(self) -> Result<Self, FramebufferRejection> {
        if self.bpp != 32 {
            return Err(FramebufferRejection::UnsupportedDepth(self.bpp));
        }
        let row_bytes = self.width as u64 * 4;
        if self.width == 0 || self.height == 0 || (self.pitch as u64) < row_bytes {
            return Err(FramebufferRejection::BadGeometry {
                width: self.width,
                height: self.height,
                pitch: self.pitch,
            });
        }
        let bytes = self.pitch as u64 * self.height as u64;
        if self.phys == 0
            || self
                .phys
                .checked_add(bytes)
                .is_none_or(|end| end > REACHABLE_END)
        {
            return Err(FramebufferRejection::OutOfReach {
                phys: self.phys,
                bytes,
            });
        }
        let fits =
            |field: ColorField| field.size > 0 && field.position as u32 + field.size as u32 <= 32;
        if !(fits(self.red) && fits(self.green) && fits(self.blue)) {
            return Err(FramebufferRejection::BadColorField);
        }
        Ok(self)
    }
}

/// Everything the kernel takes from the boot loader, as plain data.
#[derive(Debug, Clone)]
pub struct BootInfo {
    /// BIOS or UEFI.
    pub firmware: Firmware,
    /// The normalised memory map (sorted, merged, clipped).
    pub memory: MemoryMap,
    /// The raw command line (without the kernel path GRUB may prepend).
    pub cmdline_text: heapless::String<MAX_CMDLINE>,
    /// The parsed command line.
    pub cmdline: Cmdline,
    /// Physical address of the RSDP (the copy in the boot information), if given.
    pub rsdp: Option<u64>,
    /// The firmware framebuffer, if one was set up and passed the checks.
    pub framebuffer: Option<FirmwareFramebuffer>,
    /// Where the boot information itself lies, `[start, end)`: RAM the kernel still
    /// reads (the RSDP copy) and must not hand out.
    pub info_range: Option<(u64, u64)>,
}

impl BootInfo {
    /// What the kernel assumes when the boot information is missing altogether.
    pub fn fallback() -> Self {
        Self {
            firmware: Firmware::Bios,
            memory: MemoryMap::from_raw(core::iter::empty()),
            cmdline_text: heapless::String::new(),
            cmdline: Cmdline::default(),
            rsdp: None,
            framebuffer: None,
            info_range: None,
        }
    }
}

/// Copies `text` into a bounded string, cutting at a character boundary. Returns the
/// copy and whether it was cut.
pub fn bounded_copy<const N: usize>(text: &str) -> (heapless::String<N>, bool) {
    let mut copy = heapless::String::new();
    for c in text.chars() {
        if copy.push(c).is_err() {
            return (copy, true);
        }
    }
    (copy, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framebuffer() -> FirmwareFramebuffer {
        FirmwareFramebuffer {
            phys: 0x8000_0000,
            width: 1024,
            height: 768,
            pitch: 4096,
            bpp: 32,
            red: ColorField {
                position: 16,
                size: 8,
            },
            green: ColorField {
                position: 8,
                size: 8,
            },
            blue: ColorField {
                position: 0,
                size: 8,
            },
        }
    }

    #[test]
    fn a_plain_32_bpp_framebuffer_is_accepted() {
        assert_eq!(framebuffer().validate(), Ok(framebuffer()));
    }

    #[test]
    fn bad_framebuffers_are_rejected_with_the_reason() {
        let fb = FirmwareFramebuffer {
            bpp: 24,
            ..framebuffer()
        };
        assert_eq!(
            fb.validate(),
            Err(FramebufferRejection::UnsupportedDepth(24))
        );
        let fb = FirmwareFramebuffer {
            pitch: 100,
            ..framebuffer()
        };
        assert!(matches!(
            fb.validate(),
            Err(FramebufferRejection::BadGeometry { .. })
        ));
        let fb = FirmwareFramebuffer {
            height: 0,
            ..framebuffer()
        };
        assert!(matches!(
            fb.validate(),
            Err(FramebufferRejection::BadGeometry { .. })
        ));
        let fb = FirmwareFramebuffer {
            phys: 0xffff_f000,
            ..framebuffer()
        };
        assert!(matches!(
            fb.validate(),
            Err(FramebufferRejection::OutOfReach { .. })
        ));
        let fb = FirmwareFramebuffer {
            phys: u64::MAX - 10,
            ..framebuffer()
        };
        assert!(matches!(
            fb.validate(),
            Err(FramebufferRejection::OutOfReach { .. })
        ));
        let fb = FirmwareFramebuffer {
            red: ColorField {
                position: 30,
                size: 8,
            },
            ..framebuffer()
        };
        assert_eq!(fb.validate(), Err(FramebufferRejection::BadColorField));
    }

    #[test]
    fn long_command_lines_are_cut_at_a_character_boundary() {
        let (copy, cut) = bounded_copy::<4>("abé");
        assert_eq!((copy.as_str(), cut), ("abé", false));
        let (copy, cut) = bounded_copy::<4>("abcé");
        assert_eq!((copy.as_str(), cut), ("abc", true));
    }

    #[test]
    fn the_fallback_boot_info_is_empty_bios() {
        let info = BootInfo::fallback();
        assert_eq!(info.firmware, Firmware::Bios);
        assert_eq!(info.memory.usable_kib(), 0);
        assert!(info.rsdp.is_none() && info.framebuffer.is_none());
    }
}
