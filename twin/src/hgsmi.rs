//! HGSMI transport (spec §7): buffer verification with the one-at-a-time checksum,
//! the host flags in VRAM, the VGA IRQ raise/acknowledge rules and the host→guest
//! command FIFO over a host heap.

use std::collections::{BTreeMap, VecDeque};

use crate::errors::{Device, ErrorLog};
use crate::memory::Backing;
use crate::wire::*;

/// The one-at-a-time checksum of a buffer at `offset` (§7.4).
pub fn checksum(offset: u32, header: &[u8; SIZE_HGSMI_HEADER], tail_reserved: u32) -> u32 {
    let mut h: u32 = 0;
    let bytes = offset
        .to_le_bytes()
        .into_iter()
        .chain(header.iter().copied())
        .chain(tail_reserved.to_le_bytes());
    for b in bytes {
        h = h.wrapping_add(u32::from(b));
        h = h.wrapping_add(h << 10);
        h ^= h >> 6;
    }
    h = h.wrapping_add(h << 3);
    h ^= h >> 11;
    h.wrapping_add(h << 15)
}

/// A verified guest (or host) buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffer {
    /// HGSMI offset of the header.
    pub offset: u32,
    /// Channel.
    pub channel: u8,
    /// Command within the channel.
    pub channel_info: u16,
    /// VRAM offset of the data.
    pub data_offset: u32,
    /// Data size.
    pub data_size: u32,
}

/// hgsmiVerifyBuffer: the checks the host makes before calling a channel handler.
pub fn verify(vram: &Backing, offset: u32) -> Result<Buffer, String> {
    let total = SIZE_HGSMI_HEADER + SIZE_HGSMI_TAIL;
    let off_last = (vram.len() as u64).saturating_sub(total as u64);
    if u64::from(offset) > off_last {
        return Err(format!(
            "buffer offset {offset:#x} beyond the HGSMI area (last {off_last:#x})"
        ));
    }
    let mut header = [0u8; SIZE_HGSMI_HEADER];
    vram.read(u64::from(offset), &mut header)
        .ok_or("header unreadable")?;
    let data_size = u32::from_le_bytes(header[0..4].try_into().expect("4"));
    if u64::from(data_size) > off_last - u64::from(offset) {
        return Err(format!(
            "buffer at {offset:#x}: data size {data_size} runs past VRAM"
        ));
    }
    let tail_at = u64::from(offset) + SIZE_HGSMI_HEADER as u64 + u64::from(data_size);
    let reserved = vram.read_u32(tail_at).ok_or("tail unreadable")?;
    let stored = vram.read_u32(tail_at + 4).ok_or("tail unreadable")?;
    let expected = checksum(offset, &header, reserved);
    if stored != expected {
        return Err(format!(
            "buffer at {offset:#x}: checksum {stored:#010x}, host computes {expected:#010x}"
        ));
    }
    Ok(Buffer {
        offset,
        channel: header[HGSMI_HDR_CHANNEL],
        channel_info: u16::from_le_bytes([
            header[HGSMI_HDR_CHANNEL_INFO],
            header[HGSMI_HDR_CHANNEL_INFO + 1],
        ]),
        data_offset: offset + SIZE_HGSMI_HEADER as u32,
        data_size,
    })
}

/// Writes a complete buffer (header, data, tail with checksum) at `offset`.
pub fn write_buffer(
    vram: &Backing,
    offset: u32,
    channel: u8,
    channel_info: u16,
    data: &[u8],
) -> Option<()> {
    let mut header = [0u8; SIZE_HGSMI_HEADER];
    header[0..4].copy_from_slice(&(data.len() as u32).to_le_bytes());
    header[HGSMI_HDR_CHANNEL] = channel;
    header[HGSMI_HDR_CHANNEL_INFO..HGSMI_HDR_CHANNEL_INFO + 2]
        .copy_from_slice(&channel_info.to_le_bytes());
    let sum = checksum(offset, &header, 0);
    let o = u64::from(offset);
    vram.write(o, &header)?;
    vram.write(o + SIZE_HGSMI_HEADER as u64, data)?;
    let tail = o + SIZE_HGSMI_HEADER as u64 + data.len() as u64;
    vram.write_u32(tail, 0)?;
    vram.write_u32(tail + 4, sum)
}

/// HGSMI host state: flags location, IRQ, host heap and host command FIFO.
#[derive(Debug, Default)]
pub struct Hgsmi {
    flags_location: Option<u32>,
    irq: bool,
    pending_irq_flags: u32,
    host_heap: Option<(u32, u32)>,
    /// Allocations in the host heap: offset → size.
    allocations: BTreeMap<u32, u32>,
    fifo: VecDeque<u32>,
    read_by_guest: Vec<u32>,
    completed: Vec<u32>,
    irq_raises: u32,
}

impl Hgsmi {
    /// Where the guest put the host flags (VRAM offset).
    pub fn flags_location(&self) -> Option<u32> {
        self.flags_location
    }

    /// Whether the VGA INTA line is asserted.
    pub fn irq_asserted(&self) -> bool {
        self.irq
    }

    /// How many times the line went high.
    pub fn irq_raises(&self) -> u32 {
        self.irq_raises
    }

    /// Host commands the guest completed (offsets), in order.
    pub fn completed_host_commands(&self) -> &[u32] {
        &self.completed
    }

    /// Host commands submitted but not yet completed.
    pub fn outstanding_host_commands(&self) -> usize {
        self.allocations.len()
    }

    /// Current host flags (0 without a location, as the host reads them).
    pub fn host_flags(&self, vram: &Backing) -> u32 {
        self.flags_location
            .and_then(|off| vram.read_u32(u64::from(off) + HOST_FLAGS as u64))
            .unwrap_or(0)
    }

    fn update_flags(&self, vram: &Backing, set: u32, clear: u32) {
        if let Some(off) = self.flags_location {
            let at = u64::from(off) + HOST_FLAGS as u64;
            let v = vram.read_u32(at).unwrap_or(0);
            vram.write_u32(at, (v & !clear) | set);
        }
    }

    /// HGSMI_CC_HOST_FLAGS_LOCATION (§7.5).
    pub fn set_flags_location(&mut self, vram: &Backing, data: &[u8], errors: &mut ErrorLog) {
        if data.len() < SIZE_LOCATION {
            errors.record(
                Device::Hgsmi,
                "HOST_FLAGS_LOCATION with less than 8 bytes of data ignored",
            );
            return;
        }
        let off = u32::from_le_bytes(data[0..4].try_into().expect("4"));
        let size = u32::from_le_bytes(data[4..8].try_into().expect("4"));
        if size as usize != SIZE_HOST_FLAGS
            || u64::from(off) + SIZE_HOST_FLAGS as u64 != vram.len() as u64
        {
            errors.record(
                Device::Hgsmi,
                format!(
                    "HOST_FLAGS_LOCATION {off:#x}/{size} ignored: must be VRAM end - 16 ({:#x}) with size 16",
                    vram.len() - SIZE_HOST_FLAGS
                ),
            );
            return;
        }
        self.flags_location = Some(off);
    }

    /// VBVARaiseIrq (§7.8).
    pub fn raise_irq(&mut self, vram: &Backing, flags: u32) {
        if self.host_flags(vram) & HOSTFLAGS_IRQ == 0 {
            self.update_flags(vram, HOSTFLAGS_IRQ | flags, 0);
            if !self.irq {
                self.irq_raises += 1;
            }
            self.irq = true;
        } else {
            self.pending_irq_flags |= HOSTFLAGS_IRQ | flags;
        }
    }

    /// 0xFFFFFFFF written to 0x3B0.
    pub fn acknowledge_irq(&mut self, vram: &Backing) {
        if self.pending_irq_flags == 0 {
            self.irq = false;
            self.update_flags(
                vram,
                0,
                HOSTFLAGS_IRQ | HOSTFLAGS_VSYNC | HOSTFLAGS_HOTPLUG | HOSTFLAGS_CURSOR_CAPABILITIES,
            );
        } else {
            let pending = std::mem::take(&mut self.pending_irq_flags);
            self.update_flags(vram, HOSTFLAGS_IRQ | pending, 0);
        }
    }

    /// VBVA_INFO_HEAP accepted: the host heap range.
    pub fn set_host_heap(&mut self, offset: u32, size: u32) -> bool {
        if !self.allocations.is_empty() {
            return false;
        }
        self.host_heap = Some((offset, size));
        true
    }

    /// The host heap, if the guest gave one.
    pub fn host_heap(&self) -> Option<(u32, u32)> {
        self.host_heap
    }

    fn allocate(&mut self, size: u32) -> Option<u32> {
        let (base, len) = self.host_heap?;
        let size = (size + 15) & !15;
        let mut cursor = base;
        for (&off, &sz) in &self.allocations {
            if off - cursor >= size {
                break;
            }
            cursor = off + ((sz + 15) & !15);
        }
        (cursor + size <= base + len).then(|| {
            self.allocations.insert(cursor, size);
            cursor
        })
    }

    /// Queues a host→guest command; `Err` says why the host could not.
    pub fn submit_host_command(
        &mut self,
        vram: &Backing,
        channel: u8,
        info: u16,
        data: &[u8],
    ) -> Result<u32, &'static str> {
        if self.flags_location.is_none() {
            return Err("VERR_WRONG_ORDER: flags location not reported");
        }
        let total = (SIZE_HGSMI_HEADER + data.len() + SIZE_HGSMI_TAIL) as u32;
        let offset = self
            .allocate(total)
            .ok_or("no host heap or host heap full")?;
        write_buffer(vram, offset, channel, info, data).ok_or("host heap outside VRAM")?;
        self.fifo.push_back(offset);
        self.update_flags(vram, HOSTFLAGS_COMMANDS_PENDING, 0);
        self.raise_irq(vram, 0);
        Ok(offset)
    }

    /// Test hook (a hostile host): queues an arbitrary offset as a host command.
    pub fn inject_host_command_offset(&mut self, vram: &Backing, offset: u32) {
        self.fifo.push_back(offset);
        self.update_flags(vram, HOSTFLAGS_COMMANDS_PENDING, 0);
        self.raise_irq(vram, 0);
    }

    /// 32-bit read of 0x3B0: the next host command.
    pub fn host_port_read(&mut self, vram: &Backing) -> u32 {
        if self.flags_location.is_none() {
            return 0xFFFF_FFFF;
        }
        match self.fifo.pop_front() {
            Some(off) => {
                if self.fifo.is_empty() {
                    self.update_flags(vram, 0, HOSTFLAGS_COMMANDS_PENDING);
                }
                self.read_by_guest.push(off);
                off
            }
            None => 0xFFFF_FFFF,
        }
    }

    /// 32-bit write of 0x3B0 other than 0xFFFFFFFF: host command completed.
    pub fn host_command_completed(&mut self, offset: u32, errors: &mut ErrorLog) {
        if let Some(i) = self.read_by_guest.iter().position(|&o| o == offset) {
            self.read_by_guest.remove(i);
            self.allocations.remove(&offset);
            self.completed.push(offset);
        } else {
            errors.record(
                Device::Hgsmi,
                format!("completion of {offset:#x}, which is not a host command the guest read"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(size: u32, channel: u8, info: u16) -> [u8; 16] {
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&size.to_le_bytes());
        h[5] = channel;
        h[6..8].copy_from_slice(&info.to_le_bytes());
        h
    }

    #[test]
    fn checksum_matches_the_spec_vectors() {
        assert_eq!(checksum(0x00FF_0000, &header(8, 2, 1), 0), 0x8228_766E);
        assert_eq!(checksum(0x00FF_0000, &header(8, 1, 0), 0), 0x32D5_2E83);
        assert_eq!(checksum(0, &[0; 16], 0), 0);
    }

    #[test]
    fn verification_rejects_bad_checksums_and_sizes() {
        let vram = Backing::new(1 << 20, 0);
        write_buffer(&vram, 0x1000, 2, 1, &[0; 8]).unwrap();
        let b = verify(&vram, 0x1000).unwrap();
        assert_eq!(
            (b.channel, b.channel_info, b.data_offset, b.data_size),
            (2, 1, 0x1010, 8)
        );
        vram.write(0x1000 + 16 + 8 + 4, &[0x12]).unwrap();
        assert!(verify(&vram, 0x1000).unwrap_err().contains("checksum"));
        assert!(verify(&vram, (1 << 20) - 23).is_err(), "past offLast");
        vram.write_u32(0x2000, 1 << 20).unwrap();
        assert!(verify(&vram, 0x2000).unwrap_err().contains("data size"));
    }

    #[test]
    fn irq_raise_and_acknowledge_follow_the_pending_rule() {
        let vram = Backing::new(1 << 20, 0);
        let mut h = Hgsmi::default();
        let mut e = ErrorLog::default();
        let mut loc = Vec::new();
        loc.extend_from_slice(&((1u32 << 20) - 16).to_le_bytes());
        loc.extend_from_slice(&16u32.to_le_bytes());
        h.set_flags_location(&vram, &loc, &mut e);
        assert!(e.errors().is_empty());
        h.raise_irq(&vram, HOSTFLAGS_HOTPLUG);
        assert!(h.irq_asserted());
        assert_eq!(h.host_flags(&vram), HOSTFLAGS_IRQ | HOSTFLAGS_HOTPLUG);
        h.raise_irq(&vram, HOSTFLAGS_VSYNC);
        h.acknowledge_irq(&vram);
        assert!(h.irq_asserted(), "pending raise keeps the line up");
        assert_eq!(h.host_flags(&vram) & HOSTFLAGS_VSYNC, HOSTFLAGS_VSYNC);
        h.acknowledge_irq(&vram);
        assert!(!h.irq_asserted());
        assert_eq!(h.host_flags(&vram), 0);
    }

    #[test]
    fn flags_location_must_be_the_last_16_bytes() {
        let vram = Backing::new(1 << 20, 0);
        let mut h = Hgsmi::default();
        let mut e = ErrorLog::default();
        let mut loc = Vec::new();
        loc.extend_from_slice(&((1u32 << 20) - 32).to_le_bytes());
        loc.extend_from_slice(&16u32.to_le_bytes());
        h.set_flags_location(&vram, &loc, &mut e);
        assert_eq!(h.flags_location(), None);
        assert_eq!(e.take().len(), 1);
    }

    #[test]
    fn host_commands_need_a_heap_and_are_completed_once() {
        let vram = Backing::new(1 << 20, 0);
        let mut h = Hgsmi::default();
        let mut e = ErrorLog::default();
        let mut loc = Vec::new();
        loc.extend_from_slice(&((1u32 << 20) - 16).to_le_bytes());
        loc.extend_from_slice(&16u32.to_le_bytes());
        assert!(h.submit_host_command(&vram, 2, 1, &[1, 2, 3, 4]).is_err());
        h.set_flags_location(&vram, &loc, &mut e);
        assert!(
            h.submit_host_command(&vram, 2, 1, &[1, 2, 3, 4]).is_err(),
            "no heap"
        );
        h.set_host_heap(0x8000, 0x1000);
        let off = h.submit_host_command(&vram, 2, 1, &[1, 2, 3, 4]).unwrap();
        assert_eq!(h.host_flags(&vram) & HOSTFLAGS_COMMANDS_PENDING, 1);
        assert_eq!(h.host_port_read(&vram), off);
        assert_eq!(h.host_port_read(&vram), 0xFFFF_FFFF);
        assert_eq!(h.host_flags(&vram) & HOSTFLAGS_COMMANDS_PENDING, 0);
        let b = verify(&vram, off).unwrap();
        assert_eq!(b.data_size, 4);
        h.host_command_completed(off, &mut e);
        h.host_command_completed(off, &mut e);
        assert_eq!(e.take().len(), 1, "double completion is an error");
        assert_eq!(h.outstanding_host_commands(), 0);
    }
}
