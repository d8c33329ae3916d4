//! Real-VirtualBox checks of the guest property service (README "Guest
//! properties"): what the kiosk publishes as `guestproperty enumerate` shows it, a
//! `guestproperty set` of the title changing the header on screen, and a page switch
//! from `/Vitrine/Config/page` seen by `guestproperty wait`.

use std::time::{Duration, Instant};

use super::boot_tests::{current_mode, last_mode_set};
use super::session::{finish_bounded, Running};
use super::Vm;
use crate::preview::Frame;
use crate::ui_tests::{expect_field, remaining, wait_until_screen};
use crate::Result;

/// A title with a space and several words: the header text changes width.
const TITLE: &str = "Gare de Lyon";
/// What a screen must share with the titled render where it differs from the
/// default one (anti-aliased edges may differ by a shade).
const MIN_TITLE_SHARE: f64 = 0.9;
/// How long a screen may take to show what a status line announced.
const SCREEN_WAIT: Duration = Duration::from_secs(60);

/// The `/Vitrine/Status/*` set published from the start (README; `LastFault` only
/// after a restart).
const STATUS: [&str; 7] = [
    "Ready",
    "Display",
    "Integration",
    "State",
    "Uptime",
    "Frames",
    "InputDropped",
];

/// One property as `guestproperty enumerate --old-format` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Its flags (`TRANSIENT, RDONLYGUEST`, or empty).
    pub flags: String,
}

/// Parses `Name: N, value: V, timestamp: T, flags: F` lines
/// (`handleEnumGuestProperty`, VBoxManageGuestProp.cpp, 7.0.14).
pub fn parse_enumeration(text: &str) -> Vec<Property> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("Name: ")?;
            let (name, rest) = rest.split_once(", value: ")?;
            let (value, rest) = rest.rsplit_once(", timestamp: ")?;
            let flags = rest.split_once(", flags: ").map_or("", |(_, f)| f);
            Some(Property {
                name: name.to_string(),
                value: value.to_string(),
                flags: flags.trim().to_string(),
            })
        })
        .collect()
}

fn enumerate(vm: &Vm) -> Result<Vec<Property>> {
    Ok(parse_enumeration(&vm.manage(&[
        "guestproperty",
        "enumerate",
        vm.name(),
        "--old-format",
    ])?))
}

/// The kiosk connects to the property service and publishes its OS properties and
/// the documented status set; `enumerate` shows them with the values of the moment.
pub fn check_published(vm: &mut Vm, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let client = vm.wait_for("hgcm", timeout)?;
    expect_field(&client, "service", "VBoxGuestPropSvc")?;
    let mut wanted: Vec<String> = ["Product", "Release", "Version"]
        .iter()
        .map(|p| format!("/VirtualBox/GuestInfo/OS/{p}"))
        .chain(STATUS.iter().map(|s| format!("/Vitrine/Status/{s}")))
        .collect();
    // The kiosk says when the host confirmed each write.
    for name in &wanted {
        vm.wait_for_match(
            |l| {
                l.word == "guestprop" && l.fields.contains_key("set") && l.get("name") == Some(name)
            },
            remaining(deadline),
        )
        .map_err(|e| format!("waiting for `@vitrine guestprop set name={name}`: {e}"))?;
    }
    let properties = enumerate(vm)?;
    let value = |name: &str| {
        properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    };
    wanted.retain(|name| value(name).is_none());
    if !wanted.is_empty() {
        return Err(format!("enumerate lacks {wanted:?}: {properties:?}").into());
    }
    let expect = |name: &str, want: &str| match value(name) {
        Some(v) if v == want => Ok(()),
        other => Err(format!("{name} is {other:?}, expected '{want}'")),
    };
    expect("/VirtualBox/GuestInfo/OS/Product", "Vitrine")?;
    let release = value("/VirtualBox/GuestInfo/OS/Release").unwrap_or_default();
    if release.is_empty() {
        return Err("/VirtualBox/GuestInfo/OS/Release is empty".into());
    }
    expect(
        "/VirtualBox/GuestInfo/OS/Version",
        &format!("Vitrine {release} (x86_64, no_std)"),
    )?;
    let display = last_mode_set(vm)?;
    let shown = format!(
        "{} {}",
        display.get("backend").unwrap_or_default(),
        display.get("mode").unwrap_or_default()
    );
    expect("/Vitrine/Status/Display", &shown)?;
    expect("/Vitrine/Status/Integration", "on")?;
    for name in STATUS.iter().map(|s| format!("/Vitrine/Status/{s}")) {
        let flags = properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.flags.as_str());
        if flags != Some("TRANSIENT") {
            return Err(format!("{name} has flags {flags:?}, expected TRANSIENT").into());
        }
    }
    println!(
        "  {} / {} properties, Release={release}, Display='{shown}'",
        client.raw,
        properties.len()
    );
    Ok(())
}

/// The demo at the current size, rendered by its host binary with these options.
fn render(size: (u32, u32), options: &[&str]) -> Result<Frame> {
    let binary = crate::app_host::binary(crate::cli::DEFAULT_APP)?;
    crate::app_host::render_with(&binary, size.0, size.1, options, "")
}

/// Where `titled` differs from `plain`: the pixels the title decides.
fn title_pixels(plain: &Frame, titled: &Frame) -> Vec<usize> {
    plain
        .pixels
        .iter()
        .zip(&titled.pixels)
        .enumerate()
        .filter_map(|(i, (a, b))| (a != b).then_some(i))
        .collect()
}

/// The share of `pixels` where `frame` shows what `reference` shows.
fn share_like(frame: &Frame, reference: &Frame, pixels: &[usize]) -> f64 {
    let same = pixels
        .iter()
        .filter(|&&i| frame.pixels.get(i) == reference.pixels.get(i))
        .count();
    same as f64 / pixels.len().max(1) as f64
}

/// `guestproperty set /Vitrine/Config/title "Gare de Lyon"` reaches the demo (its
/// `title` line) and the header on screen shows it as the host render with that
/// option does; `unset` brings the default title back.
pub fn check_title(vm: &mut Vm, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    let size = current_mode(vm)?;
    let plain = render(size, &[])?;
    let titled = render(size, &[&format!("title={TITLE}")])?;
    let pixels = title_pixels(&plain, &titled);
    if pixels.is_empty() {
        return Err("the host render with the title equals the one without".into());
    }
    let first = vm.status_lines().len();
    vm.manage(&[
        "guestproperty",
        "set",
        vm.name(),
        "/Vitrine/Config/title",
        TITLE,
    ])?;
    let changed = vm.wait_for_match(
        |l| {
            l.index >= first
                && l.word == "guestprop"
                && l.fields.contains_key("changed")
                && l.get("name") == Some("/Vitrine/Config/title")
        },
        remaining(deadline),
    )?;
    expect_field(&changed, "value", TITLE)?;
    let title = vm.wait_for_after(first, "title", remaining(deadline))?;
    expect_field(&title, "value", TITLE)?;
    // Only full redraws print a `frame` line: the new header is a partial frame, so
    // the screen is taken until it shows the title.
    let shot = wait_until_screen(
        || vm.screenshot("guestprop-title"),
        "guestprop-title",
        SCREEN_WAIT.min(remaining(deadline)),
        |f| {
            if (f.width, f.height) != size {
                return Err(format!("screenshot is {}x{}", f.width, f.height));
            }
            let share = share_like(f, &titled, &pixels);
            (share >= MIN_TITLE_SHARE).then_some(()).ok_or(format!(
                "{:.1}% of the {} title pixels as in the titled render",
                share * 100.0,
                pixels.len()
            ))
        },
    )?;
    let with_title = share_like(&shot, &titled, &pixels);
    let before = vm.status_lines().len();
    vm.manage(&["guestproperty", "unset", vm.name(), "/Vitrine/Config/title"])?;
    let back = vm.wait_for_after(before, "title", remaining(deadline))?;
    expect_field(&back, "value", "Vitrine")?;
    println!(
        "  {} / header {:.1}% as the titled render ({} pixels)",
        title.raw,
        with_title * 100.0,
        pixels.len()
    );
    Ok(())
}

/// A `guestproperty wait` for `/Vitrine/Status/State`, as a child; it prints the
/// change it saw and ends.
fn wait_for_state(vm: &Vm, timeout: Duration) -> Result<Running> {
    let ms = timeout.as_millis().to_string();
    vm.spawn_manage(&[
        "guestproperty",
        "wait",
        vm.name(),
        "/Vitrine/Status/State",
        "--timeout",
        &ms,
        "--fail-on-timeout",
    ])
}

/// `/Vitrine/Config/page` switches the demo's page (`page name=...`), and a
/// `guestproperty wait` started before sees `/Vitrine/Status/State` follow it; the
/// page is switched back the same way.
pub fn check_page_and_wait(vm: &mut Vm, timeout: Duration) -> Result {
    let deadline = Instant::now() + timeout;
    // The earlier checks may have left either page on screen (Enter on a button,
    // the wheel): switch to the other one, then back.
    let now = vm
        .status_lines()
        .into_iter()
        .rev()
        .find(|l| l.word == "page")
        .and_then(|l| l.get("name").map(str::to_string))
        .unwrap_or_else(|| "home".to_string());
    let other = if now == "home" { "rooms" } else { "home" };
    let mut seen = Vec::new();
    for page in [other, now.as_str()] {
        // The wait is started first and its VBoxManage registers its listener while
        // the `set` below starts up; the guest then needs a notification, a frame
        // and a publish before the state changes.
        let waiter = wait_for_state(vm, remaining(deadline))?;
        let first = vm.status_lines().len();
        vm.manage(&[
            "guestproperty",
            "set",
            vm.name(),
            "/Vitrine/Config/page",
            page,
        ])?;
        let switched = vm.wait_for_after(first, "page", remaining(deadline))?;
        expect_field(&switched, "name", page)?;
        let output = finish_bounded(waiter, remaining(deadline))
            .map_err(|e| format!("guestproperty wait for the page {page}: {e}"))?;
        let want = format!("Name: /Vitrine/Status/State, value: {page},");
        if !output.contains(&want) {
            return Err(format!("guestproperty wait printed {output:?}, expected `{want}`").into());
        }
        seen.push(output.trim().to_string());
    }
    println!("  guestproperty wait: {}", seen.join(" / "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_enumeration_format_is_parsed() {
        let text = "Name: /VirtualBox/GuestInfo/OS/Product, value: Vitrine, timestamp: 1733350000000000000, flags: \n\
                    Name: /Vitrine/Status/Display, value: vbva 800x600, timestamp: 17, flags: TRANSIENT\n\
                    Name: /Vitrine/Config/title, value: a, value: b, timestamp: 18, flags: \n\
                    No properties found.\n";
        let all = parse_enumeration(text);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].value, "Vitrine");
        assert_eq!(all[0].flags, "");
        assert_eq!(all[1].value, "vbva 800x600");
        assert_eq!(all[1].flags, "TRANSIENT");
        assert_eq!(all[2].value, "a, value: b");
    }

    #[test]
    fn title_pixels_are_where_the_renders_differ() {
        let plain = Frame {
            width: 2,
            height: 2,
            pixels: vec![1, 2, 3, 4],
        };
        let titled = Frame {
            width: 2,
            height: 2,
            pixels: vec![1, 9, 3, 9],
        };
        let pixels = title_pixels(&plain, &titled);
        assert_eq!(pixels, vec![1, 3]);
        assert_eq!(share_like(&titled, &titled, &pixels), 1.0);
        assert_eq!(share_like(&plain, &titled, &pixels), 0.0);
    }
}
