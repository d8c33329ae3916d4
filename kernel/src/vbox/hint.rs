//! Host display hints, validated before they reach the display: only screen 0, only
//! enabled screens, sizes clamped to what the display can set. The depth is not a
//! reason to refuse: the GUI sends depth 0 and VirtualBox 7.0.14 replaces it with
//! the screen's current depth before passing the hint on
//! (`Display::setVideoModeHint`, Main/src-client/DisplayImpl.cpp), which is
//! whatever mode the screen is in (VGA text, GRUB, ours); Vitrine always sets
//! 32 bpp, as the Linux vboxvideo driver does. Pure functions,
//! so hostile values are tested without a machine.

use crate::drivers::vga::dispi::{validate_mode, ModeChoice, ModeLimits};
use crate::drivers::vmmdev::DisplayHint;

/// Why a hint was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintRejection {
    /// A screen other than 0 (Vitrine drives one screen).
    OtherScreen,
    /// The host switched the screen off.
    Disabled,
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
            Self::FixedMode => "fixed_mode",
            Self::VramTooSmall => "vram_too_small",
        }
    }
}

/// The mode to set for `hint` (always 32 bpp, whatever depth the hint names), given
/// the current mode and the display's limits. Width or height 0 means "keep the
/// current one", as the host means it. The choice says why it differs from the hint.
pub fn mode_for_hint(
    hint: &DisplayHint,
    current: (u32, u32),
    limits: Option<&ModeLimits>,
) -> Result<ModeChoice, HintRejection> {
    if hint.display != 0 {
        return Err(HintRejection::OtherScreen);
    }
    if !hint.enabled {
        return Err(HintRejection::Disabled);
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
    validate_mode(width, height, limits).map_err(|_| HintRejection::VramTooSmall)
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

    fn size(choice: Result<ModeChoice, HintRejection>) -> Result<(u32, u32), HintRejection> {
        choice.map(|c| (c.width, c.height))
    }

    #[test]
    fn any_depth_is_taken_and_set_at_32_bpp() {
        // The host's current depth comes with the hint (VGA text: 0/4, GRUB: 16/24).
        for bpp in [1, 4, 8, 15, 16, 24, 7, 0xFFFF_FFFF] {
            let choice = mode_for_hint(&hint(0, 800, 600, bpp), (1024, 768), Some(&LIMITS));
            assert_eq!(size(choice), Ok((800, 600)), "bpp {bpp}");
            assert_eq!(choice.unwrap().fallback, None);
        }
    }

    #[test]
    fn good_hints_are_taken_as_they_are() {
        let current = (1024, 768);
        for (w, h, bpp) in [(1920, 1080, 32), (800, 600, 0), (640, 480, 32)] {
            assert_eq!(
                size(mode_for_hint(&hint(0, w, h, bpp), current, Some(&LIMITS))),
                Ok((w, h))
            );
        }
    }

    #[test]
    fn zero_means_unchanged() {
        assert_eq!(
            size(mode_for_hint(
                &hint(0, 0, 900, 0),
                (1280, 720),
                Some(&LIMITS)
            )),
            Ok((1280, 900))
        );
        assert_eq!(
            size(mode_for_hint(&hint(0, 0, 0, 0), (1280, 720), Some(&LIMITS))),
            Ok((1280, 720))
        );
    }

    #[test]
    fn hostile_sizes_are_clamped_to_the_minimum_and_to_vram() {
        let choice = mode_for_hint(&hint(0, 65535, 65535, 32), (1024, 768), Some(&LIMITS))
            .expect("clamped, not refused");
        let (w, h) = (choice.width, choice.height);
        assert!(
            choice.fallback.is_some(),
            "the reason goes to the fallback line"
        );
        assert!(
            u64::from(w) * u64::from(h) * 4 <= LIMITS.vram_bytes,
            "{w}x{h}"
        );
        assert!(w >= 640 && h >= 480);
        assert_eq!(
            size(mode_for_hint(
                &hint(0, 1, 1, 32),
                (1024, 768),
                Some(&LIMITS)
            )),
            Ok((640, 480))
        );
    }

    #[test]
    fn hints_vitrine_cannot_apply_are_rejected_with_a_reason() {
        let current = (1024, 768);
        let cases = [
            (hint(99, 800, 600, 32), HintRejection::OtherScreen),
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
                size(mode_for_hint(&hint, current, Some(&LIMITS))),
                Err(reason),
                "{hint:?}"
            );
        }
        assert_eq!(
            size(mode_for_hint(&hint(0, 800, 600, 32), current, None)),
            Err(HintRejection::FixedMode)
        );
        let tiny = ModeLimits {
            vram_bytes: 1 << 20,
            ..LIMITS
        };
        assert_eq!(
            size(mode_for_hint(&hint(0, 800, 600, 32), current, Some(&tiny))),
            Err(HintRejection::VramTooSmall)
        );
    }
}
