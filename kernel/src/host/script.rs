//! Scripts of input steps for host renders: `hover 1; click 0; key a; text abc`.

use crate::event::Key;
use std::format;
use std::string::String;
use std::vec::Vec;

/// One step of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The pointer moves to (x, y).
    Move(i32, i32),
    /// The left button goes down where the pointer is.
    Press,
    /// The left button comes up.
    Release,
    /// The pointer moves to the centre of widget N.
    Hover(usize),
    /// Move to widget N's centre, press and release.
    Click(usize),
    /// Move to widget N's centre and hold the left button down.
    PressOn(usize),
    /// A key pressed and released.
    Key(Key),
    /// Each character typed.
    Text(String),
    /// Time passes: `Event::Tick` this many µs later.
    Tick(u64),
}

/// Parses `;`-separated steps.
pub fn parse_script(text: &str) -> Result<Vec<Step>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_step)
        .collect()
}

fn parse_step(text: &str) -> Result<Step, String> {
    let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim();
    let number = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| format!("`{text}`: `{s}` is not a number"))
    };
    let widget = || {
        number(rest).and_then(|n| usize::try_from(n).map_err(|_| format!("`{text}`: bad widget")))
    };
    Ok(match verb {
        "move" => {
            let (x, y) = rest
                .split_once(' ')
                .ok_or_else(|| format!("`{text}`: move wants X Y"))?;
            Step::Move(number(x.trim())? as i32, number(y.trim())? as i32)
        }
        "press" => Step::Press,
        "release" => Step::Release,
        "hover" => Step::Hover(widget()?),
        "click" => Step::Click(widget()?),
        "press-on" => Step::PressOn(widget()?),
        "key" => Step::Key(parse_key(rest).ok_or_else(|| format!("`{text}`: unknown key"))?),
        "text" => Step::Text(rest.into()),
        "tick" => Step::Tick(number(rest)?.max(0) as u64),
        _ => return Err(format!("unknown step `{text}`")),
    })
}

/// Keys by their script names (`space` is also the character ' ').
const NAMED_KEYS: [(&str, Key); 12] = [
    ("enter", Key::Enter),
    ("tab", Key::Tab),
    ("backtab", Key::BackTab),
    ("escape", Key::Escape),
    ("backspace", Key::Backspace),
    ("delete", Key::Delete),
    ("left", Key::Left),
    ("right", Key::Right),
    ("up", Key::Up),
    ("down", Key::Down),
    ("home", Key::Home),
    ("end", Key::End),
];

fn parse_key(name: &str) -> Option<Key> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(Key::Char(c));
    }
    if name == "space" {
        return Some(Key::Char(' '));
    }
    NAMED_KEYS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// The script name of a key that is not a character (`key NAME` in scripts and in
/// `APP serve`), if it has one.
pub fn key_name(key: Key) -> Option<&'static str> {
    NAMED_KEYS.iter().find(|(_, k)| *k == key).map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_go_both_ways() {
        for (name, key) in NAMED_KEYS {
            assert_eq!(parse_key(name), Some(key));
            assert_eq!(key_name(key), Some(name));
        }
        assert_eq!(key_name(Key::Char('a')), None);
        assert_eq!(key_name(Key::Other(7)), None);
    }

    #[test]
    fn steps_parse_and_mistakes_are_errors() {
        assert_eq!(
            parse_script("hover 1; click 0 ;key a; key enter; text ab c; move 3 -4; tick 500")
                .unwrap(),
            [
                Step::Hover(1),
                Step::Click(0),
                Step::Key(Key::Char('a')),
                Step::Key(Key::Enter),
                Step::Text("ab c".into()),
                Step::Move(3, -4),
                Step::Tick(500),
            ]
        );
        assert!(parse_script("jump 3").is_err());
        assert!(parse_script("click x").is_err());
        assert!(parse_script("move 3").is_err());
        assert!(parse_script("key nosuchkey").is_err());
    }
}
