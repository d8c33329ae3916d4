//! Kiosk behaviour: clicks, keys, pages, and that each redraw stays inside the widget
//! it belongs to (so the dirty rectangles the runtime presents are small and exact).

use super::*;
use std::vec;
use std::vec::Vec;
use vitrine::display::memory::MemoryDisplay;
use vitrine::display::{Display, Rect};

const SIZES: [(u32, u32); 8] = [
    (640, 480),
    (800, 600),
    (1024, 768),
    (1280, 800),
    (1920, 1080),
    (3840, 2160),
    (1366, 768),
    (1001, 777),
];

fn info(w: u32, h: u32) -> SystemInfo {
    let mut info = SystemInfo {
        width: w,
        height: h,
        display_backend: "memory",
        uptime_us: 5_000_000,
        ..SystemInfo::default()
    };
    info.set_integration("off");
    info
}

fn to_rect(r: &Rectangle) -> Rect {
    Rect::new(
        r.top_left.x as u32,
        r.top_left.y as u32,
        r.size.width,
        r.size.height,
    )
}

/// Runs one event + draw and returns the dirty rectangles of that frame.
fn frame(
    kiosk: &mut Kiosk,
    display: &mut MemoryDisplay,
    info: &SystemInfo,
    event: Event,
) -> Vec<Rect> {
    if kiosk.event(&event, info) {
        kiosk.draw(display.canvas(), info);
    }
    display.canvas().take_dirty().to_vec()
}

fn started(w: u32, h: u32, buffer: &mut [u32]) -> (Kiosk, MemoryDisplay<'_>, SystemInfo) {
    let mut display = MemoryDisplay::new(buffer, w, h).unwrap();
    let info = info(w, h);
    let mut kiosk = Kiosk::new();
    let dirty = frame(
        &mut kiosk,
        &mut display,
        &info,
        Event::Resize {
            width: w,
            height: h,
        },
    );
    assert_eq!(
        dirty,
        vec![Rect::new(0, 0, w, h)],
        "first frame covers the screen"
    );
    (kiosk, display, info)
}

fn inside(dirty: &[Rect], allowed: &[Rectangle]) -> bool {
    dirty
        .iter()
        .all(|d| allowed.iter().any(|a| to_rect(a).contains(d)))
}

fn pointer(x: i32, y: i32) -> Event {
    Event::Input(InputEvent::PointerMove { x, y })
}
fn left(pressed: bool) -> Event {
    Event::Input(InputEvent::Button {
        button: Button::Left,
        pressed,
    })
}
fn key(key: Key) -> Event {
    Event::Input(InputEvent::Key { key, pressed: true })
}

#[test]
fn hover_press_and_click_redraw_only_that_button_at_every_size() {
    for (w, h) in SIZES {
        let mut buffer = vec![0u32; (w * h) as usize];
        let (mut kiosk, mut display, info) = started(w, h, &mut buffer);
        let l = *kiosk.layout();
        let target = l.buttons[1];
        let c = target.center();
        // Inside the card, below its edge and above its text.
        let probe = (c.x as u32, target.top_left.y as u32 + l.unit / 2 + 1);
        let before = display.pixel(probe.0, probe.1);
        let dirty = frame(&mut kiosk, &mut display, &info, pointer(c.x, c.y));
        assert_eq!(kiosk.hover(), Some(1));
        assert!(
            !dirty.is_empty() && inside(&dirty, &[target]),
            "{w}x{h}: hover drew {dirty:?}"
        );
        assert_ne!(
            display.pixel(c.x as u32 - 1, target.top_left.y as u32 + 2),
            before,
            "{w}x{h}: hover not visible"
        );

        // Press: button 1 gets focus (button 0 loses its ring).
        let dirty = frame(&mut kiosk, &mut display, &info, left(true));
        assert_eq!(kiosk.pressed(), Some(1));
        assert!(
            inside(&dirty, &[target, l.buttons[0]]),
            "{w}x{h}: press drew {dirty:?}"
        );
        let dirty = frame(&mut kiosk, &mut display, &info, left(false));
        assert_eq!(kiosk.counters(), [0, 1, 0]);
        // The counter and the total (button 4) change, nothing else.
        assert!(
            inside(&dirty, &[target, l.buttons[3]]),
            "{w}x{h}: click drew {dirty:?}"
        );

        // Moving within the same button draws nothing.
        let dirty = frame(&mut kiosk, &mut display, &info, pointer(c.x + 1, c.y + 1));
        assert!(dirty.is_empty());
    }
}

#[test]
fn release_outside_the_pressed_button_does_not_activate() {
    let mut buffer = vec![0u32; 800 * 600];
    let (mut kiosk, mut display, info) = started(800, 600, &mut buffer);
    let c = kiosk.layout().buttons[0].center();
    frame(&mut kiosk, &mut display, &info, pointer(c.x, c.y));
    frame(&mut kiosk, &mut display, &info, left(true));
    frame(&mut kiosk, &mut display, &info, pointer(1, 1));
    frame(&mut kiosk, &mut display, &info, left(false));
    assert_eq!(kiosk.counters(), [0, 0, 0]);
    assert_eq!(kiosk.activations(), 0);
}

#[test]
fn keyboard_moves_focus_and_enter_activates() {
    let mut buffer = vec![0u32; 1024 * 768];
    let (mut kiosk, mut display, info) = started(1024, 768, &mut buffer);
    assert_eq!(kiosk.focus(), 0);
    frame(&mut kiosk, &mut display, &info, key(Key::Tab));
    frame(&mut kiosk, &mut display, &info, key(Key::Tab));
    assert_eq!(kiosk.focus(), 2);
    frame(&mut kiosk, &mut display, &info, key(Key::Enter));
    assert_eq!(kiosk.counters(), [0, 0, 1]);
    frame(&mut kiosk, &mut display, &info, key(Key::BackTab));
    frame(&mut kiosk, &mut display, &info, key(Key::BackTab));
    frame(&mut kiosk, &mut display, &info, key(Key::BackTab));
    assert_eq!(kiosk.focus(), FIELD, "focus wraps around to the text field");
    // Up from the field goes to the grid's last row; down from there, back to the field.
    let columns = kiosk.layout().columns as usize;
    frame(&mut kiosk, &mut display, &info, key(Key::Up));
    assert_eq!(kiosk.focus(), FIELD - columns);
    frame(&mut kiosk, &mut display, &info, key(Key::Down));
    assert_eq!(kiosk.focus(), FIELD);
    frame(&mut kiosk, &mut display, &info, key(Key::Right));
    assert_eq!(kiosk.focus(), FIELD, "Right edits in the field");
    frame(&mut kiosk, &mut display, &info, key(Key::Tab));
    assert_eq!(kiosk.focus(), 0);
}

#[test]
fn typing_into_the_text_field_redraws_only_the_field() {
    for (w, h) in SIZES {
        let mut buffer = vec![0u32; (w * h) as usize];
        let (mut kiosk, mut display, info) = started(w, h, &mut buffer);
        let l = *kiosk.layout();
        // Click the field: it takes focus.
        let c = l.field.center();
        frame(&mut kiosk, &mut display, &info, pointer(c.x, c.y));
        frame(&mut kiosk, &mut display, &info, left(true));
        frame(&mut kiosk, &mut display, &info, left(false));
        assert_eq!(kiosk.focus(), FIELD, "{w}x{h}");
        for ch in "Hi 5".chars() {
            let dirty = frame(&mut kiosk, &mut display, &info, key(Key::Char(ch)));
            assert!(
                !dirty.is_empty() && inside(&dirty, &[l.field]),
                "{w}x{h}: {dirty:?}"
            );
        }
        assert_eq!(kiosk.text(), "Hi 5");
        frame(&mut kiosk, &mut display, &info, key(Key::Backspace));
        assert_eq!(kiosk.text(), "Hi ");
        // Enter submits, keys do not leak to the buttons.
        frame(&mut kiosk, &mut display, &info, key(Key::Enter));
        frame(&mut kiosk, &mut display, &info, key(Key::Char(' ')));
        assert_eq!(kiosk.counters(), [0, 0, 0]);
        assert_eq!(kiosk.text(), "Hi  ");
    }
}

#[test]
fn the_text_field_stops_at_its_width() {
    let mut buffer = vec![0u32; 640 * 480];
    let (mut kiosk, mut display, info) = started(640, 480, &mut buffer);
    let _ = kiosk.event(&key(Key::BackTab), &info);
    assert_eq!(kiosk.focus(), FIELD);
    for _ in 0..200 {
        frame(&mut kiosk, &mut display, &info, key(Key::Char('W')));
    }
    let l = *kiosk.layout();
    let n = kiosk.text().len();
    assert!(n > 3 && n <= FIELD_CAPACITY, "{n} characters");
    // Every pixel drawn stayed in the field.
    let dirty = frame(&mut kiosk, &mut display, &info, key(Key::Backspace));
    assert!(inside(&dirty, &[l.field]));
}

#[test]
fn page_switch_changes_every_button_and_back() {
    let mut buffer = vec![0u32; 800 * 600];
    let (mut kiosk, mut display, info) = started(800, 600, &mut buffer);
    let l = *kiosk.layout();
    let last = l.buttons[5].center();
    frame(&mut kiosk, &mut display, &info, pointer(last.x, last.y));
    frame(&mut kiosk, &mut display, &info, left(true));
    let dirty = frame(&mut kiosk, &mut display, &info, left(false));
    assert_eq!(kiosk.page(), Page::Rooms);
    let mut allowed: Vec<Rectangle> = l.buttons.to_vec();
    allowed.push(l.clock);
    assert!(inside(&dirty, &allowed));
    for b in &l.buttons {
        assert!(
            dirty.iter().any(|d| d.contains(&to_rect(b))),
            "button {b:?} not redrawn: {dirty:?}"
        );
    }
    // Toggle "Lights", then go home again.
    let first = l.buttons[0].center();
    for e in [pointer(first.x, first.y), left(true), left(false)] {
        frame(&mut kiosk, &mut display, &info, e);
    }
    for e in [pointer(last.x, last.y), left(true), left(false)] {
        frame(&mut kiosk, &mut display, &info, e);
    }
    assert_eq!(kiosk.page(), Page::Home);
}

#[test]
fn ticks_redraw_only_the_clock_and_status_and_only_when_they_change() {
    for (w, h) in SIZES {
        let mut buffer = vec![0u32; (w * h) as usize];
        let (mut kiosk, mut display, mut info) = started(w, h, &mut buffer);
        let l = *kiosk.layout();
        info.uptime_us = 5_100_000; // same second as the first frame
        frame(
            &mut kiosk,
            &mut display,
            &info,
            Event::Tick {
                now_us: info.uptime_us,
            },
        );
        let again = frame(
            &mut kiosk,
            &mut display,
            &info,
            Event::Tick {
                now_us: info.uptime_us,
            },
        );
        assert!(again.is_empty(), "{w}x{h}: unchanged tick drew {again:?}");
        info.uptime_us = 6_000_000;
        let dirty = frame(
            &mut kiosk,
            &mut display,
            &info,
            Event::Tick {
                now_us: info.uptime_us,
            },
        );
        assert!(!dirty.is_empty());
        assert!(
            inside(&dirty, &[l.clock, l.status]),
            "{w}x{h}: tick drew {dirty:?}"
        );
    }
}

/// The hint and page-name fonts fitted once per layout are the ones fitting them on
/// every draw chose: for every button, page, state and accent colour.
#[test]
fn fonts_fitted_per_layout_are_those_fitted_per_draw() {
    for (w, h) in SIZES {
        let mut kiosk = Kiosk::new();
        kiosk.event(
            &Event::Resize {
                width: w,
                height: h,
            },
            &info(w, h),
        );
        let l = *kiosk.layout();
        for accent in 0..theme::ACCENTS.len() {
            kiosk.accent = accent;
            for page in [Page::Home, Page::Rooms] {
                let c = l.clock;
                let caption = text::fit(
                    &[page.name()],
                    Weight::Regular,
                    c.size.width / 3,
                    kiosk.fonts.clock.height() * 3 / 4,
                );
                assert_eq!(kiosk.fonts.caption[page.index()], caption, "{w}x{h}");
                for i in 0..BUTTON_COUNT {
                    for pressed in [false, true] {
                        let state = WidgetState {
                            pressed,
                            hovered: true,
                            focused: i == 1,
                            checked: i == 2,
                        };
                        let inner = kiosk.theme().face_of(&l.buttons[i], state).content;
                        let want = text::fit(
                            &[hint(page, i)],
                            Weight::Regular,
                            inner.size.width / 3,
                            kiosk.fonts.label.height() * 3 / 4,
                        );
                        let got = kiosk.fonts.hint[page.index()][i][usize::from(pressed)];
                        assert_eq!(got, want, "{w}x{h} {page:?} button {i} pressed {pressed}");
                    }
                }
            }
        }
    }
}

/// The header's bar leaves the clock's area to the clock, which paints all of it:
/// every full redraw and title change draws both.
#[test]
fn the_header_leaves_the_clock_area_to_the_clock_which_paints_all_of_it() {
    const UNTOUCHED: u32 = 0x0001_0203;
    for (w, h) in SIZES {
        let mut buffer = vec![0u32; (w * h) as usize];
        let (mut kiosk, mut display, info) = started(w, h, &mut buffer);
        let l = *kiosk.layout();
        let clock = |display: &MemoryDisplay| {
            let c = to_rect(&l.clock);
            (c.y..c.y + c.height)
                .flat_map(|y| (c.x..c.x + c.width).map(move |x| (x, y)))
                .map(|(x, y)| display.pixel(x, y))
                .collect::<Vec<u32>>()
        };
        let _ = display.canvas().fill_solid(&l.screen, Rgb888::new(0, 1, 2));
        let _ = display.canvas().fill_solid(&l.clock, Rgb888::new(1, 2, 3));
        kiosk.draw_header(display.canvas());
        assert!(
            clock(&display).iter().all(|&p| p == UNTOUCHED),
            "{w}x{h}: the header painted the clock's area"
        );
        for page in [Page::Home, Page::Rooms] {
            kiosk.page = page;
            let _ = display.canvas().fill_solid(&l.clock, Rgb888::new(1, 2, 3));
            kiosk.clock_text = Kiosk::clock(&info);
            kiosk.draw_clock(display.canvas());
            let left = clock(&display).iter().filter(|&&p| p == UNTOUCHED).count();
            assert_eq!(left, 0, "{w}x{h} {page:?}: the clock left pixels unpainted");
        }
    }
}

#[test]
fn long_integration_text_stays_inside_the_status_panel() {
    let mut buffer = vec![0u32; 640 * 480];
    let (mut kiosk, mut display, mut info) = started(640, 480, &mut buffer);
    info.set_integration("vmmdev 7.0.14 mouse=absolute vbva=on pointer=host xx");
    info.uptime_us = 9_000_000;
    let dirty = frame(
        &mut kiosk,
        &mut display,
        &info,
        Event::Tick { now_us: 9_000_000 },
    );
    let l = *kiosk.layout();
    assert!(inside(&dirty, &[l.clock, l.status]));
}

#[test]
fn huge_counters_shrink_instead_of_overflowing() {
    let mut buffer = vec![0u32; 640 * 480];
    let (mut kiosk, mut display, info) = started(640, 480, &mut buffer);
    kiosk.counters = [4_000_000_000, 4_000_000_000, 0];
    kiosk.dirty_buttons = 0b1111;
    kiosk.draw(display.canvas(), &info);
    let dirty = display.canvas().take_dirty();
    let l = *kiosk.layout();
    assert!(inside(&dirty, &l.buttons));
}

#[test]
fn resize_lays_out_again_and_redraws_everything() {
    let mut buffer = vec![0u32; 1920 * 1080];
    let (mut kiosk, mut display, info) = started(800, 600, &mut buffer);
    // The memory display can change mode in place (the runtime does this on a hint).
    let mode = {
        use vitrine::hal::*;
        struct Dummy;
        impl PortIo for Dummy {
            fn in8(&mut self, _: u16) -> u8 {
                0
            }
            fn in16(&mut self, _: u16) -> u16 {
                0
            }
            fn in32(&mut self, _: u16) -> u32 {
                0
            }
            fn out8(&mut self, _: u16, _: u8) {}
            fn out16(&mut self, _: u16, _: u16) {}
            fn out32(&mut self, _: u16, _: u32) {}
        }
        impl PhysMem for Dummy {
            fn map(&mut self, _: u64, _: usize) -> Option<PhysRegion> {
                None
            }
        }
        impl PciConfig for Dummy {
            fn read_config(&mut self, _: u8, _: u8, _: u8, _: u8) -> u32 {
                0
            }
            fn write_config(&mut self, _: u8, _: u8, _: u8, _: u8, _: u32) {}
        }
        impl Clock for Dummy {
            fn now_us(&self) -> u64 {
                0
            }
        }
        impl Irqs for Dummy {
            fn enable_line(&mut self, _: u8) -> bool {
                false
            }
            fn take_fired(&mut self) -> u64 {
                0
            }
            fn rearm(&mut self, _: u8) {}
            fn wait(&mut self, _: u64) {}
        }
        display.set_mode(&mut Dummy, 1920, 1080).unwrap()
    };
    display.canvas().take_dirty();
    let dirty = frame(
        &mut kiosk,
        &mut display,
        &info,
        Event::Resize {
            width: mode.width,
            height: mode.height,
        },
    );
    assert_eq!(dirty, vec![Rect::new(0, 0, 1920, 1080)]);
    assert_eq!(kiosk.layout().screen.size, Size::new(1920, 1080));
}

#[test]
fn wheel_and_escape_switch_pages() {
    let mut buffer = vec![0u32; 800 * 600];
    let (mut kiosk, mut display, info) = started(800, 600, &mut buffer);
    let wheel = |delta| Event::Input(InputEvent::Wheel { delta });
    assert!(
        frame(&mut kiosk, &mut display, &info, wheel(1)).is_empty(),
        "already on the first page"
    );
    frame(&mut kiosk, &mut display, &info, wheel(-1));
    assert_eq!(kiosk.page(), Page::Rooms);
    assert!(
        frame(&mut kiosk, &mut display, &info, wheel(-1)).is_empty(),
        "no page after the last"
    );
    frame(&mut kiosk, &mut display, &info, key(Key::Escape));
    assert_eq!(kiosk.page(), Page::Home);
    frame(&mut kiosk, &mut display, &info, wheel(-3));
    frame(&mut kiosk, &mut display, &info, wheel(2));
    assert_eq!(kiosk.page(), Page::Home);
}

#[test]
fn boot_time_options_are_in_place_at_the_first_frame() {
    let (w, h) = (800, 600);
    let mut plain_buffer = vec![0u32; (w * h) as usize];
    let _ = started(w, h, &mut plain_buffer);
    let mut buffer = vec![0u32; (w * h) as usize];
    let mut display = MemoryDisplay::new(&mut buffer, w, h).unwrap();
    let mut info = info(w, h);
    info.options.set_initial("title", "Gare de Lyon").unwrap();
    info.options.set_initial("page", "rooms").unwrap();
    let mut kiosk = Kiosk::new();
    frame(
        &mut kiosk,
        &mut display,
        &info,
        Event::Resize {
            width: w,
            height: h,
        },
    );
    assert_eq!(kiosk.title(), "Gare de Lyon");
    assert_eq!(kiosk.page(), Page::Rooms);
    drop(display);
    assert_ne!(buffer, plain_buffer, "the header and page differ on screen");
}
