//! The fixed-capacity input event queue: moves are coalesced, clicks and keys kept.
//!
//! Policy, cheapest loss first:
//! 1. a move right after a move replaces it, and a wheel right after a wheel adds to
//!    it (nothing the app could see is lost);
//! 2. when full, a move followed later by another move with no button, wheel or
//!    presence change in between is removed (keys do not depend on the position);
//! 3. a move that still finds no room is parked in one slot after the queue (later
//!    moves replace it), so the latest position always arrives;
//! 4. only a button, wheel, presence or key event that finds the queue full of other
//!    such events is dropped, and counted.

use crate::event::InputEvent;
use crate::input::EventSink;
use heapless::Deque;

/// A queue of at most `N` input events (plus one parked move).
#[derive(Debug)]
pub struct InputQueue<const N: usize> {
    events: Deque<InputEvent, N>,
    /// The latest move that found the queue full; logically after every queued event.
    parked_move: Option<InputEvent>,
    dropped: u32,
}

impl<const N: usize> Default for InputQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> InputQueue<N> {
    /// An empty queue.
    pub const fn new() -> Self {
        Self {
            events: Deque::new(),
            parked_move: None,
            dropped: 0,
        }
    }

    /// Events waiting, the parked move included.
    pub fn len(&self) -> usize {
        self.events.len() + usize::from(self.parked_move.is_some())
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many events were dropped since boot (never moves).
    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    /// The oldest event.
    pub fn pop(&mut self) -> Option<InputEvent> {
        self.events.pop_front().or_else(|| self.parked_move.take())
    }

    /// Queues `event` following the policy in the module docs.
    pub fn push(&mut self, event: InputEvent) {
        let is_move = matches!(event, InputEvent::PointerMove { .. });
        if is_move && self.parked_move.is_some() {
            self.parked_move = Some(event);
            return;
        }
        if let Some(parked) = self.parked_move {
            // Something else must follow the parked move: make it a queued event first.
            if self.events.is_full() {
                self.compact();
            }
            if self.events.is_full() {
                self.dropped = self.dropped.saturating_add(1);
                return;
            }
            self.parked_move = None;
            self.push_back_merging(parked);
        }
        if self.try_merge_into_back(event) {
            return;
        }
        if self.events.is_full() {
            self.compact();
        }
        if self.events.push_back(event).is_err() {
            if is_move {
                self.parked_move = Some(event);
            } else {
                self.dropped = self.dropped.saturating_add(1);
            }
        }
    }

    fn push_back_merging(&mut self, event: InputEvent) {
        if !self.try_merge_into_back(event) {
            // The caller made room; a failure here would be a bug in `push`.
            let _ = self.events.push_back(event);
        }
    }

    /// Folds `event` into the newest queued event when that loses nothing.
    fn try_merge_into_back(&mut self, event: InputEvent) -> bool {
        match (self.events.back_mut(), event) {
            (Some(back @ InputEvent::PointerMove { .. }), InputEvent::PointerMove { .. }) => {
                *back = event;
                true
            }
            (Some(InputEvent::Wheel { delta }), InputEvent::Wheel { delta: more }) => {
                *delta = delta.saturating_add(more);
                true
            }
            _ => false,
        }
    }

    /// Removes moves superseded by a later move, keeping order.
    ///
    /// Walks from the newest event to the oldest, moving each kept event from the
    /// back of the ring to its front, so after one full turn the ring holds the kept
    /// events in their original order.
    fn compact(&mut self) {
        let total = self.events.len();
        let mut later_move = false;
        for _ in 0..total {
            let Some(event) = self.events.pop_back() else {
                break;
            };
            match event {
                InputEvent::PointerMove { .. } if later_move => continue,
                InputEvent::PointerMove { .. } => later_move = true,
                InputEvent::Key { .. } => {}
                InputEvent::Button { .. }
                | InputEvent::Wheel { .. }
                | InputEvent::PointerPresence { .. } => later_move = false,
            }
            // Cannot fail: we just popped at least one slot.
            let _ = self.events.push_front(event);
        }
    }
}

impl<const N: usize> EventSink for InputQueue<N> {
    fn push(&mut self, event: InputEvent) {
        InputQueue::push(self, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Button, Key};
    use std::vec::Vec;

    fn mv(x: i32) -> InputEvent {
        InputEvent::PointerMove { x, y: 0 }
    }
    fn key(c: char) -> InputEvent {
        InputEvent::Key {
            key: Key::Char(c),
            pressed: true,
        }
    }
    fn click(pressed: bool) -> InputEvent {
        InputEvent::Button {
            button: Button::Left,
            pressed,
        }
    }
    fn drain<const N: usize>(q: &mut InputQueue<N>) -> Vec<InputEvent> {
        core::iter::from_fn(|| q.pop()).collect()
    }

    #[test]
    fn adjacent_moves_coalesce_and_order_is_kept() {
        let mut q = InputQueue::<8>::new();
        for e in [mv(1), mv(2), click(true), mv(3), mv(4), click(false)] {
            q.push(e);
        }
        assert_eq!(drain(&mut q), [mv(2), click(true), mv(4), click(false)]);
    }

    #[test]
    fn adjacent_wheels_add_up() {
        let mut q = InputQueue::<4>::new();
        q.push(InputEvent::Wheel { delta: 1 });
        q.push(InputEvent::Wheel { delta: 2 });
        assert_eq!(drain(&mut q), [InputEvent::Wheel { delta: 3 }]);
    }

    #[test]
    fn full_queue_keeps_every_key_and_click_by_dropping_superseded_moves() {
        let mut q = InputQueue::<8>::new();
        // Moves interleaved with keys: moves between keys are superseded by later ones.
        for i in 0..4 {
            q.push(mv(i));
            q.push(key(char::from(b'a' + i as u8)));
        }
        assert_eq!(q.len(), 8);
        q.push(click(true));
        q.push(click(false));
        let out = drain(&mut q);
        let keys: Vec<_> = out
            .iter()
            .filter(|e| matches!(e, InputEvent::Key { .. }))
            .collect();
        assert_eq!(keys.len(), 4);
        assert!(out.ends_with(&[click(true), click(false)]));
        // The latest move before the click survives, in front of it.
        let last_move = out
            .iter()
            .rposition(|e| matches!(e, InputEvent::PointerMove { .. }));
        assert_eq!(out[last_move.unwrap()], mv(3));
        assert_eq!(q.dropped(), 0);
    }

    #[test]
    fn moves_before_a_click_are_not_merged_across_it() {
        let mut q = InputQueue::<4>::new();
        for e in [mv(1), click(true), mv(2), click(false)] {
            q.push(e);
        }
        q.push(key('x'));
        // No move can go: each one says where a click happened. The key is dropped and counted.
        assert_eq!(q.dropped(), 1);
        assert_eq!(drain(&mut q), [mv(1), click(true), mv(2), click(false)]);
    }

    #[test]
    fn a_move_into_a_full_queue_is_parked_and_delivered_last() {
        let mut q = InputQueue::<2>::new();
        q.push(key('a'));
        q.push(key('b'));
        q.push(mv(7));
        q.push(mv(8));
        assert_eq!(q.len(), 3);
        assert_eq!(q.pop(), Some(key('a')));
        assert_eq!(q.pop(), Some(key('b')));
        // A key after the parked move goes behind it.
        q.push(key('c'));
        assert_eq!(drain(&mut q), [mv(8), key('c')]);
        assert_eq!(q.dropped(), 0);
    }

    #[test]
    fn counts_only_what_it_truly_cannot_keep() {
        let mut q = InputQueue::<4>::new();
        for c in "abcdef".chars() {
            q.push(key(c));
        }
        assert_eq!(q.dropped(), 2);
        assert_eq!(drain(&mut q), [key('a'), key('b'), key('c'), key('d')]);
    }

    #[test]
    fn a_wheel_is_a_barrier_for_move_removal() {
        // The move before a wheel says where the scroll happened: it stays.
        let mut q = InputQueue::<4>::new();
        for e in [mv(1), InputEvent::Wheel { delta: 1 }, mv(2), key('a')] {
            q.push(e);
        }
        q.push(key('b'));
        assert_eq!(q.dropped(), 1);
        // With a key instead of the wheel, the first move is superseded and goes.
        let mut q = InputQueue::<4>::new();
        for e in [mv(1), key('a'), mv(2), key('b'), key('c')] {
            q.push(e);
        }
        assert_eq!(q.dropped(), 0);
        assert_eq!(drain(&mut q), [key('a'), mv(2), key('b'), key('c')]);
    }
}
