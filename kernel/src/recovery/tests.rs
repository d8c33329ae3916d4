//! Tests of the restart record, the restart decision and the error page.

use super::*;

#[test]
fn records_survive_the_round_trip_and_garbage_does_not_pass() {
    let record = RestartRecord {
        pending: true,
        count: 7,
        quick_streak: 2,
    };
    assert_eq!(RestartRecord::decode(record.encode()), Some(record));
    assert_eq!(RestartRecord::decode([0; 4]), None);
    assert_eq!(RestartRecord::decode([0xFF; 4]), None);
    let mut torn = record.encode();
    torn[1] ^= 1;
    assert_eq!(RestartRecord::decode(torn), None);
}

#[test]
fn a_pending_restart_is_counted_once_and_power_on_starts_over() {
    let pending = RestartRecord {
        pending: true,
        count: 1,
        quick_streak: 1,
    };
    let (count, written) = at_boot(Some(pending));
    assert_eq!(count, 1);
    assert!(!written.pending);
    // The next boot (a power-on, or a reset without a fault) counts nothing.
    assert_eq!(at_boot(Some(written)).0, 0);
    assert_eq!(at_boot(None), (0, RestartRecord::default()));
}

#[test]
fn quick_restarts_in_a_row_end_on_the_error_page() {
    let mut record = RestartRecord::default();
    for expected in 1..=MAX_QUICK_RESTARTS {
        let (next, decision) = after_fault(record, 1_000_000);
        assert_eq!(decision, Decision::Restart);
        assert_eq!(next.quick_streak, expected);
        assert!(next.pending);
        record = at_boot(Some(next)).1;
    }
    let (stay, decision) = after_fault(record, 1_000_000);
    assert_eq!(decision, Decision::StayOnErrorPage);
    assert!(!stay.pending);
    // A fault after a long run starts a new streak.
    let (next, decision) = after_fault(record, QUICK_UPTIME_US + 1);
    assert_eq!((next.quick_streak, decision), (1, Decision::Restart));
    assert_eq!(next.count, record.count + 1);
}

#[test]
fn only_plausible_screens_are_drawn_on() {
    let screen = PublishedScreen {
        address: 0x1000,
        width: 800,
        height: 600,
        pitch: 3200,
    };
    assert!(screen.plausible());
    assert!(!PublishedScreen {
        pitch: 100,
        ..screen
    }
    .plausible());
    assert!(!PublishedScreen {
        address: 0,
        ..screen
    }
    .plausible());
    assert!(!PublishedScreen {
        height: 0,
        ..screen
    }
    .plausible());
}

struct Pixels {
    width: u32,
    height: u32,
    colors: Vec<Rgb888>,
}

impl OriginDimensions for Pixels {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

impl DrawTarget for Pixels {
    type Color = Rgb888;
    type Error = core::convert::Infallible;
    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(
        &mut self,
        pixels: I,
    ) -> Result<(), Self::Error> {
        for Pixel(point, color) in pixels {
            if point.x >= 0
                && point.y >= 0
                && (point.x as u32) < self.width
                && (point.y as u32) < self.height
            {
                self.colors[point.y as usize * self.width as usize + point.x as usize] = color;
            }
        }
        Ok(())
    }
}

#[test]
fn the_error_page_fills_the_screen_and_says_something() {
    let mut screen = Pixels {
        width: 640,
        height: 480,
        colors: vec![Rgb888::BLACK; 640 * 480],
    };
    draw_error_page(
        &mut screen,
        &ErrorPage {
            what: "page fault",
            fields: "vector=14 rip=0xffff800000001234 error=0x2 cr2=0xdead0000",
            restarts: 2,
            restart_in: Some(5),
            staying_because: None,
        },
    );
    let background = screen
        .colors
        .iter()
        .filter(|c| **c == ERROR_BACKGROUND)
        .count();
    let text = screen
        .colors
        .iter()
        .filter(|c| **c == Rgb888::WHITE)
        .count();
    assert!(background > 640 * 480 * 8 / 10, "background {background}");
    assert!(text > 2000, "text pixels {text}");
    assert!(!screen.colors.contains(&Rgb888::BLACK));
}
