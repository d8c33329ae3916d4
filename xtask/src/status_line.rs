//! Parses `@vitrine <word> key=value key="quoted value"` status lines from a serial log.

use std::collections::BTreeMap;

/// The marker every status line starts with (firmware noise may precede it).
pub const MARKER: &str = "@vitrine ";

/// One status line: its word and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    /// The word after the marker (`boot`, `pci`, `ready`, `fault`...).
    pub word: String,
    /// `key=value` fields; quoted values are unquoted (`\"` and `\\` unescaped).
    pub fields: BTreeMap<String, String>,
    /// The line as it appeared, from the marker on.
    pub raw: String,
    /// Its position among the log's status lines (0 = first); pass `index + 1` to
    /// `QemuRun::wait_for_after` to wait for something that comes after it.
    pub index: usize,
}

impl StatusLine {
    /// Parses one line; `None` when it holds no status line.
    pub fn parse(line: &str) -> Option<Self> {
        let start = line.find(MARKER)?;
        let raw = line[start..].trim_end_matches(['\r', '\n']).to_string();
        let mut rest = raw[MARKER.len()..].chars().peekable();
        let word: String = rest.by_ref().take_while(|c| !c.is_whitespace()).collect();
        if word.is_empty() {
            return None;
        }
        let mut fields = BTreeMap::new();
        loop {
            while rest.next_if(|c| c.is_whitespace()).is_some() {}
            let key: String =
                std::iter::from_fn(|| rest.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
            if key.is_empty() {
                break;
            }
            let mut value = String::new();
            if rest.next_if_eq(&'=').is_some() {
                if rest.next_if_eq(&'"').is_some() {
                    while let Some(c) = rest.next() {
                        match c {
                            '"' => break,
                            '\\' => value.extend(rest.next()),
                            c => value.push(c),
                        }
                    }
                } else {
                    value.extend(std::iter::from_fn(|| rest.next_if(|c| !c.is_whitespace())));
                }
            }
            fields.insert(key, value);
        }
        Some(Self {
            word,
            fields,
            raw,
            index: 0,
        })
    }

    /// A field's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// A field parsed as a number (decimal, or hex with `0x`).
    pub fn number(&self, key: &str) -> Option<u64> {
        let value = self.get(key)?;
        match value.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => value.parse().ok(),
        }
    }
}

/// Every complete status line in a log, in order. A last line without its newline
/// is still being written (the log is read while the guest runs) and is left out.
pub fn parse_log(log: &str) -> Vec<StatusLine> {
    let mut lines: Vec<StatusLine> = log
        .split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .filter_map(StatusLine::parse)
        .collect();
    for (index, line) in lines.iter_mut().enumerate() {
        line.index = index;
    }
    lines
}

/// Matches the status lines with `word` from index `first` on.
pub fn word_from(first: usize, word: &str) -> impl FnMut(&StatusLine) -> bool + '_ {
    move |line| line.index >= first && line.word == word
}

/// Polls a guest's log until a status line `matches`. `poll` returns the lines so
/// far and, once the machine has stopped, how it stopped: a line written just
/// before the stop still counts; after it, waiting ends with that reason.
pub fn wait_for_line(
    mut poll: impl FnMut() -> crate::Result<(Vec<StatusLine>, Option<String>)>,
    mut matches: impl FnMut(&StatusLine) -> bool,
    timeout: std::time::Duration,
) -> crate::Result<StatusLine> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let (lines, stopped) = poll()?;
        if let Some(line) = lines.into_iter().find(|l| matches(l)) {
            return Ok(line);
        }
        if let Some(reason) = stopped {
            return Err(format!("{reason} first").into());
        }
        if std::time::Instant::now() >= deadline {
            return Err(format!("timed out after {timeout:?}").into());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_and_fields() {
        let line = StatusLine::parse(
            "@vitrine boot firmware=bios mem_kib=261628 cmdline=\"a b=\\\"c\\\"\"",
        )
        .unwrap();
        assert_eq!(line.word, "boot");
        assert_eq!(line.get("firmware"), Some("bios"));
        assert_eq!(line.number("mem_kib"), Some(261628));
        assert_eq!(line.get("cmdline"), Some("a b=\"c\""));
    }

    #[test]
    fn noise_before_marker_and_hex_numbers() {
        let line =
            StatusLine::parse("\x1b[0mBdsDxe: @vitrine fault vector=14 rip=0xffff8000\r").unwrap();
        assert_eq!(line.word, "fault");
        assert_eq!(line.number("vector"), Some(14));
        assert_eq!(line.number("rip"), Some(0xffff_8000));
    }

    #[test]
    fn not_status_lines() {
        assert!(StatusLine::parse("Booting `Vitrine'").is_none());
        assert!(StatusLine::parse("@vitrine ").is_none());
        let lines = parse_log("x\n@vitrine boot a=1\ny\n@vitrine ready t_us=5\n");
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[1].word.as_str(), lines[1].index), ("ready", 1));
    }

    #[test]
    fn a_line_still_being_written_is_not_read() {
        let lines = parse_log("@vitrine ready t_us=5\r\n@vitrine click x=");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].get("t_us"), Some("5"));
        let lines = parse_log("@vitrine ready t_us=5\r\n@vitrine click x=1 y=2\n");
        assert_eq!(lines[1].get("y"), Some("2"));
    }
}
