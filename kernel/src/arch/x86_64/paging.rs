//! The identity map built by `start.rs`: stack guard page, PAT and write-combining ranges.
//!
//! The boot code maps 0..4 GiB with 2 MiB pages. Here we split the 2 MiB page that holds
//! the boot stack's guard page into 4 KiB pages (so an overflow faults instead of
//! silently corrupting .bss), and program the PAT so a range can be made write-combining.

use core::ptr::addr_of_mut;

/// Everything below this physical address is identity-mapped.
pub const IDENTITY_MAP_END: u64 = 4 << 30;

const PAGE_2M: u64 = 2 << 20;
const PAGE_4K: u64 = 4 << 10;
const PRESENT: u64 = 1 << 0;
const WRITABLE: u64 = 1 << 1;
/// PWT: with our PAT layout (entry 1 = WC) this alone selects write-combining;
/// with PCD too it selects entry 3, uncached.
const WRITE_THROUGH: u64 = 1 << 3;
const CACHE_DISABLE: u64 = 1 << 4;
const HUGE_PAGE: u64 = 1 << 7;

/// PAT MSR: the power-on layout (WB, WT, UC-, UC, WB, WT, UC-, UC) with entry 1 turned
/// into write-combining (0x01), as Linux does.
const PAT_MSR: u32 = 0x277;
const PAT_WITH_WRITE_COMBINING: u64 = 0x0007_0406_0007_0106;

unsafe extern "C" {
    static mut vitrine_pd: [u64; 2048];
    static mut vitrine_guard_pt: [u64; 512];
    static vitrine_stack_guard: u8;
    static __kernel_start: u8;
    static __kernel_end: u8;
}

/// Physical address of the boot stack's guard page (unmapped after `init`).
pub fn stack_guard_address() -> u64 {
    core::ptr::addr_of!(vitrine_stack_guard) as u64
}

/// Physical `[start, end)` of the loaded kernel: code, data, .bss with the stacks
/// and page tables.
pub fn kernel_image() -> (u64, u64) {
    (
        core::ptr::addr_of!(__kernel_start) as u64,
        core::ptr::addr_of!(__kernel_end) as u64,
    )
}

/// Empties the TLB (all non-global translations).
pub fn flush_tlb() {
    ::x86_64::instructions::tlb::flush_all();
}

/// Unmaps the stack guard page and programs the PAT. Call once, early, with
/// interrupts off.
pub fn init() {
    let guard = stack_guard_address();
    let directory_index = (guard / PAGE_2M) as usize;
    let region_base = directory_index as u64 * PAGE_2M;
    // SAFETY: single-threaded early boot, interrupts off; the tables are the live ones
    // built by start.rs and only this module writes them. The new 4 KiB table maps the
    // same addresses as the 2 MiB page it replaces, except the guard page.
    unsafe {
        let table = &mut *addr_of_mut!(vitrine_guard_pt);
        for (i, entry) in table.iter_mut().enumerate() {
            let phys = region_base + i as u64 * PAGE_4K;
            *entry = if phys == guard {
                0
            } else {
                phys | PRESENT | WRITABLE
            };
        }
        let directory = &mut *addr_of_mut!(vitrine_pd);
        directory[directory_index] = (addr_of_mut!(vitrine_guard_pt) as u64) | PRESENT | WRITABLE;
        ::x86_64::registers::model_specific::Msr::new(PAT_MSR).write(PAT_WITH_WRITE_COMBINING);
    }
    flush_tlb();
}

/// Memory types a range of the identity map can be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheType {
    /// Write-combining (PAT entry 1, selected by PWT): linear framebuffers.
    WriteCombining,
    /// Uncached (PCD and PWT, PAT entry 3): device registers such as the APICs.
    Uncached,
}

/// Why a cache-type change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheTypeError {
    /// The range is empty or reaches above the identity map.
    #[allow(missing_docs)]
    OutOfRange { phys: u64, len: u64 },
    /// Rounded out to 2 MiB pages, the range would cover the kernel image.
    #[allow(missing_docs)]
    OverlapsKernel { phys: u64, len: u64 },
}

/// Makes `phys..phys+len` write-combining (for a linear framebuffer).
///
/// The range is rounded outward to whole 2 MiB pages; BARs are size-aligned, so for
/// VRAM this covers nothing else. Refuses ranges above 4 GiB or touching the kernel.
pub fn map_write_combining(phys: u64, len: u64) -> Result<(), CacheTypeError> {
    set_cache_type(phys, len, CacheType::WriteCombining)
}

/// Gives `phys..phys+len` the memory type `cache_type`, rounded outward to 2 MiB
/// pages; refuses ranges above 4 GiB or touching the kernel image.
pub fn set_cache_type(phys: u64, len: u64, cache_type: CacheType) -> Result<(), CacheTypeError> {
    let end = phys
        .checked_add(len)
        .filter(|&end| len > 0 && end <= IDENTITY_MAP_END);
    let Some(end) = end else {
        return Err(CacheTypeError::OutOfRange { phys, len });
    };
    let first = phys / PAGE_2M;
    let last = end.div_ceil(PAGE_2M);
    let (kernel_start, kernel_end) = kernel_image();
    if first * PAGE_2M < kernel_end && kernel_start < last * PAGE_2M {
        return Err(CacheTypeError::OverlapsKernel { phys, len });
    }
    let bits = match cache_type {
        CacheType::WriteCombining => WRITE_THROUGH,
        CacheType::Uncached => WRITE_THROUGH | CACHE_DISABLE,
    };
    // SAFETY: the entries are 2 MiB identity mappings outside the kernel image (checked
    // above, and the guard-page table lies inside the image's 2 MiB pages); only the
    // cache-type bits change, then the TLB and caches are flushed.
    unsafe {
        let directory = &mut *addr_of_mut!(vitrine_pd);
        for index in first..last {
            let entry = &mut directory[index as usize];
            if *entry & HUGE_PAGE != 0 {
                *entry = (*entry & !(CACHE_DISABLE | WRITE_THROUGH)) | bits;
            }
        }
        flush_tlb();
        core::arch::asm!("wbinvd", options(nostack, preserves_flags));
    }
    Ok(())
}

/// True when every byte of `phys..phys+len` is identity-mapped (guard page excluded).
pub fn is_identity_mapped(phys: u64, len: u64) -> bool {
    let Some(end) = phys.checked_add(len) else {
        return false;
    };
    let guard = stack_guard_address();
    end <= IDENTITY_MAP_END && (end <= guard || phys >= guard + PAGE_4K)
}
