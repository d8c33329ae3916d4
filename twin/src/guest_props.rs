//! The guest property service (`VBoxGuestPropSvc`) as VirtualBox 7.0.14 runs it
//! (hgcm-guest-properties.md §9): the store with its name/value/flag rules, limits,
//! permissions, flag formatting, pattern matching, the 256-entry notification queue,
//! and the host-side operations `VBoxManage guestproperty` uses.
//!
//! The HGCM transport (`crate::hgcm`) hands this service parameters that are already
//! copied out of guest memory; the service never touches guest memory itself.

use std::collections::BTreeMap;

use crate::wire::*;

/// Prefixes a guest may never SET (§9.3 rule 3); host writes to them get RDONLYGUEST.
pub const RESERVED_PREFIXES: [&str; 6] = [
    "/VirtualBox/GuestAdd/VBoxService/",
    "/VirtualBox/GuestAdd/PAM/",
    "/VirtualBox/GuestAdd/Greeter/",
    "/VirtualBox/GuestAdd/SharedFolders/",
    "/VirtualBox/HostInfo/",
    "/VirtualBox/VMInfo/",
];

/// One property as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The value (may be empty).
    pub value: String,
    /// Nanoseconds since 1970, unique per change.
    pub timestamp: u64,
    /// `GUEST_PROP_F_*` bits.
    pub flags: u32,
}

/// One change, as it is queued for GET_NOTIFICATION and logged for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Position in the change stream (from 1), for "after this one" searches.
    pub seq: u64,
    /// Property name.
    pub name: String,
    /// New value (empty for a delete).
    pub value: String,
    /// New flags (0 for a delete).
    pub flags: u32,
    /// The change's unique timestamp.
    pub timestamp: u64,
    /// True for a delete.
    pub deleted: bool,
    /// True when the guest made the change.
    pub by_guest: bool,
}

/// Who writes: the guest (HGCM) or the host (VBoxManage, Main).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// Through HGCM from the guest.
    Guest,
    /// From the host side.
    Host,
}

/// The property store and its notification queue.
#[derive(Debug, Clone)]
pub struct GuestProps {
    props: BTreeMap<String, Property>,
    queue: std::collections::VecDeque<Change>,
    log: Vec<Change>,
    seq: u64,
    last_timestamp: u64,
    /// VBOX_WITH_GUEST_PROPS_RDONLY_GUEST: the global RDONLYGUEST flag (off in stock).
    pub global_rdonly_guest: bool,
}

impl Default for GuestProps {
    fn default() -> Self {
        Self::new(0)
    }
}

/// `GuestPropWriteFlags`: fixed order, READONLY replaces the pair, TRANSRESET also
/// prints TRANSIENT.
pub fn format_flags(flags: u32) -> String {
    let mut names = Vec::new();
    if flags & (GUEST_PROP_F_TRANSIENT | GUEST_PROP_F_TRANSRESET) != 0 {
        names.push("TRANSIENT");
    }
    if flags & GUEST_PROP_F_READONLY == GUEST_PROP_F_READONLY {
        names.push("READONLY");
    } else {
        if flags & GUEST_PROP_F_RDONLYGUEST != 0 {
            names.push("RDONLYGUEST");
        }
        if flags & GUEST_PROP_F_RDONLYHOST != 0 {
            names.push("RDONLYHOST");
        }
    }
    if flags & GUEST_PROP_F_TRANSRESET != 0 {
        names.push("TRANSRESET");
    }
    names.join(", ")
}

/// `GuestPropValidateFlags`: comma-separated names, case-insensitive, spaces around
/// names and commas; empty means none. `None` is VERR_PARSE_ERROR.
pub fn parse_flags(text: &str) -> Option<u32> {
    let mut flags = 0;
    if text.trim().is_empty() {
        return Some(0);
    }
    for word in text.split(',') {
        let word = word.trim_matches(' ');
        flags |= match word.to_ascii_uppercase().as_str() {
            "TRANSIENT" => GUEST_PROP_F_TRANSIENT,
            "RDONLYGUEST" => GUEST_PROP_F_RDONLYGUEST,
            "RDONLYHOST" => GUEST_PROP_F_RDONLYHOST,
            "READONLY" => GUEST_PROP_F_READONLY,
            "TRANSRESET" => GUEST_PROP_F_TRANSRESET,
            _ => return None,
        };
    }
    Some(flags)
}

/// `RTStrSimplePatternMultiMatch`: `|`-separated alternatives, `*` any run, `?` one
/// character, case-sensitive; an empty pattern string matches everything.
pub fn pattern_matches(patterns: &str, name: &str) -> bool {
    if patterns.is_empty() {
        return true;
    }
    patterns
        .split('|')
        .any(|p| simple_match(p.as_bytes(), name.as_bytes()))
}

fn simple_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| simple_match(rest, &text[i..])),
        Some((b'?', rest)) => {
            // One UTF-8 character, not one byte.
            let Some(first) = text.first() else {
                return false;
            };
            let len = match first {
                0xF0.. => 4,
                0xE0.. => 3,
                0xC0.. => 2,
                _ => 1,
            };
            text.len() >= len && simple_match(rest, &text[len..])
        }
        Some((c, rest)) => text.first() == Some(c) && simple_match(rest, &text[1..]),
    }
}

/// A string parameter as the service's getter sees it: `Err` is the status.
/// Requires size > 0, a NUL inside the parameter and valid UTF-8 before it.
pub fn c_string(param: &[u8]) -> Result<&str, i32> {
    let nul = param
        .iter()
        .position(|&b| b == 0)
        .ok_or(VERR_INVALID_PARAMETER)?;
    std::str::from_utf8(&param[..nul]).map_err(|_| VERR_INVALID_PARAMETER)
}

/// The name rules of §9.2, checked on the whole parameter (its size, not strlen).
pub fn valid_name_param(param: &[u8]) -> Result<&str, i32> {
    if param.len() < 2 || param.len() > GUEST_PROP_MAX_NAME_LEN as usize {
        return Err(VERR_INVALID_PARAMETER);
    }
    if param.iter().any(|b| b"*?|".contains(b)) {
        return Err(VERR_INVALID_PARAMETER);
    }
    let name = c_string(param)?;
    if name.is_empty() {
        return Err(VERR_INVALID_PARAMETER);
    }
    Ok(name)
}

impl GuestProps {
    /// The store as the service creates it at VM start (§9.7), timestamps from
    /// `utc_ns`.
    pub fn new(utc_ns: u64) -> Self {
        let mut props = Self {
            props: BTreeMap::new(),
            queue: Default::default(),
            log: Vec::new(),
            seq: 0,
            last_timestamp: utc_ns,
            global_rdonly_guest: false,
        };
        let host_info = GUEST_PROP_F_TRANSIENT | GUEST_PROP_F_RDONLYGUEST;
        for (name, value, flags) in [
            ("/VirtualBox/HostInfo/VBoxVer", "7.0.14", host_info),
            ("/VirtualBox/HostInfo/VBoxVerExt", "7.0.14", host_info),
            ("/VirtualBox/HostInfo/VBoxRev", "161095", host_info),
            (
                "/VirtualBox/VMInfo/ResetCounter",
                "0",
                GUEST_PROP_F_RDONLYGUEST,
            ),
            (
                "/VirtualBox/VMInfo/ResumeCounter",
                "0",
                GUEST_PROP_F_RDONLYGUEST,
            ),
            ("/VirtualBox/HostGuest/SysprepExec", "", 0),
            ("/VirtualBox/HostGuest/SysprepArgs", "", 0),
        ] {
            let timestamp = props.next_timestamp(utc_ns);
            props.props.insert(
                name.into(),
                Property {
                    value: value.into(),
                    timestamp,
                    flags,
                },
            );
        }
        props
    }

    fn next_timestamp(&mut self, utc_ns: u64) -> u64 {
        self.last_timestamp = utc_ns.max(self.last_timestamp + 1);
        self.last_timestamp
    }

    /// A property.
    pub fn get(&self, name: &str) -> Option<&Property> {
        self.props.get(name)
    }

    /// All properties, sorted by name (as `VBoxManage guestproperty enumerate` prints).
    pub fn all(&self) -> impl Iterator<Item = (&String, &Property)> {
        self.props.iter()
    }

    /// Every change so far (never trimmed), for tests.
    pub fn changes(&self) -> &[Change] {
        &self.log
    }

    /// The notification queue (the last 256 changes).
    pub fn queue(&self) -> impl Iterator<Item = &Change> {
        self.queue.iter()
    }

    /// The newest change's sequence number (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.seq
    }

    /// The first queued change after `after_seq` whose name matches `patterns`.
    pub fn change_after(&self, after_seq: u64, patterns: &str) -> Option<&Change> {
        self.queue
            .iter()
            .find(|c| c.seq > after_seq && pattern_matches(patterns, &c.name))
    }

    /// The queued change with exactly this timestamp.
    pub fn change_with_timestamp(&self, timestamp: u64) -> Option<&Change> {
        self.queue.iter().find(|c| c.timestamp == timestamp)
    }

    /// Whether a property exists now (GET_NOTIFICATION's fourth string).
    pub fn exists(&self, name: &str) -> bool {
        self.props.contains_key(name)
    }

    /// SET / SET_VALUE (guest or host): `flags` None = SET with two parameters or
    /// SET_VALUE, which resets the flags. Returns the status.
    pub fn set(
        &mut self,
        writer: Writer,
        name: &str,
        value: &str,
        flags: Option<u32>,
        utc_ns: u64,
    ) -> i32 {
        if value.len() + 1 > GUEST_PROP_MAX_VALUE_LEN as usize {
            return VERR_TOO_MUCH_DATA;
        }
        let reserved = RESERVED_PREFIXES.iter().any(|p| name.starts_with(p));
        let existing = self.props.get(name);
        match writer {
            Writer::Guest => {
                if existing.is_some_and(|p| p.flags & GUEST_PROP_F_RDONLYGUEST != 0) {
                    return VERR_PERMISSION_DENIED;
                }
                if self.global_rdonly_guest {
                    return VINF_PERMISSION_DENIED;
                }
                if reserved {
                    return VERR_PERMISSION_DENIED;
                }
            }
            Writer::Host => {
                if existing.is_some_and(|p| p.flags & GUEST_PROP_F_RDONLYHOST != 0) {
                    return VERR_PERMISSION_DENIED;
                }
            }
        }
        if existing.is_none() && self.props.len() >= GUEST_PROP_MAX_PROPS as usize {
            return VERR_TOO_MUCH_DATA;
        }
        let mut flags = flags.unwrap_or(0);
        if reserved && writer == Writer::Host {
            flags |= GUEST_PROP_F_RDONLYGUEST;
        }
        let timestamp = self.next_timestamp(utc_ns);
        self.props.insert(
            name.to_string(),
            Property {
                value: value.to_string(),
                timestamp,
                flags,
            },
        );
        self.record(writer, name, value, flags, timestamp, false);
        VINF_SUCCESS
    }

    /// DEL (guest or host). A missing property is success without a notification.
    pub fn delete(&mut self, writer: Writer, name: &str, utc_ns: u64) -> i32 {
        let Some(existing) = self.props.get(name) else {
            return VINF_SUCCESS;
        };
        let denied = match writer {
            Writer::Guest => existing.flags & GUEST_PROP_F_RDONLYGUEST != 0,
            Writer::Host => existing.flags & GUEST_PROP_F_RDONLYHOST != 0,
        };
        if denied {
            return VERR_PERMISSION_DENIED;
        }
        if writer == Writer::Guest && self.global_rdonly_guest {
            return VINF_PERMISSION_DENIED;
        }
        self.props.remove(name);
        let timestamp = self.next_timestamp(utc_ns);
        self.record(writer, name, "", 0, timestamp, true);
        VINF_SUCCESS
    }

    fn record(
        &mut self,
        writer: Writer,
        name: &str,
        value: &str,
        flags: u32,
        timestamp: u64,
        deleted: bool,
    ) {
        self.seq += 1;
        let change = Change {
            seq: self.seq,
            name: name.to_string(),
            value: value.to_string(),
            flags,
            timestamp,
            deleted,
            by_guest: writer == Writer::Guest,
        };
        if self.queue.len() == GUEST_PROP_MAX_GUEST_NOTIFICATIONS as usize {
            self.queue.pop_front();
        }
        self.queue.push_back(change.clone());
        self.log.push(change);
    }

    /// GET_PROP's buffer: `value\0flags\0`.
    pub fn get_reply(&self, name: &str) -> Option<(Vec<u8>, u64)> {
        let p = self.props.get(name)?;
        let mut out = p.value.as_bytes().to_vec();
        out.push(0);
        out.extend_from_slice(format_flags(p.flags).as_bytes());
        out.push(0);
        Some((out, p.timestamp))
    }

    /// ENUM_PROPS's entries (`name\0value\0timestamp\0flags\0` each, decimal
    /// timestamp) for the matching properties, without the 4-NUL terminator.
    pub fn enum_entries(&self, patterns: &str) -> Vec<Vec<u8>> {
        self.props
            .iter()
            .filter(|(name, _)| pattern_matches(patterns, name))
            .map(|(name, p)| {
                let mut e = Vec::new();
                for part in [
                    name.as_str(),
                    p.value.as_str(),
                    &p.timestamp.to_string(),
                    &format_flags(p.flags),
                ] {
                    e.extend_from_slice(part.as_bytes());
                    e.push(0);
                }
                e
            })
            .collect()
    }

    /// GET_NOTIFICATION's buffer for a change: `name\0value\0flags\0` + `1\0` when
    /// the property no longer exists, else `0\0`.
    pub fn notification_reply(&self, change: &Change) -> Vec<u8> {
        let mut out = Vec::new();
        let gone = if self.exists(&change.name) { "0" } else { "1" };
        for part in [
            change.name.as_str(),
            change.value.as_str(),
            &format_flags(change.flags),
            gone,
        ] {
            out.extend_from_slice(part.as_bytes());
            out.push(0);
        }
        out
    }

    /// VM reset: TRANSRESET properties go, ResetCounter counts (§7, §9.7).
    pub fn reset(&mut self, utc_ns: u64) {
        let doomed: Vec<String> = self
            .props
            .iter()
            .filter(|(_, p)| p.flags & GUEST_PROP_F_TRANSRESET != 0)
            .map(|(n, _)| n.clone())
            .collect();
        for name in doomed {
            self.props.remove(&name);
            let timestamp = self.next_timestamp(utc_ns);
            self.record(Writer::Host, &name, "", 0, timestamp, true);
        }
        let name = "/VirtualBox/VMInfo/ResetCounter";
        let count = self
            .props
            .get(name)
            .and_then(|p| p.value.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        self.set(
            Writer::Host,
            name,
            &count.to_string(),
            Some(GUEST_PROP_F_RDONLYGUEST),
            utc_ns,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_format_in_the_fixed_order() {
        assert_eq!(format_flags(0), "");
        assert_eq!(
            format_flags(GUEST_PROP_F_TRANSIENT | GUEST_PROP_F_RDONLYGUEST),
            "TRANSIENT, RDONLYGUEST"
        );
        assert_eq!(
            format_flags(GUEST_PROP_F_READONLY | GUEST_PROP_F_TRANSRESET),
            "TRANSIENT, READONLY, TRANSRESET"
        );
        let longest = format_flags(
            GUEST_PROP_F_TRANSIENT | GUEST_PROP_F_RDONLYGUEST | GUEST_PROP_F_TRANSRESET,
        );
        assert_eq!(longest.len() + 1, GUEST_PROP_MAX_FLAGS_LEN as usize);
    }

    #[test]
    fn flags_parse_case_insensitive_with_spaces() {
        assert_eq!(parse_flags(""), Some(0));
        assert_eq!(
            parse_flags(" transient ,RdOnlyHost"),
            Some(GUEST_PROP_F_TRANSIENT | GUEST_PROP_F_RDONLYHOST)
        );
        assert_eq!(parse_flags("READONLY"), Some(GUEST_PROP_F_READONLY));
        assert_eq!(parse_flags("TRANSIENT,,"), None);
        assert_eq!(parse_flags("SOMETIMES"), None);
    }

    #[test]
    fn patterns_follow_the_simple_pattern_rules() {
        assert!(pattern_matches("", "/a"));
        assert!(pattern_matches(
            "/Vitrine/Config/*",
            "/Vitrine/Config/title"
        ));
        assert!(pattern_matches("/x|/Vitrine/*", "/Vitrine/a/b"));
        assert!(pattern_matches("/a?c", "/abc"));
        assert!(pattern_matches("/a?c", "/aéc"));
        assert!(!pattern_matches("/a?c", "/ac"));
        assert!(!pattern_matches("/vitrine/*", "/Vitrine/x"));
    }

    #[test]
    fn names_are_checked_by_parameter_size() {
        assert_eq!(valid_name_param(b"/a\0"), Ok("/a"));
        assert!(valid_name_param(b"\0").is_err());
        let mut long = vec![b'a'; 64];
        long[63] = 0;
        assert!(valid_name_param(&long).is_ok());
        long.push(0);
        assert!(valid_name_param(&long).is_err(), "65 bytes");
        assert!(
            valid_name_param(b"/a\0*").is_err(),
            "pattern char after NUL"
        );
        assert!(valid_name_param(b"/a\xff\0").is_err(), "invalid UTF-8");
    }

    #[test]
    fn permissions_and_flag_reset() {
        let mut p = GuestProps::new(1000);
        assert_eq!(
            p.set(Writer::Guest, "/VirtualBox/HostInfo/X", "1", None, 1),
            VERR_PERMISSION_DENIED
        );
        assert_eq!(
            p.set(Writer::Host, "/VirtualBox/HostInfo/X", "1", None, 1),
            VINF_SUCCESS
        );
        assert_eq!(
            p.get("/VirtualBox/HostInfo/X").unwrap().flags,
            GUEST_PROP_F_RDONLYGUEST
        );
        p.set(
            Writer::Host,
            "/a",
            "1",
            Some(GUEST_PROP_F_TRANSIENT | GUEST_PROP_F_RDONLYHOST),
            1,
        );
        assert_eq!(
            p.set(Writer::Host, "/a", "2", None, 1),
            VERR_PERMISSION_DENIED
        );
        assert_eq!(p.set(Writer::Guest, "/a", "2", None, 1), VINF_SUCCESS);
        assert_eq!(p.get("/a").unwrap().flags, 0, "SET_VALUE clears flags");
        assert_eq!(p.delete(Writer::Guest, "/missing", 1), VINF_SUCCESS);
        let before = p.changes().len();
        assert_eq!(p.delete(Writer::Guest, "/a", 1), VINF_SUCCESS);
        assert_eq!(p.changes().len(), before + 1);
        assert!(p.changes().last().unwrap().deleted);
    }

    #[test]
    fn timestamps_are_unique_and_the_queue_keeps_256() {
        let mut p = GuestProps::new(5);
        for i in 0..300 {
            p.set(Writer::Host, "/q", &i.to_string(), None, 5);
        }
        let stamps: Vec<u64> = p.queue().map(|c| c.timestamp).collect();
        assert_eq!(stamps.len(), 256);
        assert!(stamps.windows(2).all(|w| w[1] > w[0]));
        assert_eq!(p.queue().next().unwrap().value, "44");
    }
}
