//! The app's own options: `app.NAME=VALUE` words on the kernel command line (quoted
//! values may hold spaces: `app.title="Gare de Lyon"`), and whatever a run-time
//! source sets later (the guest-property driver feeds VirtualBox's
//! `/Vitrine/Config/*` here).
//!
//! A fixed-capacity store (no heap) the app reads through
//! [`SystemInfo::options`](crate::app::SystemInfo::options):
//! `info.options.get("title")`. A change at run time goes through
//! [`AppOptions::set`], which remembers the name; the runtime then tells the app
//! [`Event::OptionChanged`](crate::event::Event::OptionChanged) with it, once per
//! change, in order.

/// How many options the store holds.
pub const MAX_OPTIONS: usize = 16;
/// Longest option name, in bytes (without the `app.` prefix).
pub const MAX_NAME: usize = 31;
/// Longest value, in bytes.
pub const MAX_VALUE: usize = 95;
/// Changes remembered until the runtime hands them to the app.
pub const MAX_PENDING_CHANGES: usize = 16;

/// The command-line prefix of the app's options.
pub const CMDLINE_PREFIX: &str = "app.";

/// An option name: short, `Copy`, so it fits in an [`Event`](crate::event::Event).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionName {
    bytes: [u8; MAX_NAME],
    len: u8,
}

impl OptionName {
    /// A name of 1..=`MAX_NAME` bytes of letters, digits, `-`, `_`, `.`, `/`.
    pub fn new(name: &str) -> Result<Self, OptionError> {
        // Bytes, not chars: any byte of a non-ASCII character fails the same test, and
        // `str::contains(char)` was a 2 KB pattern search.
        let valid = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/');
        if name.is_empty() || name.len() > MAX_NAME || !name.bytes().all(valid) {
            return Err(OptionError::BadName);
        }
        let mut bytes = [0; MAX_NAME];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        Ok(Self {
            bytes,
            len: name.len() as u8,
        })
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII was accepted in `new`.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl core::fmt::Debug for OptionName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl core::fmt::Display for OptionName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an option was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionError {
    /// Empty, too long, or a character outside `A-Za-z0-9-_./`.
    BadName,
    /// Longer than `MAX_VALUE` bytes.
    ValueTooLong,
    /// `MAX_OPTIONS` different names are already set.
    Full,
}

/// What [`AppOptions::set`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionChange {
    /// A new name.
    Added,
    /// Another value for a known name.
    Changed,
    /// The same value again: nothing to tell the app.
    Unchanged,
}

type Value = heapless::String<MAX_VALUE>;

/// The store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppOptions {
    entries: heapless::Vec<(OptionName, Value), MAX_OPTIONS>,
    pending: heapless::Vec<OptionName, MAX_PENDING_CHANGES>,
    lost_changes: u32,
}

impl AppOptions {
    /// An empty store.
    pub const fn new() -> Self {
        Self {
            entries: heapless::Vec::new(),
            pending: heapless::Vec::new(),
            lost_changes: 0,
        }
    }

    /// The value of `name` (without the `app.` prefix), if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every option, in the order first set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// How many options are set.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when none is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `name` to `value` at run time: the function a platform source calls
    /// (from its `EventSource::poll`, through `info.options.set`). A real change is
    /// remembered and becomes `Event::OptionChanged(name)` for the app at the next
    /// runtime step. A failed set changes nothing; the caller logs it.
    pub fn set(&mut self, name: &str, value: &str) -> Result<OptionChange, OptionError> {
        let change = self.store(name, value)?;
        if change != OptionChange::Unchanged {
            let name = OptionName::new(name)?;
            if !self.pending.contains(&name) && self.pending.push(name).is_err() {
                // The app has not run for MAX_PENDING_CHANGES distinct changes; the
                // value is stored, only the event is lost (and counted).
                self.lost_changes = self.lost_changes.saturating_add(1);
            }
        }
        Ok(change)
    }

    /// Removes `name` at run time (its source withdrew it, e.g. the host unset the
    /// guest property): announced like a change, after which `get(name)` is `None`.
    /// Returns whether it was set.
    pub fn remove(&mut self, name: &str) -> bool {
        let Some(index) = self.entries.iter().position(|(n, _)| n.as_str() == name) else {
            return false;
        };
        let (name, _) = self.entries.remove(index);
        if !self.pending.contains(&name) && self.pending.push(name).is_err() {
            self.lost_changes = self.lost_changes.saturating_add(1);
        }
        true
    }

    /// Sets `name` without a change event: the boot-time values the app finds in
    /// place at its first event.
    pub fn set_initial(&mut self, name: &str, value: &str) -> Result<OptionChange, OptionError> {
        self.store(name, value)
    }

    fn store(&mut self, name: &str, value: &str) -> Result<OptionChange, OptionError> {
        let key = OptionName::new(name)?;
        let value = Value::try_from(value).map_err(|_| OptionError::ValueTooLong)?;
        if let Some((_, old)) = self.entries.iter_mut().find(|(n, _)| *n == key) {
            if *old == value {
                return Ok(OptionChange::Unchanged);
            }
            *old = value;
            return Ok(OptionChange::Changed);
        }
        self.entries
            .push((key, value))
            .map_err(|_| OptionError::Full)?;
        Ok(OptionChange::Added)
    }

    /// The next change the app has not been told about (the runtime calls this).
    pub fn take_change(&mut self) -> Option<OptionName> {
        if self.pending.is_empty() {
            None
        } else {
            Some(self.pending.remove(0))
        }
    }

    /// Change events that did not fit in the pending list.
    pub fn lost_changes(&self) -> u32 {
        self.lost_changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_and_change_events() {
        let mut options = AppOptions::new();
        assert_eq!(
            options.set_initial("title", "Gare de Lyon"),
            Ok(OptionChange::Added)
        );
        assert_eq!(options.get("title"), Some("Gare de Lyon"));
        assert_eq!(options.take_change(), None, "boot values raise no event");
        assert_eq!(options.set("title", "Genève"), Ok(OptionChange::Changed));
        assert_eq!(options.set("title", "Genève"), Ok(OptionChange::Unchanged));
        assert_eq!(options.set("rows", "8"), Ok(OptionChange::Added));
        assert_eq!(
            options.take_change().map(|n| n.to_string_lossy()),
            Some("title".into())
        );
        assert_eq!(
            options.take_change().map(|n| n.to_string_lossy()),
            Some("rows".into())
        );
        assert_eq!(options.take_change(), None);
        assert_eq!(options.get("title"), Some("Genève"));
        assert_eq!(options.get("missing"), None);
        assert_eq!(options.iter().count(), 2);
    }

    #[test]
    fn a_removed_option_is_announced_and_gone() {
        let mut options = AppOptions::new();
        options.set_initial("title", "Gare").unwrap();
        assert!(options.remove("title"));
        assert!(!options.remove("title"));
        assert_eq!(options.get("title"), None);
        assert_eq!(
            options.take_change().map(|n| n.to_string_lossy()),
            Some("title".into())
        );
    }

    #[test]
    fn bad_names_long_values_and_a_full_store_are_refused() {
        let mut options = AppOptions::new();
        assert_eq!(options.set("", "x"), Err(OptionError::BadName));
        assert_eq!(options.set("a b", "x"), Err(OptionError::BadName));
        assert_eq!(
            options.set(&"n".repeat(MAX_NAME + 1), "x"),
            Err(OptionError::BadName)
        );
        assert_eq!(
            options.set("long", &"v".repeat(MAX_VALUE + 1)),
            Err(OptionError::ValueTooLong)
        );
        for i in 0..MAX_OPTIONS {
            options.set(&std::format!("o{i}"), "1").unwrap();
        }
        assert_eq!(options.set("one-more", "1"), Err(OptionError::Full));
        assert_eq!(options.len(), MAX_OPTIONS);
        // The old value stays when a change is refused.
        assert_eq!(
            options.set("o1", &"v".repeat(MAX_VALUE + 1)),
            Err(OptionError::ValueTooLong)
        );
        assert_eq!(options.get("o1"), Some("1"));
    }

    #[test]
    fn too_many_unread_changes_are_counted_not_lost_silently() {
        let mut options = AppOptions::new();
        for i in 0..MAX_OPTIONS {
            options.set(&std::format!("o{i}"), "1").unwrap();
        }
        // MAX_OPTIONS == MAX_PENDING_CHANGES: all fit; a repeat name is not queued twice.
        options.set("o0", "2").unwrap();
        assert_eq!(options.lost_changes(), 0);
        let mut seen = 0;
        while options.take_change().is_some() {
            seen += 1;
        }
        assert_eq!(seen, MAX_OPTIONS);
    }

    impl OptionName {
        fn to_string_lossy(self) -> std::string::String {
            self.as_str().into()
        }
    }
}
