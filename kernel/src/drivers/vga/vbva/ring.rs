//! VBVA ring arithmetic: free space, wrap-around and record indices (pure, no I/O).
//!
//! The ring is `cbData` bytes; the guest writes at `off32Free`, the host reads at
//! `off32Data`. Equal offsets mean empty, so the guest never fills the ring completely:
//! at least one byte stays free. Offsets come from shared memory the host also writes,
//! so every function here checks them instead of trusting them.

use super::wire::{VBVA_F_RECORD_PARTIAL, VBVA_MAX_RECORDS};

/// Bytes between the write and the read position (the whole ring when empty);
/// `None` when `cb_data` is 0 or an offset lies outside the ring.
pub const fn free_bytes(off32_data: u32, off32_free: u32, cb_data: u32) -> Option<u32> {
    if cb_data == 0 || off32_data >= cb_data || off32_free >= cb_data {
        return None;
    }
    Some(if off32_data > off32_free {
        off32_data - off32_free
    } else {
        cb_data - (off32_free - off32_data)
    })
}

/// The most bytes the guest may write now: the free space minus the byte that keeps
/// a full ring from looking empty.
pub const fn writable_bytes(off32_data: u32, off32_free: u32, cb_data: u32) -> Option<u32> {
    match free_bytes(off32_data, off32_free, cb_data) {
        Some(free) => Some(free - 1),
        None => None,
    }
}

/// `offset + len` wrapped into the ring; `None` for an offset outside the ring or a
/// `len` longer than the ring.
pub const fn advance(offset: u32, len: u32, cb_data: u32) -> Option<u32> {
    if cb_data == 0 || offset >= cb_data || len > cb_data {
        return None;
    }
    Some(((offset as u64 + len as u64) % cb_data as u64) as u32)
}

/// Where `len` bytes written at `offset` land: up to two spans, the second starting
/// at ring offset 0 after the wrap.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Spans {
    /// Ring offset of the first span.
    pub first_offset: u32,
    /// Length of the first span.
    pub first_len: u32,
    /// Length of the span at offset 0 (0 when nothing wraps).
    pub second_len: u32,
}

/// The spans for writing `len` bytes at `offset`; `None` for an offset outside the
/// ring or a `len` longer than the ring.
pub const fn spans(offset: u32, len: u32, cb_data: u32) -> Option<Spans> {
    if cb_data == 0 || offset >= cb_data || len > cb_data {
        return None;
    }
    let until_end = cb_data - offset;
    let first_len = if len < until_end { len } else { until_end };
    Some(Spans {
        first_offset: offset,
        first_len,
        second_len: len - first_len,
    })
}

/// The record index after `index` (mod [`VBVA_MAX_RECORDS`]); `None` for an index the
/// host could not have produced.
pub const fn next_record_index(index: u32) -> Option<u32> {
    if index >= VBVA_MAX_RECORDS {
        return None;
    }
    Some((index + 1) % VBVA_MAX_RECORDS)
}

/// True when no record slot is free: taking `index_record_free` would reach the host's
/// `index_record_first`. Out-of-range indices count as full (nothing is written).
pub const fn records_full(index_record_first: u32, index_record_free: u32) -> bool {
    match next_record_index(index_record_free) {
        Some(next) => index_record_first >= VBVA_MAX_RECORDS || next == index_record_first,
        None => true,
    }
}

/// Splits `cbRecord` into (bytes, still partial).
pub const fn record_len(cb_record: u32) -> (u32, bool) {
    (
        cb_record & !VBVA_F_RECORD_PARTIAL,
        cb_record & VBVA_F_RECORD_PARTIAL != 0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RING: u32 = 65536 - 288;

    #[test]
    fn empty_ring_is_all_free_but_one_byte_stays_unwritten() {
        assert_eq!(free_bytes(100, 100, RING), Some(RING));
        assert_eq!(writable_bytes(100, 100, RING), Some(RING - 1));
    }

    #[test]
    fn free_space_when_the_writer_is_ahead() {
        // Host at 100, guest at 1000: 1000..RING and 0..100 are free.
        assert_eq!(free_bytes(100, 1000, RING), Some(RING - 900));
    }

    #[test]
    fn free_space_when_the_writer_has_wrapped() {
        // Guest at 10 after wrapping, host at 500: 10..500 is free.
        assert_eq!(free_bytes(500, 10, RING), Some(490));
        assert_eq!(writable_bytes(500, 10, RING), Some(489));
    }

    #[test]
    fn a_ring_with_one_free_byte_takes_no_more() {
        assert_eq!(writable_bytes(11, 10, RING), Some(0));
    }

    #[test]
    fn hostile_offsets_are_refused() {
        assert_eq!(free_bytes(RING, 0, RING), None);
        assert_eq!(free_bytes(0, u32::MAX, RING), None);
        assert_eq!(free_bytes(0, 0, 0), None);
        assert_eq!(advance(RING, 1, RING), None);
        assert_eq!(spans(0, RING + 1, RING), None);
    }

    #[test]
    fn advance_wraps() {
        assert_eq!(advance(RING - 8, 8, RING), Some(0));
        assert_eq!(advance(RING - 8, 20, RING), Some(12));
        assert_eq!(advance(5, 8, RING), Some(13));
        // No overflow near u32::MAX.
        assert_eq!(advance(u32::MAX - 1, 5, u32::MAX), Some(4));
    }

    #[test]
    fn spans_split_at_the_end_of_the_ring() {
        assert_eq!(
            spans(RING - 3, 8, RING),
            Some(Spans {
                first_offset: RING - 3,
                first_len: 3,
                second_len: 5
            })
        );
        assert_eq!(
            spans(40, 8, RING),
            Some(Spans {
                first_offset: 40,
                first_len: 8,
                second_len: 0
            })
        );
        assert_eq!(
            spans(RING - 8, 8, RING),
            Some(Spans {
                first_offset: RING - 8,
                first_len: 8,
                second_len: 0
            })
        );
    }

    #[test]
    fn record_indices_wrap_and_fill() {
        assert_eq!(next_record_index(0), Some(1));
        assert_eq!(next_record_index(63), Some(0));
        assert_eq!(next_record_index(64), None);
        assert!(!records_full(0, 0));
        assert!(!records_full(0, 62));
        assert!(records_full(0, 63));
        assert!(records_full(5, 4));
        assert!(records_full(70, 0), "a hostile first index means full");
    }

    #[test]
    fn record_length_and_partial_flag() {
        assert_eq!(record_len(0x8000_0008), (8, true));
        assert_eq!(record_len(16), (16, false));
    }
}
