//! The guest side of the per-screen VBVA ring (VBVABUFFER in VRAM): writing
//! dirty-rectangle records, which the host consumes on VBVA_FLUSH and on its refresh
//! ticks. The offset arithmetic is in [`super::ring`].
//!
//! Every record carries exactly one VBVACMDHDR (8 bytes), so no record is ever empty
//! (an empty record is a ring error that disables VBVA on every screen, spec §8.9) and
//! no record is ever split. One record slot and one data byte are always kept free, so
//! "full" and "empty" never look alike.

use super::ring;
use super::wire::{Buffer, CmdHdr, RingHostEvents, VBVA_F_RECORD_PARTIAL, VBVA_MAX_RECORDS};
use crate::hal::PhysRegion;
use core::mem::offset_of;
use zerocopy::IntoBytes;

const HOST_EVENTS: usize = offset_of!(Buffer, hostFlags);
const DATA_OFFSET: usize = offset_of!(Buffer, off32Data);
const FREE_OFFSET: usize = offset_of!(Buffer, off32Free);
const RECORDS: usize = offset_of!(Buffer, aRecords);
const RECORD_FIRST: usize = offset_of!(Buffer, indexRecordFirst);
const RECORD_FREE: usize = offset_of!(Buffer, indexRecordFree);
const PARTIAL_THRESHOLD: usize = offset_of!(Buffer, cbPartialWriteThreshold);
const DATA_LEN: usize = offset_of!(Buffer, cbData);
const HEAD_BYTES: usize = Buffer::DATA_OFFSET;
/// The partial-write threshold the Linux and Oracle drivers use.
const PARTIAL_WRITE_THRESHOLD: u32 = 256;

/// The ring has no free record slot or too little data space for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingFull;

/// A dirty rectangle as a record: virtual-desktop coordinates (screen 0 sits at 0,0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirtyRecord {
    /// Left edge.
    pub x: i16,
    /// Top edge.
    pub y: i16,
    /// Width (≥ 1).
    pub w: u16,
    /// Height (≥ 1).
    pub h: u16,
}

impl DirtyRecord {
    /// The part of `x, y, w, h` inside a `screen_w × screen_h` screen, or `None` when
    /// nothing is left. Screens are at most 16384 wide, so the result fits the i16/u16
    /// fields of VBVACMDHDR.
    pub fn clipped(x: i32, y: i32, w: u32, h: u32, screen_w: u32, screen_h: u32) -> Option<Self> {
        let clip = |start: i32, len: u32, limit: u32| -> Option<(i16, u16)> {
            let limit = i64::from(limit.min(i16::MAX as u32));
            let lo = i64::from(start).max(0);
            let hi = (i64::from(start) + i64::from(len)).min(limit);
            (hi > lo).then(|| (lo as i16, (hi - lo) as u16))
        };
        let (x, w) = clip(x, w, screen_w)?;
        let (y, h) = clip(y, h, screen_h)?;
        Some(Self { x, y, w, h })
    }

    fn header(&self) -> CmdHdr {
        CmdHdr {
            x: self.x,
            y: self.y,
            w: self.w,
            h: self.h,
        }
    }
}

/// Guest side of one VBVABUFFER.
#[derive(Debug)]
pub struct Ring {
    buffer: PhysRegion,
    data_len: u32,
}

impl Ring {
    /// The ring over `buffer` (the whole VBVABUFFER: 288-byte head then ring data).
    /// Returns `None` when the window cannot hold a head and some data.
    pub fn new(buffer: PhysRegion) -> Option<Self> {
        let data_len = buffer.len().checked_sub(HEAD_BYTES)?;
        let data_len = u32::try_from(data_len).ok()?;
        (data_len > PARTIAL_WRITE_THRESHOLD).then_some(Self { buffer, data_len })
    }

    /// Bytes of ring data (cbData).
    pub fn data_len(&self) -> u32 {
        self.data_len
    }

    /// Puts the head in the state VBVA_ENABLE requires: all indices zero, no host
    /// events, threshold and data length set.
    pub fn reset(&self) {
        self.buffer.write_bytes(0, &[0u8; HEAD_BYTES]);
        self.buffer
            .write_u32(PARTIAL_THRESHOLD, PARTIAL_WRITE_THRESHOLD);
        self.buffer.write_u32(DATA_LEN, self.data_len);
    }

    /// Whether the host says VBVA is on for this ring (VBVA_F_MODE_ENABLED). The host
    /// clears it on disable and on any ring error.
    pub fn host_enabled(&self) -> bool {
        RingHostEvents::from_bits_truncate(self.buffer.read_u32(HOST_EVENTS))
            .contains(RingHostEvents::MODE_ENABLED)
    }

    /// Records written but not yet consumed by the host.
    pub fn pending_records(&self) -> u32 {
        let first = self.buffer.read_u32(RECORD_FIRST) % VBVA_MAX_RECORDS;
        let free = self.buffer.read_u32(RECORD_FREE) % VBVA_MAX_RECORDS;
        (free + VBVA_MAX_RECORDS - first) % VBVA_MAX_RECORDS
    }

    /// Appends one record holding `record`'s VBVACMDHDR, or reports a full ring
    /// (the caller flushes and retries; nothing is written in that case).
    pub fn push(&self, record: &DirtyRecord) -> Result<(), RingFull> {
        let header = record.header();
        let bytes = header.as_bytes();
        let len = bytes.len() as u32;

        let free_index = self.buffer.read_u32(RECORD_FREE);
        let first_index = self.buffer.read_u32(RECORD_FIRST);
        // Out-of-range indices (a host scribbling on them) count as full: the caller
        // flushes rather than writing a slot outside the table.
        if ring::records_full(first_index, free_index) {
            return Err(RingFull);
        }
        let next_index = ring::next_record_index(free_index).ok_or(RingFull)?;
        let free_offset = self.buffer.read_u32(FREE_OFFSET);
        let data_offset = self.buffer.read_u32(DATA_OFFSET);
        let writable = ring::writable_bytes(data_offset, free_offset, self.data_len);
        if writable.is_none_or(|bytes| bytes < len) {
            return Err(RingFull);
        }
        let spans = ring::spans(free_offset, len, self.data_len).ok_or(RingFull)?;
        let new_free = ring::advance(free_offset, len, self.data_len).ok_or(RingFull)?;

        // Open the record as partial first, as the host expects while it is written.
        let slot = RECORDS + free_index as usize * 4;
        self.buffer.write_u32(slot, VBVA_F_RECORD_PARTIAL);
        self.buffer.write_u32(RECORD_FREE, next_index);
        let (head, tail) = bytes.split_at(spans.first_len as usize);
        self.buffer
            .write_bytes(HEAD_BYTES + spans.first_offset as usize, head);
        self.buffer.write_bytes(HEAD_BYTES, tail);
        self.buffer.write_u32(FREE_OFFSET, new_free);
        self.buffer.write_u32(slot, len);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring over a plain buffer, plus a minimal consumer playing the host.
    struct TestRing {
        memory: Vec<u8>,
    }

    impl TestRing {
        fn new(data_len: usize) -> Self {
            Self {
                memory: vec![0xEE; HEAD_BYTES + data_len],
            }
        }

        fn ring(&mut self) -> Ring {
            let len = self.memory.len();
            // SAFETY: the Vec outlives every Ring made from it within a test, and is
            // not reallocated while the Ring is used.
            let region = unsafe { PhysRegion::new(0, self.memory.as_mut_ptr(), len) };
            Ring::new(region).unwrap()
        }

        fn u32_at(&self, at: usize) -> u32 {
            u32::from_le_bytes(self.memory[at..at + 4].try_into().unwrap())
        }

        fn set_u32(&mut self, at: usize, value: u32) {
            self.memory[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }

        /// Consumes every complete record as the host does; returns their payloads.
        fn consume(&mut self) -> Vec<Vec<u8>> {
            let data_len = self.u32_at(DATA_LEN) as usize;
            let mut out = Vec::new();
            loop {
                let first = self.u32_at(RECORD_FIRST);
                if first == self.u32_at(RECORD_FREE) {
                    return out;
                }
                let len = self.u32_at(RECORDS + first as usize * 4);
                assert_eq!(len & VBVA_F_RECORD_PARTIAL, 0, "record left partial");
                let mut at = self.u32_at(DATA_OFFSET) as usize;
                let mut payload = Vec::new();
                for _ in 0..len {
                    payload.push(self.memory[HEAD_BYTES + at]);
                    at = (at + 1) % data_len;
                }
                out.push(payload);
                self.set_u32(DATA_OFFSET, at as u32);
                self.set_u32(RECORD_FIRST, (first + 1) % VBVA_MAX_RECORDS);
            }
        }
    }

    fn rect(n: i16) -> DirtyRecord {
        DirtyRecord {
            x: n,
            y: n + 1,
            w: 10,
            h: 20,
        }
    }

    fn payload(r: &DirtyRecord) -> Vec<u8> {
        r.header().as_bytes().to_vec()
    }

    #[test]
    fn reset_sets_the_head_the_host_validates() {
        let mut t = TestRing::new(1000);
        t.ring().reset();
        for field in [
            HOST_EVENTS,
            DATA_OFFSET,
            FREE_OFFSET,
            RECORD_FIRST,
            RECORD_FREE,
        ] {
            assert_eq!(t.u32_at(field), 0);
        }
        assert_eq!(t.u32_at(PARTIAL_THRESHOLD), 256);
        assert_eq!(t.u32_at(DATA_LEN), 1000);
        assert!(!t.ring().host_enabled());
    }

    #[test]
    fn records_are_byte_exact_command_headers() {
        let mut t = TestRing::new(1000);
        let ring = t.ring();
        ring.reset();
        let r = DirtyRecord {
            x: 1,
            y: -2,
            w: 0x300,
            h: 4,
        };
        ring.push(&r).unwrap();
        assert_eq!(ring.pending_records(), 1);
        assert_eq!(t.consume(), vec![vec![1, 0, 0xFE, 0xFF, 0x00, 0x03, 4, 0]]);
    }

    #[test]
    fn full_slots_are_reported_and_freed_by_consumption() {
        let mut t = TestRing::new(4096);
        t.ring().reset();
        for n in 0..63 {
            t.ring().push(&rect(n)).unwrap();
        }
        assert_eq!(t.ring().push(&rect(63)), Err(RingFull));
        assert_eq!(t.ring().pending_records(), 63);
        let got = t.consume();
        assert_eq!(got.len(), 63);
        assert_eq!(got[62], payload(&rect(62)));
        t.ring().push(&rect(63)).unwrap();
        assert_eq!(t.consume(), vec![payload(&rect(63))]);
    }

    #[test]
    fn data_wraps_around_the_end_of_the_ring() {
        // 300 data bytes: 37 records fill 296 bytes, then the write position wraps
        // mid-record on the next rounds.
        let mut t = TestRing::new(300);
        t.ring().reset();
        let mut expected = Vec::new();
        let mut got = Vec::new();
        for n in 0..200 {
            let r = rect(n);
            if t.ring().push(&r).is_err() {
                got.extend(t.consume());
                t.ring().push(&r).unwrap();
            }
            expected.push(payload(&r));
        }
        got.extend(t.consume());
        assert_eq!(got, expected);
    }

    #[test]
    fn data_space_keeps_a_gap_byte() {
        let mut t = TestRing::new(300);
        t.ring().reset();
        // 300 bytes hold 37 records (296 bytes); the 38th would leave no gap.
        for n in 0..37 {
            t.ring().push(&rect(n)).unwrap();
        }
        assert_eq!(t.ring().push(&rect(37)), Err(RingFull));
    }

    #[test]
    fn hostile_indices_give_a_full_ring_not_a_wild_write() {
        let mut t = TestRing::new(300);
        t.ring().reset();
        t.set_u32(RECORD_FIRST, 1000);
        assert_eq!(t.ring().push(&rect(0)), Err(RingFull));
        t.set_u32(RECORD_FIRST, 0);
        t.set_u32(DATA_OFFSET, 5000);
        assert_eq!(t.ring().push(&rect(0)), Err(RingFull));
    }

    #[test]
    fn clipping_keeps_records_inside_the_screen() {
        assert_eq!(
            DirtyRecord::clipped(-5, 10, 20, 5, 100, 100),
            Some(DirtyRecord {
                x: 0,
                y: 10,
                w: 15,
                h: 5
            })
        );
        assert_eq!(
            DirtyRecord::clipped(90, 95, 20, 20, 100, 100),
            Some(DirtyRecord {
                x: 90,
                y: 95,
                w: 10,
                h: 5
            })
        );
        assert_eq!(DirtyRecord::clipped(100, 0, 5, 5, 100, 100), None);
        assert_eq!(DirtyRecord::clipped(0, 0, 0, 5, 100, 100), None);
        assert_eq!(
            DirtyRecord::clipped(i32::MIN, 0, u32::MAX, 1, 16384, 1)
                .unwrap()
                .w,
            16384
        );
    }
}
