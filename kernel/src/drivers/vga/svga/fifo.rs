//! The SVGA II command FIFO: a ring of 32-bit words in the FIFO BAR between MIN and
//! MAX. The guest writes a whole command, then advances NEXT_CMD; the host advances
//! STOP as it consumes them.
//!
//! Set-up satisfies both hosts: MIN = 4096 (covers every VirtualBox FIFO register),
//! MAX ≤ 64 KiB (QEMU ignores bigger FIFOs), MAX − MIN ≥ 10 KiB (QEMU's minimum).

use super::wire::FifoCaps;
use super::wire::{
    SVGA_FIFO_CAPABILITIES, SVGA_FIFO_MAX, SVGA_FIFO_MIN, SVGA_FIFO_NEXT_CMD, SVGA_FIFO_STOP,
};
use crate::hal::PhysRegion;
use core::sync::atomic::{fence, Ordering};

/// Where the command ring starts (bytes from the FIFO start).
pub const RING_START: u32 = 4096;
/// The largest FIFO QEMU accepts; the ring ends there or at the FIFO's end.
pub const QEMU_FIFO_LIMIT: u32 = 64 * 1024;
/// QEMU's smallest ring.
pub const MIN_RING_BYTES: u32 = 10 * 1024;

/// Why the FIFO could not be set up or take a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FifoError {
    /// The FIFO is smaller than MIN plus QEMU's 10 KiB minimum ring.
    TooSmall {
        /// Usable FIFO bytes (the smaller of MEM_SIZE and the BAR).
        bytes: u32,
    },
    /// The command does not fit the ring even when it is empty.
    CommandTooLarge {
        /// Bytes of the command.
        bytes: u32,
    },
    /// Not enough free space now (the host has not consumed enough).
    Full {
        /// Bytes needed.
        needed: u32,
        /// Bytes free.
        free: u32,
    },
    /// The host's STOP is outside the ring (a broken or hostile host).
    BadStop {
        /// The value read.
        stop: u32,
    },
}

/// The configured FIFO.
#[derive(Debug, Clone, Copy)]
pub struct Fifo {
    region: PhysRegion,
    min: u32,
    max: u32,
    /// NEXT_CMD as we last wrote it. The guest owns that register; it is never read
    /// back from shared memory, where a broken host could have moved it outside the
    /// ring (the fuzzer found that: a wrapped subtraction, writes past MAX).
    next: u32,
    caps: FifoCaps,
}

impl Fifo {
    /// Sets MIN, MAX, NEXT_CMD = STOP = MIN over the FIFO `region` (`mem_size` as the
    /// device reports it). `extended`: the device has FIFO registers beyond STOP, so
    /// its FIFO capabilities are read (else none).
    pub fn configure(region: PhysRegion, mem_size: u32, extended: bool) -> Result<Self, FifoError> {
        let usable = mem_size
            .min(u32::try_from(region.len()).unwrap_or(u32::MAX))
            .min(QEMU_FIFO_LIMIT)
            & !3;
        if usable < RING_START + MIN_RING_BYTES {
            return Err(FifoError::TooSmall { bytes: usable });
        }
        // The host wrote its capabilities at reset; read them before touching the ring.
        let caps = if extended {
            FifoCaps::from_bits_truncate(region.read_u32(reg(SVGA_FIFO_CAPABILITIES)))
        } else {
            FifoCaps::empty()
        };
        region.write_u32(reg(SVGA_FIFO_MIN), RING_START);
        region.write_u32(reg(SVGA_FIFO_MAX), usable);
        region.write_u32(reg(SVGA_FIFO_NEXT_CMD), RING_START);
        region.write_u32(reg(SVGA_FIFO_STOP), RING_START);
        Ok(Self {
            region,
            min: RING_START,
            max: usable,
            next: RING_START,
            caps,
        })
    }

    /// The FIFO capabilities (empty without the extended FIFO).
    pub fn caps(&self) -> FifoCaps {
        self.caps
    }

    /// Ring bytes (MAX − MIN).
    pub fn ring_bytes(&self) -> u32 {
        self.max - self.min
    }

    /// MIN and MAX as configured.
    pub fn bounds(&self) -> (u32, u32) {
        (self.min, self.max)
    }

    /// Reads FIFO register `index`.
    pub fn register(&self, index: u32) -> u32 {
        self.region.read_u32(reg(index))
    }

    /// Whether the host consumed everything written so far.
    pub fn is_empty(&self) -> bool {
        self.next == self.register(SVGA_FIFO_STOP)
    }

    /// Bytes the guest may write now (one word stays free so that NEXT_CMD == STOP
    /// always means "empty").
    pub fn free_bytes(&self) -> Result<u32, FifoError> {
        let next = self.next;
        let stop = self.register(SVGA_FIFO_STOP) & !3;
        if !(self.min..self.max).contains(&stop) {
            return Err(FifoError::BadStop { stop });
        }
        let used = if next >= stop {
            next - stop
        } else {
            self.ring_bytes() - (stop - next)
        };
        // Both ends lie in the ring on word boundaries, so `used` ≤ ring − 4.
        Ok(self.ring_bytes().saturating_sub(used + 4))
    }

    /// Writes one command: `id`, then `payload_len` bytes that `fill` writes (short
    /// payloads are zero-filled, excess is dropped), padded to 4 bytes; then advances
    /// NEXT_CMD. Nothing is written when it does not fit.
    pub fn push_with(
        &mut self,
        id: u32,
        payload_len: u32,
        fill: impl FnOnce(&mut CommandWriter<'_>),
    ) -> Result<(), FifoError> {
        let bytes = payload_len.checked_add(4 + 3).map_or(u32::MAX, |n| n & !3);
        if bytes > self.ring_bytes() - 4 {
            return Err(FifoError::CommandTooLarge { bytes });
        }
        let free = self.free_bytes()?;
        if bytes > free {
            return Err(FifoError::Full {
                needed: bytes,
                free,
            });
        }
        let start = self.put(self.next, &id.to_le_bytes());
        let mut writer = CommandWriter {
            fifo: self,
            at: start,
            left: bytes - 4,
        };
        fill(&mut writer);
        while writer.left > 0 {
            writer.bytes(&[0; 4][..writer.left.min(4) as usize]);
        }
        let end = writer.at;
        // The whole command is in place before the host may see NEXT_CMD move.
        fence(Ordering::SeqCst);
        self.next = end;
        self.region.write_u32(reg(SVGA_FIFO_NEXT_CMD), end);
        Ok(())
    }

    /// [`Fifo::push_with`] for a payload that is one byte slice.
    pub fn push(&mut self, id: u32, payload: &[u8]) -> Result<(), FifoError> {
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        self.push_with(id, len, |w| w.bytes(payload))
    }

    /// Copies `data` into the ring at `at`, wrapping at MAX; returns the next offset.
    fn put(&self, mut at: u32, mut data: &[u8]) -> u32 {
        while !data.is_empty() {
            let room = (self.max - at) as usize;
            let n = room.min(data.len());
            self.region.write_bytes(at as usize, &data[..n]);
            data = &data[n..];
            at += n as u32;
            if at >= self.max {
                at = self.min;
            }
        }
        at
    }
}

/// Writes a command's payload into the ring (see [`Fifo::push_with`]).
#[derive(Debug)]
pub struct CommandWriter<'a> {
    fifo: &'a Fifo,
    at: u32,
    left: u32,
}

impl CommandWriter<'_> {
    /// Appends bytes (beyond the announced payload length they are dropped).
    pub fn bytes(&mut self, data: &[u8]) {
        let n = (self.left as usize).min(data.len());
        self.at = self.fifo.put(self.at, &data[..n]);
        self.left -= n as u32;
    }

    /// Appends one little-endian word.
    pub fn word(&mut self, value: u32) {
        self.bytes(&value.to_le_bytes());
    }
}

/// Byte offset of FIFO register `index`.
const fn reg(index: u32) -> usize {
    index as usize * 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_that_moves_next_cmd_does_not_move_our_writes() {
        let mut memory = vec![0u32; 4096];
        let len = memory.len() * 4;
        // SAFETY: `memory` outlives the region and is `len` bytes long.
        let region = unsafe { PhysRegion::new(0x1000, memory.as_mut_ptr().cast(), len) };
        let mut fifo = Fifo::configure(region, len as u32, false).unwrap();
        let (min, max) = fifo.bounds();
        let mut ours = min;
        for hostile in [0, 4, max, max + 4, !3] {
            fifo.push(7, &[0; 16]).unwrap();
            ours += 20;
            region.write_u32(reg(SVGA_FIFO_NEXT_CMD), hostile);
            // STOP stays at MIN: everything we wrote is still in the ring.
            assert_eq!(fifo.free_bytes().unwrap(), max - min - (ours - min) - 4);
            assert!(!fifo.is_empty());
        }
        fifo.push(9, &[0; 16]).unwrap();
        assert_eq!(
            region.read_u32(ours as usize),
            9,
            "written where we left off"
        );
        assert_eq!(fifo.register(SVGA_FIFO_NEXT_CMD), ours + 20);
        region.write_u32(reg(SVGA_FIFO_STOP), ours + 20);
        assert!(fifo.is_empty());
    }
}
