//! The CMOS real-time clock (ports 0x70/0x71): the wall-clock time at boot, for the
//! app's clock when no VirtualBox host time is available (QEMU, integration off).
//!
//! Values from the chip are checked; an implausible reading is logged and ignored.

use crate::app_api::{SystemInfo, WallClockSample};
use crate::hal::{Platform, PortIo};
use crate::runtime::{EventQueue, EventSource};
use crate::status;

const CMOS_INDEX: u16 = 0x70;
const CMOS_DATA: u16 = 0x71;
const REG_SECONDS: u8 = 0x00;
const REG_MINUTES: u8 = 0x02;
const REG_HOURS: u8 = 0x04;
const REG_DAY: u8 = 0x07;
const REG_MONTH: u8 = 0x08;
const REG_YEAR: u8 = 0x09;
const REG_STATUS_A: u8 = 0x0A;
const REG_STATUS_B: u8 = 0x0B;
/// Status A: an update is in progress (values may be torn).
const STATUS_A_UPDATE_IN_PROGRESS: u8 = 0x80;
/// Status B: values are binary, not BCD.
const STATUS_B_BINARY: u8 = 0x04;
/// Status B: 24-hour mode.
const STATUS_B_24_HOUR: u8 = 0x02;
/// 12-hour mode: set in the hours register for PM.
const HOUR_PM: u8 = 0x80;

/// A calendar time as the RTC holds it (UTC by convention on VMs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcTime {
    /// Full year (2000..2099).
    pub year: u32,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    /// 0..=23.
    pub hour: u32,
    /// 0..=59.
    pub minute: u32,
    /// 0..=59.
    pub second: u32,
}

impl RtcTime {
    /// Seconds since 1970-01-01 00:00 UTC, if the fields are in range.
    pub fn unix_seconds(&self) -> Option<u64> {
        let days_in_month = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let leap = self.year.is_multiple_of(4)
            && (!self.year.is_multiple_of(100) || self.year.is_multiple_of(400));
        let month_days = days_in_month.get(self.month.checked_sub(1)? as usize)?
            + u32::from(leap && self.month == 2);
        let valid = (1970..=2099).contains(&self.year)
            && (1..=month_days).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60;
        if !valid {
            return None;
        }
        // Days from civil (proleptic Gregorian), with March as the first month.
        let (y, m) = if self.month <= 2 {
            (i64::from(self.year) - 1, i64::from(self.month) + 9)
        } else {
            (i64::from(self.year), i64::from(self.month) - 3)
        };
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let day_of_year = (153 * m + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        let days = era * 146_097 + day_of_era - 719_468;
        let secs = days * 86_400 + i64::from(self.hour * 3600 + self.minute * 60 + self.second);
        u64::try_from(secs).ok()
    }
}

fn read_register(io: &mut impl PortIo, register: u8) -> u8 {
    io.out8(CMOS_INDEX, register);
    io.in8(CMOS_DATA)
}

fn read_raw(io: &mut impl PortIo) -> [u8; 6] {
    [
        REG_SECONDS,
        REG_MINUTES,
        REG_HOURS,
        REG_DAY,
        REG_MONTH,
        REG_YEAR,
    ]
    .map(|r| read_register(io, r))
}

/// Reads the RTC: waits out an update in progress (bounded), reads until two
/// consecutive readings agree, decodes BCD/12-hour formats. `None` if the chip
/// never settles or holds an impossible date.
pub fn read_time(io: &mut impl PortIo) -> Option<RtcTime> {
    let mut previous = None;
    for _ in 0..16 {
        for _ in 0..10_000 {
            if read_register(io, REG_STATUS_A) & STATUS_A_UPDATE_IN_PROGRESS == 0 {
                break;
            }
        }
        let raw = read_raw(io);
        if previous == Some(raw) {
            return decode(raw, read_register(io, REG_STATUS_B));
        }
        previous = Some(raw);
    }
    None
}

fn decode(raw: [u8; 6], status_b: u8) -> Option<RtcTime> {
    let binary = status_b & STATUS_B_BINARY != 0;
    let value = |v: u8| -> Option<u32> {
        if binary {
            Some(u32::from(v))
        } else if v & 0x0F <= 9 && v >> 4 <= 9 {
            Some(u32::from(v & 0x0F) + u32::from(v >> 4) * 10)
        } else {
            None
        }
    };
    let [seconds, minutes, hours, day, month, year] = raw;
    let mut hour = value(hours & !HOUR_PM)?;
    if status_b & STATUS_B_24_HOUR == 0 {
        // 12-hour clock: 12 AM is 0, 12 PM is 12.
        hour %= 12;
        if hours & HOUR_PM != 0 {
            hour += 12;
        }
    }
    let time = RtcTime {
        year: 2000 + value(year)?,
        month: value(month)?,
        day: value(day)?,
        hour,
        minute: value(minutes)?,
        second: value(seconds)?,
    };
    time.unix_seconds().map(|_| time)
}

/// An event source that reads the RTC once and gives the app a wall clock.
#[derive(Debug, Default)]
pub struct RtcClock {
    done: bool,
}

impl RtcClock {
    /// Reads at the first poll.
    pub const fn new() -> Self {
        Self { done: false }
    }
}

impl<H: Platform> EventSource<H> for RtcClock {
    fn poll(&mut self, hal: &mut H, _fired: u64, _queue: &mut EventQueue, info: &mut SystemInfo) {
        if core::mem::replace(&mut self.done, true) || info.wall_clock.is_some() {
            return; // once; and a better source (VirtualBox host time) wins
        }
        match read_time(hal).and_then(|t| t.unix_seconds()) {
            Some(secs) => {
                info.wall_clock = Some(WallClockSample {
                    unix_ms: secs * 1000,
                    at_uptime_us: hal.now_us(),
                });
                status!("clock source=rtc unix={}", secs);
            }
            None => status!("clock source=none reason=rtc-unreadable"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CMOS chip: 128 registers behind the index port.
    struct Cmos {
        regs: [u8; 128],
        index: u8,
        /// Reads of status A that report an update in progress before it clears.
        busy_reads: u32,
        /// Seconds tick after this many seconds reads (a torn reading).
        tick_after: Option<u32>,
        seconds_reads: u32,
    }

    impl PortIo for Cmos {
        fn in8(&mut self, port: u16) -> u8 {
            assert_eq!(port, CMOS_DATA);
            let i = self.index & 0x7F;
            if i == REG_STATUS_A && self.busy_reads > 0 {
                self.busy_reads -= 1;
                return STATUS_A_UPDATE_IN_PROGRESS;
            }
            if i == REG_SECONDS {
                self.seconds_reads += 1;
                if self.tick_after == Some(self.seconds_reads) {
                    self.regs[0] = self.regs[0].wrapping_add(1);
                }
            }
            self.regs[usize::from(i)]
        }
        fn out8(&mut self, port: u16, value: u8) {
            assert_eq!(port, CMOS_INDEX);
            self.index = value;
        }
        fn in16(&mut self, _: u16) -> u16 {
            unreachable!()
        }
        fn in32(&mut self, _: u16) -> u32 {
            unreachable!()
        }
        fn out16(&mut self, _: u16, _: u16) {
            unreachable!()
        }
        fn out32(&mut self, _: u16, _: u32) {
            unreachable!()
        }
    }

    fn cmos(values: [u8; 6], status_b: u8) -> Cmos {
        let mut regs = [0u8; 128];
        for (r, v) in [
            REG_SECONDS,
            REG_MINUTES,
            REG_HOURS,
            REG_DAY,
            REG_MONTH,
            REG_YEAR,
        ]
        .iter()
        .zip(values)
        {
            regs[usize::from(*r)] = v;
        }
        regs[usize::from(REG_STATUS_B)] = status_b;
        Cmos {
            regs,
            index: 0,
            busy_reads: 3,
            tick_after: None,
            seconds_reads: 0,
        }
    }

    #[test]
    fn bcd_24_hour_time_decodes_to_the_right_unix_time() {
        // 2026-11-22 18:07:35 in BCD, 24-hour mode (QEMU's default).
        let mut c = cmos([0x35, 0x07, 0x18, 0x22, 0x11, 0x26], STATUS_B_24_HOUR);
        let t = read_time(&mut c).unwrap();
        assert_eq!(t.unix_seconds(), Some(1_795_370_855));
    }

    #[test]
    fn binary_12_hour_pm_and_midnight() {
        // 2024-02-29 12:30:00 AM = 00:30 (binary, 12-hour).
        let mut c = cmos([0, 30, 12, 29, 2, 24], STATUS_B_BINARY);
        assert_eq!(read_time(&mut c).unwrap().hour, 0);
        // 1 PM.
        let mut c = cmos([0, 0, 1 | HOUR_PM, 1, 1, 24], STATUS_B_BINARY);
        assert_eq!(read_time(&mut c).unwrap().hour, 13);
        assert_eq!(
            read_time(&mut c).unwrap().unix_seconds(),
            Some(1_704_114_000)
        );
    }

    #[test]
    fn a_torn_reading_is_read_again() {
        // The seconds register ticks from 58 to 59 between the first two readings.
        let mut c = cmos([0x58, 0x59, 0x23, 0x31, 0x12, 0x25], STATUS_B_24_HOUR);
        c.tick_after = Some(2);
        let t = read_time(&mut c).unwrap();
        assert_eq!(t.second, 59, "the settled value");
        assert!(c.seconds_reads >= 3, "read again after the torn reading");
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for values in [
            [0x00, 0x00, 0x00, 0x30, 0x02, 0x25], // 30 February
            [0x00, 0x00, 0x25, 0x01, 0x01, 0x25], // hour 25
            [0x00, 0x00, 0x00, 0x01, 0x13, 0x25], // month 13
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], // no chip
            [0x00, 0x00, 0x00, 0x00, 0x01, 0x25], // day 0
        ] {
            let mut c = cmos(values, STATUS_B_24_HOUR);
            assert_eq!(read_time(&mut c), None, "{values:x?}");
        }
    }
}
