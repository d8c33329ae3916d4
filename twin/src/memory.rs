//! Guest physical memory: RAM and the devices' memory BARs, with bounds checks.
//!
//! Every region is one allocation made at construction and never reallocated, so a
//! pointer handed out by [`GuestMemory::host_ptr`] stays valid for the machine's life.
//! The twin itself only touches the bytes through raw pointers, never through Rust
//! references, so a runtime writing through such a pointer does not alias a borrow.

use std::ptr::NonNull;

/// One stable, zero- or poison-filled byte allocation.
#[derive(Debug)]
pub struct Backing {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a Backing owns its allocation exclusively, like the Box<[u8]> it was made
// from in `new`; moving it to another thread moves that ownership. It is not Sync:
// concurrent access is not supported.
unsafe impl Send for Backing {}

impl Backing {
    /// Allocates `len` bytes filled with `fill`.
    pub fn new(len: usize, fill: u8) -> Self {
        let boxed: Box<[u8]> = vec![fill; len].into_boxed_slice();
        let raw = Box::into_raw(boxed) as *mut u8;
        // A Box never hands out a null pointer (zero-length boxes are dangling, not null).
        let ptr = NonNull::new(raw).expect("Box pointer is never null");
        Self { ptr, len }
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for a zero-sized backing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when `offset..offset+len` lies inside the backing.
    pub fn in_bounds(&self, offset: u64, len: usize) -> bool {
        offset
            .checked_add(len as u64)
            .is_some_and(|end| end <= self.len as u64)
    }

    /// Copies bytes out; `None` when out of bounds.
    pub fn read(&self, offset: u64, out: &mut [u8]) -> Option<()> {
        if !self.in_bounds(offset, out.len()) {
            return None;
        }
        // SAFETY: the range was bounds-checked above against the allocation made in
        // `new`; `out` is a distinct Rust buffer, so the ranges cannot overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.ptr.as_ptr().add(offset as usize),
                out.as_mut_ptr(),
                out.len(),
            )
        };
        Some(())
    }

    /// Copies bytes in; `None` when out of bounds.
    pub fn write(&self, offset: u64, data: &[u8]) -> Option<()> {
        if !self.in_bounds(offset, data.len()) {
            return None;
        }
        // SAFETY: bounds-checked above against the allocation made in `new`; `data` is
        // a distinct Rust buffer (callers never pass a view of the backing itself).
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr(),
                self.ptr.as_ptr().add(offset as usize),
                data.len(),
            )
        };
        Some(())
    }

    /// Fills a range with `value`; `None` when out of bounds.
    pub fn fill(&self, offset: u64, len: usize, value: u8) -> Option<()> {
        if !self.in_bounds(offset, len) {
            return None;
        }
        // Pages that already hold `value` are left alone: a mode set clears megabytes
        // of VRAM that were never written, and writing them would fault each page
        // in (the fuzzers build a machine per input). Reading an untouched page
        // costs far less.
        const PAGE: usize = 4096;
        let page_of_value = [value; PAGE];
        let mut done = 0;
        while done < len {
            let chunk = (len - done).min(PAGE);
            // SAFETY: `offset + done .. + chunk` lies inside the bounds checked above,
            // in the allocation made in `new`.
            let at = unsafe { self.ptr.as_ptr().add(offset as usize + done) };
            // SAFETY: as above; the bytes are only read here.
            let holds_value =
                unsafe { std::slice::from_raw_parts(at, chunk) } == &page_of_value[..chunk];
            if !holds_value {
                // SAFETY: as above.
                unsafe { std::ptr::write_bytes(at, value, chunk) };
            }
            done += chunk;
        }
        Some(())
    }

    /// Reads `len` bytes into a new vector (zeros when out of bounds).
    pub fn read_vec(&self, offset: u64, len: usize) -> Option<Vec<u8>> {
        let mut v = vec![0; len];
        self.read(offset, &mut v)?;
        Some(v)
    }

    /// Little-endian u32 at `offset`.
    pub fn read_u32(&self, offset: u64) -> Option<u32> {
        let mut b = [0; 4];
        self.read(offset, &mut b)?;
        Some(u32::from_le_bytes(b))
    }

    /// Writes a little-endian u32 at `offset`.
    pub fn write_u32(&self, offset: u64, value: u32) -> Option<()> {
        self.write(offset, &value.to_le_bytes())
    }

    /// Raw pointer to `offset`, if `offset..offset+len` is inside the backing.
    pub fn ptr_at(&self, offset: u64, len: usize) -> Option<*mut u8> {
        // SAFETY: bounds-checked by `in_bounds` before the pointer is offset.
        self.in_bounds(offset, len)
            .then(|| unsafe { self.ptr.as_ptr().add(offset as usize) })
    }
}

impl Drop for Backing {
    fn drop(&mut self) {
        let slice = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len);
        // SAFETY: `ptr`/`len` came from `Box::into_raw` of a `Box<[u8]>` of exactly
        // this length in `new`, and are freed only here.
        drop(unsafe { Box::from_raw(slice) });
    }
}

/// Which region a guest-physical address falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    /// Guest RAM, at physical 0.
    Ram,
    /// Optional RAM above 4 GiB (to show what a 32-bit port write does to it).
    HighRam,
    /// VMMDev BAR1: the `VMMDevMemory` shared structure (4 MiB).
    VmmDevMemory,
    /// VMMDev BAR2: the 16 KiB "VMMDev heap" (unused by guests).
    VmmDevHeap,
    /// VGA BAR0: video RAM.
    Vram,
    /// The SVGA II FIFO BAR (VMSVGA, VBoxSVGA; unmapped on VBoxVGA).
    SvgaFifo,
}

/// One mapped region: its current base and backing.
#[derive(Debug)]
pub struct Region {
    /// What it is.
    pub kind: RegionKind,
    /// Current guest-physical base (follows the PCI BAR for device regions).
    pub base: u64,
    /// Whether the region currently decodes (PCI memory decode on for BARs).
    pub mapped: bool,
    /// The bytes.
    pub backing: Backing,
}

/// Guest physical memory: RAM plus the device memory BARs.
#[derive(Debug)]
pub struct GuestMemory {
    regions: Vec<Region>,
}

impl GuestMemory {
    /// A memory map made of `regions` (RAM at 0 plus the device regions).
    pub fn new(regions: Vec<Region>) -> Self {
        Self { regions }
    }

    /// The region of a kind.
    pub fn region(&self, kind: RegionKind) -> &Region {
        self.regions
            .iter()
            .find(|r| r.kind == kind)
            .expect("every region kind is created by Machine::new")
    }

    /// Mutable access to a region's placement (base, mapped flag).
    pub fn region_mut(&mut self, kind: RegionKind) -> &mut Region {
        self.regions
            .iter_mut()
            .find(|r| r.kind == kind)
            .expect("every region kind is created by Machine::new")
    }

    /// The region and offset for `phys..phys+len`, if it lies wholly in one mapped
    /// region.
    pub fn locate(&self, phys: u64, len: usize) -> Option<(RegionKind, u64)> {
        self.regions.iter().find_map(|r| {
            let off = phys.checked_sub(r.base)?;
            (r.mapped && r.backing.in_bounds(off, len)).then_some((r.kind, off))
        })
    }

    /// Reads guest-physical bytes; `None` when the range is not wholly in one region.
    pub fn read(&self, phys: u64, out: &mut [u8]) -> Option<()> {
        let (kind, off) = self.locate(phys, out.len())?;
        self.region(kind).backing.read(off, out)
    }

    /// Writes guest-physical bytes; `None` when the range is not wholly in one region.
    pub fn write(&self, phys: u64, data: &[u8]) -> Option<()> {
        let (kind, off) = self.locate(phys, data.len())?;
        self.region(kind).backing.write(off, data)
    }

    /// A host pointer for `phys..phys+len`, valid as long as the machine lives.
    pub fn host_ptr(&self, phys: u64, len: usize) -> Option<*mut u8> {
        let (kind, off) = self.locate(phys, len)?;
        self.region(kind).backing.ptr_at(off, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem() -> GuestMemory {
        GuestMemory::new(vec![
            Region {
                kind: RegionKind::Ram,
                base: 0,
                mapped: true,
                backing: Backing::new(0x1000, 0xA5),
            },
            Region {
                kind: RegionKind::Vram,
                base: 0xE000_0000,
                mapped: true,
                backing: Backing::new(0x2000, 0),
            },
        ])
    }

    #[test]
    fn reads_and_writes_are_bounds_checked_per_region() {
        let m = mem();
        let mut b = [0u8; 4];
        assert!(m.read(0xFFC, &mut b).is_some());
        assert_eq!(b, [0xA5; 4], "unwritten RAM is poisoned");
        assert!(m.read(0xFFE, &mut b).is_none(), "crosses the end of RAM");
        assert!(m.write(0xE000_1FFC, &[1, 2, 3, 4]).is_some());
        assert!(m.write(0xE000_1FFD, &[1, 2, 3, 4]).is_none());
        assert!(m.read(0x8000_0000, &mut b).is_none(), "hole");
        m.read(0xE000_1FFC, &mut b).unwrap();
        assert_eq!(b, [1, 2, 3, 4]);
    }

    #[test]
    fn host_pointer_sees_guest_writes() {
        let m = mem();
        let p = m.host_ptr(0xE000_0010, 4).unwrap();
        // SAFETY: p points at 4 bytes inside the VRAM backing, which lives as long as m.
        unsafe { p.write(0x5A) };
        let mut b = [0u8; 1];
        m.read(0xE000_0010, &mut b).unwrap();
        assert_eq!(b[0], 0x5A);
        assert!(m.host_ptr(0xE000_1FFF, 2).is_none());
    }

    #[test]
    fn unmapped_regions_do_not_decode() {
        let mut m = mem();
        m.region_mut(RegionKind::Vram).mapped = false;
        assert!(m.read(0xE000_0000, &mut [0u8; 4]).is_none());
    }
}

#[cfg(test)]
mod send_check {
    #[test]
    fn machine_can_move_to_another_thread() {
        fn is_send<T: Send>() {}
        is_send::<crate::machine::Machine>();
    }
}
