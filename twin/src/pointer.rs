//! Pointer shapes as the VirtualBox GUI decodes them (spec §3.9, §8.8).
//!
//! Data = AND mask (1 bpp, MSB first, rows padded to bytes), padded to 4 bytes, then
//! the colour image (B,G,R,A, no row padding). With ALPHA the GUI uses the colour
//! image's alpha and ignores the mask; without it AND = 0 is opaque, AND = 1 with
//! colour 0 is transparent and AND = 1 with colour ≠ 0 inverts the screen.

use crate::wire::POINTER_ALPHA;

/// Bytes of shape data for a `width × height` pointer.
pub fn data_len(width: u32, height: u32) -> u64 {
    let and_len = u64::from(width.div_ceil(8)) * u64::from(height);
    ((and_len + 3) & !3) + u64::from(width) * u64::from(height) * 4
}

/// A decoded pointer image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointerShape {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Hotspot x.
    pub hot_x: u32,
    /// Hotspot y.
    pub hot_y: u32,
    /// RGBA, row-major, `width × height × 4` bytes; inverting pixels have alpha 0.
    pub rgba: Vec<u8>,
    /// Pixels that invert the screen (AND = 1, colour ≠ 0, no ALPHA).
    pub invert: Vec<bool>,
    /// Whether the shape carried an alpha channel.
    pub alpha: bool,
}

/// The pointer the host draws: visibility, shape and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPointer {
    /// Whether the guest asked the host to show its pointer.
    pub visible: bool,
    /// The last shape received, if any.
    pub shape: Option<PointerShape>,
    /// How many shape/visibility updates the host received.
    pub updates: u32,
    /// Whether VirtualBox's GUI hides the guest's shape (while mouse integration is
    /// on). Only a request without a shape sets it (from its VISIBLE flag): a request
    /// that carries a shape shows it whatever VISIBLE says
    /// (`UISession::sltMousePointerShapeChange`, 7.0.14: "We are ignoring visibility
    /// flag").
    pub gui_hiding: bool,
}

impl HostPointer {
    /// A pointer request from the guest (VMMDev SetPointerShape or VBVA
    /// MOUSE_POINTER_SHAPE), after the device's own checks: `shape` when it carried one.
    pub(crate) fn guest_request(&mut self, shape: Option<PointerShape>, visible: bool) {
        match shape {
            Some(shape) => {
                self.shape = Some(shape);
                self.gui_hiding = false;
            }
            None => self.gui_hiding = !visible,
        }
        self.visible = visible;
        self.updates += 1;
    }

    /// Whether VirtualBox's GUI shows the guest's shape over the VM window while mouse
    /// integration is on (`UIMouseHandler::sltMousePointerShapeChanged`: a valid shape
    /// not hidden by the guest).
    pub fn gui_shows_shape(&self) -> bool {
        self.shape.is_some() && !self.gui_hiding
    }
}

/// Decodes shape `data` (at least [`data_len`] bytes) for `flags`.
pub fn decode(
    flags: u32,
    hot_x: u32,
    hot_y: u32,
    width: u32,
    height: u32,
    data: &[u8],
) -> PointerShape {
    let (w, h) = (width as usize, height as usize);
    let and_row = w.div_ceil(8);
    let xor_start = (and_row * h + 3) & !3;
    let alpha = flags & POINTER_ALPHA != 0;
    let mut rgba = vec![0u8; w * h * 4];
    let mut invert = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let c = &data[xor_start + i * 4..xor_start + i * 4 + 4];
            let (b, g, r, a) = (c[0], c[1], c[2], c[3]);
            let out = &mut rgba[i * 4..i * 4 + 4];
            if alpha {
                out.copy_from_slice(&[r, g, b, a]);
                continue;
            }
            let and_bit = data[y * and_row + x / 8] & (0x80 >> (x % 8)) != 0;
            if !and_bit {
                out.copy_from_slice(&[r, g, b, 0xFF]);
            } else if (r, g, b) != (0, 0, 0) {
                invert[i] = true;
            }
        }
    }
    PointerShape {
        width,
        height,
        hot_x,
        hot_y,
        rgba,
        invert,
        alpha,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gui_shows_an_uploaded_shape_whatever_its_visible_flag() {
        let arrow = decode(0x7, 0, 0, 1, 1, &[0, 0, 0, 0, 1, 2, 3, 0xFF]);
        let mut pointer = HostPointer::default();
        assert!(!pointer.gui_shows_shape(), "no shape yet");
        pointer.guest_request(Some(arrow), false);
        assert!(!pointer.visible);
        assert!(
            pointer.gui_shows_shape(),
            "the flag is ignored with a shape"
        );
        pointer.guest_request(None, false);
        assert!(!pointer.gui_shows_shape(), "a flag-only request hides it");
        pointer.guest_request(None, true);
        assert!(pointer.gui_shows_shape());
        assert_eq!(pointer.updates, 3);
    }

    #[test]
    fn data_length_pads_the_mask_to_four_bytes() {
        // 3×2: mask 1 byte/row → 2 bytes → padded to 4; colour 24 bytes.
        assert_eq!(data_len(3, 2), 4 + 24);
        assert_eq!(data_len(32, 32), 128 + 4096);
        assert_eq!(data_len(9, 1), 4 + 36);
    }

    #[test]
    fn mask_polarity_follows_the_header_without_alpha() {
        // 2×1 pointer: pixel 0 AND=0 (opaque red), pixel 1 AND=1 colour white (invert).
        let mut data = vec![0b0100_0000, 0, 0, 0];
        data.extend_from_slice(&[0, 0, 0xFF, 0x00]); // B G R A = red
        data.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0x00]);
        let s = decode(0x5, 0, 0, 2, 1, &data);
        assert_eq!(&s.rgba[0..4], &[0xFF, 0, 0, 0xFF]);
        assert_eq!(s.rgba[7], 0, "inverting pixel has no opaque colour");
        assert_eq!(s.invert, vec![false, true]);
    }

    #[test]
    fn alpha_shapes_ignore_the_mask() {
        let mut data = vec![0xFF, 0, 0, 0];
        data.extend_from_slice(&[0x10, 0x20, 0x30, 0x80]);
        let s = decode(0x7, 1, 0, 1, 1, &data);
        assert_eq!(s.rgba, vec![0x30, 0x20, 0x10, 0x80]);
        assert_eq!(s.hot_x, 1);
    }

    #[test]
    fn transparent_when_masked_and_black() {
        let mut data = vec![0x80, 0, 0, 0];
        data.extend_from_slice(&[0, 0, 0, 0xFF]);
        let s = decode(0x5, 0, 0, 1, 1, &data);
        assert_eq!(s.rgba, vec![0, 0, 0, 0]);
        assert_eq!(s.invert, vec![false]);
    }
}
