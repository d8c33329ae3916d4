//! App options: `key → value` text an app reads through `SystemInfo::options`, fed by
//! more than one source (the host's `/Vitrine/Config/*` guest properties today; the
//! kernel command line's `app.key=value` is the other planned source). A change at
//! run time becomes `Event::OptionChanged` for the app; the app decides what to redraw.
//!
//! No heap: a fixed table of [`MAX_OPTIONS`] entries, keys up to [`MAX_KEY_LEN`] bytes
//! (`[a-z0-9._-]`), values up to [`MAX_VALUE_LEN`] bytes of UTF-8.

use heapless::{String, Vec};

/// Most options held at once.
pub const MAX_OPTIONS: usize = 16;
/// Longest key, in bytes.
pub const MAX_KEY_LEN: usize = 31;
/// Longest value, in bytes.
pub const MAX_VALUE_LEN: usize = 127;

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionSource {
    /// The kernel command line (`app.key=value`).
    CommandLine,
    /// A VirtualBox guest property `/Vitrine/Config/<key>` set by the host.
    GuestProperty,
}

/// Why a value was refused (the caller logs it; the old value stays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionError {
    /// Empty, too long, or a character outside `[a-z0-9._-]` (the key's length).
    BadKey(usize),
    /// Longer than [`MAX_VALUE_LEN`] (the length).
    ValueTooLong(usize),
    /// Every slot is taken by other keys.
    TableFull,
}

/// A handle on one option slot, carried by `Event::OptionChanged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionId(pub u8);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: String<MAX_KEY_LEN>,
    /// `None` after the source removed it (the app falls back to its default).
    value: Option<String<MAX_VALUE_LEN>>,
    source: OptionSource,
    /// The source's ordering stamp of the value (guest properties: the host's
    /// timestamp), so a late, older report never replaces a newer value.
    stamp: u64,
    /// The app does not know this key: warned once, never delivered.
    warned: bool,
}

/// The option table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    entries: Vec<Entry, MAX_OPTIONS>,
    /// Bit N: entry N changed since the runtime last delivered changes.
    changed: u32,
}

const _: () = assert!(MAX_OPTIONS <= 32, "the change mask is a u32");

/// Whether `key` is a valid option key.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl Options {
    /// An empty table.
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
            changed: 0,
        }
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .and_then(|e| e.value.as_deref())
    }

    /// The key and value behind an id (`Event::OptionChanged`); value `None` when the
    /// option was removed.
    pub fn entry(&self, id: OptionId) -> Option<(&str, Option<&str>)> {
        self.entries
            .get(usize::from(id.0))
            .map(|e| (e.key.as_str(), e.value.as_deref()))
    }

    /// Where the current value of `key` came from.
    pub fn source(&self, key: &str) -> Option<OptionSource> {
        self.entries.iter().find(|e| e.key == key).map(|e| e.source)
    }

    /// Sets (`Some`) or removes (`None`) `key`. Returns whether anything changed; a
    /// change is queued for delivery.
    pub fn set(
        &mut self,
        key: &str,
        value: Option<&str>,
        source: OptionSource,
    ) -> Result<bool, OptionError> {
        self.set_stamped(key, value, source, 0)
    }

    /// [`Options::set`] for a source whose reports carry an ordering stamp (a
    /// timestamp): a report not newer than the one the value came from is ignored.
    pub fn set_stamped(
        &mut self,
        key: &str,
        value: Option<&str>,
        source: OptionSource,
        stamp: u64,
    ) -> Result<bool, OptionError> {
        if !valid_key(key) {
            return Err(OptionError::BadKey(key.len()));
        }
        let value = match value {
            Some(v) => Some(String::try_from(v).map_err(|_| OptionError::ValueTooLong(v.len()))?),
            None => None,
        };
        let index = match self.entries.iter().position(|e| e.key == key) {
            Some(i) => i,
            None if value.is_none() => return Ok(false),
            None => {
                let entry = Entry {
                    // Fits: valid_key checked the length.
                    key: String::try_from(key).map_err(|_| OptionError::BadKey(key.len()))?,
                    value: None,
                    source,
                    stamp: 0,
                    warned: false,
                };
                self.entries
                    .push(entry)
                    .map_err(|_| OptionError::TableFull)?;
                self.entries.len() - 1
            }
        };
        let entry = &mut self.entries[index];
        if stamp != 0 && entry.source == source && stamp <= entry.stamp {
            return Ok(false);
        }
        entry.stamp = stamp;
        entry.source = source;
        if entry.value == value {
            return Ok(false);
        }
        entry.value = value;
        self.changed |= 1 << index;
        Ok(true)
    }

    /// Takes the ids of the options changed since the last call, oldest slot first.
    pub fn take_changed(&mut self) -> impl Iterator<Item = OptionId> {
        let changed = core::mem::take(&mut self.changed);
        (0..MAX_OPTIONS as u8)
            .filter(move |i| changed & (1 << i) != 0)
            .map(OptionId)
    }

    /// Marks an option the app does not know; true the first time (log it then).
    pub fn warn_unknown(&mut self, id: OptionId) -> bool {
        match self.entries.get_mut(usize::from(id.0)) {
            Some(e) if !e.warned => {
                e.warned = true;
                true
            }
            _ => false,
        }
    }

    /// All options, for the status panel and tests.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_remove_and_changes() {
        let mut o = Options::new();
        assert_eq!(
            o.set("title", Some("Gare"), OptionSource::GuestProperty),
            Ok(true)
        );
        assert_eq!(
            o.set("title", Some("Gare"), OptionSource::GuestProperty),
            Ok(false)
        );
        assert_eq!(
            o.set("page", Some("rooms"), OptionSource::CommandLine),
            Ok(true)
        );
        assert_eq!(o.get("title"), Some("Gare"));
        let changed: std::vec::Vec<_> = o.take_changed().collect();
        assert_eq!(changed, [OptionId(0), OptionId(1)]);
        assert_eq!(o.take_changed().count(), 0);
        assert_eq!(o.set("title", None, OptionSource::GuestProperty), Ok(true));
        assert_eq!(o.get("title"), None);
        assert_eq!(o.entry(OptionId(0)), Some(("title", None)));
        assert_eq!(o.set("never", None, OptionSource::GuestProperty), Ok(false));
    }

    #[test]
    fn an_older_stamped_report_never_replaces_a_newer_value() {
        let mut o = Options::new();
        let gp = OptionSource::GuestProperty;
        assert_eq!(o.set_stamped("title", Some("new"), gp, 20), Ok(true));
        assert_eq!(o.set_stamped("title", Some("old"), gp, 10), Ok(false));
        assert_eq!(o.set_stamped("title", None, gp, 20), Ok(false));
        assert_eq!(o.get("title"), Some("new"));
        assert_eq!(o.set_stamped("title", None, gp, 30), Ok(true));
        assert_eq!(o.set_stamped("title", Some("stale"), gp, 25), Ok(false));
        assert_eq!(o.get("title"), None);
    }

    #[test]
    fn bad_keys_long_values_and_a_full_table_are_refused() {
        let mut o = Options::new();
        assert_eq!(
            o.set("Title", Some("x"), OptionSource::GuestProperty),
            Err(OptionError::BadKey(5))
        );
        assert_eq!(
            o.set("", Some("x"), OptionSource::GuestProperty),
            Err(OptionError::BadKey(0))
        );
        let long = "x".repeat(MAX_VALUE_LEN + 1);
        assert_eq!(
            o.set("title", Some(&long), OptionSource::GuestProperty),
            Err(OptionError::ValueTooLong(MAX_VALUE_LEN + 1))
        );
        for i in 0..MAX_OPTIONS {
            o.set(&format!("k{i}"), Some("v"), OptionSource::GuestProperty)
                .unwrap();
        }
        assert_eq!(
            o.set("one-more", Some("v"), OptionSource::GuestProperty),
            Err(OptionError::TableFull)
        );
        assert!(o.warn_unknown(OptionId(3)));
        assert!(!o.warn_unknown(OptionId(3)));
    }
}
