//! Arithmetic of the idle timer, kept apart from the registers so it can be tested:
//! how many timer counts lie between now and a deadline, clamped to what one shot of
//! the LAPIC timer or the PIT can hold.

/// Timer counts for `remaining_us` at `counter_khz` counts per millisecond, at least 1
/// (a zero count would not fire) and at most `max_count`: a longer wait becomes
/// several shots, each re-armed by the idle loop.
pub fn counts_until(remaining_us: u64, counter_khz: u64, max_count: u64) -> u64 {
    let counts = (u128::from(remaining_us) * u128::from(counter_khz)).div_ceil(1000);
    counts.clamp(1, u128::from(max_count.max(1))) as u64
}

/// The LAPIC timer's frequency in kHz from a calibration: `elapsed` counts went by
/// while the TSC advanced `tsc_cycles` at `tsc_khz`. `None` when the timer did not
/// move or the TSC interval is empty (no usable timer).
pub fn counter_khz(elapsed: u64, tsc_cycles: u64, tsc_khz: u64) -> Option<u64> {
    if elapsed == 0 || tsc_cycles == 0 || tsc_khz == 0 {
        return None;
    }
    let khz = u128::from(elapsed) * u128::from(tsc_khz) / u128::from(tsc_cycles);
    u64::try_from(khz).ok().filter(|&khz| khz > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_up_so_the_shot_never_fires_before_the_deadline() {
        // 1 MHz counter: one count per microsecond.
        assert_eq!(counts_until(250, 1_000, u64::from(u32::MAX)), 250);
        // The PIT at 1193 kHz: 1 ms is 1193 counts, 1 us is 1.193, so 2.
        assert_eq!(counts_until(1_000, 1_193, u64::from(u16::MAX)), 1_193);
        assert_eq!(counts_until(1, 1_193, u64::from(u16::MAX)), 2);
        // 62.5 MHz (1 GHz bus / 16): 3 us is 187.5 counts.
        assert_eq!(counts_until(3, 62_500, u64::from(u32::MAX)), 188);
    }

    #[test]
    fn counts_are_clamped_to_one_shot() {
        assert_eq!(
            counts_until(0, 62_500, 1 << 32),
            1,
            "a due deadline still fires"
        );
        assert_eq!(counts_until(1_000_000, 1_193, 65_535), 65_535);
        assert_eq!(
            counts_until(u64::MAX, u64::MAX, u64::from(u32::MAX)),
            u64::from(u32::MAX)
        );
        assert_eq!(counts_until(10, 1_000, 0), 1);
    }

    #[test]
    fn calibration_scales_by_the_tsc() {
        // 2 GHz TSC, 2 ms = 4e6 cycles, 125_000 counts: 62.5 MHz.
        assert_eq!(counter_khz(125_000, 4_000_000, 2_000_000), Some(62_500));
        assert_eq!(counter_khz(0, 4_000_000, 2_000_000), None);
        assert_eq!(counter_khz(10, 0, 2_000_000), None);
        assert_eq!(counter_khz(1, u64::MAX, 1), None);
    }
}
