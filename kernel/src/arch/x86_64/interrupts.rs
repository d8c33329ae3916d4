//! The interrupt controller in use (I/O APIC + local APIC, or the 8259 fallback), the
//! line handler, and the idle wait.
//!
//! Handlers only record: line N sets bit N in `FIRED` (masked first if it is
//! level-triggered) and is acknowledged; the runtime services devices in its loop and
//! re-arms the line. Line 0 (the PIT) is the kernel's tick and is never reported.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use super::paging::{self, CacheType};
use super::{apic, idt, pic, time};
use crate::irq_lines::{route_line, FiredLines, InterruptModel, MAX_LINES};

/// The line of the kernel's own tick (PIT channel 0).
pub const TICK_LINE: u8 = 0;
/// Marks "no I/O APIC pin" in `PIN_OF_LINE`.
const NO_PIN: u32 = u32::MAX;

static FIRED: FiredLines = FiredLines::new();
static TICKS: AtomicU64 = AtomicU64::new(0);
static USE_IO_APIC: AtomicBool = AtomicBool::new(false);
/// Number of input pins of the I/O APIC in use.
static IO_APIC_PINS: AtomicU32 = AtomicU32::new(0);
/// Whether the tick runs; without it `wait` polls the clock instead of halting.
static TICK_RUNNING: AtomicBool = AtomicBool::new(false);
/// I/O APIC pin of each line (APIC mode), set when the line is enabled.
static PIN_OF_LINE: [AtomicU32; MAX_LINES as usize] =
    [const { AtomicU32::new(NO_PIN) }; MAX_LINES as usize];
static mut MODEL: InterruptModel = InterruptModel::legacy();

/// Which controller ended up in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControllerKind {
    /// I/O APIC routing with the local APIC (ACPI MADT found).
    IoApic,
    /// The 8259 pair (no usable ACPI/MADT/I/O APIC).
    LegacyPic,
}

/// Remaps and masks the 8259s, then brings up the APICs when `model` has them; starts
/// the tick. Interrupts stay off: the caller enables them.
pub fn init(model: InterruptModel) -> ControllerKind {
    pic::remap_and_mask(idt::IRQ_BASE);
    let kind = if model.has_io_apic() && local_apic_usable() {
        let io_apic = model.io_apic.expect("checked by has_io_apic");
        for (base, len) in [(model.local_apic_address, 0x1000), (io_apic.address, 0x20)] {
            if let Err(error) = paging::set_cache_type(base, len, CacheType::Uncached) {
                log::warn!("interrupts: APIC registers at {base:#x} stay cacheable: {error:?}");
            }
        }
        apic::init_local(model.local_apic_address, idt::SPURIOUS_VECTOR);
        let pins = apic::init_io(io_apic.address);
        IO_APIC_PINS.store(pins, Ordering::SeqCst);
        log::info!(
            "interrupts: I/O APIC at {:#x} (GSI {}..{}), local APIC at {:#x}, {} overrides",
            io_apic.address,
            io_apic.gsi_base,
            io_apic.gsi_base + pins,
            model.local_apic_address,
            model.overrides.len()
        );
        USE_IO_APIC.store(true, Ordering::SeqCst);
        ControllerKind::IoApic
    } else {
        log::info!("interrupts: using the legacy 8259 PIC");
        ControllerKind::LegacyPic
    };
    // SAFETY: written once here, interrupts off, before any handler or `enable_line`
    // can read it; read-only afterwards.
    unsafe { *core::ptr::addr_of_mut!(MODEL) = model };
    time::start_tick();
    if route_and_unmask(TICK_LINE) {
        TICK_RUNNING.store(true, Ordering::SeqCst);
    } else {
        log::warn!("interrupts: the tick (IRQ 0) cannot be routed; idle waits poll the clock");
    }
    kind
}

/// IA32_APIC_BASE: bit 11 enables the local APIC, bit 10 selects x2APIC mode.
const APIC_BASE_MSR: u32 = 0x1b;
const APIC_GLOBAL_ENABLE: u64 = 1 << 11;
const APIC_X2APIC_MODE: u64 = 1 << 10;

/// True when the local APIC can be driven through MMIO (xAPIC mode); enables it when
/// the firmware left it globally disabled. In x2APIC mode (MSR access only) we fall back.
fn local_apic_usable() -> bool {
    let mut msr = x86_64::registers::model_specific::Msr::new(APIC_BASE_MSR);
    // SAFETY: IA32_APIC_BASE exists on every x86_64 CPU; setting the global-enable bit
    // only turns on the local APIC at the base it already has.
    unsafe {
        let base = msr.read();
        if base & APIC_X2APIC_MODE != 0 {
            log::warn!("interrupts: local APIC is in x2APIC mode (MSR access only); falling back to the 8259 PIC");
            return false;
        }
        if base & APIC_GLOBAL_ENABLE == 0 {
            msr.write(base | APIC_GLOBAL_ENABLE);
        }
    }
    true
}

fn model() -> &'static InterruptModel {
    // SAFETY: MODEL is written once in `init` before this can run, then only read.
    unsafe { &*core::ptr::addr_of!(MODEL) }
}

fn route_and_unmask(line: u8) -> bool {
    if line >= MAX_LINES {
        return false;
    }
    let route = route_line(line, &model().overrides);
    FIRED.set_trigger(line, route.trigger);
    if USE_IO_APIC.load(Ordering::SeqCst) {
        let io_apic = model().io_apic.expect("APIC mode has an I/O APIC");
        let Some(pin) = route
            .gsi
            .checked_sub(io_apic.gsi_base)
            .filter(|&pin| pin < IO_APIC_PINS.load(Ordering::SeqCst))
        else {
            log::warn!(
                "interrupts: line {line} maps to GSI {} outside our I/O APIC",
                route.gsi
            );
            return false;
        };
        PIN_OF_LINE[line as usize].store(pin, Ordering::SeqCst);
        apic::program_pin(pin, idt::IRQ_BASE + line, &route, false);
        true
    } else if line < 16 {
        pic::set_masked(line, false);
        true
    } else {
        log::warn!("interrupts: line {line} does not exist on the 8259 PIC");
        false
    }
}

fn set_line_masked(line: u8, masked: bool) {
    if USE_IO_APIC.load(Ordering::SeqCst) {
        let pin = PIN_OF_LINE[line as usize].load(Ordering::SeqCst);
        if pin != NO_PIN {
            apic::set_pin_masked(pin, masked);
        }
    } else if line < 16 {
        pic::set_masked(line, masked);
    }
}

/// Called from the IDT dispatcher for line `line`.
pub fn handle_line(line: u8) {
    let apic_mode = USE_IO_APIC.load(Ordering::SeqCst);
    if !apic_mode && (line == 7 || line == 15) && !pic::is_in_service(line) {
        // Spurious 8259 interrupt: only the master is acknowledged for line 15.
        if line == 15 {
            pic::end_of_interrupt(0);
        }
        return;
    }
    if line == TICK_LINE {
        TICKS.fetch_add(1, Ordering::Relaxed);
        background_beat();
    } else if FIRED.record(line) {
        set_line_masked(line, true);
    }
    if apic_mode {
        apic::end_of_interrupt();
    } else {
        pic::end_of_interrupt(line);
    }
}

/// The background beat (`hal::Irqs::beat_in_background`): port (0 = off), value,
/// period and the time of the next write (µs, the TSC clock: under a slow
/// hypervisor ticks get merged and arrive far less often than `TICK_HZ`).
static BEAT_PORT: AtomicU64 = AtomicU64::new(0);
static BEAT_VALUE: AtomicU64 = AtomicU64::new(0);
static BEAT_INTERVAL_US: AtomicU64 = AtomicU64::new(0);
static BEAT_NEXT_US: AtomicU64 = AtomicU64::new(0);

/// Sets (or stops) the port write the tick repeats. A VMMDev heartbeat sent from
/// here keeps beating while the runtime draws a frame that takes seconds (a 4K
/// frame under VirtualBox's interpreter): the host's flatline timer fires after two
/// missed intervals. It is sent every half interval, as a late tick must not cost
/// a beat. False without a running tick.
pub fn set_background_beat(beat: Option<crate::hal::BackgroundBeat>) -> bool {
    BEAT_PORT.store(0, Ordering::SeqCst);
    let Some(beat) = beat else {
        return true;
    };
    if !TICK_RUNNING.load(Ordering::SeqCst) || beat.port == 0 {
        return false;
    }
    let interval = (beat.interval_us / 2).max(1);
    BEAT_VALUE.store(u64::from(beat.value), Ordering::SeqCst);
    BEAT_INTERVAL_US.store(interval, Ordering::SeqCst);
    BEAT_NEXT_US.store(time::now_us() + interval, Ordering::SeqCst);
    BEAT_PORT.store(u64::from(beat.port), Ordering::SeqCst);
    true
}

/// From the tick handler: the beat's write when it is due.
fn background_beat() {
    let port = BEAT_PORT.load(Ordering::Relaxed) as u16;
    if port == 0 {
        return;
    }
    let now = time::now_us();
    if now < BEAT_NEXT_US.load(Ordering::Relaxed) {
        return;
    }
    BEAT_NEXT_US.store(
        now + BEAT_INTERVAL_US.load(Ordering::Relaxed),
        Ordering::Relaxed,
    );
    let value = BEAT_VALUE.load(Ordering::Relaxed) as u32;
    // SAFETY: the port and value were handed over by the VMMDev driver through
    // `set_background_beat`: its request port and a prepared request that stays in
    // place (a static page) for as long as the beat is set. The single core runs this
    // between two instructions of the main loop, and the host handles the `out`
    // before the next one, so it never interleaves with the loop's own requests.
    unsafe { x86_64::instructions::port::Port::<u32>::new(port).write(value) };
}

/// Routes and unmasks a device line (`hal::Irqs::enable_line`).
pub fn enable_line(line: u8) -> bool {
    if line == TICK_LINE {
        log::warn!("interrupts: line 0 is the kernel tick and cannot be given to a device");
        return false;
    }
    x86_64::instructions::interrupts::without_interrupts(|| route_and_unmask(line))
}

/// The lines that fired since the last call (`hal::Irqs::take_fired`).
pub fn take_fired() -> u64 {
    FIRED.take()
}

/// Unmasks a line after service (`hal::Irqs::rearm`).
pub fn rearm(line: u8) {
    if line < MAX_LINES && line != TICK_LINE {
        set_line_masked(line, false);
    }
}

/// Checks, with interrupts on, that the tick really arrives (proof that the routing
/// works); logs the outcome. Waits at most `timeout_us`.
pub fn check_tick(timeout_us: u64) -> bool {
    let start = ticks();
    let deadline = time::now_us() + timeout_us;
    while ticks() < start + 1 && time::now_us() < deadline {
        core::hint::spin_loop();
    }
    let arrived = ticks() > start;
    if arrived {
        log::info!("interrupts: tick running at {} Hz", time::TICK_HZ);
    } else {
        log::warn!("interrupts: no tick within {timeout_us} us; idle waits poll the clock");
        TICK_RUNNING.store(false, Ordering::SeqCst);
    }
    arrived
}

/// Ticks seen so far (diagnostics).
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Sleeps until a line fires or `deadline_us` passes. The check and the `hlt` happen
/// with interrupts off until `sti; hlt`, whose one-instruction interrupt shadow means
/// an interrupt arriving after the check still wakes the `hlt`: no lost wake-up.
pub fn wait(deadline_us: u64) {
    loop {
        x86_64::instructions::interrupts::disable();
        if FIRED.any() || time::now_us() >= deadline_us {
            x86_64::instructions::interrupts::enable();
            return;
        }
        if !TICK_RUNNING.load(Ordering::Relaxed) {
            x86_64::instructions::interrupts::enable();
            core::hint::spin_loop();
            continue;
        }
        // SAFETY: enables interrupts and halts until the next one (the tick at worst).
        unsafe { core::arch::asm!("sti", "hlt", options(nomem, nostack)) };
    }
}
