//! App timers: one-shot and periodic, by the app's own ids, delivered as
//! [`Event::Timer`](crate::event::Event::Timer). The app starts them from any event
//! through `info.timers` (a shared reference is enough: the slots are `Cell`s, the
//! runtime is single-threaded); the runtime fires what is due each step and idles
//! until the earliest deadline ([`Timers::next_due_us`]).

use core::cell::Cell;

/// How many timers can run at once.
pub const MAX_TIMERS: usize = 8;

/// The app's name for a timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(pub u16);

/// Why a timer did not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerError {
    /// `MAX_TIMERS` timers are already running.
    Full,
    /// A periodic timer needs a period of at least 1 µs.
    ZeroPeriod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    id: TimerId,
    due_us: u64,
    /// 0 for one-shot.
    period_us: u64,
}

/// The running timers and the time they count from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timers {
    slots: [Cell<Option<Slot>>; MAX_TIMERS],
    now_us: Cell<u64>,
}

impl Timers {
    /// `id` fires once, `delay_us` from now. Starting a running id restarts it.
    pub fn after(&self, id: TimerId, delay_us: u64) -> Result<(), TimerError> {
        self.start(id, delay_us, 0)
    }

    /// `id` fires every `period_us`, first one period from now.
    pub fn every(&self, id: TimerId, period_us: u64) -> Result<(), TimerError> {
        if period_us == 0 {
            return Err(TimerError::ZeroPeriod);
        }
        self.start(id, period_us, period_us)
    }

    /// Stops `id` (nothing happens if it is not running).
    pub fn cancel(&self, id: TimerId) {
        for slot in &self.slots {
            if slot.get().is_some_and(|s| s.id == id) {
                slot.set(None);
            }
        }
    }

    /// True while `id` is running.
    pub fn is_running(&self, id: TimerId) -> bool {
        self.slots
            .iter()
            .any(|s| s.get().is_some_and(|s| s.id == id))
    }

    fn start(&self, id: TimerId, delay_us: u64, period_us: u64) -> Result<(), TimerError> {
        self.cancel(id);
        let free = self
            .slots
            .iter()
            .find(|s| s.get().is_none())
            .ok_or(TimerError::Full)?;
        free.set(Some(Slot {
            id,
            due_us: self.now_us.get().saturating_add(delay_us),
            period_us,
        }));
        Ok(())
    }

    /// The runtime's clock: timers started from now on count from `now_us`.
    pub fn set_now(&self, now_us: u64) {
        self.now_us.set(now_us);
    }

    /// The earliest deadline, if any timer runs (the idle loop sleeps until then).
    pub fn next_due_us(&self) -> Option<u64> {
        self.slots
            .iter()
            .filter_map(|s| s.get())
            .map(|s| s.due_us)
            .min()
    }

    /// Takes the earliest timer due at `now_us`: a one-shot stops, a periodic one is
    /// rescheduled one period on (after `now_us`, so a late loop fires it once, not
    /// in a burst).
    pub fn take_due(&self, now_us: u64) -> Option<TimerId> {
        let slot = self
            .slots
            .iter()
            .filter(|s| s.get().is_some_and(|t| t.due_us <= now_us))
            .min_by_key(|s| s.get().map(|t| t.due_us))?;
        let timer = slot.get()?;
        if timer.period_us == 0 {
            slot.set(None);
        } else {
            let mut next = timer.due_us.saturating_add(timer.period_us);
            if next <= now_us {
                next = now_us + timer.period_us;
            }
            slot.set(Some(Slot {
                due_us: next,
                ..timer
            }));
        }
        Some(timer.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(timers: &Timers, now: u64) -> std::vec::Vec<u16> {
        core::iter::from_fn(|| timers.take_due(now))
            .take(MAX_TIMERS)
            .map(|t| t.0)
            .collect()
    }

    #[test]
    fn one_shot_fires_once_and_periodic_keeps_its_rhythm() {
        let timers = Timers::default();
        timers.set_now(1_000);
        timers.after(TimerId(1), 500).unwrap();
        timers.every(TimerId(2), 300).unwrap();
        assert_eq!(timers.next_due_us(), Some(1_300));
        assert!(due(&timers, 1_299).is_empty());
        assert_eq!(due(&timers, 1_300), [2]);
        assert_eq!(due(&timers, 1_500), [1]);
        assert!(!timers.is_running(TimerId(1)));
        assert_eq!(timers.next_due_us(), Some(1_600));
        assert_eq!(due(&timers, 1_600), [2]);
        // A loop that comes late fires a periodic timer once, then on from now.
        assert_eq!(due(&timers, 10_000), [2]);
        assert_eq!(timers.next_due_us(), Some(10_300));
    }

    #[test]
    fn restart_cancel_and_limits() {
        let timers = Timers::default();
        timers.after(TimerId(1), 100).unwrap();
        timers.set_now(50);
        timers.after(TimerId(1), 100).unwrap();
        assert_eq!(timers.next_due_us(), Some(150), "restarting replaces");
        timers.cancel(TimerId(1));
        assert_eq!(timers.next_due_us(), None);
        assert_eq!(timers.every(TimerId(3), 0), Err(TimerError::ZeroPeriod));
        for i in 0..MAX_TIMERS as u16 {
            timers.after(TimerId(i), 10).unwrap();
        }
        assert_eq!(timers.after(TimerId(99), 10), Err(TimerError::Full));
        // Earliest first when several are due.
        let timers = Timers::default();
        timers.after(TimerId(7), 30).unwrap();
        timers.after(TimerId(8), 10).unwrap();
        assert_eq!(due(&timers, 100), [8, 7]);
    }
}
