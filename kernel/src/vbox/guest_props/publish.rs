//! What the kiosk publishes as guest properties, and how often: each property is
//! written only when its value changed and no sooner than its own interval after the
//! last write (the uptime at most once a minute). The latest value wins: a value that
//! changes again while it waits is simply written later, once.
//!
//! | property | value | interval |
//! |---|---|---|
//! | `/VirtualBox/GuestInfo/OS/Product` | `Vitrine` | once |
//! | `/VirtualBox/GuestInfo/OS/Release` | the `vitrine` crate version | once |
//! | `/VirtualBox/GuestInfo/OS/Version` | `Vitrine <version> (x86_64, no_std)` | once |
//! | `/Vitrine/Status/Ready` | ms from boot to the first poll of the loop | once |
//! | `/Vitrine/Status/Display` | `<backend> <W>x<H>` | 1 s |
//! | `/Vitrine/Status/Integration` | the status panel's VirtualBox text | 1 s |
//! | `/Vitrine/Status/State` | `App::state` (the demo: its page) | 1 s |
//! | `/Vitrine/Status/Uptime` | seconds since boot | 60 s |
//! | `/Vitrine/Status/Frames` | frames presented | 10 s |
//! | `/Vitrine/Status/InputDropped` | input events lost to a full queue | 10 s |
//! | `/Vitrine/Status/LastFault` | [`set_last_fault`]'s text (after a restart) | once |
//!
//! `/Vitrine/Status/*` are written with the TRANSIENT flag (gone when the VM is off).

use core::cell::UnsafeCell;
use core::fmt::Write;
use core::sync::atomic::{AtomicUsize, Ordering};

use super::wire::*;
use crate::app_api::SystemInfo;
use crate::drivers::vmmdev::hgcm::{Hgcm, Param, Take, Ticket};
use crate::drivers::vmmdev::wire::RequestType;
use crate::drivers::vmmdev::Error;
use crate::fault_report::Quoted;
use crate::hal::PortIo;
use crate::status;

/// Longest published value.
pub const MAX_PUBLISHED_VALUE: usize = 96;
/// How often the values are recomputed and compared.
const CHECK_INTERVAL_US: u64 = 250_000;
/// Writes in flight at once (the pool's other slots: the wait and the enumeration).
const MAX_IN_FLIGHT: usize = 2;
/// A write the host leaves pending this long is cancelled and retried later.
const WRITE_TIMEOUT_US: u64 = super::CALL_TIMEOUT_US;

type Value = heapless::String<MAX_PUBLISHED_VALUE>;

/// One published property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Product,
    Release,
    Version,
    Ready,
    Display,
    Integration,
    State,
    Uptime,
    Frames,
    InputDropped,
    LastFault,
}

const ITEMS: [Item; 11] = [
    Item::Product,
    Item::Release,
    Item::Version,
    Item::Ready,
    Item::Display,
    Item::Integration,
    Item::State,
    Item::Uptime,
    Item::Frames,
    Item::InputDropped,
    Item::LastFault,
];

impl Item {
    fn name(self) -> &'static str {
        match self {
            Item::Product => "/VirtualBox/GuestInfo/OS/Product",
            Item::Release => "/VirtualBox/GuestInfo/OS/Release",
            Item::Version => "/VirtualBox/GuestInfo/OS/Version",
            Item::Ready => "/Vitrine/Status/Ready",
            Item::Display => "/Vitrine/Status/Display",
            Item::Integration => "/Vitrine/Status/Integration",
            Item::State => "/Vitrine/Status/State",
            Item::Uptime => "/Vitrine/Status/Uptime",
            Item::Frames => "/Vitrine/Status/Frames",
            Item::InputDropped => "/Vitrine/Status/InputDropped",
            Item::LastFault => "/Vitrine/Status/LastFault",
        }
    }

    /// Minimum time between two writes.
    fn interval_us(self) -> u64 {
        match self {
            Item::Uptime => 60_000_000,
            Item::Frames | Item::InputDropped => 10_000_000,
            _ => 1_000_000,
        }
    }

    /// The real Additions write the OS properties without flags; ours are TRANSIENT.
    fn flags(self) -> &'static [u8] {
        match self {
            Item::Product | Item::Release | Item::Version => b"\0",
            _ => b"TRANSIENT\0",
        }
    }

    /// The value now, or `None` when there is nothing to publish (yet).
    fn value(self, info: &SystemInfo, ready_ms: u64) -> Option<Value> {
        let mut v = Value::new();
        // Writes that overflow are truncated: the value is still a useful prefix.
        let _ = match self {
            Item::Product => v.push_str("Vitrine").map_err(|_| core::fmt::Error),
            Item::Release => v
                .push_str(env!("CARGO_PKG_VERSION"))
                .map_err(|_| core::fmt::Error),
            Item::Version => write!(v, "Vitrine {} (x86_64, no_std)", env!("CARGO_PKG_VERSION")),
            Item::Ready => write!(v, "{ready_ms}"),
            Item::Display => write!(v, "{} {}x{}", info.display_backend, info.width, info.height),
            Item::Integration => v.push_str(&info.integration).map_err(|_| core::fmt::Error),
            Item::State if info.app_state.is_empty() => return None,
            Item::State => v.push_str(&info.app_state).map_err(|_| core::fmt::Error),
            Item::Uptime => write!(v, "{}", info.uptime_us / 1_000_000),
            Item::Frames => write!(v, "{}", info.counts.frames),
            Item::InputDropped => write!(v, "{}", info.counts.dropped),
            Item::LastFault => {
                let fault = LAST_FAULT.get()?;
                let end = fault.floor_char_boundary(MAX_PUBLISHED_VALUE);
                v.push_str(&fault[..end]).map_err(|_| core::fmt::Error)
            }
        };
        Some(v)
    }
}

#[derive(Debug, Clone, Default)]
struct Slot {
    /// The value the host has (after a confirmed write).
    sent: Option<Value>,
    last_write_us: Option<u64>,
}

/// A write in flight.
#[derive(Debug)]
struct InFlight {
    ticket: Ticket,
    item: usize,
    value: Value,
}

/// The publisher: what was sent, what is in flight, and when to look again.
#[derive(Debug)]
pub struct Publisher {
    slots: [Slot; ITEMS.len()],
    in_flight: heapless::Vec<InFlight, MAX_IN_FLIGHT>,
    next_check_us: u64,
    ready_ms: Option<u64>,
}

impl Default for Publisher {
    fn default() -> Self {
        Self::new()
    }
}

impl Publisher {
    /// Nothing published yet.
    pub fn new() -> Self {
        Self {
            slots: Default::default(),
            in_flight: heapless::Vec::new(),
            next_check_us: 0,
            ready_ms: None,
        }
    }

    /// Writes in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// After a reset of the transport: nothing is in flight any more, and the host's
    /// copy is unknown, so everything is written again.
    pub fn forget_in_flight(&mut self) {
        self.in_flight.clear();
        for slot in &mut self.slots {
            *slot = Slot::default();
        }
    }

    /// Takes finished writes, then starts writes for changed values.
    pub fn poll(
        &mut self,
        hgcm: &mut Hgcm,
        io: &mut impl PortIo,
        now_us: u64,
        client: u32,
        info: &SystemInfo,
    ) -> Result<(), Error> {
        let ready_ms = *self.ready_ms.get_or_insert(info.uptime_us / 1000);
        let mut result = Ok(());
        let mut i = 0;
        while i < self.in_flight.len() {
            let write = self.in_flight.swap_remove(i);
            let started = hgcm.submitted_at(&write.ticket).unwrap_or(now_us);
            match hgcm.take(write.ticket, &mut []) {
                Take::Pending(ticket) if now_us.saturating_sub(started) >= WRITE_TIMEOUT_US => {
                    let _ = hgcm.cancel(io, ticket);
                    self.slots[write.item].last_write_us = Some(now_us);
                    result = Err(Error::Timeout(RequestType::HGCM_CALL64));
                }
                Take::Pending(ticket) => {
                    // Cannot fail: the element was just removed.
                    let _ = self.in_flight.push(InFlight { ticket, ..write });
                    i += 1;
                    continue;
                }
                Take::Gone => {}
                Take::Done(reply) if reply.result.is_success() => {
                    let item = ITEMS[write.item];
                    status!(
                        "guestprop set name={} value=\"{}\"",
                        item.name(),
                        Quoted(write.value.as_str())
                    );
                    self.slots[write.item].sent = Some(write.value);
                }
                Take::Done(reply) => {
                    result = Err(Error::Host {
                        request: RequestType::HGCM_CALL64,
                        rc: reply.result,
                    });
                }
            }
            // The slot at `i` now holds another element: look at it next.
        }
        if now_us < self.next_check_us {
            return result;
        }
        self.next_check_us = now_us + CHECK_INTERVAL_US;
        for (index, item) in ITEMS.iter().enumerate() {
            if self.in_flight.is_full() {
                break;
            }
            if self.in_flight.iter().any(|w| w.item == index) {
                continue;
            }
            let slot = &self.slots[index];
            if slot
                .last_write_us
                .is_some_and(|t| now_us.saturating_sub(t) < item.interval_us())
            {
                continue;
            }
            let Some(value) = item.value(info, ready_ms) else {
                continue;
            };
            if slot.sent.as_ref() == Some(&value) {
                continue;
            }
            match submit(hgcm, io, now_us, client, *item, &value) {
                Ok(ticket) => {
                    self.slots[index].last_write_us = Some(now_us);
                    // Cannot fail: checked `is_full` above.
                    let _ = self.in_flight.push(InFlight {
                        ticket,
                        item: index,
                        value,
                    });
                }
                Err(Error::PoolFull) => break,
                Err(error) => {
                    self.slots[index].last_write_us = Some(now_us);
                    return Err(error);
                }
            }
        }
        result
    }
}

fn submit(
    hgcm: &mut Hgcm,
    io: &mut impl PortIo,
    now_us: u64,
    client: u32,
    item: Item,
    value: &str,
) -> Result<Ticket, Error> {
    let mut name = [0u8; GUEST_PROP_MAX_NAME_LEN];
    let name_len = item.name().len();
    name[..name_len].copy_from_slice(item.name().as_bytes());
    let mut text = [0u8; MAX_PUBLISHED_VALUE + 1];
    text[..value.len()].copy_from_slice(value.as_bytes());
    let params = [
        Param::In(&name[..=name_len]),
        Param::In(&text[..=value.len()]),
        Param::In(item.flags()),
    ];
    hgcm.call(io, now_us, client, GUEST_PROP_FN_SET_PROP, &params)
}

/// Text of the last fault, set once at boot by the fault-restart code.
struct LastFault {
    len: AtomicUsize,
    text: UnsafeCell<[u8; MAX_PUBLISHED_VALUE]>,
}

// SAFETY: `text` is written only by `set_last_fault` before `len` is published with
// Release ordering, and read only after `len` is loaded with Acquire; the kernel is
// single-core and `set_last_fault` is documented as boot-time, not-from-interrupts.
unsafe impl Sync for LastFault {}

const UNSET: usize = usize::MAX;

static LAST_FAULT: LastFault = LastFault {
    len: AtomicUsize::new(UNSET),
    text: UnsafeCell::new([0; MAX_PUBLISHED_VALUE]),
};

impl LastFault {
    fn get(&self) -> Option<&str> {
        let len = self.len.load(Ordering::Acquire);
        if len == UNSET {
            return None;
        }
        // SAFETY: `len` was published after the bytes were written (see the Sync impl)
        // and is at most the buffer's length.
        let bytes = unsafe { &(&*self.text.get())[..len] };
        core::str::from_utf8(bytes).ok()
    }
}

/// Publishes `text` (e.g. `"page fault at 0x… (restart 2)"`) as
/// `/Vitrine/Status/LastFault` once the property client is connected. For the code
/// that restarts the kiosk after a fault: call it at boot, before the runtime loop,
/// not from an interrupt handler. Longer text is cut at a character boundary; a
/// second call is ignored.
pub fn set_last_fault(text: &str) {
    if LAST_FAULT.len.load(Ordering::Acquire) != UNSET {
        return;
    }
    let end = text.floor_char_boundary(MAX_PUBLISHED_VALUE);
    // SAFETY: nobody reads the bytes before `len` is stored below (Sync impl).
    unsafe { (&mut *LAST_FAULT.text.get())[..end].copy_from_slice(&text.as_bytes()[..end]) };
    LAST_FAULT.len.store(end, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_the_system_info() {
        let mut info = SystemInfo {
            width: 1024,
            height: 768,
            display_backend: "vbva",
            uptime_us: 125_000_000,
            ..SystemInfo::default()
        };
        info.counts.frames = 42;
        assert_eq!(Item::Display.value(&info, 0).unwrap(), "vbva 1024x768");
        assert_eq!(Item::Uptime.value(&info, 0).unwrap(), "125");
        assert_eq!(Item::Frames.value(&info, 0).unwrap(), "42");
        assert_eq!(Item::Ready.value(&info, 1234).unwrap(), "1234");
        assert_eq!(Item::State.value(&info, 0), None, "no app state yet");
        info.set_app_state("rooms");
        assert_eq!(Item::State.value(&info, 0).unwrap(), "rooms");
        assert_eq!(Item::Uptime.interval_us(), 60_000_000);
        for item in ITEMS {
            assert!(item.name().len() < GUEST_PROP_MAX_NAME_LEN);
        }
    }
}
