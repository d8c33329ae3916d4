//! Guest properties under load and from a broken host, against the twin: host
//! changes while the app draws (none lost or reordered, the last wins) and a host
//! without the property service.

use vitrine_hosted::sim::{Sim, SimOptions};

fn boot() -> Sim {
    let mut sim = Sim::boot(SimOptions {
        out_dir: std::env::temp_dir().join(format!("vitrine-gp-{}", std::process::id())),
        ..SimOptions::default()
    })
    .unwrap();
    sim.wait_ms(1500).unwrap();
    assert!(sim
        .status_lines()
        .iter()
        .any(|l| l.starts_with("@vitrine hgcm client=")));
    sim
}

/// The titles the kiosk applied, in order (`@vitrine title value="tN"` → N).
fn applied_titles(sim: &Sim) -> Vec<u32> {
    sim.status_lines()
        .iter()
        .filter_map(|l| l.strip_prefix("@vitrine title value=\"t"))
        .filter_map(|rest| rest.trim_end_matches('"').parse().ok())
        .collect()
}

fn set_title(sim: &mut Sim, i: u32) {
    let rc =
        sim.platform
            .machine
            .guest_property_set("/Vitrine/Config/title", &format!("t{i}"), None);
    assert_eq!(rc, 0);
}

#[test]
fn a_thousand_host_changes_while_the_app_draws_arrive_in_order() {
    let mut sim = boot();
    for i in 0..1000u32 {
        set_title(&mut sim, i);
        // The app keeps drawing: the pointer moves, so frames follow each other.
        sim.platform
            .machine
            .mouse_move(100 + (i % 300) as i32, 100 + (i % 200) as i32);
        for _ in 0..3 {
            sim.runtime.step(&mut sim.platform);
        }
    }
    sim.wait_ms(2000).unwrap();
    let titles = applied_titles(&sim);
    assert!(
        titles.windows(2).all(|w| w[1] > w[0]),
        "reordered or repeated: {:?}",
        &titles[..titles.len().min(20)]
    );
    assert_eq!(titles.len(), 1000, "every change reached the app");
    assert_eq!(sim.runtime.app().title(), "t999");
    assert!(
        sim.runtime.info().counts.frames > 100,
        "the app kept drawing"
    );
}

#[test]
fn a_burst_beyond_the_host_queue_keeps_the_order_and_the_last_wins() {
    let mut sim = boot();
    // 1000 changes before the guest runs again: the host keeps only the last 256
    // notifications, so the guest hears VWRN_NOT_FOUND and reads everything again.
    for i in 0..1000u32 {
        set_title(&mut sim, i);
    }
    sim.wait_ms(3000).unwrap();
    let titles = applied_titles(&sim);
    assert!(titles.windows(2).all(|w| w[1] > w[0]), "{titles:?}");
    assert_eq!(titles.last(), Some(&999));
    assert_eq!(sim.runtime.app().title(), "t999");
}

#[test]
fn a_host_without_the_property_service_leaves_the_kiosk_running() {
    let mut sim = Sim::boot_with(SimOptions::default(), |machine| {
        machine.inject_hgcm_results(-2900, 1)
    })
    .unwrap();
    sim.wait_ms(1500).unwrap();
    let lines = sim.status_lines();
    assert!(
        lines.iter().any(
            |l| l == "@vitrine hgcm unavailable service=VBoxGuestPropSvc error=ServiceNotFound"
        ),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("@vitrine hgcm client=")));
    // No retries, nothing outstanding, and the kiosk still answers the host.
    sim.wait_ms(30_000).unwrap();
    assert_eq!(sim.platform.machine.hgcm().outstanding(), 0);
    sim.platform.machine.resize(0, 1280, 720);
    sim.settle().unwrap();
    sim.wait_ms(100).unwrap();
    assert_eq!(sim.runtime.info().width, 1280);
}
