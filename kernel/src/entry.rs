//! Kernel bring-up, from the boot assembly to the app.
//!
//! `start.rs` calls `vitrine_kernel_entry(magic, info)` in long mode on the boot stack.
//! In order: clock origin, serial, CPU tables, boot information, TSC, `@vitrine boot`,
//! ACPI and interrupts, PCI (`@vitrine pci` lines), the interrupt self-test (only
//! with QEMU's `edu` device), the optional test fault, then the hand-off to the app,
//! `crate::launch` (what `vitrine::main!` expands to), which builds the system and
//! calls [`ready`] (`@vitrine ready`) before the runtime loop. It owns the `Metal`
//! platform from then on (drivers take it as `impl Platform`) and gets what bring-up
//! found in [`Handoff`]: the boot information and the PCI scan.

use crate::logging;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch::{fault, interrupts, time};
use crate::boot::cmdline::TestFault;
use crate::boot::{multiboot, BootInfo};
use crate::drivers::serial;
use crate::fault_report::Quoted;
use crate::irq_selftest;
use crate::metal::Metal;
use crate::platform::acpi;
use crate::platform::pci::{self, PciScan};
use crate::testing::{self, QemuExitCode};

/// What bring-up hands to the app besides the platform.
#[derive(Debug)]
pub struct Handoff {
    /// Boot loader information: firmware, memory map, command line, RSDP, framebuffer.
    pub boot: BootInfo,
    /// Every PCI function found at boot (drivers look for their device here).
    pub pci: PciScan,
    /// ACPI power information: S5 and the power button's registers (for
    /// `SystemConfig::power`).
    pub power: acpi::PowerInfo,
}

unsafe extern "Rust" {
    /// Defined through [`crate::main!`] (or the lower-level [`crate::entry!`]).
    fn vitrine_app_main(platform: &mut Metal, handoff: &Handoff) -> !;
}

/// Prints `@vitrine ready t_us=N` as the runtime loop is about to start (the app
/// calls it after building its runtime) and ends a `test-exit=ready` run there.
pub fn ready(boot: &BootInfo) {
    crate::status!("ready t_us={}", time::now_us());
    match boot.cmdline.test_fault {
        // The late test faults fire after the first frame of the first boot (of
        // every boot for loop-panic); the test exit then belongs to the boot after
        // the restart.
        Some(kind)
            if kind.is_late()
                && (crate::recovery::restart_count() == 0 || kind == TestFault::LoopPanic) =>
        {
            LATE_FAULT_IS_PANIC.store(kind != TestFault::LatePageFault, Ordering::SeqCst);
            crate::recovery::arm_fault_after_frame(raise_late_fault);
        }
        _ => exit_if_requested(boot, "ready"),
    }
}

static LATE_FAULT_IS_PANIC: AtomicBool = AtomicBool::new(false);

fn raise_late_fault() {
    if LATE_FAULT_IS_PANIC.load(Ordering::SeqCst) {
        trigger_test_fault(TestFault::LatePanic)
    } else {
        trigger_test_fault(TestFault::LatePageFault)
    }
}

/// Gives the glyph cache its arena: part of the largest piece of free RAM above
/// 1 MiB, outside the kernel image and the boot information (there is no allocator:
/// nothing else takes RAM from the map).
fn install_glyph_cache(boot: &BootInfo) {
    use crate::arch::paging;
    use crate::ui::{glyph_cache, label_cache};
    let mut taken: heapless::Vec<(u64, u64), 2> = heapless::Vec::new();
    let _ = taken.push(paging::kernel_image());
    if let Some(range) = boot.info_range {
        let _ = taken.push(range);
    }
    let free = crate::boot::free_region::largest_free(
        &boot.memory,
        &taken,
        1 << 20,
        paging::IDENTITY_MAP_END,
    );
    let (start, free_bytes) = free.map_or((0, 0), |(start, end)| (start, end - start));
    let bytes = glyph_cache::arena_bytes(free_bytes);
    if bytes == 0 {
        logging::warn!(
            "glyph cache: none (largest free RAM {} KiB, needs {} KiB): text is drawn uncached",
            free_bytes / 1024,
            2 * glyph_cache::MIN_ARENA / 1024
        );
        return;
    }
    // SAFETY: `start..start + bytes` is usable RAM by the memory map, above 1 MiB,
    // below the end of the identity map, outside the kernel image (with its stacks
    // and page tables) and the boot information; nothing else in the kernel takes RAM
    // from the map, so the cache is its only user from here on.
    let arena = unsafe { core::slice::from_raw_parts_mut(start as *mut u8, bytes) };
    if glyph_cache::install(arena) {
        logging::info!(
            "glyph cache: {} KiB at {start:#x} (largest free RAM {} KiB)",
            bytes / 1024,
            free_bytes / 1024
        );
    }
    // The label cache takes part of what is left after it (`arena_start` may skip
    // some of it: free RAM has no other taker).
    let (start, free_bytes) = (start + bytes as u64, free_bytes - bytes as u64);
    let coloured = label_cache::arena_start(start, free_bytes);
    let (start, free_bytes) = (coloured, free_bytes - (coloured - start));
    let bytes = label_cache::arena_bytes(free_bytes);
    if bytes == 0 {
        logging::info!("label cache: none (text drawn from glyph runs)");
        return;
    }
    // SAFETY: as above, for the part of the free region after the glyph cache's
    // arena; page-aligned (both start and the glyph cache's size are whole pages),
    // so aligned for u32.
    let arena = unsafe { core::slice::from_raw_parts_mut(start as *mut u32, bytes / 4) };
    if label_cache::install(arena) {
        logging::info!("label cache: {} KiB at {start:#x}", bytes / 1024);
    }
}

/// Ends the run after the status line `word` when `test-exit=<word>` asked for it.
fn exit_if_requested(boot: &BootInfo, word: &str) {
    if boot.cmdline.exits_after(word) {
        fault::exit_qemu(QemuExitCode::Success);
    }
}

/// Raises the exception `test-fault=` asked for.
fn trigger_test_fault(kind: TestFault) {
    logging::info!("test: raising {kind:?} on purpose");
    // SAFETY: each arm raises an exception on purpose; the handler reports it and
    // never returns here, so no state is left inconsistent.
    unsafe {
        match kind {
            TestFault::PageFault | TestFault::LatePageFault => {
                // Far above the 4 GiB identity map: not present.
                let unmapped = 0x0000_0dea_dbee_f000u64 as *const u64;
                let _ = unmapped.read_volatile();
            }
            TestFault::Divide => {
                core::arch::asm!("xor edx, edx", "xor eax, eax", "xor ecx, ecx", "div ecx")
            }
            TestFault::Breakpoint => core::arch::asm!("int3"),
            TestFault::InvalidOpcode => core::arch::asm!("ud2"),
            TestFault::DoubleFault => {
                // A push into the unmapped stack guard page: the page fault cannot push
                // its own frame there either, so the CPU raises a double fault (IST).
                let guard_top = crate::arch::paging::stack_guard_address() + 4096;
                core::arch::asm!("mov rsp, {}", "push rax", in(reg) guard_top);
            }
            TestFault::Panic => panic!("test-fault=panic asked for a panic"),
            TestFault::LatePanic => panic!("test-fault=late-panic asked for a panic"),
            TestFault::LoopPanic => panic!("test-fault=loop-panic asked for a panic"),
        }
    }
}

#[unsafe(no_mangle)]
extern "C" fn vitrine_kernel_entry(magic: u32, info_address: u64) -> ! {
    time::mark_entry();
    serial::init();
    serial::write_str("\n");
    logging::info!("Vitrine kernel starting");
    crate::arch::init_cpu();
    logging::debug!("t_us={} after serial and CPU tables", time::now_us());

    // SAFETY: `start.rs` passes GRUB's EAX/EBX unchanged; the information lies in
    // identity-mapped RAM the kernel never writes (no allocator).
    let boot = unsafe { multiboot::read(magic, info_address) };
    log::set_max_level(boot.cmdline.log_level);
    testing::set_exit_on_fault(boot.cmdline.test_exit.is_some());
    let restarts = crate::arch::recovery::boot(boot.cmdline.on_fault());
    crate::arch::recovery::set_first_reset_method(boot.cmdline.test_reset);
    for warning in boot.cmdline.warnings() {
        logging::warn!("{warning}");
    }
    if boot.cmdline.dropped_warnings() > 0 {
        logging::warn!(
            "cmdline: {} more warnings not shown",
            boot.cmdline.dropped_warnings()
        );
    }
    if !boot.memory.warnings().is_empty() {
        logging::warn!("memory map: {}", boot.memory.warnings());
    }

    time::init_tsc();
    install_glyph_cache(&boot);
    match &boot.framebuffer {
        Some(fb) => logging::info!(
            "boot: firmware framebuffer {}x{}x{} pitch {} at {:#x}",
            fb.width,
            fb.height,
            fb.bpp,
            fb.pitch,
            fb.phys
        ),
        None => logging::info!("boot: no firmware framebuffer (text mode)"),
    }
    crate::status!(
        "boot firmware={} mem_kib={} tsc_khz={} cmdline=\"{}\"",
        boot.firmware,
        boot.memory.usable_kib(),
        time::tsc_khz(),
        Quoted(boot.cmdline_text.as_str())
    );
    exit_if_requested(&boot, "boot");
    logging::debug!(
        "t_us={} after boot information and TSC calibration",
        time::now_us()
    );

    let acpi = acpi::discover(boot.rsdp);
    let power = acpi.power;
    crate::arch::recovery::set_reset_register(power.reset);
    interrupts::init(acpi.interrupts);
    x86_64::instructions::interrupts::enable();
    logging::debug!("t_us={} after ACPI and interrupt set-up", time::now_us());

    // SAFETY: CPU, paging and interrupts are set up; this is the only `Metal`.
    let mut platform = unsafe { Metal::new(power) };
    // The PCI scan runs inside the LAPIC timer's calibration window.
    let scan = pci::enumerate(&mut platform);
    interrupts::choose_idle_timer();
    interrupts::check_idle_timer(50_000);
    logging::debug!("t_us={} after the idle-timer check", time::now_us());
    for function in scan.functions() {
        crate::status!("pci {}", function.status_fields());
    }
    if scan.dropped() > 0 {
        logging::warn!(
            "pci: {} functions beyond the table were not kept",
            scan.dropped()
        );
    }
    exit_if_requested(&boot, "pci");
    logging::debug!("t_us={} after PCI enumeration", time::now_us());
    if irq_selftest::run(&mut platform, &scan).is_some() {
        exit_if_requested(&boot, "irq-selftest");
    }

    // Only on the first boot: after the restart it asked for, the kiosk must come up.
    if let (Some(kind), 0) = (boot.cmdline.test_fault.filter(|k| !k.is_late()), restarts) {
        trigger_test_fault(kind);
    }

    let handoff = Handoff {
        boot,
        pci: scan,
        power,
    };
    // SAFETY: `vitrine_app_main` is defined by the app through `entry!` with exactly
    // this signature.
    unsafe { vitrine_app_main(&mut platform, &handoff) }
}
