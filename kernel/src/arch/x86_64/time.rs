//! Time: the TSC (frequency from CPUID leaf 0x15, else calibrated against the PIT,
//! else CPUID leaf 0x16), the monotonic microsecond clock, and the PIT's one-shot mode
//! (the idle timer when there is no local APIC timer).
//!
//! The PIT calibration costs no boot time in the usual case: `mark_entry` starts PIT
//! channel 2 counting down from its longest count, `init_tsc` (a few milliseconds
//! later, after the serial port, CPU tables and boot information) reads how far it
//! got and how far the TSC got. Only when that window is too short, has run out or the
//! PIT does not count does `init_tsc` fall back to timed runs.

use crate::logging;
use core::arch::x86_64::{__cpuid, __cpuid_count, _rdtsc};
use core::sync::atomic::{AtomicU64, Ordering};

use x86_64::instructions::port::Port;

/// The PIT's input clock.
const PIT_HZ: u64 = 1_193_182;
const PIT_CHANNEL0: u16 = 0x40;
const PIT_CHANNEL2: u16 = 0x42;
const PIT_COMMAND: u16 = 0x43;
/// Port 0x61: bit 0 gates PIT channel 2, bit 1 drives the speaker, bit 5 reads OUT2.
const PIT_CHANNEL2_GATE: u16 = 0x61;
const CALIBRATION_MS: u64 = 2;
/// Calibration runs; the smallest result wins, because a run can only be inflated (the
/// vCPU descheduled between the PIT's terminal count and our poll), never deflated.
const CALIBRATION_RUNS: usize = 5;
/// The slowest TSC a PIT calibration may report (no x86_64 CPU runs below 100 MHz).
const MIN_PLAUSIBLE_TSC_KHZ: u64 = 100_000;
/// Used when neither CPUID nor the PIT give a frequency (logged).
const FALLBACK_TSC_KHZ: u64 = 1_000_000;

/// The count PIT channel 2 starts from at entry: its longest (~54.9 ms) window.
const ENTRY_WINDOW_COUNT: u16 = u16::MAX;
/// The shortest entry window used for the frequency (as long as one timed run): the
/// error of a count read is under one PIT count (0.84 us) plus the bracketing TSC reads.
const ENTRY_WINDOW_MIN_COUNTS: u64 = PIT_HZ * CALIBRATION_MS / 1000;
/// Bracketed counter reads taken at the end of the entry window; the tightest wins.
const ENTRY_WINDOW_READS: usize = 3;
/// Bound on the polls of a timed run (no PIT: it never signals).
const MAX_POLLS: u64 = 50_000_000;
/// Bound on the polls waiting for the entry window to reach `ENTRY_WINDOW_MIN_COUNTS`
/// (each poll is three port accesses: far more than 2 ms anywhere).
const ENTRY_WINDOW_MAX_POLLS: u64 = 1_000_000;

static TSC_AT_ENTRY: AtomicU64 = AtomicU64::new(0);
/// TSC when PIT channel 2 was loaded at entry.
static TSC_AT_PIT_START: AtomicU64 = AtomicU64::new(0);
/// Port 0x61 as the firmware left it, restored once the calibration is done.
static GATE_AT_ENTRY: AtomicU64 = AtomicU64::new(0);
static TSC_KHZ: AtomicU64 = AtomicU64::new(FALLBACK_TSC_KHZ);

/// Reads the time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC is available on every x86_64 CPU and has no side effects.
    unsafe { _rdtsc() }
}

/// Marks kernel entry: `now_us` counts from here. Call first thing: it also starts
/// the PIT window `init_tsc` calibrates the TSC against.
pub fn mark_entry() {
    TSC_AT_ENTRY.store(rdtsc(), Ordering::Relaxed);
    let gate = in8(PIT_CHANNEL2_GATE);
    GATE_AT_ENTRY.store(u64::from(gate), Ordering::Relaxed);
    let start = start_channel2(gate, ENTRY_WINDOW_COUNT);
    TSC_AT_PIT_START.store(start, Ordering::Relaxed);
}

/// The TSC frequency in kHz, as found by `init_tsc`.
pub fn tsc_khz() -> u64 {
    TSC_KHZ.load(Ordering::Relaxed)
}

/// Microseconds since `mark_entry`.
pub fn now_us() -> u64 {
    us_at(rdtsc())
}

fn out8(port: u16, value: u8) {
    // SAFETY: PIT and port-0x61 registers; only this module drives them.
    unsafe { Port::<u8>::new(port).write(value) }
}

fn in8(port: u16) -> u8 {
    // SAFETY: as in `out8`.
    unsafe { Port::<u8>::new(port).read() }
}

/// The TSC frequency from CPUID leaf 0x15 (TSC/crystal ratio and crystal frequency):
/// exact when the CPU (or hypervisor) enumerates it.
fn tsc_khz_from_cpuid_crystal() -> Option<u64> {
    // Leaves above the maximum are not queried.
    if __cpuid(0).eax < 0x15 {
        return None;
    }
    let leaf = __cpuid_count(0x15, 0);
    (leaf.eax != 0 && leaf.ebx != 0 && leaf.ecx != 0)
        .then(|| leaf.ecx as u64 * leaf.ebx as u64 / leaf.eax as u64 / 1000)
}

/// The nominal base frequency from CPUID leaf 0x16. Only a last resort: it is the
/// marketing base clock, which a hypervisor's virtual TSC need not run at.
fn tsc_khz_from_cpuid_base() -> Option<u64> {
    if __cpuid(0).eax < 0x16 {
        return None;
    }
    let base_mhz = __cpuid_count(0x16, 0).eax & 0xffff;
    (base_mhz != 0).then(|| base_mhz as u64 * 1000)
}

/// Loads PIT channel 2 with `count` (one-shot, gate on, speaker off; `gate` is port
/// 0x61 as found) and returns the TSC right after: the count starts then.
fn start_channel2(gate: u8, count: u16) -> u64 {
    out8(PIT_CHANNEL2_GATE, (gate & !0x02) | 0x01);
    out8(PIT_COMMAND, 0b1011_0000); // channel 2, lo/hi byte, mode 0 (terminal count)
    out8(PIT_CHANNEL2, (count & 0xff) as u8);
    out8(PIT_CHANNEL2, (count >> 8) as u8);
    rdtsc()
}

/// True once channel 2 reached its terminal count (OUT2, port 0x61 bit 5).
fn channel2_done() -> bool {
    in8(PIT_CHANNEL2_GATE) & 0x20 != 0
}

/// Channel 2's current count (latched, so both bytes belong to one instant), with the
/// TSC just before and just after the read.
fn read_channel2() -> (u64, u16, u64) {
    let before = rdtsc();
    out8(PIT_COMMAND, 0b1000_0000); // latch channel 2
    let low = in8(PIT_CHANNEL2);
    let high = in8(PIT_CHANNEL2);
    (before, u16::from_le_bytes([low, high]), rdtsc())
}

/// TSC ticks per millisecond over `counts` PIT counts that took `ticks`.
fn khz_over(ticks: u64, counts: u64) -> u64 {
    (u128::from(ticks) * u128::from(PIT_HZ) / (u128::from(counts) * 1000)) as u64
}

/// Why the entry window gave no frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WindowMiss {
    /// The count wrapped (boot was slow to get here): timed runs can still work.
    Expired,
    /// The count never moved: there is no working PIT to time runs against either.
    NotCounting,
}

/// The TSC frequency over the window PIT channel 2 has counted since `mark_entry`,
/// waiting until it spans at least `ENTRY_WINDOW_MIN_COUNTS`.
fn tsc_khz_from_entry_window() -> Result<u64, WindowMiss> {
    let start = TSC_AT_PIT_START.load(Ordering::Relaxed);
    let mut polls = 0u64;
    loop {
        if channel2_done() {
            return Err(WindowMiss::Expired);
        }
        let (_, count, _) = read_channel2();
        if u64::from(ENTRY_WINDOW_COUNT - count) >= ENTRY_WINDOW_MIN_COUNTS {
            break;
        }
        polls += 1;
        if polls > ENTRY_WINDOW_MAX_POLLS {
            return Err(WindowMiss::NotCounting);
        }
    }
    // The read with the tightest TSC bracket: a vCPU descheduled mid-read widens it.
    let (before, count, after) = (0..ENTRY_WINDOW_READS)
        .map(|_| read_channel2())
        .min_by_key(|(before, _, after)| after - before)
        .ok_or(WindowMiss::NotCounting)?;
    if channel2_done() {
        return Err(WindowMiss::Expired);
    }
    let counts = u64::from(ENTRY_WINDOW_COUNT - count);
    let middle = before + (after - before) / 2;
    Ok(khz_over(middle.saturating_sub(start), counts))
}

/// Counts TSC ticks over `CALIBRATION_MS` of PIT channel 2. Returns `None` when the
/// PIT never signals (no PIT).
fn tsc_khz_from_pit() -> Option<u64> {
    let count = PIT_HZ * CALIBRATION_MS / 1000;
    let gate = in8(PIT_CHANNEL2_GATE);
    let start = start_channel2(gate, count as u16);
    let mut polls = 0u64;
    while !channel2_done() {
        polls += 1;
        if polls > MAX_POLLS {
            out8(PIT_CHANNEL2_GATE, gate);
            return None;
        }
    }
    let elapsed = rdtsc() - start;
    out8(PIT_CHANNEL2_GATE, gate);
    Some(elapsed / CALIBRATION_MS)
}

/// The smallest of several PIT calibrations, or `None` when the PIT never signals.
fn tsc_khz_from_pit_runs() -> Option<u64> {
    logging::debug!("time: the PIT window since entry ran out; timing {CALIBRATION_RUNS} PIT runs");
    (0..CALIBRATION_RUNS)
        .map(|_| tsc_khz_from_pit())
        .try_fold(u64::MAX, |best, run| run.map(|khz| best.min(khz)))
}

/// `khz` when it is a TSC frequency an x86_64 CPU can have (a PIT that does not
/// really count can make a timed run end at once), else `None` (logged).
fn plausible(khz: u64) -> Option<u64> {
    if khz >= MIN_PLAUSIBLE_TSC_KHZ {
        Some(khz)
    } else {
        logging::warn!(
            "time: PIT calibration gave an implausible TSC frequency of {khz} kHz; ignored"
        );
        None
    }
}

/// Finds the TSC frequency. Call once at boot, after `mark_entry`, before `now_us`
/// matters.
pub fn init_tsc() {
    let khz = tsc_khz_from_cpuid_crystal().or_else(|| match tsc_khz_from_entry_window() {
        Ok(khz) => plausible(khz),
        Err(WindowMiss::Expired) => tsc_khz_from_pit_runs().and_then(plausible),
        Err(WindowMiss::NotCounting) => {
            logging::warn!("time: PIT channel 2 does not count; TSC frequency from CPUID");
            None
        }
    });
    out8(
        PIT_CHANNEL2_GATE,
        GATE_AT_ENTRY.load(Ordering::Relaxed) as u8,
    );
    let khz = match khz.or_else(tsc_khz_from_cpuid_base) {
        Some(khz) if khz > 0 => khz,
        _ => {
            logging::warn!("time: TSC frequency unknown (no CPUID leaf, no PIT); assuming {FALLBACK_TSC_KHZ} kHz");
            FALLBACK_TSC_KHZ
        }
    };
    TSC_KHZ.store(khz, Ordering::Relaxed);
}

/// The PIT's counts per millisecond (1193.182, rounded down: a shot computed with it
/// ends at most 0.02 % early, and the idle loop re-arms until the deadline).
pub const PIT_KHZ: u64 = PIT_HZ / 1000;

/// Arms PIT channel 0 for one interrupt (IRQ 0) after `count` PIT counts (mode 0,
/// interrupt on terminal count); the channel then stays quiet until armed again.
pub fn pit_one_shot(count: u16) {
    out8(PIT_COMMAND, 0b0011_0000); // channel 0, lo/hi byte, mode 0
    out8(PIT_CHANNEL0, (count & 0xff) as u8);
    out8(PIT_CHANNEL0, (count >> 8) as u8);
}

/// Microseconds since `mark_entry` at TSC value `tsc` (0 for a TSC before entry).
// Out of line: the 128-bit division was copied into some 40 callers (2 KB).
#[inline(never)]
pub fn us_at(tsc: u64) -> u64 {
    let ticks = tsc.saturating_sub(TSC_AT_ENTRY.load(Ordering::Relaxed));
    (ticks as u128 * 1000 / tsc_khz().max(1) as u128) as u64
}
