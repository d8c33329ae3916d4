//! HGCM over VMMDev (hgcm-guest-properties.md §1–§7): Connect, Disconnect and
//! Call64 with LinAddr parameters, completed asynchronously by the host.
//!
//! Requests live in a fixed pool of page-sized slots (identity-mapped, below 4 GiB):
//! the request header and parameters at the start of a slot, the buffers after them,
//! and the slot's own Cancel2 request at its end. A slot stays busy from submission
//! until the host has set DONE (or a cancel succeeded, or a VM reset made the host
//! forget it), so the host never writes memory the driver has reused. Nothing here
//! waits: callers hold a [`Ticket`] and [`Hgcm::take`] it when VMMDEV_EVENT_HGCM or
//! a poll says so; a timeout is the caller's decision, followed by [`Hgcm::cancel`].

use core::sync::atomic::{fence, Ordering};

use super::wire::*;
use super::Error;
use crate::hal::{PhysRegion, PortIo};
use zerocopy::IntoBytes;

/// Bytes per slot: one page, so a call never crosses a page (the host then maps the
/// request directly and sets DONE with one atomic OR).
pub const SLOT_SIZE: usize = 4096;
/// Calls that can be outstanding at once: the property wait, the start-up
/// enumeration and two publishing writes.
pub const SLOT_COUNT: usize = 4;
/// Bytes of the pool the driver needs.
pub const POOL_LEN: usize = SLOT_SIZE * SLOT_COUNT;
/// Most parameters of one call.
pub const MAX_PARMS: usize = 4;
/// Where a slot's buffers start (after the call header and its parameters).
const DATA_OFFSET: usize = 128;
/// Where a slot's Cancel2 request sits (its last 32 bytes).
const CANCEL_OFFSET: usize = SLOT_SIZE - 32;
/// Bytes of buffers one call can carry.
pub const DATA_CAPACITY: usize = CANCEL_OFFSET - DATA_OFFSET;

const _: () = assert!(
    core::mem::size_of::<HgcmCall>() + MAX_PARMS * core::mem::size_of::<HgcmParameter64>()
        <= DATA_OFFSET
);
const _: () = assert!(core::mem::size_of::<HgcmConnect>() <= CANCEL_OFFSET);

/// One call parameter as the caller describes it.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    /// A 32-bit value (written back by the host).
    U32(u32),
    /// A 64-bit value (written back by the host).
    U64(u64),
    /// Bytes for the host (LinAddr_In).
    In(&'a [u8]),
    /// A buffer of this many bytes for the host to fill (LinAddr_Out).
    Out(usize),
}

/// A submitted request. Not `Clone`: it is the only way to the slot, so a slot is
/// taken back exactly once ([`Hgcm::take`] or [`Hgcm::cancel`]).
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a dropped ticket keeps its slot busy until a VM reset"]
pub struct Ticket {
    slot: u8,
    generation: u32,
}

/// What a completed request returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// The service's status (`result`; `header.rc` stays 2903).
    pub result: VBoxRc,
    /// The 32/64-bit parameters as the host left them (0 for buffers).
    pub values: [u64; MAX_PARMS],
    /// Connect: the client id.
    pub client_id: u32,
    /// Bytes copied into the caller's buffer from the first LinAddr_Out parameter.
    pub out_len: usize,
}

/// [`Hgcm::take`]'s answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Take {
    /// DONE was set: the slot is free again.
    Done(Reply),
    /// Not done yet: the ticket comes back.
    Pending(Ticket),
    /// The request was dropped by a reset ([`Hgcm::reset`]); its slot is free.
    Gone,
}

/// [`Hgcm::cancel`]'s answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// The host will never write the request again; the slot is free.
    Cancelled,
    /// It completed meanwhile; the slot is free (the reply is dropped).
    Completed,
    /// The host is completing it (VERR_NOT_FOUND without DONE) or refused the
    /// cancel: the slot is quarantined until DONE shows up or a reset.
    Quarantined(VBoxRc),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Free,
    Busy {
        request: RequestType,
        since_us: u64,
        /// (offset, len) of the first LinAddr_Out buffer and parameter count.
        out: (u16, u16),
        parms: u8,
    },
    /// Given up by the caller but possibly still written by the host.
    Quarantined,
}

/// Counters, for the status panel, tests and the memory report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HgcmStats {
    /// Requests the host accepted.
    pub submitted: u64,
    /// Requests refused synchronously (`header.rc` < 0).
    pub refused: u64,
    /// Requests taken back after DONE.
    pub completed: u64,
    /// Successful cancels.
    pub cancelled: u64,
    /// Submissions refused because every slot was busy.
    pub pool_full: u64,
    /// Slots freed by resets.
    pub reset_freed: u64,
}

/// The HGCM transport: the request port and the slot pool.
#[derive(Debug)]
pub struct Hgcm {
    io_base: u16,
    pool: PhysRegion,
    slots: [Slot; SLOT_COUNT],
    generation: u32,
    stats: HgcmStats,
}

impl Hgcm {
    /// Takes the request port of VMMDev's I/O BAR and a pool of [`POOL_LEN`] bytes,
    /// page-aligned, identity-mapped, ending below 4 GiB (LinAddr = physical).
    pub fn new(io_base: u16, pool: PhysRegion) -> Result<Self, Error> {
        let end = pool.phys().saturating_add(pool.len() as u64);
        if end > 1 << 32 {
            return Err(Error::RequestPageAbove4GiB(pool.phys()));
        }
        if pool.len() < POOL_LEN || !pool.phys().is_multiple_of(SLOT_SIZE as u64) {
            return Err(Error::RequestTooLarge(POOL_LEN));
        }
        Ok(Self {
            io_base,
            pool,
            slots: [Slot::Free; SLOT_COUNT],
            generation: 1,
            stats: HgcmStats::default(),
        })
    }

    /// Counters.
    pub fn stats(&self) -> HgcmStats {
        self.stats
    }

    /// Slots not in use (the pool is full again at quiescence when this is
    /// [`SLOT_COUNT`]).
    pub fn free_slots(&self) -> usize {
        self.slots.iter().filter(|s| **s == Slot::Free).count()
    }

    /// Quarantined slots (given up, never confirmed by the host).
    pub fn quarantined_slots(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| **s == Slot::Quarantined)
            .count()
    }

    /// When the ticket's request was submitted (µs), while it is busy.
    pub fn submitted_at(&self, ticket: &Ticket) -> Option<u64> {
        match self.slots.get(usize::from(ticket.slot)) {
            Some(Slot::Busy { since_us, .. }) if ticket.generation == self.generation => {
                Some(*since_us)
            }
            _ => None,
        }
    }

    /// After a VM reset the host dropped every request without writing it (§7):
    /// all slots are free and every outstanding ticket is [`Take::Gone`].
    pub fn reset(&mut self) {
        for slot in &mut self.slots {
            if *slot != Slot::Free {
                self.stats.reset_freed += 1;
            }
            *slot = Slot::Free;
        }
        self.generation = self.generation.wrapping_add(1).max(1);
    }

    fn slot_region(&self, slot: usize) -> PhysRegion {
        // In bounds: `new` checked the pool holds SLOT_COUNT slots.
        self.pool
            .sub(slot * SLOT_SIZE, SLOT_SIZE)
            .unwrap_or(self.pool)
    }

    fn free_slot(&mut self) -> Result<usize, Error> {
        match self.slots.iter().position(|s| *s == Slot::Free) {
            Some(i) => Ok(i),
            None => {
                self.stats.pool_full += 1;
                Err(Error::PoolFull)
            }
        }
    }

    /// HGCMConnect to `service`.
    pub fn connect(
        &mut self,
        io: &mut impl PortIo,
        now_us: u64,
        service: &str,
    ) -> Result<Ticket, Error> {
        let slot = self.free_slot()?;
        let mut request = HgcmConnect {
            header: hgcm_header(RequestType::HGCM_CONNECT, size_of_u32::<HgcmConnect>()),
            loc: HgcmServiceLocation {
                r#type: VMMDEV_HGCM_LOC_LOCALHOST_EXISTING,
                achName: [0; 128],
            },
            u32ClientID: 0,
        };
        let name = service.as_bytes();
        if name.len() >= request.loc.achName.len() {
            return Err(Error::RequestTooLarge(name.len()));
        }
        request.loc.achName[..name.len()].copy_from_slice(name);
        let region = self.slot_region(slot);
        region.write_bytes(0, request.as_bytes());
        self.submit(io, slot, RequestType::HGCM_CONNECT, now_us, (0, 0), 0)
    }

    /// HGCMDisconnect of `client`.
    pub fn disconnect(
        &mut self,
        io: &mut impl PortIo,
        now_us: u64,
        client: u32,
    ) -> Result<Ticket, Error> {
        let slot = self.free_slot()?;
        let request = HgcmDisconnect {
            header: hgcm_header(
                RequestType::HGCM_DISCONNECT,
                size_of_u32::<HgcmDisconnect>(),
            ),
            u32ClientID: client,
        };
        self.slot_region(slot).write_bytes(0, request.as_bytes());
        self.submit(io, slot, RequestType::HGCM_DISCONNECT, now_us, (0, 0), 0)
    }

    /// HGCMCall64 of `function` with up to [`MAX_PARMS`] parameters; buffers are
    /// copied into the slot and passed as LinAddr (their physical address).
    pub fn call(
        &mut self,
        io: &mut impl PortIo,
        now_us: u64,
        client: u32,
        function: u32,
        params: &[Param],
    ) -> Result<Ticket, Error> {
        if params.len() > MAX_PARMS {
            return Err(Error::RequestTooLarge(params.len()));
        }
        let needed: usize = params
            .iter()
            .map(|p| match p {
                Param::In(bytes) => bytes.len().next_multiple_of(8),
                Param::Out(len) => len.next_multiple_of(8),
                _ => 0,
            })
            .sum();
        if needed > DATA_CAPACITY {
            return Err(Error::RequestTooLarge(needed));
        }
        let slot = self.free_slot()?;
        let region = self.slot_region(slot);
        let size = core::mem::size_of::<HgcmCall>()
            + params.len() * core::mem::size_of::<HgcmParameter64>();
        let call = HgcmCall {
            header: hgcm_header(RequestType::HGCM_CALL64, size as u32),
            u32ClientID: client,
            u32Function: function,
            cParms: params.len() as u32,
        };
        region.write_bytes(0, call.as_bytes());
        let mut data = DATA_OFFSET;
        let mut out = (0u16, 0u16);
        for (i, param) in params.iter().enumerate() {
            let wire = match *param {
                Param::U32(v) => HgcmParameter64::value32(v),
                Param::U64(v) => HgcmParameter64::value64(v),
                Param::In(bytes) => {
                    region.write_bytes(data, bytes);
                    let p = HgcmParameter64::lin_addr(
                        HgcmParmType::LINADDR_IN,
                        bytes.len() as u32,
                        region.phys() + data as u64,
                    );
                    data += bytes.len().next_multiple_of(8);
                    p
                }
                Param::Out(len) => {
                    if out.1 == 0 {
                        out = (data as u16, len as u16);
                    }
                    let p = HgcmParameter64::lin_addr(
                        HgcmParmType::LINADDR_OUT,
                        len as u32,
                        region.phys() + data as u64,
                    );
                    data += len.next_multiple_of(8);
                    p
                }
            };
            let at = core::mem::size_of::<HgcmCall>() + i * core::mem::size_of::<HgcmParameter64>();
            region.write_bytes(at, wire.as_bytes());
        }
        self.submit(
            io,
            slot,
            RequestType::HGCM_CALL64,
            now_us,
            out,
            params.len() as u8,
        )
    }

    /// Writes the slot's address to the request port and classifies the answer.
    fn submit(
        &mut self,
        io: &mut impl PortIo,
        slot: usize,
        request: RequestType,
        now_us: u64,
        out: (u16, u16),
        parms: u8,
    ) -> Result<Ticket, Error> {
        let region = self.slot_region(slot);
        // The request must be in memory before the host reads it; the host may have
        // completed it before the `out` returns, so nothing is written after it.
        fence(Ordering::SeqCst);
        io.out32(self.io_base + VMMDEV_PORT_OFF_REQUEST, region.phys() as u32);
        fence(Ordering::SeqCst);
        let rc = VBoxRc(region.read_u32(12) as i32);
        if rc == VBoxRc::SENTINEL {
            return Err(Error::NotProcessed(request));
        }
        if rc.is_failure() {
            // The host wrote the request back with the error and keeps nothing.
            self.stats.refused += 1;
            return Err(Error::Host { request, rc });
        }
        self.stats.submitted += 1;
        self.slots[slot] = Slot::Busy {
            request,
            since_us: now_us,
            out,
            parms,
        };
        Ok(Ticket {
            slot: slot as u8,
            generation: self.generation,
        })
    }

    fn done(&self, slot: usize) -> bool {
        let flags = self
            .slot_region(slot)
            .read_u32(HgcmRequestHeader::FLAGS_OFFSET);
        flags & VBOX_HGCM_REQ_DONE != 0
    }

    /// Takes the ticket's request back if the host set DONE: copies the first
    /// LinAddr_Out buffer into `out` (as much as fits) and frees the slot.
    pub fn take(&mut self, ticket: Ticket, out: &mut [u8]) -> Take {
        let slot = usize::from(ticket.slot);
        if ticket.generation != self.generation {
            return Take::Gone;
        }
        let Some(Slot::Busy {
            request,
            out: (offset, len),
            parms,
            ..
        }) = self.slots.get(slot).copied()
        else {
            return Take::Gone;
        };
        if !self.done(slot) {
            return Take::Pending(ticket);
        }
        // Read the results only after DONE was seen.
        fence(Ordering::SeqCst);
        let region = self.slot_region(slot);
        let mut reply = Reply {
            result: VBoxRc(region.read_u32(HgcmRequestHeader::RESULT_OFFSET) as i32),
            values: [0; MAX_PARMS],
            client_id: 0,
            out_len: 0,
        };
        if request == RequestType::HGCM_CONNECT {
            reply.client_id = region.read_u32(core::mem::offset_of!(HgcmConnect, u32ClientID));
        }
        for (i, value) in reply.values.iter_mut().enumerate().take(usize::from(parms)) {
            let at = core::mem::size_of::<HgcmCall>() + i * core::mem::size_of::<HgcmParameter64>();
            let kind = HgcmParmType(region.read_u32(at));
            let low = u64::from(region.read_u32(at + HgcmParameter64::VALUE_OFFSET));
            let high = u64::from(region.read_u32(at + HgcmParameter64::VALUE_OFFSET + 4));
            *value = match kind {
                HgcmParmType::U32 => low,
                HgcmParmType::U64 => low | high << 32,
                _ => 0,
            };
        }
        let n = usize::from(len).min(out.len());
        region.read_bytes(usize::from(offset), &mut out[..n]);
        reply.out_len = n;
        self.slots[slot] = Slot::Free;
        self.stats.completed += 1;
        Take::Done(reply)
    }

    /// Gives a request up: Cancel2 (§6). A request the host may still write is
    /// quarantined, never reused, until [`Hgcm::reclaim`] sees DONE or a reset.
    pub fn cancel(&mut self, io: &mut impl PortIo, ticket: Ticket) -> Cancelled {
        let slot = usize::from(ticket.slot);
        if ticket.generation != self.generation
            || !matches!(self.slots.get(slot), Some(Slot::Busy { .. }))
        {
            return Cancelled::Completed;
        }
        if self.done(slot) {
            self.slots[slot] = Slot::Free;
            self.stats.completed += 1;
            return Cancelled::Completed;
        }
        let region = self.slot_region(slot);
        let mut cancel: HgcmCancel2 = Request::new_request(RequestType::HGCM_CANCEL2);
        cancel.physReqToCancel = region.phys() as u32;
        region.write_bytes(CANCEL_OFFSET, cancel.as_bytes());
        fence(Ordering::SeqCst);
        io.out32(
            self.io_base + VMMDEV_PORT_OFF_REQUEST,
            (region.phys() + CANCEL_OFFSET as u64) as u32,
        );
        fence(Ordering::SeqCst);
        let rc = VBoxRc(region.read_u32(CANCEL_OFFSET + 12) as i32);
        if rc.is_success() {
            self.slots[slot] = Slot::Free;
            self.stats.cancelled += 1;
            return Cancelled::Cancelled;
        }
        if self.done(slot) {
            self.slots[slot] = Slot::Free;
            self.stats.completed += 1;
            return Cancelled::Completed;
        }
        self.slots[slot] = Slot::Quarantined;
        Cancelled::Quarantined(rc)
    }

    /// Frees quarantined slots whose request the host has completed meanwhile.
    pub fn reclaim(&mut self) -> usize {
        let mut freed = 0;
        for slot in 0..SLOT_COUNT {
            if self.slots[slot] == Slot::Quarantined && self.done(slot) {
                self.slots[slot] = Slot::Free;
                freed += 1;
            }
        }
        freed
    }
}

fn size_of_u32<T>() -> u32 {
    core::mem::size_of::<T>() as u32
}

/// An HGCM header: `rc` preset to the sentinel, `fu32Flags` and `result` zero.
fn hgcm_header(request_type: RequestType, size: u32) -> HgcmRequestHeader {
    HgcmRequestHeader {
        header: RequestHeader::new(request_type, size),
        fu32Flags: 0,
        result: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lin_addr_parameter_is_byte_exact() {
        let p = HgcmParameter64::lin_addr(HgcmParmType::LINADDR_IN, 5, 0x1234_5678_9ABC);
        assert_eq!(
            p.as_bytes(),
            [5, 0, 0, 0, 5, 0, 0, 0, 0xBC, 0x9A, 0x78, 0x56, 0x34, 0x12, 0, 0]
        );
        let v = HgcmParameter64::value64(0x0102_0304_0506_0708);
        assert_eq!(v.as_bytes()[4..12], [8, 7, 6, 5, 4, 3, 2, 1]);
    }
}
