//! The glyph cache at the size a roomy VM gives it holds every glyph of a 4K kiosk:
//! full redraws of both pages never empty it (at the old 256 KiB a 4K frame emptied
//! it once or twice). Its own test binary, so no other test draws text meanwhile.

use vitrine::app::{App, Event, InputEvent, SystemInfo};
use vitrine::display::memory::MemoryDisplay;
use vitrine::display::Display;
use vitrine::ui::glyph_cache::{self, MAX_ARENA};
use vitrine_app::Kiosk;

#[test]
fn a_4k_redraw_of_both_pages_fits_the_large_cache() {
    let (w, h) = (3840, 2160);
    let mut buffer = vec![0u32; (w * h) as usize];
    let mut display = MemoryDisplay::new(&mut buffer, w, h).unwrap();
    let info = SystemInfo {
        width: w,
        height: h,
        display_backend: "memory",
        ..SystemInfo::default()
    };
    let mut kiosk = Kiosk::new();
    let resize = Event::Resize {
        width: w,
        height: h,
    };
    let wheel = Event::Input(InputEvent::Wheel { delta: 1 });
    let stats = || glyph_cache::stats().expect("no other drawer in this test binary");
    assert_eq!(
        stats().capacity,
        MAX_ARENA,
        "a host build gets the largest arena"
    );
    for round in 0..3 {
        for event in [&resize, &wheel, &resize] {
            kiosk.event(event, &info);
            kiosk.draw(display.canvas(), &info);
            let _ = display.canvas().take_dirty();
        }
        let now = stats();
        assert_eq!(
            now.clears, 0,
            "round {round}: the cache started over: {now:?}"
        );
    }
    let used = stats();
    // What made the old arena start over every 4K frame.
    assert!(used.used > 256 * 1024, "{used:?}");
    println!("4K, both pages: {used:?}");
}
