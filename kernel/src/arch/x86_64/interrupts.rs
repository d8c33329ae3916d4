//! The interrupt controller in use (I/O APIC + local APIC, or the 8259 fallback), the
//! line handler, the idle timer and the idle wait.
//!
//! Handlers only record: line N sets bit N in `FIRED` (masked first if it is
//! level-triggered) and is acknowledged; the runtime services devices in its loop and
//! re-arms the line. There is no periodic tick: `wait` arms one shot of the idle timer
//! (the local APIC timer, else PIT channel 0 on line 0, which is never reported) for
//! the caller's deadline and halts until it or any other interrupt arrives.

use crate::logging;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};

use super::paging::{self, CacheType};
use super::{apic, idt, pic, time};
use crate::arch::oneshot;
use crate::irq_lines::{route_line, FiredLines, InterruptModel, MAX_LINES};

/// The line of PIT channel 0 (the idle timer when there is no LAPIC timer).
pub const TICK_LINE: u8 = 0;
/// Marks "no I/O APIC pin" in `PIN_OF_LINE`.
const NO_PIN: u32 = u32::MAX;
/// The shortest window the LAPIC timer is counted against the TSC at boot. It opens
/// in `init` and closes in `choose_idle_timer`, so the work between them (the PCI
/// scan) fills it instead of a busy wait.
const LAPIC_CALIBRATION_US: u64 = 1_000;
/// The shot `check_idle_timer` arms: only whether it fires matters, so a short one
/// (a boot-time wait).
const IDLE_TIMER_CHECK_US: u64 = 100;

/// What wakes the idle wait at its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum IdleTimer {
    /// No timer interrupt arrives: `wait` polls the clock.
    Poll = 0,
    /// The local APIC timer in one-shot mode.
    LapicOneShot = 1,
    /// PIT channel 0 in one-shot mode (at most ~55 ms per shot).
    PitOneShot = 2,
}

impl IdleTimer {
    fn from_u8(value: u8) -> Self {
        match value {
            1 => Self::LapicOneShot,
            2 => Self::PitOneShot,
            _ => Self::Poll,
        }
    }
}

static FIRED: FiredLines = FiredLines::new();
/// TSC of the first device interrupt not yet taken (0: none), for input latency.
static FIRST_FIRED_TSC: AtomicU64 = AtomicU64::new(0);
static TIMER_FIRES: AtomicU64 = AtomicU64::new(0);
static USE_IO_APIC: AtomicBool = AtomicBool::new(false);
/// Number of input pins of the I/O APIC in use.
static IO_APIC_PINS: AtomicU32 = AtomicU32::new(0);
/// The idle timer in use (an `IdleTimer`).
static IDLE_TIMER: AtomicU8 = AtomicU8::new(IdleTimer::Poll as u8);
/// The LAPIC timer's count and the TSC when its calibration window opened
/// (`NO_CALIBRATION`: none open).
static CALIBRATION_COUNT: AtomicU64 = AtomicU64::new(NO_CALIBRATION);
static CALIBRATION_TSC: AtomicU64 = AtomicU64::new(0);
const NO_CALIBRATION: u64 = u64::MAX;
/// LAPIC timer counts per millisecond (divide by 16), from the boot calibration.
static LAPIC_TIMER_KHZ: AtomicU64 = AtomicU64::new(0);
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

/// Remaps and masks the 8259s, then brings up the APICs when `model` has them and
/// starts counting the LAPIC timer against the TSC; `choose_idle_timer` finishes.
/// Interrupts stay off: the caller enables them.
pub fn init(model: InterruptModel) -> ControllerKind {
    pic::remap_and_mask(idt::IRQ_BASE);
    let kind = if model.has_io_apic() && local_apic_usable() {
        let io_apic = model.io_apic.expect("checked by has_io_apic");
        for (base, len) in [(model.local_apic_address, 0x1000), (io_apic.address, 0x20)] {
            if let Err(error) = paging::set_cache_type(base, len, CacheType::Uncached) {
                logging::warn!("interrupts: APIC registers at {base:#x} stay cacheable: {error:?}");
            }
        }
        apic::init_local(model.local_apic_address, idt::SPURIOUS_VECTOR);
        let pins = apic::init_io(io_apic.address);
        IO_APIC_PINS.store(pins, Ordering::SeqCst);
        logging::info!(
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
        logging::info!("interrupts: using the legacy 8259 PIC");
        ControllerKind::LegacyPic
    };
    // SAFETY: written once here, interrupts off, before any handler or `enable_line`
    // can read it; read-only afterwards.
    unsafe { *core::ptr::addr_of_mut!(MODEL) = model };
    // Quiet the PIT's periodic mode the firmware left running: one final shot.
    time::pit_one_shot(1);
    if kind == ControllerKind::IoApic {
        apic::timer_start_masked();
        CALIBRATION_COUNT.store(u64::from(apic::timer_current()), Ordering::SeqCst);
        CALIBRATION_TSC.store(time::rdtsc(), Ordering::SeqCst);
    }
    kind
}

/// Picks the idle timer: the local APIC timer when its calibration (opened by
/// `init`, closed here once at least `LAPIC_CALIBRATION_US` long) shows it counting,
/// else PIT channel 0, else polling. Call once after `init`.
pub fn choose_idle_timer() {
    let timer = match finish_lapic_calibration() {
        Some(khz) => {
            LAPIC_TIMER_KHZ.store(khz, Ordering::SeqCst);
            logging::info!("interrupts: idle timer = local APIC timer, one-shot, {khz} kHz");
            IdleTimer::LapicOneShot
        }
        None if route_and_unmask(TICK_LINE) => {
            logging::info!("interrupts: idle timer = PIT channel 0, one-shot");
            IdleTimer::PitOneShot
        }
        None => {
            logging::warn!("interrupts: no idle timer (no LAPIC timer, IRQ 0 unroutable); idle waits poll the clock");
            IdleTimer::Poll
        }
    };
    IDLE_TIMER.store(timer as u8, Ordering::SeqCst);
}

/// The LAPIC timer's rate (counts per ms at divide-by-16), counted against the TSC
/// with its interrupt masked since `init`; `None` without a local APIC or when it
/// does not count.
fn finish_lapic_calibration() -> Option<u64> {
    let start_count = CALIBRATION_COUNT.swap(NO_CALIBRATION, Ordering::SeqCst);
    if start_count == NO_CALIBRATION {
        return None;
    }
    let start_count = start_count as u32;
    let start = CALIBRATION_TSC.load(Ordering::SeqCst);
    let cycles = LAPIC_CALIBRATION_US * time::tsc_khz() / 1000;
    while time::rdtsc().wrapping_sub(start) < cycles {
        core::hint::spin_loop();
    }
    let elapsed = start_count.saturating_sub(apic::timer_current());
    let tsc_cycles = time::rdtsc().wrapping_sub(start);
    apic::timer_stop();
    let khz = oneshot::counter_khz(u64::from(elapsed), tsc_cycles, time::tsc_khz());
    if khz.is_none() {
        logging::warn!("interrupts: the local APIC timer does not count; falling back to the PIT");
    }
    khz
}

/// The idle timer chosen at boot.
pub fn idle_timer() -> IdleTimer {
    IdleTimer::from_u8(IDLE_TIMER.load(Ordering::Relaxed))
}

/// Arms the idle timer to fire once `remaining_us` from now (a longer wait is cut to
/// what one shot holds; the caller re-arms).
fn arm_idle_timer(timer: IdleTimer, remaining_us: u64) {
    match timer {
        IdleTimer::LapicOneShot => {
            let khz = LAPIC_TIMER_KHZ.load(Ordering::Relaxed);
            let count = oneshot::counts_until(remaining_us, khz, u64::from(u32::MAX));
            apic::timer_one_shot(idt::TIMER_VECTOR, count as u32);
        }
        IdleTimer::PitOneShot => {
            let count = oneshot::counts_until(remaining_us, time::PIT_KHZ, u64::from(u16::MAX));
            time::pit_one_shot(count as u16);
        }
        IdleTimer::Poll => {}
    }
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
            logging::warn!("interrupts: local APIC is in x2APIC mode (MSR access only); falling back to the 8259 PIC");
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
            logging::warn!(
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
        logging::warn!("interrupts: line {line} does not exist on the 8259 PIC");
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
        TIMER_FIRES.fetch_add(1, Ordering::Relaxed);
        background_beat();
    } else {
        let _ =
            FIRST_FIRED_TSC.compare_exchange(0, time::rdtsc(), Ordering::SeqCst, Ordering::SeqCst);
        if FIRED.record(line) {
            set_line_masked(line, true);
        }
    }
    if apic_mode {
        apic::end_of_interrupt();
    } else {
        pic::end_of_interrupt(line);
    }
}

/// Called from the IDT dispatcher for the LAPIC timer's vector.
pub fn handle_timer() {
    TIMER_FIRES.fetch_add(1, Ordering::Relaxed);
    background_beat();
    apic::end_of_interrupt();
}

/// Routes and unmasks a device line (`hal::Irqs::enable_line`).
pub fn enable_line(line: u8) -> bool {
    if line == TICK_LINE {
        logging::warn!(
            "interrupts: line 0 is the PIT (idle timer) and cannot be given to a device"
        );
        return false;
    }
    x86_64::instructions::interrupts::without_interrupts(|| route_and_unmask(line))
}

/// The lines that fired since the last call (`hal::Irqs::take_fired`).
pub fn take_fired() -> u64 {
    FIRED.take()
}

/// Microseconds since entry at the first device interrupt since the last call, if
/// one arrived (`hal::Irqs::take_fired_at_us`). Take it before `take_fired`.
pub fn take_fired_at_us() -> Option<u64> {
    match FIRST_FIRED_TSC.swap(0, Ordering::SeqCst) {
        0 => None,
        tsc => Some(time::us_at(tsc)),
    }
}

/// Unmasks a line after service (`hal::Irqs::rearm`).
pub fn rearm(line: u8) {
    if line < MAX_LINES && line != TICK_LINE {
        set_line_masked(line, false);
    }
}

/// Checks, with interrupts on, that the idle timer really interrupts (proof that its
/// vector or routing works); logs the outcome and falls back to polling if not. Waits
/// at most `timeout_us`.
pub fn check_idle_timer(timeout_us: u64) -> bool {
    let timer = idle_timer();
    if timer == IdleTimer::Poll {
        return false;
    }
    let start = timer_fires();
    let deadline = time::now_us() + timeout_us;
    arm_idle_timer(timer, IDLE_TIMER_CHECK_US);
    while timer_fires() == start && time::now_us() < deadline {
        core::hint::spin_loop();
    }
    let arrived = timer_fires() > start;
    if !arrived {
        logging::warn!("interrupts: the idle timer ({timer:?}) did not fire within {timeout_us} us; idle waits poll the clock");
        IDLE_TIMER.store(IdleTimer::Poll as u8, Ordering::SeqCst);
    }
    arrived
}

/// Idle-timer interrupts so far (diagnostics).
pub fn timer_fires() -> u64 {
    TIMER_FIRES.load(Ordering::Relaxed)
}

/// Sleeps until a line fires or `deadline_us` passes: the idle timer is armed for the
/// deadline, then the CPU halts. The check and the `hlt` happen with interrupts off
/// until `sti; hlt`, whose one-instruction interrupt shadow means an interrupt
/// arriving after the check still wakes the `hlt`: no lost wake-up.
pub fn wait(deadline_us: u64) {
    let timer = idle_timer();
    loop {
        x86_64::instructions::interrupts::disable();
        let now = time::now_us();
        if FIRED.any() || now >= deadline_us {
            x86_64::instructions::interrupts::enable();
            return;
        }
        if timer == IdleTimer::Poll {
            x86_64::instructions::interrupts::enable();
            core::hint::spin_loop();
            continue;
        }
        let remaining = deadline_us - now;
        arm_idle_timer(
            timer,
            until_beat_us(now).map_or(remaining, |beat| beat.min(remaining)),
        );
        // SAFETY: enables interrupts and halts until the next one (the shot at worst).
        unsafe { core::arch::asm!("sti", "hlt", options(nomem, nostack)) };
    }
}

/// The background beat (`hal::Irqs::beat_in_background`): port (0 = off), value,
/// interval and next due time, read by the timer interrupt.
static BEAT_PORT: AtomicU64 = AtomicU64::new(0);
static BEAT_VALUE: AtomicU64 = AtomicU64::new(0);
static BEAT_INTERVAL_US: AtomicU64 = AtomicU64::new(0);
static BEAT_NEXT_US: AtomicU64 = AtomicU64::new(0);

/// Sets (or stops) the port write the idle timer repeats while the runtime works. A
/// VMMDev heartbeat sent from here keeps beating while a frame takes seconds to draw
/// (a 4K frame under VirtualBox's interpreter), when the loop cannot. The one-shot
/// timer is kept armed for the next beat by the interrupt itself and by `wait`. It
/// beats at half the host's interval so one late shot never counts as a miss.
/// False without a timer interrupt (the caller then beats from its loop).
pub fn set_background_beat(beat: Option<crate::hal::BackgroundBeat>) -> bool {
    BEAT_PORT.store(0, Ordering::SeqCst);
    let Some(beat) = beat else {
        return true;
    };
    let timer = idle_timer();
    if timer == IdleTimer::Poll || beat.port == 0 {
        return false;
    }
    let interval = (beat.interval_us / 2).max(1);
    BEAT_VALUE.store(u64::from(beat.value), Ordering::SeqCst);
    BEAT_INTERVAL_US.store(interval, Ordering::SeqCst);
    BEAT_NEXT_US.store(time::now_us() + interval, Ordering::SeqCst);
    BEAT_PORT.store(u64::from(beat.port), Ordering::SeqCst);
    x86_64::instructions::interrupts::without_interrupts(|| arm_idle_timer(timer, interval));
    true
}

/// Microseconds until the background beat is due (`None`: no beat is set).
fn until_beat_us(now: u64) -> Option<u64> {
    if BEAT_PORT.load(Ordering::Relaxed) == 0 {
        return None;
    }
    Some(
        BEAT_NEXT_US
            .load(Ordering::Relaxed)
            .saturating_sub(now)
            .max(1),
    )
}

/// From the timer interrupt: the beat's write when it is due, then the timer armed
/// for the next one (`wait` re-arms for an earlier deadline of its own).
fn background_beat() {
    let port = BEAT_PORT.load(Ordering::Relaxed) as u16;
    if port == 0 {
        return;
    }
    let now = time::now_us();
    if now >= BEAT_NEXT_US.load(Ordering::Relaxed) {
        BEAT_NEXT_US.store(
            now + BEAT_INTERVAL_US.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        let value = BEAT_VALUE.load(Ordering::Relaxed) as u32;
        // SAFETY: the port and value were handed over by the VMMDev driver through
        // `set_background_beat`: its request port and a prepared request that stays in
        // place (a static page) for as long as the beat is set. The single core runs
        // this between two instructions of the main loop, and the host handles the
        // `out` before the next one, so it never interleaves with the loop's requests.
        unsafe { x86_64::instructions::port::Port::<u32>::new(port).write(value) };
    }
    if let Some(remaining) = until_beat_us(now) {
        arm_idle_timer(idle_timer(), remaining);
    }
}
