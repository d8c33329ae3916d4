//! The bare-metal `Platform`: every `hal` trait over real hardware.
//!
//! Port I/O is `in`/`out`; physical memory is the boot identity map (0..4 GiB);
//! PCI configuration goes through the 0xCF8/0xCFC mechanism; the clock is the TSC;
//! interrupt lines are the I/O APIC (or the 8259 fallback) set up at boot.

use crate::logging;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

use x86_64::instructions::port::Port;

use crate::arch::{interrupts, paging, time};
use crate::hal::{Clock, Irqs, PciConfig, PhysMem, PhysRegion, PortIo};
use crate::platform::acpi::PowerInfo;

const PCI_CONFIG_ADDRESS: u16 = 0xcf8;
const PCI_CONFIG_DATA: u16 = 0xcfc;

/// Bytes of the kernel's device request pool: VMMDev's request page and the HGCM
/// slot pool (`system::REQUEST_PAGES_LEN`, 20 KiB).
pub const REQUEST_POOL_LEN: usize = crate::system::REQUEST_PAGES_LEN;

/// Page-aligned memory in the kernel image that devices read and write (DMA), handed
/// out once: the image is identity-mapped below 4 GiB, so its address is physical.
#[repr(align(4096))]
struct RequestPool(UnsafeCell<[u8; REQUEST_POOL_LEN]>);

// SAFETY: the pool is only reached through the one `PhysRegion` `take_request_pages`
// hands out (guarded by REQUEST_POOL_TAKEN); the kernel is single-core.
unsafe impl Sync for RequestPool {}

static REQUEST_POOL: RequestPool = RequestPool(UnsafeCell::new([0; REQUEST_POOL_LEN]));
static REQUEST_POOL_TAKEN: AtomicBool = AtomicBool::new(false);

/// The machine, as drivers and the runtime see it. There is one, made at boot.
#[derive(Debug)]
pub struct Metal {
    power: PowerInfo,
}

impl Metal {
    /// # Safety
    /// Call once, after the CPU, paging and interrupt set-up of `entry`: the returned
    /// value hands out raw port I/O and identity-mapped memory, so exactly one owner
    /// (the runtime) may exist.
    pub(crate) unsafe fn new(power: PowerInfo) -> Self {
        Self { power }
    }

    /// Switches the machine off (ACPI S5). Returns only if that is impossible (no
    /// PM1a port or no `\_S5` package) or did not take effect; both are logged.
    pub fn power_off(&mut self) {
        logging::info!("metal: powering off");
        let power = self.power;
        if power.enter_s5(self) {
            let deadline = time::now_us() + crate::power::POWER_OFF_GRACE_US;
            while time::now_us() < deadline {
                core::hint::spin_loop();
            }
            logging::warn!("metal: still running after the ACPI power-off request");
        }
    }

    /// The kernel's device request pages (`REQUEST_POOL_LEN` bytes, page-aligned,
    /// below 4 GiB), for the VMMDev driver. `None` after the first call.
    pub fn take_request_pages(&mut self) -> Option<PhysRegion> {
        if REQUEST_POOL_TAKEN.swap(true, Ordering::SeqCst) {
            return None;
        }
        let ptr = REQUEST_POOL.0.get().cast::<u8>();
        // SAFETY: a static in the identity-mapped kernel image (virtual == physical),
        // valid forever, and handed out only once (checked above).
        Some(unsafe { PhysRegion::new(ptr as u64, ptr, REQUEST_POOL_LEN) })
    }

    /// Makes `phys..phys+len` write-combining (for a linear framebuffer); rounds to
    /// 2 MiB pages. False (and a log line) when the range is refused.
    pub fn map_write_combining(&mut self, phys: u64, len: u64) -> bool {
        self.set_cache_type(phys, len, paging::CacheType::WriteCombining)
    }

    /// Makes `phys..phys+len` uncached (device registers whose reads have effects);
    /// rounds to 2 MiB pages. False (and a log line) when the range is refused.
    pub fn map_uncached(&mut self, phys: u64, len: u64) -> bool {
        self.set_cache_type(phys, len, paging::CacheType::Uncached)
    }

    fn set_cache_type(&mut self, phys: u64, len: u64, cache_type: paging::CacheType) -> bool {
        match paging::set_cache_type(phys, len, cache_type) {
            Ok(()) => true,
            Err(error) => {
                logging::warn!("metal: {cache_type:?} mapping refused: {error:?}");
                false
            }
        }
    }
}

// SAFETY (all port accesses below): the `Metal` contract (`new`) makes this the single
// owner of port I/O; the x86 `in`/`out` instructions cannot break memory safety, and
// which device a driver pokes is that driver's responsibility.
impl PortIo for Metal {
    fn in8(&mut self, port: u16) -> u8 {
        // SAFETY: see the impl comment.
        unsafe { Port::<u8>::new(port).read() }
    }
    fn in16(&mut self, port: u16) -> u16 {
        // SAFETY: see the impl comment.
        unsafe { Port::<u16>::new(port).read() }
    }
    fn in32(&mut self, port: u16) -> u32 {
        // SAFETY: see the impl comment.
        unsafe { Port::<u32>::new(port).read() }
    }
    fn out8(&mut self, port: u16, value: u8) {
        // SAFETY: see the impl comment.
        unsafe { Port::<u8>::new(port).write(value) }
    }
    fn out16(&mut self, port: u16, value: u16) {
        // SAFETY: see the impl comment.
        unsafe { Port::<u16>::new(port).write(value) }
    }
    fn out32(&mut self, port: u16, value: u32) {
        // SAFETY: see the impl comment.
        unsafe { Port::<u32>::new(port).write(value) }
    }
}

impl PhysMem for Metal {
    fn map(&mut self, phys: u64, len: usize) -> Option<PhysRegion> {
        if len == 0 || !paging::is_identity_mapped(phys, len as u64) {
            logging::warn!("metal: cannot map {phys:#x}+{len:#x}: outside the identity map");
            return None;
        }
        // SAFETY: the range is identity-mapped for the kernel's lifetime (checked
        // above; the boot page tables are never torn down).
        Some(unsafe { PhysRegion::new(phys, phys as *mut u8, len) })
    }
}

fn pci_address(bus: u8, device: u8, function: u8, offset: u8) -> u32 {
    0x8000_0000
        | (bus as u32) << 16
        | ((device & 0x1f) as u32) << 11
        | ((function & 0x7) as u32) << 8
        | (offset & 0xfc) as u32
}

impl PciConfig for Metal {
    fn read_config(&mut self, bus: u8, device: u8, function: u8, offset: u8) -> u32 {
        let address = pci_address(bus, device, function, offset);
        x86_64::instructions::interrupts::without_interrupts(|| {
            self.out32(PCI_CONFIG_ADDRESS, address);
            self.in32(PCI_CONFIG_DATA)
        })
    }

    fn write_config(&mut self, bus: u8, device: u8, function: u8, offset: u8, value: u32) {
        let address = pci_address(bus, device, function, offset);
        x86_64::instructions::interrupts::without_interrupts(|| {
            self.out32(PCI_CONFIG_ADDRESS, address);
            self.out32(PCI_CONFIG_DATA, value);
        })
    }
}

impl Clock for Metal {
    fn now_us(&self) -> u64 {
        time::now_us()
    }
}

impl Irqs for Metal {
    fn enable_line(&mut self, line: u8) -> bool {
        interrupts::enable_line(line)
    }

    fn take_fired(&mut self) -> u64 {
        interrupts::take_fired()
    }

    fn take_fired_at_us(&mut self) -> Option<u64> {
        interrupts::take_fired_at_us()
    }

    fn rearm(&mut self, line: u8) {
        interrupts::rearm(line)
    }

    fn wait(&mut self, deadline_us: u64) {
        interrupts::wait(deadline_us)
    }

    fn beat_in_background(&mut self, beat: Option<crate::hal::BackgroundBeat>) -> bool {
        interrupts::set_background_beat(beat)
    }
}
