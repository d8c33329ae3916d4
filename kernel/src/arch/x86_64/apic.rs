//! Local APIC (enable, EOI) and I/O APIC (redirection entries) over the identity map.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::irq_lines::{LineRoute, Polarity, Trigger};

const LAPIC_ID: usize = 0x20;
const LAPIC_TASK_PRIORITY: usize = 0x80;
const LAPIC_EOI: usize = 0xb0;
const LAPIC_SPURIOUS: usize = 0xf0;
const LAPIC_SOFTWARE_ENABLE: u32 = 1 << 8;
const LAPIC_LVT_TIMER: usize = 0x320;
const LAPIC_TIMER_INITIAL: usize = 0x380;
const LAPIC_TIMER_CURRENT: usize = 0x390;
const LAPIC_TIMER_DIVIDE: usize = 0x3e0;
/// Divide configuration 0b0011: the timer counts at the bus clock / 16.
const TIMER_DIVIDE_BY_16: u32 = 0b0011;
/// LVT mask bit; mode bits 17..18 left 0 = one-shot.
const LVT_MASKED: u32 = 1 << 16;

const IOAPIC_SELECT: usize = 0x00;
const IOAPIC_WINDOW: usize = 0x10;
const IOAPIC_VERSION: u32 = 0x01;
const IOAPIC_REDIRECTION_BASE: u32 = 0x10;
const REDIRECTION_MASKED: u32 = 1 << 16;
const REDIRECTION_LEVEL: u32 = 1 << 15;
const REDIRECTION_ACTIVE_LOW: u32 = 1 << 13;

static LOCAL_APIC_BASE: AtomicU64 = AtomicU64::new(0);
static IO_APIC_BASE: AtomicU64 = AtomicU64::new(0);

fn lapic_read(offset: usize) -> u32 {
    let base = LOCAL_APIC_BASE.load(Ordering::Relaxed) as usize;
    // SAFETY: `base` was checked to be identity-mapped LAPIC MMIO in `init_local`;
    // registers are 32-bit and 16-byte aligned.
    unsafe { ((base + offset) as *const u32).read_volatile() }
}

fn lapic_write(offset: usize, value: u32) {
    let base = LOCAL_APIC_BASE.load(Ordering::Relaxed) as usize;
    // SAFETY: as in `lapic_read`.
    unsafe { ((base + offset) as *mut u32).write_volatile(value) }
}

fn ioapic_read(register: u32) -> u32 {
    let base = IO_APIC_BASE.load(Ordering::Relaxed) as usize;
    // SAFETY: `base` was checked to be identity-mapped I/O APIC MMIO in `init_io`;
    // the select/window pair is used with interrupts off or from the handler only.
    unsafe {
        ((base + IOAPIC_SELECT) as *mut u32).write_volatile(register);
        ((base + IOAPIC_WINDOW) as *const u32).read_volatile()
    }
}

fn ioapic_write(register: u32, value: u32) {
    let base = IO_APIC_BASE.load(Ordering::Relaxed) as usize;
    // SAFETY: as in `ioapic_read`.
    unsafe {
        ((base + IOAPIC_SELECT) as *mut u32).write_volatile(register);
        ((base + IOAPIC_WINDOW) as *mut u32).write_volatile(value);
    }
}

/// Enables the local APIC at `base` (identity-mapped MMIO, checked by the caller).
pub fn init_local(base: u64, spurious_vector: u8) {
    LOCAL_APIC_BASE.store(base, Ordering::Relaxed);
    lapic_write(LAPIC_TASK_PRIORITY, 0);
    lapic_write(
        LAPIC_SPURIOUS,
        LAPIC_SOFTWARE_ENABLE | spurious_vector as u32,
    );
}

/// This CPU's local APIC ID (the destination for every redirection entry).
pub fn local_apic_id() -> u8 {
    (lapic_read(LAPIC_ID) >> 24) as u8
}

/// Arms the LAPIC timer to interrupt once on `vector` after `count` timer counts
/// (bus clock / 16). Writing the initial count restarts a running shot.
pub fn timer_one_shot(vector: u8, count: u32) {
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, u32::from(vector));
    lapic_write(LAPIC_TIMER_INITIAL, count.max(1));
}

/// Stops the LAPIC timer and masks its interrupt.
pub fn timer_stop() {
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_TIMER_INITIAL, 0);
}

/// The timer's current count (counts down to 0 in one-shot mode).
pub fn timer_current() -> u32 {
    lapic_read(LAPIC_TIMER_CURRENT)
}

/// Starts the timer counting down from the maximum with its interrupt masked (for
/// calibration against the TSC).
pub fn timer_start_masked() {
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_TIMER_INITIAL, u32::MAX);
}

/// Acknowledges the interrupt in service.
pub fn end_of_interrupt() {
    lapic_write(LAPIC_EOI, 0);
}

/// Sets up the I/O APIC at `base` and masks all its pins; returns the pin count.
pub fn init_io(base: u64) -> u32 {
    IO_APIC_BASE.store(base, Ordering::Relaxed);
    let pins = ((ioapic_read(IOAPIC_VERSION) >> 16) & 0xff) + 1;
    for pin in 0..pins {
        ioapic_write(IOAPIC_REDIRECTION_BASE + 2 * pin, REDIRECTION_MASKED);
    }
    pins
}

/// Programs `pin` to deliver `vector` to this CPU as `route` says, masked or not.
pub fn program_pin(pin: u32, vector: u8, route: &LineRoute, masked: bool) {
    let mut low = vector as u32;
    if route.trigger == Trigger::Level {
        low |= REDIRECTION_LEVEL;
    }
    if route.polarity == Polarity::ActiveLow {
        low |= REDIRECTION_ACTIVE_LOW;
    }
    if masked {
        low |= REDIRECTION_MASKED;
    }
    ioapic_write(
        IOAPIC_REDIRECTION_BASE + 2 * pin + 1,
        (local_apic_id() as u32) << 24,
    );
    ioapic_write(IOAPIC_REDIRECTION_BASE + 2 * pin, low);
}

/// Masks or unmasks `pin`, keeping the rest of its entry.
pub fn set_pin_masked(pin: u32, masked: bool) {
    let register = IOAPIC_REDIRECTION_BASE + 2 * pin;
    let low = ioapic_read(register);
    ioapic_write(
        register,
        if masked {
            low | REDIRECTION_MASKED
        } else {
            low & !REDIRECTION_MASKED
        },
    );
}
