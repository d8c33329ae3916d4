//! The guest property client (VBoxGuestPropSvc over HGCM, hgcm-guest-properties.md
//! §9, §12): connects once VMMDev is up, publishes the kiosk's state
//! ([`publish`]: rate-limited, only on change), reads the host's `/Vitrine/Config/*`
//! properties into the app's options (an enumeration at start, then one
//! GET_NOTIFICATION always outstanding, so host changes arrive as HGCM events).
//!
//! Every call is asynchronous: `poll` submits, takes completed requests, and cancels
//! calls the host does not complete within [`CALL_TIMEOUT_US`] (the wait has no
//! timeout: waiting is its job). Nothing blocks the runtime loop.

pub mod publish;
pub mod wire;

use crate::app_api::SystemInfo;
use crate::app_options::{OptionChange, OptionError, OptionName, MAX_OPTIONS};
use crate::drivers::vmmdev::hgcm::{Cancelled, Hgcm, Param, Take, Ticket};
use crate::drivers::vmmdev::wire::VBoxRc;
use crate::drivers::vmmdev::Error;
use crate::fault_report::Quoted;
use crate::hal::PortIo;
use crate::logging;
use crate::status;
use publish::Publisher;
use wire::*;

/// The service's HGCM name.
pub const SERVICE_NAME: &str = "VBoxGuestPropSvc";
/// Host-set properties under this prefix are app options (`/Vitrine/Config/<key>`).
pub const CONFIG_PREFIX: &str = "/Vitrine/Config/";
/// The wait and enumeration pattern for them.
const CONFIG_PATTERN: &[u8] = b"/Vitrine/Config/*\0";
/// A call (not the wait) the host leaves pending this long is cancelled.
pub const CALL_TIMEOUT_US: u64 = 10_000_000;
/// The config wait is renewed (cancelled and issued again with the last timestamp,
/// so no change is lost) after this long: a host that lost the completion cannot
/// cut the kiosk off from its configuration for good.
pub const WAIT_RENEW_US: u64 = 60_000_000;
/// Delay before connecting again after a failure or a reset.
pub const RECONNECT_US: u64 = 5_000_000;
/// Delay before a failed enumeration is tried again.
const RETRY_US: u64 = 1_000_000;
/// GET_NOTIFICATION's buffer: the longest name, value and flags, and `"1\0"`.
const NOTIFY_BUFFER: usize =
    GUEST_PROP_MAX_NAME_LEN + GUEST_PROP_MAX_VALUE_LEN + GUEST_PROP_MAX_FLAGS_LEN + 2;
/// ENUM_PROPS's buffer: room for a dozen config properties with long values.
const ENUM_BUFFER: usize = 3072;
/// `VWRN_NOT_FOUND` (+78): the wait's timestamp fell out of the host's queue.
const VWRN_NOT_FOUND: VBoxRc = VBoxRc(78);

#[derive(Debug)]
enum Link {
    /// Not connected; try at this time.
    Down {
        retry_at_us: u64,
    },
    Connecting {
        ticket: Ticket,
        since_us: u64,
    },
    Up {
        client: u32,
    },
    /// The host has no property service: stay off.
    Unavailable,
}

/// The client: HGCM transport, connection, the config wait and the publisher.
#[derive(Debug)]
pub struct GuestProperties {
    hgcm: Hgcm,
    link: Link,
    wait: Option<Ticket>,
    last_timestamp: u64,
    enumeration: Option<Ticket>,
    enumerate_next: bool,
    /// After a failed enumeration: not before this time.
    enumerate_after_us: u64,
    publisher: Publisher,
    stamps: Stamps,
    errors: u32,
}

/// The host timestamp of the newest report applied per option: a late notification
/// older than what an enumeration already gave is ignored.
type Stamps = heapless::Vec<(OptionName, u64), MAX_OPTIONS>;

impl GuestProperties {
    /// A client over `hgcm`; it connects on the first `poll`.
    pub fn new(hgcm: Hgcm) -> Self {
        Self {
            hgcm,
            link: Link::Down { retry_at_us: 0 },
            wait: None,
            last_timestamp: 0,
            enumeration: None,
            enumerate_next: true,
            enumerate_after_us: 0,
            publisher: Publisher::new(),
            stamps: Stamps::new(),
            errors: 0,
        }
    }

    /// The transport (pool state for tests and the status panel).
    pub fn hgcm(&self) -> &Hgcm {
        &self.hgcm
    }

    /// The client id while connected.
    pub fn client_id(&self) -> Option<u32> {
        match self.link {
            Link::Up { client } => Some(client),
            _ => None,
        }
    }

    /// Whether nothing is in flight but the one config wait (quiescence).
    pub fn is_quiet(&self) -> bool {
        self.enumeration.is_none() && self.publisher.in_flight() == 0
    }

    /// One loop iteration: connection, config wait, enumeration, publishing.
    pub fn poll(&mut self, io: &mut impl PortIo, now_us: u64, info: &mut SystemInfo) {
        self.hgcm.reclaim();
        match &self.link {
            Link::Unavailable => return,
            Link::Down { retry_at_us } if now_us >= *retry_at_us => self.connect(io, now_us),
            Link::Down { .. } => return,
            Link::Connecting { .. } => self.finish_connect(io, now_us),
            Link::Up { .. } => {}
        }
        let Link::Up { client } = self.link else {
            return;
        };
        self.poll_wait(io, now_us, client, info);
        self.poll_enumeration(io, now_us, client, info);
        if let Err(error) = self
            .publisher
            .poll(&mut self.hgcm, io, now_us, client, info)
        {
            self.failed("publish", error, now_us);
        }
    }

    fn connect(&mut self, io: &mut impl PortIo, now_us: u64) {
        match self.hgcm.connect(io, now_us, SERVICE_NAME) {
            Ok(ticket) => {
                self.link = Link::Connecting {
                    ticket,
                    since_us: now_us,
                }
            }
            Err(error) => self.failed("connect", error, now_us),
        }
    }

    fn finish_connect(&mut self, io: &mut impl PortIo, now_us: u64) {
        let Link::Connecting { ticket, since_us } =
            core::mem::replace(&mut self.link, Link::Down { retry_at_us: 0 })
        else {
            return;
        };
        match self.hgcm.take(ticket, &mut []) {
            Take::Pending(ticket) if now_us.saturating_sub(since_us) >= CALL_TIMEOUT_US => {
                self.give_up(io, ticket, "connect");
                self.link = Link::Down {
                    retry_at_us: now_us + RECONNECT_US,
                };
            }
            Take::Pending(ticket) => self.link = Link::Connecting { ticket, since_us },
            Take::Gone => {
                self.link = Link::Down {
                    retry_at_us: now_us,
                }
            }
            Take::Done(reply) if reply.result == VBoxRc::VERR_HGCM_SERVICE_NOT_FOUND => {
                status!(
                    "hgcm unavailable service={} error=ServiceNotFound",
                    SERVICE_NAME
                );
                self.link = Link::Unavailable;
            }
            Take::Done(reply) if reply.result.is_failure() || reply.client_id == 0 => {
                self.failed(
                    "connect",
                    Error::Host {
                        request: crate::drivers::vmmdev::wire::RequestType::HGCM_CONNECT,
                        rc: reply.result,
                    },
                    now_us,
                );
            }
            Take::Done(reply) => {
                status!("hgcm client={} service={}", reply.client_id, SERVICE_NAME);
                self.link = Link::Up {
                    client: reply.client_id,
                };
                self.enumerate_next = true;
                self.last_timestamp = 0;
            }
        }
    }

    /// Keeps one GET_NOTIFICATION outstanding; each completion is one change.
    fn poll_wait(&mut self, io: &mut impl PortIo, now_us: u64, client: u32, info: &mut SystemInfo) {
        if let Some(ticket) = self.wait.take() {
            let started = self.hgcm.submitted_at(&ticket).unwrap_or(now_us);
            let mut buffer = [0u8; NOTIFY_BUFFER];
            match self.hgcm.take(ticket, &mut buffer) {
                Take::Pending(ticket) if now_us.saturating_sub(started) >= WAIT_RENEW_US => {
                    match self.hgcm.cancel(io, ticket) {
                        Cancelled::Cancelled => logging::info!("guestprop: config wait renewed"),
                        // Its reply was dropped with the slot: read everything again.
                        Cancelled::Completed => self.enumerate_next = true,
                        Cancelled::Quarantined(rc) => self.failed(
                            "wait",
                            Error::Host {
                                request: crate::drivers::vmmdev::wire::RequestType::HGCM_CANCEL2,
                                rc,
                            },
                            now_us,
                        ),
                    }
                }
                Take::Pending(ticket) => {
                    self.wait = Some(ticket);
                    return;
                }
                Take::Gone => return self.lost_link(now_us),
                Take::Done(reply) => {
                    let len = reply.out_len.min(buffer.len());
                    match reply.result {
                        VBoxRc::VINF_SUCCESS | VWRN_NOT_FOUND => {
                            self.last_timestamp = reply.values[1];
                            apply_notification(
                                &buffer[..len],
                                reply.values[1],
                                info,
                                &mut self.stamps,
                                &mut self.errors,
                            );
                            // Changes were missed (the host keeps 256): read them all
                            // again. Older notifications still come; their stamps keep
                            // them from replacing what the enumeration found.
                            if reply.result == VWRN_NOT_FOUND {
                                self.enumerate_next = true;
                            }
                        }
                        // Another wait of ours replaced it: just wait again.
                        VBoxRc::VERR_INTERRUPTED => {}
                        rc => {
                            self.failed(
                                "wait",
                                Error::Host {
                                    request: crate::drivers::vmmdev::wire::RequestType::HGCM_CALL64,
                                    rc,
                                },
                                now_us,
                            );
                            self.enumerate_next = true;
                            self.last_timestamp = 0;
                        }
                    }
                }
            }
        }
        // Submitted before the enumeration, so no change between the two is missed.
        let params = [
            Param::In(CONFIG_PATTERN),
            Param::U64(self.last_timestamp),
            Param::Out(NOTIFY_BUFFER),
            Param::U32(0),
        ];
        match self
            .hgcm
            .call(io, now_us, client, GUEST_PROP_FN_GET_NOTIFICATION, &params)
        {
            Ok(ticket) => self.wait = Some(ticket),
            Err(Error::PoolFull) => {}
            Err(error) => self.failed("wait", error, now_us),
        }
    }

    /// Reads every `/Vitrine/Config/*` property (at start and after missed changes).
    fn poll_enumeration(
        &mut self,
        io: &mut impl PortIo,
        now_us: u64,
        client: u32,
        info: &mut SystemInfo,
    ) {
        if let Some(ticket) = self.enumeration.take() {
            let started = self.hgcm.submitted_at(&ticket).unwrap_or(now_us);
            let mut buffer = [0u8; ENUM_BUFFER];
            match self.hgcm.take(ticket, &mut buffer) {
                Take::Pending(ticket) if now_us.saturating_sub(started) >= CALL_TIMEOUT_US => {
                    self.give_up(io, ticket, "enumerate");
                    self.enumerate_next = true;
                }
                Take::Pending(ticket) => self.enumeration = Some(ticket),
                Take::Gone => return self.lost_link(now_us),
                Take::Done(reply) => {
                    if reply.result.is_failure() && reply.result != VBoxRc::VERR_BUFFER_OVERFLOW {
                        self.enumerate_next = true;
                        self.enumerate_after_us = now_us + RETRY_US;
                        self.failed(
                            "enumerate",
                            Error::Host {
                                request: crate::drivers::vmmdev::wire::RequestType::HGCM_CALL64,
                                rc: reply.result,
                            },
                            now_us,
                        );
                    } else {
                        if reply.result == VBoxRc::VERR_BUFFER_OVERFLOW {
                            self.error_line("enumerate", "BufferOverflow");
                        }
                        let len = reply.out_len.min(buffer.len());
                        apply_enumeration(&buffer[..len], info, &mut self.stamps, &mut self.errors);
                    }
                }
            }
        }
        if self.enumerate_next
            && self.enumeration.is_none()
            && self.wait.is_some()
            && now_us >= self.enumerate_after_us
        {
            let params = [
                Param::In(CONFIG_PATTERN),
                Param::Out(ENUM_BUFFER),
                Param::U32(0),
            ];
            match self
                .hgcm
                .call(io, now_us, client, GUEST_PROP_FN_ENUM_PROPS, &params)
            {
                Ok(ticket) => {
                    self.enumeration = Some(ticket);
                    self.enumerate_next = false;
                }
                Err(Error::PoolFull) => {}
                Err(error) => self.failed("enumerate", error, now_us),
            }
        }
    }

    fn give_up(&mut self, io: &mut impl PortIo, ticket: Ticket, op: &str) {
        match self.hgcm.cancel(io, ticket) {
            Cancelled::Cancelled | Cancelled::Completed => self.error_line(op, "Timeout"),
            Cancelled::Quarantined(rc) => {
                self.errors += 1;
                status!(
                    "guestprop error op={} error=Timeout cancel_rc={} count={}",
                    op,
                    rc.0,
                    self.errors
                );
            }
        }
    }

    /// The host forgot our requests (VM reset or restore): start over.
    fn lost_link(&mut self, now_us: u64) {
        self.hgcm.reset();
        self.wait = None;
        self.enumeration = None;
        self.publisher.forget_in_flight();
        self.link = Link::Down {
            retry_at_us: now_us + RECONNECT_US,
        };
    }

    fn failed(&mut self, op: &str, error: Error, now_us: u64) {
        self.errors += 1;
        if self.errors <= 8 || self.errors.is_multiple_of(1000) {
            status!(
                "guestprop error op={} error={:?} count={}",
                op,
                error,
                self.errors
            );
        }
        // A dead client (reset) or a host without the guest info it wants: every
        // request of ours is gone; reconnect later.
        if let Error::Host { rc, .. } = error {
            if rc == VBoxRc::VERR_HGCM_INVALID_CLIENT_ID || rc == VBoxRc::VERR_NOT_SUPPORTED {
                self.lost_link(now_us);
                return;
            }
        }
        if matches!(self.link, Link::Down { .. }) {
            self.link = Link::Down {
                retry_at_us: now_us + RECONNECT_US,
            };
        }
    }

    fn error_line(&mut self, op: &str, error: &str) {
        self.errors += 1;
        if self.errors <= 8 || self.errors.is_multiple_of(1000) {
            status!(
                "guestprop error op={} error={} count={}",
                op,
                error,
                self.errors
            );
        }
    }
}

/// Splits `buffer` at NULs into strings (an empty string ends a list).
fn fields(buffer: &[u8]) -> impl Iterator<Item = &[u8]> {
    buffer.split(|&b| b == 0)
}

/// One GET_NOTIFICATION reply: `name\0value\0flags\0deleted\0`, for the change
/// with host timestamp `stamp`.
fn apply_notification(
    buffer: &[u8],
    stamp: u64,
    info: &mut SystemInfo,
    stamps: &mut Stamps,
    errors: &mut u32,
) {
    let mut parts = fields(buffer);
    let (Some(name), Some(value), Some(_flags), Some(deleted)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        *errors += 1;
        status!("guestprop error op=wait error=BadReply count={}", errors);
        return;
    };
    let value = (deleted != b"1").then_some(value);
    apply_config(name, value, stamp, info, stamps, errors);
}

/// One ENUM_PROPS reply: `name\0value\0timestamp\0flags\0` entries, an empty name last.
fn apply_enumeration(buffer: &[u8], info: &mut SystemInfo, stamps: &mut Stamps, errors: &mut u32) {
    let mut parts = fields(buffer);
    while let Some(name) = parts.next().filter(|n| !n.is_empty()) {
        let (Some(value), Some(timestamp), Some(_flags)) =
            (parts.next(), parts.next(), parts.next())
        else {
            break;
        };
        // Decimal (the header comment saying hexadecimal is wrong, spec 9.5).
        let stamp = core::str::from_utf8(timestamp)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        apply_config(name, Some(value), stamp, info, stamps, errors);
    }
}

/// A host property under [`CONFIG_PREFIX`] becomes the app option `<key>` (an unset
/// property removes it); anything the options store refuses is logged and ignored
/// (the old value stays). Reports not newer than the last one applied are dropped.
fn apply_config(
    name: &[u8],
    value: Option<&[u8]>,
    stamp: u64,
    info: &mut SystemInfo,
    stamps: &mut Stamps,
    errors: &mut u32,
) {
    let mut refuse = |reason: &str, name: &str| {
        *errors += 1;
        status!(
            "guestprop error op=config name={} error={} count={}",
            name,
            reason,
            errors
        );
    };
    let (Ok(name), Ok(value)) = (
        core::str::from_utf8(name),
        value.map(core::str::from_utf8).transpose(),
    ) else {
        refuse("InvalidUtf8", "?");
        return;
    };
    let Some(key) = name.strip_prefix(CONFIG_PREFIX) else {
        return;
    };
    let Ok(option) = OptionName::new(key) else {
        refuse("BadKey", name);
        return;
    };
    match stamps.iter_mut().find(|(n, _)| *n == option) {
        Some((_, newest)) if stamp != 0 && stamp <= *newest => return,
        Some((_, newest)) => *newest = stamp,
        // A full table only loses the ordering guard for the 17th name.
        None => {
            let _ = stamps.push((option, stamp));
        }
    }
    let changed = match value {
        Some(value) => match info.options.set(key, value) {
            Ok(change) => change != OptionChange::Unchanged,
            Err(error) => {
                refuse(
                    match error {
                        OptionError::BadName => "BadKey",
                        OptionError::ValueTooLong => "ValueTooLong",
                        OptionError::Full => "TableFull",
                    },
                    name,
                );
                return;
            }
        },
        None => info.options.remove(key),
    };
    if changed {
        status!(
            "guestprop changed name={} value=\"{}\"{}",
            name,
            Quoted(value.unwrap_or("")),
            if value.is_none() { " deleted=1" } else { "" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_and_enumerations_reach_the_options() {
        let mut info = SystemInfo::default();
        let (mut stamps, mut errors) = (Stamps::new(), 0);
        let title = b"/Vitrine/Config/title\x00Gare\x00\x000\x00";
        apply_notification(title, 100, &mut info, &mut stamps, &mut errors);
        assert_eq!(info.options.get("title"), Some("Gare"));
        let deleted = b"/Vitrine/Config/title\x00\x00\x001\x00";
        apply_notification(deleted, 101, &mut info, &mut stamps, &mut errors);
        assert_eq!(info.options.get("title"), None);
        apply_enumeration(
            b"/Vitrine/Config/page\0rooms\x00123\0\0/Vitrine/Config/title\0T\x00124\0TRANSIENT\0\0\0\0\0",
            &mut info,
            &mut stamps,
            &mut errors,
        );
        assert_eq!(info.options.get("page"), Some("rooms"));
        assert_eq!(info.options.get("title"), Some("T"));
        // A late notification older than what the enumeration read is ignored.
        apply_notification(title, 110, &mut info, &mut stamps, &mut errors);
        assert_eq!(info.options.get("title"), Some("T"));
        assert_eq!(errors, 0);
    }

    #[test]
    fn bad_replies_are_counted_not_applied() {
        let mut info = SystemInfo::default();
        let (mut stamps, mut errors) = (Stamps::new(), 0);
        apply_notification(
            b"/Vitrine/Config/title\0Gare",
            1,
            &mut info,
            &mut stamps,
            &mut errors,
        );
        let bad_utf8 = b"/Vitrine/Config/title\x00\xff\xfe\x00\x000\x00";
        apply_notification(bad_utf8, 2, &mut info, &mut stamps, &mut errors);
        let bad_key = b"/Vitrine/Config/bad+key\x00x\x00\x000\x00";
        apply_notification(bad_key, 3, &mut info, &mut stamps, &mut errors);
        let mut reply = b"/Vitrine/Config/title\0".to_vec();
        reply.extend_from_slice(&[b'x'; 300]);
        reply.extend_from_slice(b"\x00\x000\x00");
        apply_notification(&reply, 4, &mut info, &mut stamps, &mut errors);
        let elsewhere = b"/Elsewhere/x\x00y\x00\x000\x00";
        apply_notification(elsewhere, 5, &mut info, &mut stamps, &mut errors);
        assert_eq!(errors, 4);
        assert_eq!(info.options.iter().count(), 0);
    }
}
