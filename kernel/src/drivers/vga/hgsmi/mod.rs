//! HGSMI: the shared-memory command channel of the VirtualBox VGA.
//!
//! A command is a buffer in VRAM (`header | data | tail`, with a checksum over its
//! offset, header and tail) taken from the guest heap; the guest writes the buffer's
//! offset to the guest port and the host processes it before the `out` returns, so
//! results are read back from the same buffer. The host reports no errors of its own:
//! callers pre-fill result fields with sentinels (spec §7.4).

pub mod checksum;
pub mod heap;
pub mod layout;
pub mod wire;

use super::dispi_regs::{VGA_PORT_HGSMI_GUEST, VGA_PORT_HGSMI_HOST};
use crate::hal::{PhysRegion, PortIo};
use core::cell::Cell;
use heap::{BlockPool, HeapError};
use layout::{VramLayout, VramRange, VramTooSmall};
use wire::{BufferHeader, BufferLocation, BufferTail, HostFlags, HostFlagsArea, BUFFER_OVERHEAD};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Bytes per guest-heap block: the smallest command (24-byte frame + 8 bytes of data)
/// fits one block, and blocks keep buffers 8-byte aligned.
pub const GUEST_HEAP_BLOCK: usize = 64;
/// Bitmap words of the guest heap: 16 × 64 = 1024 blocks covers the 64 KiB area.
const GUEST_HEAP_WORDS: usize = 16;
/// The guest command heap.
pub type GuestHeap = BlockPool<GUEST_HEAP_BLOCK, GUEST_HEAP_WORDS>;

/// What went wrong talking HGSMI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HgsmiError {
    /// The DISPI ID handshake did not echo VBE_DISPI_ID_HGSMI: no HGSMI here.
    NotPresent {
        /// What the ID register read back.
        id: u16,
    },
    /// VRAM cannot hold the framebuffer plus the HGSMI areas.
    VramTooSmall(VramTooSmall),
    /// The VRAM window is shorter than the VRAM size the device reported.
    VramWindowTooShort {
        /// Bytes the device reported.
        vram_size: u32,
        /// Bytes of the mapped window.
        window: usize,
    },
    /// The guest heap has no room for a command.
    Heap(HeapError),
    /// A buffer that would not lie inside the VRAM window (an internal invariant
    /// broke; reported instead of writing out of bounds).
    OutsideVram {
        /// VRAM offset of the buffer.
        offset: u32,
    },
    /// A data payload too large for one HGSMI buffer.
    TooLarge {
        /// The payload size asked for.
        bytes: usize,
    },
}

impl From<HeapError> for HgsmiError {
    fn from(error: HeapError) -> Self {
        Self::Heap(error)
    }
}

/// Result of an HGSMI operation.
pub type Result<T = ()> = core::result::Result<T, HgsmiError>;

/// Detects HGSMI with the DISPI ID handshake and returns the VRAM size in bytes.
///
/// Writes VBE_DISPI_ID_HGSMI to the ID register and reads it back; on VirtualBox a
/// 32-bit read of the data port then returns the VRAM size (spec §6.4). The ID is left
/// at VBE_DISPI_ID_HGSMI, as the Linux driver leaves it.
pub fn detect(io: &mut impl PortIo) -> Result<u32> {
    use crate::drivers::vga::dispi_regs as regs;
    io.out16(regs::VBE_DISPI_IOPORT_INDEX, regs::VBE_DISPI_INDEX_ID);
    io.out16(regs::VBE_DISPI_IOPORT_DATA, regs::VBE_DISPI_ID_HGSMI);
    let id = io.in16(regs::VBE_DISPI_IOPORT_DATA);
    if id != regs::VBE_DISPI_ID_HGSMI {
        return Err(HgsmiError::NotPresent { id });
    }
    Ok(io.in32(regs::VBE_DISPI_IOPORT_DATA))
}

/// The HGSMI transport: VRAM, the guest heap and the host flags.
#[derive(Debug)]
pub struct Hgsmi {
    vram: PhysRegion,
    vram_size: u32,
    heap: GuestHeap,
    host_flags: VramRange,
}

impl Hgsmi {
    /// A transport over `vram` (the whole VRAM BAR, `vram_size` bytes as reported by
    /// [`detect`]), with the guest heap in the adapter information area.
    pub fn new(vram: PhysRegion, vram_size: u32) -> Result<Self> {
        if vram.len() < vram_size as usize {
            return Err(HgsmiError::VramWindowTooShort {
                vram_size,
                window: vram.len(),
            });
        }
        let (guest_heap, host_flags) =
            VramLayout::adapter_area(vram_size).map_err(HgsmiError::VramTooSmall)?;
        Ok(Self {
            vram,
            vram_size,
            heap: GuestHeap::new(guest_heap.offset, guest_heap.size as usize),
            host_flags,
        })
    }

    /// VRAM size in bytes.
    pub fn vram_size(&self) -> u32 {
        self.vram_size
    }

    /// The VRAM window.
    pub fn vram(&self) -> &PhysRegion {
        &self.vram
    }

    /// The guest command heap (tests check it drains back to full).
    pub fn heap(&self) -> &GuestHeap {
        &self.heap
    }

    /// Where the host flags live (VRAM end − 16).
    pub fn host_flags_range(&self) -> VramRange {
        self.host_flags
    }

    /// The host flags (HGSMIHOSTFLAGS.u32HostFlags), as the host last wrote them;
    /// undefined bits are dropped.
    pub fn host_flags(&self) -> HostFlags {
        HostFlags::from_bits_truncate(self.vram.read_u32(self.host_flags.offset as usize))
    }

    /// Sends one command: `data_len` bytes filled by `fill`, submitted on `channel` with
    /// code `info`; after the host has processed it, `read` sees the same data bytes.
    ///
    /// The closures get a window over exactly the data bytes.
    pub fn submit<R>(
        &self,
        io: &mut impl PortIo,
        channel: u8,
        info: u16,
        data_len: usize,
        fill: impl FnOnce(&PhysRegion),
        read: impl FnOnce(&PhysRegion) -> R,
    ) -> Result<R> {
        let data_size =
            u32::try_from(data_len).map_err(|_| HgsmiError::TooLarge { bytes: data_len })?;
        let block = self.heap.alloc(data_len + BUFFER_OVERHEAD)?;
        let offset = block.offset();
        let header = BufferHeader::single(channel, info, data_size);
        let mut tail = BufferTail {
            u32Reserved: 0,
            u32Checksum: 0,
        };
        tail.u32Checksum = checksum::buffer_checksum(offset, &header, &tail);
        let at = offset as usize;
        let header_len = size_of::<BufferHeader>();
        // The block lies inside the guest heap, which `new` checked is inside VRAM;
        // `sub` checks again rather than trusting that.
        let data = self
            .vram
            .sub(at + header_len, data_len)
            .ok_or(HgsmiError::OutsideVram { offset })?;
        self.vram.write_bytes(at, header.as_bytes());
        fill(&data);
        self.vram
            .write_bytes(at + header_len + data_len, tail.as_bytes());
        io.out32(VGA_PORT_HGSMI_GUEST, offset);
        Ok(read(&data))
    }

    /// Sends a fixed-size command and reads the host's answer back into `value`.
    pub fn exchange<T>(&self, io: &mut impl PortIo, channel: u8, info: u16, value: &mut T) -> Result
    where
        T: IntoBytes + FromBytes + Immutable + KnownLayout + Copy,
    {
        self.exchange_bytes(io, channel, info, value.as_mut_bytes())
    }

    /// `exchange` on the command's bytes: one copy of this code for every command type
    /// (it was instantiated, and inlined, once per type).
    #[inline(never)]
    fn exchange_bytes(
        &self,
        io: &mut impl PortIo,
        channel: u8,
        info: u16,
        bytes: &mut [u8],
    ) -> Result {
        // Cells: the request is read by `fill`, the answer written back by `read`.
        let bytes = Cell::from_mut(bytes).as_slice_of_cells();
        self.submit(
            io,
            channel,
            info,
            bytes.len(),
            |data| {
                for (i, byte) in bytes.iter().enumerate() {
                    data.write_u8(i, byte.get());
                }
            },
            |data| {
                for (i, byte) in bytes.iter().enumerate() {
                    byte.set(data.read_u8(i));
                }
            },
        )
    }

    /// Tells the host where the host flags are (HGSMI_CC_HOST_FLAGS_LOCATION); must be
    /// the last 16 bytes of VRAM.
    pub fn report_host_flags_location(&self, io: &mut impl PortIo) -> Result {
        let mut location = BufferLocation {
            offLocation: self.host_flags.offset,
            cbLocation: size_of::<HostFlagsArea>() as u32,
        };
        self.exchange(
            io,
            wire::HGSMI_CH_HGSMI,
            wire::HGSMI_CC_HOST_FLAGS_LOCATION,
            &mut location,
        )
    }

    /// Acknowledges the VGA interrupt (0xFFFFFFFF to the host port).
    pub fn acknowledge_irq(&self, io: &mut impl PortIo) {
        io.out32(VGA_PORT_HGSMI_HOST, wire::HGSMIOFFSET_VOID);
    }

    /// Dequeues the next host→guest command offset, if any.
    pub fn next_host_command(&self, io: &mut impl PortIo) -> Option<u32> {
        let offset = io.in32(VGA_PORT_HGSMI_HOST);
        (offset != wire::HGSMIOFFSET_VOID).then_some(offset)
    }

    /// Tells the host the command at `offset` is done (the host frees it).
    pub fn complete_host_command(&self, io: &mut impl PortIo, offset: u32) {
        io.out32(VGA_PORT_HGSMI_HOST, offset);
    }
}

/// Writes a whole single buffer (`header | data | tail`, checksummed) for `channel` /
/// `info` at VRAM `offset` and submits it, without the heap or an `Hgsmi`: for the
/// fault path, which may not trust the driver's state. False when it does not fit.
pub fn submit_at(
    vram: &PhysRegion,
    io: &mut impl PortIo,
    offset: u32,
    channel: u8,
    info: u16,
    data: &[u8],
) -> bool {
    let Ok(data_size) = u32::try_from(data.len()) else {
        return false;
    };
    let header = BufferHeader::single(channel, info, data_size);
    let mut tail = BufferTail {
        u32Reserved: 0,
        u32Checksum: 0,
    };
    tail.u32Checksum = checksum::buffer_checksum(offset, &header, &tail);
    let (at, header_len) = (offset as usize, size_of::<BufferHeader>());
    if !vram.in_bounds(at, header_len + data.len() + size_of::<BufferTail>()) {
        return false;
    }
    vram.write_bytes(at, header.as_bytes());
    vram.write_bytes(at + header_len, data);
    vram.write_bytes(at + header_len + data.len(), tail.as_bytes());
    io.out32(VGA_PORT_HGSMI_GUEST, offset);
    true
}
