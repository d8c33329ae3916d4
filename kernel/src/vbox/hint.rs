//! Host display hints, validated before they reach the display: only screen 0, only
//! enabled screens, 32 bpp (or "unchanged"), sizes clamped to what the display can
//! set. Pure functions, so hostile values are tested without a machine.

use crate::drivers::vga::dispi::{validate_mode, ModeLimits};
use crate::drivers::vmmdev::DisplayHint;

/// Why a hint was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintRejection {
    /// A screen other than 0 (Vitrine drives one screen).
    OtherScreen,
    /// The host switched the screen off.
    Disabled,
    /// Colour depth other than 32 (or 0 = unchanged).
    Bpp,
    /// The display has a fixed mode (firmware framebuffer).
    FixedMode,
    /// Not even the smallest mode fits the video memory.
    VramTooSmall,
}

impl HintRejection {
    /// The word in `@vitrine resize rejected … reason=…`.
    pub fn name(self) -> &'static str {
        match self {
            Self::OtherScreen => "other_screen",
            Self::Disabled => "disabled",
            Self::Bpp => "bpp",
            Self::FixedMode => "fixed_mode",
            Self::VramTooSmall => "vram_too_small",
        }
    }
}

/// The mode to set for `hint`, given the current mode and the display's limits.
/// Width or height 0 means "keep the current one", as the host means it.
pub fn mode_for_hint(
    hint: &DisplayHint,
    current: (u32, u32),
    limits: Option<&ModeLimits>,
) -> Result<(u32, u32), HintRejection> {
    if hint.display != 0 {
        return Err(HintRejection::OtherScreen);
    }
    if !hint.enabled {
        return Err(HintRejection::Disabled);
    }
    if hint.bpp != 0 && hint.bpp != 32 {
        return Err(HintRejection::Bpp);
    }
    let limits = limits.ok_or(HintRejection::FixedMode)?;
    let width = if hint.width == 0 {
        current.0
    } else {
        hint.width
    };
    let height = if hint.height == 0 {
        current.1
    } else {
        hint.height
    };
    let choice = validate_mode(width, height, limits).map_err(|_| HintRejection::VramTooSmall)?;
    Ok((choice.width, choice.height))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ModeLimits = ModeLimits {
        max_width: 16384,
        max_height: 16384,
        vram_bytes: 32 << 20,
        width_multiple_of_8: false,
    };

    fn hint(display: u32, width: u32, height: u32, bpp: u32) -> DisplayHint {
        DisplayHint {
            display,
            width,
            height,
            bpp,
            origin: None,
            enabled: true,
        }
    }

    #[test]
    fn good_hints_are_taken_as_they_are() {
        let current = (1024, 768);
        for (w, h, bpp) in [(1920, 1080, 32), (800, 600, 0), (640, 480, 32)] {
            assert_eq!(
                mode_for_hint(&hint(0, w, h, bpp), current, Some(&LIMITS)),
                Ok((w, h))
            );
        }
    }

    #[test]
    fn zero_means_unchanged() {
        assert_eq!(
            mode_for_hint(&hint(0, 0, 900, 0), (1280, 720), Some(&LIMITS)),
            Ok((1280, 900))
        );
        assert_eq!(
            mode_for_hint(&hint(0, 0, 0, 0), (1280, 720), Some(&LIMITS)),
            Ok((1280, 720))
        );
    }

    #[test]
    fn hostile_sizes_are_clamped_to_the_minimum_and_to_vram() {
        let (w, h) = mode_for_hint(&hint(0, 65535, 65535, 32), (1024, 768), Some(&LIMITS))
            .expect("clamped, not refused");
        assert!(
            u64::from(w) * u64::from(h) * 4 <= LIMITS.vram_bytes,
            "{w}x{h}"
        );
        assert!(w >= 640 && h >= 480);
        assert_eq!(
            mode_for_hint(&hint(0, 1, 1, 32), (1024, 768), Some(&LIMITS)),
            Ok((640, 480))
        );
    }

    #[test]
    fn hints_vitrine_cannot_apply_are_rejected_with_a_reason() {
        let current = (1024, 768);
        let cases = [
            (hint(99, 800, 600, 32), HintRejection::OtherScreen),
            (hint(0, 800, 600, 7), HintRejection::Bpp),
            (hint(0, 800, 600, 16), HintRejection::Bpp),
            (
                DisplayHint {
                    enabled: false,
                    ..hint(0, 800, 600, 32)
                },
                HintRejection::Disabled,
            ),
        ];
        for (hint, reason) in cases {
            assert_eq!(
                mode_for_hint(&hint, current, Some(&LIMITS)),
                Err(reason),
                "{hint:?}"
            );
        }
        assert_eq!(
            mode_for_hint(&hint(0, 800, 600, 32), current, None),
            Err(HintRejection::FixedMode)
        );
        let tiny = ModeLimits {
            vram_bytes: 1 << 20,
            ..LIMITS
        };
        assert_eq!(
            mode_for_hint(&hint(0, 800, 600, 32), current, Some(&tiny)),
            Err(HintRejection::VramTooSmall)
        );
    }
}
