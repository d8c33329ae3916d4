//! The PS/2 keyboard: bring-up, and scancode decoding with `pc-keyboard` (US layout).

use super::controller::{Controller, Port, Ps2Error};
use crate::event::Key;
use crate::hal::PortIo;
use crate::logging;
use pc_keyboard::{
    layouts::Us104Key, DecodedKey, HandleControl, KeyCode, KeyState, Keyboard, ScancodeSet1,
    ScancodeSet2,
};

/// Device commands (keyboard side of the PS/2 protocol).
mod command {
    /// Resume sending scancodes.
    pub const ENABLE_SCANNING: u8 = 0xF4;
}

/// Bytes a keyboard sends that are replies or errors, never scancodes.
mod reply {
    /// Acknowledge.
    pub const ACK: u8 = 0xFA;
    /// Resend request.
    pub const RESEND: u8 = 0xFE;
    /// Key detection error or buffer overrun (set 1/3 value).
    pub const OVERRUN_ZERO: u8 = 0x00;
    /// Key detection error or buffer overrun (set 2 value).
    pub const OVERRUN_FF: u8 = 0xFF;
}

/// Which scancode set the bytes we read are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScancodeSetKind {
    /// Set 1: what the controller delivers while translation is on.
    Set1,
    /// Set 2: the keyboard's own set, seen with translation off.
    Set2,
}

/// Resets the keyboard and turns scanning on. The keyboard comes out of reset in
/// set 2, which suits both translation settings.
pub fn init(io: &mut impl PortIo, controller: &Controller) -> Result<(), Ps2Error> {
    controller.reset_device(io, Port::Keyboard)?;
    controller.device_command(io, Port::Keyboard, command::ENABLE_SCANNING)
}

enum Decoder {
    Set1(Keyboard<Us104Key, ScancodeSet1>),
    Set2(Keyboard<Us104Key, ScancodeSet2>),
}

/// Slots for remembering what each key code produced when pressed.
const KEY_CODE_SLOTS: usize = 256;

/// Turns keyboard bytes into key presses and releases.
pub struct KeyboardDecoder {
    decoder: Decoder,
    /// What each key produced when it went down, so its release reports the same key
    /// even if a modifier changed in between.
    pressed_as: [Option<Key>; KEY_CODE_SLOTS],
}

impl core::fmt::Debug for KeyboardDecoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let set = match self.decoder {
            Decoder::Set1(_) => ScancodeSetKind::Set1,
            Decoder::Set2(_) => ScancodeSetKind::Set2,
        };
        f.debug_struct("KeyboardDecoder")
            .field("set", &set)
            .finish()
    }
}

impl KeyboardDecoder {
    /// A decoder for bytes in `set`, US layout, Ctrl passed through as a modifier.
    pub fn new(set: ScancodeSetKind) -> Self {
        let decoder = match set {
            ScancodeSetKind::Set1 => Decoder::Set1(Keyboard::new(
                ScancodeSet1::new(),
                Us104Key,
                HandleControl::Ignore,
            )),
            ScancodeSetKind::Set2 => Decoder::Set2(Keyboard::new(
                ScancodeSet2::new(),
                Us104Key,
                HandleControl::Ignore,
            )),
        };
        Self {
            decoder,
            pressed_as: [None; KEY_CODE_SLOTS],
        }
    }

    /// Feeds one byte; returns a key and whether it went down (each typematic repeat
    /// is another press) once a scancode is complete.
    pub fn feed(&mut self, byte: u8) -> Option<(Key, bool)> {
        if matches!(
            byte,
            reply::ACK | reply::RESEND | reply::OVERRUN_ZERO | reply::OVERRUN_FF
        ) {
            return None;
        }
        let result = match &mut self.decoder {
            Decoder::Set1(k) => k.add_byte(byte),
            Decoder::Set2(k) => k.add_byte(byte),
        };
        let event = match result {
            Ok(Some(event)) => event,
            Ok(None) => return None,
            Err(error) => {
                logging::debug!("ps2: keyboard byte {byte:#04x} not decoded: {error:?}");
                return None;
            }
        };
        let code = event.code;
        let state = event.state;
        // Device notices (self-test passed after a hot plug, buffer overrun).
        if matches!(code, KeyCode::PowerOnTestOk | KeyCode::TooManyKeys) {
            return None;
        }
        let (decoded, shifted) = match &mut self.decoder {
            Decoder::Set1(k) => (k.process_keyevent(event), k.get_modifiers().is_shifted()),
            Decoder::Set2(k) => (k.process_keyevent(event), k.get_modifiers().is_shifted()),
        };
        // The hidden modifiers that prefix Pause and the fake shifts around extended
        // keys: the decoder tracks them, the app never sees them.
        if matches!(code, KeyCode::RControl2 | KeyCode::RAlt2) {
            return None;
        }
        let slot = code as usize;
        match state {
            KeyState::Down | KeyState::SingleShot => {
                let key = Self::key_for_press(code, decoded, shifted);
                if let Some(remembered) = self.pressed_as.get_mut(slot) {
                    *remembered = Some(key);
                }
                Some((key, true))
            }
            KeyState::Up => {
                let remembered = self.pressed_as.get_mut(slot).and_then(Option::take);
                let key = remembered.unwrap_or_else(|| named_key(code).unwrap_or(other(code)));
                Some((key, false))
            }
        }
    }

    fn key_for_press(code: KeyCode, decoded: Option<DecodedKey>, shifted: bool) -> Key {
        if code == KeyCode::Tab && shifted {
            return Key::BackTab;
        }
        if let Some(key) = named_key(code) {
            return key;
        }
        match decoded {
            Some(DecodedKey::Unicode(c)) => Key::Char(c),
            // The layout may remap a key (numpad arrows with Num Lock off).
            Some(DecodedKey::RawKey(raw)) => named_key(raw).unwrap_or(other(raw)),
            None => other(code),
        }
    }
}

/// Keys the app handles by name rather than by character.
fn named_key(code: KeyCode) -> Option<Key> {
    Some(match code {
        KeyCode::Return | KeyCode::NumpadEnter => Key::Enter,
        KeyCode::Tab => Key::Tab,
        KeyCode::Escape => Key::Escape,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        KeyCode::ArrowLeft => Key::Left,
        KeyCode::ArrowRight => Key::Right,
        KeyCode::ArrowUp => Key::Up,
        KeyCode::ArrowDown => Key::Down,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        _ => return None,
    })
}

fn other(code: KeyCode) -> Key {
    Key::Other(code as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn decode(set: ScancodeSetKind, bytes: &[u8]) -> Vec<(Key, bool)> {
        let mut decoder = KeyboardDecoder::new(set);
        bytes.iter().filter_map(|b| decoder.feed(*b)).collect()
    }

    #[test]
    fn set1_letters_shift_and_release() {
        // a, then Shift+a (0x2A = LShift, 0x1E = A), releases with bit 7.
        let keys = decode(ScancodeSetKind::Set1, &[0x1E, 0x9E, 0x2A, 0x1E, 0x9E, 0xAA]);
        assert_eq!(
            keys,
            [
                (Key::Char('a'), true),
                (Key::Char('a'), false),
                (Key::Other(KeyCode::LShift as u16), true),
                (Key::Char('A'), true),
                (Key::Char('A'), false),
                (Key::Other(KeyCode::LShift as u16), false),
            ]
        );
    }

    #[test]
    fn set2_letters_shift_and_release() {
        // Set 2: A = 0x1C, LShift = 0x12, release prefix 0xF0.
        let keys = decode(
            ScancodeSetKind::Set2,
            &[0x1C, 0xF0, 0x1C, 0x12, 0x1C, 0xF0, 0x1C, 0xF0, 0x12],
        );
        assert_eq!(
            keys,
            [
                (Key::Char('a'), true),
                (Key::Char('a'), false),
                (Key::Other(KeyCode::LShift as u16), true),
                (Key::Char('A'), true),
                (Key::Char('A'), false),
                (Key::Other(KeyCode::LShift as u16), false),
            ]
        );
    }

    #[test]
    fn extended_keys_in_both_sets() {
        // Arrows, Home, keypad Enter (and main Enter in set 2).
        let set1 = decode(
            ScancodeSetKind::Set1,
            &[0xE0, 0x4B, 0xE0, 0xCB, 0xE0, 0x47, 0xE0, 0x1C],
        );
        assert_eq!(
            set1,
            [
                (Key::Left, true),
                (Key::Left, false),
                (Key::Home, true),
                (Key::Enter, true)
            ]
        );
        let set2 = decode(
            ScancodeSetKind::Set2,
            &[0xE0, 0x6B, 0xE0, 0xF0, 0x6B, 0xE0, 0x75, 0xE0, 0x5A, 0x5A],
        );
        assert_eq!(
            set2,
            [
                (Key::Left, true),
                (Key::Left, false),
                (Key::Up, true),
                (Key::Enter, true),
                (Key::Enter, true)
            ]
        );
    }

    #[test]
    fn typematic_repeat_gives_one_press_per_make_code() {
        let keys = decode(ScancodeSetKind::Set1, &[0x1E, 0x1E, 0x1E, 0x9E]);
        assert_eq!(
            keys,
            [
                (Key::Char('a'), true),
                (Key::Char('a'), true),
                (Key::Char('a'), true),
                (Key::Char('a'), false)
            ]
        );
    }

    #[test]
    fn shift_tab_is_backtab_and_named_keys() {
        let keys = decode(
            ScancodeSetKind::Set1,
            &[0x2A, 0x0F, 0xAA, 0x8F, 0x0F, 0x1C, 0x0E, 0x01],
        );
        let pressed: Vec<Key> = keys.iter().filter(|(_, p)| *p).map(|(k, _)| *k).collect();
        assert_eq!(
            pressed,
            [
                Key::Other(KeyCode::LShift as u16),
                Key::BackTab,
                Key::Tab,
                Key::Enter,
                Key::Backspace,
                Key::Escape
            ]
        );
        // The release matches the press even though Shift went up first.
        assert!(keys.contains(&(Key::BackTab, false)));
    }

    #[test]
    fn fake_shifts_and_pause_prefixes_are_not_keys() {
        // Set 1: E0 2A (fake shift) around Left; Pause = E1 1D 45 E1 9D C5.
        let set1 = decode(
            ScancodeSetKind::Set1,
            &[
                0xE0, 0x2A, 0xE0, 0x4B, 0xE0, 0xCB, 0xE0, 0xAA, 0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5,
            ],
        );
        assert_eq!(
            set1,
            [
                (Key::Left, true),
                (Key::Left, false),
                (Key::Other(KeyCode::PauseBreak as u16), true),
                (Key::Other(KeyCode::PauseBreak as u16), false),
            ]
        );
        let set2 = decode(
            ScancodeSetKind::Set2,
            &[0xE0, 0x12, 0xE0, 0x6B, 0xE0, 0xF0, 0x6B, 0xE0, 0xF0, 0x12],
        );
        assert_eq!(set2, [(Key::Left, true), (Key::Left, false)]);
    }

    #[test]
    fn replies_and_garbage_are_not_keys() {
        let keys = decode(ScancodeSetKind::Set2, &[0xFA, 0xFE, 0x00, 0xFF, 0xAA, 0x1C]);
        assert_eq!(keys, [(Key::Char('a'), true)]);
    }

    #[test]
    fn digits_and_punctuation_with_shift() {
        // Set 2: 1 = 0x16, Shift+1 = '!', '/' = 0x4A.
        let keys = decode(ScancodeSetKind::Set2, &[0x16, 0x12, 0x16, 0xF0, 0x12, 0x4A]);
        let chars: Vec<Key> = keys.iter().filter(|(_, p)| *p).map(|(k, _)| *k).collect();
        assert_eq!(
            chars,
            [
                Key::Char('1'),
                Key::Other(KeyCode::LShift as u16),
                Key::Char('!'),
                Key::Char('/')
            ]
        );
    }
}
