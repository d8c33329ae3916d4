//! The small hardware-access traits every driver is written against.
//!
//! On metal they are a few lines of `in`/`out` and identity-mapped pointers
//! (`arch::x86_64::metal`); in host tests the twin implements them, so one driver
//! runs in both worlds.

/// x86 port I/O.
pub trait PortIo {
    fn in8(&mut self, port: u16) -> u8;
    fn in16(&mut self, port: u16) -> u16;
    fn in32(&mut self, port: u16) -> u32;
    fn out8(&mut self, port: u16, value: u8);
    fn out16(&mut self, port: u16, value: u16);
    fn out32(&mut self, port: u16, value: u32);
}

/// A window onto guest-physical memory (MMIO, VRAM or a DMA page).
///
/// Accesses are volatile and bounds-checked: an access outside the window is ignored
/// (reads give zero) and reported by `in_bounds`, never undefined behaviour.
#[derive(Debug, Clone, Copy)]
pub struct PhysRegion {
    phys: u64,
    ptr: *mut u8,
    len: usize,
}

// SAFETY: a PhysRegion is a plain address range; the single-core kernel and the
// single-threaded twin never access one from two threads at once.
unsafe impl Send for PhysRegion {}

impl PhysRegion {
    /// # Safety
    /// `ptr..ptr+len` must stay valid for reads and writes for as long as the region
    /// (or any copy of it) is used, and must be the mapping of `phys..phys+len`.
    pub const unsafe fn new(phys: u64, ptr: *mut u8, len: usize) -> Self {
        Self { phys, ptr, len }
    }

    pub const fn phys(&self) -> u64 {
        self.phys
    }

    pub const fn len(&self) -> usize {
        self.len
    }

    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn in_bounds(&self, offset: usize, size: usize) -> bool {
        offset.checked_add(size).is_some_and(|end| end <= self.len)
    }

    /// The sub-window `offset..offset+len`, if it lies inside this one.
    pub fn sub(&self, offset: usize, len: usize) -> Option<PhysRegion> {
        self.in_bounds(offset, len).then(|| PhysRegion {
            phys: self.phys + offset as u64,
            // SAFETY: offset + len <= self.len, checked above.
            ptr: unsafe { self.ptr.add(offset) },
            len,
        })
    }

    pub fn read_u8(&self, offset: usize) -> u8 {
        self.read::<u8>(offset)
    }
    pub fn read_u16(&self, offset: usize) -> u16 {
        self.read::<u16>(offset)
    }
    pub fn read_u32(&self, offset: usize) -> u32 {
        self.read::<u32>(offset)
    }
    pub fn write_u8(&self, offset: usize, value: u8) {
        self.write(offset, value)
    }
    pub fn write_u16(&self, offset: usize, value: u16) {
        self.write(offset, value)
    }
    pub fn write_u32(&self, offset: usize, value: u32) {
        self.write(offset, value)
    }

    /// Copies bytes out of the region (volatile, byte by byte is not required: the
    /// regions are plain RAM/VRAM or MMIO that tolerates wide reads).
    // Both copies out of line: inlined, each of their ~110 protocol call sites carried
    // an unrolled copy of its fixed-size loop (12 KB of code).
    #[inline(never)]
    pub fn read_bytes(&self, offset: usize, out: &mut [u8]) {
        if !self.in_bounds(offset, out.len()) {
            out.fill(0);
            return;
        }
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: in bounds, checked above; the region is valid per `new`'s contract.
            *b = unsafe { self.ptr.add(offset + i).read_volatile() };
        }
    }

    #[inline(never)]
    pub fn write_bytes(&self, offset: usize, data: &[u8]) {
        if !self.in_bounds(offset, data.len()) {
            return;
        }
        for (i, b) in data.iter().enumerate() {
            // SAFETY: in bounds, checked above; the region is valid per `new`'s contract.
            unsafe { self.ptr.add(offset + i).write_volatile(*b) };
        }
    }

    /// The raw pointer, for fast paths (framebuffer rows) that do their own bounds
    /// checks once per span.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }

    fn read<T: Copy + Default>(&self, offset: usize) -> T {
        if !self.in_bounds(offset, core::mem::size_of::<T>()) {
            return T::default();
        }
        // SAFETY: in bounds (checked above) and valid per `new`'s contract; an
        // unaligned address is read unaligned (protocol offsets are normally aligned).
        unsafe {
            let p = self.ptr.add(offset) as *const T;
            if (p as usize).is_multiple_of(core::mem::align_of::<T>()) {
                p.read_volatile()
            } else {
                p.read_unaligned()
            }
        }
    }

    fn write<T: Copy>(&self, offset: usize, value: T) {
        if !self.in_bounds(offset, core::mem::size_of::<T>()) {
            return;
        }
        // SAFETY: as in `read`.
        unsafe {
            let p = self.ptr.add(offset) as *mut T;
            if (p as usize).is_multiple_of(core::mem::align_of::<T>()) {
                p.write_volatile(value)
            } else {
                p.write_unaligned(value)
            }
        }
    }
}

/// Access to physical memory: maps a physical range so a driver can use it.
pub trait PhysMem {
    /// A window onto `phys..phys+len`, or `None` when that range cannot be mapped
    /// (outside RAM/known BARs on the twin, above the identity map on metal).
    fn map(&mut self, phys: u64, len: usize) -> Option<PhysRegion>;
}

/// PCI configuration space access (bus, device, function, register offset).
pub trait PciConfig {
    fn read_config(&mut self, bus: u8, device: u8, function: u8, offset: u8) -> u32;
    fn write_config(&mut self, bus: u8, device: u8, function: u8, offset: u8, value: u32);
}

/// The monotonic clock.
pub trait Clock {
    /// Microseconds since kernel entry.
    fn now_us(&self) -> u64;
}

/// Interrupt lines as the runtime sees them.
///
/// Handlers only record that a line fired and mask it (PCI INTx is level-triggered
/// and shared); the runtime services the devices in its loop, then re-arms the line.
pub trait Irqs {
    /// Routes and unmasks `line` (an ISA IRQ number or a PCI interrupt line).
    /// Returns false when it cannot be routed.
    fn enable_line(&mut self, line: u8) -> bool;
    /// The lines (bit N = line N) that fired since the last call; each is masked
    /// until `rearm` is called for it.
    fn take_fired(&mut self) -> u64;
    /// When (µs on the `Clock`) the first interrupt since the last call arrived, if
    /// the platform records it (input latency under `bench=latency`). Called just
    /// before `take_fired`.
    fn take_fired_at_us(&mut self) -> Option<u64> {
        None
    }
    /// Unmasks a line after its devices were serviced.
    fn rearm(&mut self, line: u8);
    /// Idles until an interrupt arrives or the clock passes `deadline_us`.
    /// On metal this is `sti; hlt` without the lost-wakeup race.
    fn wait(&mut self, deadline_us: u64);
    /// Has the timer interrupt send `beat` every `beat.interval_us` from now on (or
    /// stop, with `None`), also while the runtime is busy drawing a long frame.
    /// Returns false when the platform cannot; the caller then beats from its loop.
    fn beat_in_background(&mut self, beat: Option<BackgroundBeat>) -> bool {
        let _ = beat;
        false
    }
}

/// A 32-bit port write the timer interrupt repeats (a VMMDev heartbeat: the
/// physical address of a prepared request written to the request port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackgroundBeat {
    /// The port written.
    pub port: u16,
    /// The value written (the request's physical address).
    pub value: u32,
    /// Microseconds between two writes.
    pub interval_us: u64,
}

/// Everything the runtime and the drivers need from the machine.
pub trait Platform: PortIo + PhysMem + PciConfig + Clock + Irqs {}
impl<T: PortIo + PhysMem + PciConfig + Clock + Irqs> Platform for T {}
