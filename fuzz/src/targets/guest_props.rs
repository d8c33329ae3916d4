//! HGCM answers and guest properties: the HGCM driver (connect, calls, take, cancel,
//! quarantine) and the guest property client above it (config wait, enumeration,
//! publishing) against the twin's property service, with the fuzzer choosing when
//! the host completes, what it reports and which bytes of the requests and their
//! buffers it rewrites.

use crate::hostile::HostileTwin;
use twin::HgcmCompletion;
use vitrine::app_api::SystemInfo;
use vitrine::drivers::vmmdev::hgcm::{Hgcm, POOL_LEN, SLOT_COUNT};
use vitrine::system::REQUEST_PAGE_LEN;
use vitrine::vbox::guest_props::GuestProperties;

pub const TARGET: crate::Target = crate::Target {
    name: "guest-props",
    about: "HGCM answers, guest properties -> the HGCM driver and the property client",
    run,
    seeds,
};

const MAX_OPS: usize = 64;

/// Property names the host sets: the client's own subtree, its neighbours, garbage.
const NAMES: [&str; 6] = [
    "/Vitrine/Config/page",
    "/Vitrine/Config/theme",
    "/Vitrine/Config/",
    "/Vitrine/Status/Page",
    "/VirtualBox/GuestInfo/OS/Product",
    "/Vitrine/Config/a-much-longer-option-name-than-any-app-declares-0123456789",
];

/// The HGCM request types (connect .. cancel2) the twin may be told to fail.
const HGCM_REQUESTS: std::ops::RangeInclusive<u32> = 60..=71;

fn run(data: &[u8]) {
    let mut host = HostileTwin::new(data);
    let Some(vmmdev) = host.bring_up_vmmdev() else {
        return;
    };
    // The pool follows the VMMDev page in the request pages, as the kernel lays it.
    let Some(pool) = host
        .twin
        .request_pages()
        .and_then(|pages| pages.sub(REQUEST_PAGE_LEN, POOL_LEN))
    else {
        panic!("the request pages hold the HGCM pool");
    };
    let Ok(hgcm) = Hgcm::new(vmmdev.io_base(), pool) else {
        return;
    };
    let mut props = GuestProperties::new(hgcm);
    let mut info = SystemInfo::default();
    for _ in 0..MAX_OPS {
        if !host.scripted() {
            break;
        }
        match host.script.arbitrary::<u8>().unwrap_or(0) % 9 {
            0 | 1 => {
                // Small steps mostly; now and then past the call timeout or the renewal.
                let step = match host.script.int_in_range(0..=3u8).unwrap_or(0) {
                    0 => 0,
                    1 => host.script.int_in_range(0..=2_000u64).unwrap_or(0),
                    2 => host.script.int_in_range(0..=12_000_000u64).unwrap_or(0),
                    _ => host.script.int_in_range(0..=70_000_000u64).unwrap_or(0),
                };
                host.twin.machine.advance(step);
                let now = host.twin.machine.now_us();
                info.uptime_us = now;
                props.poll(&mut host, now, &mut info);
                while info.options.take_change().is_some() {}
            }
            2 => {
                let name = NAMES[host.script.choose_index(NAMES.len()).unwrap_or(0)];
                let value = host.script.arbitrary::<&str>().unwrap_or("");
                let flags = match host.script.int_in_range(0..=3u8).unwrap_or(0) {
                    0 => None,
                    1 => Some("TRANSIENT"),
                    2 => Some("RDONLYGUEST"),
                    _ => Some(host.script.arbitrary::<&str>().unwrap_or("")),
                };
                host.twin.machine.guest_property_set(name, value, flags);
            }
            3 => {
                let name = NAMES[host.script.choose_index(NAMES.len()).unwrap_or(0)];
                host.twin.machine.guest_property_delete(name);
            }
            4 => {
                let completion = match host.script.int_in_range(0..=2u8).unwrap_or(0) {
                    0 => HgcmCompletion::Immediate,
                    1 => HgcmCompletion::Deferred {
                        delay_us: host.script.int_in_range(0..=20_000_000).unwrap_or(0),
                    },
                    _ => HgcmCompletion::Never,
                };
                host.twin.machine.set_hgcm_completion(completion);
            }
            5 => {
                let result = host.script.arbitrary().unwrap_or(-1);
                let count = host.script.int_in_range(1..=3).unwrap_or(1);
                host.twin.machine.inject_hgcm_results(result, count);
            }
            6 => {
                // The host rewrites a request or its buffers (in flight or answered).
                host.patch_memory(pool.phys(), POOL_LEN as u32);
            }
            7 => {
                let request_type = host.script.int_in_range(HGCM_REQUESTS).unwrap_or(60);
                let rc = host.script.arbitrary().unwrap_or(-1);
                let count = host.script.int_in_range(1..=3).unwrap_or(1);
                host.twin
                    .machine
                    .inject_request_failure(request_type, rc, count);
            }
            _ => {
                // The app's state changes: something to publish.
                let text = host.script.arbitrary::<&str>().unwrap_or("");
                info.app_state.clear();
                for c in text.chars() {
                    if info.app_state.push(c).is_err() {
                        break;
                    }
                }
            }
        }
        let transport = props.hgcm();
        assert!(
            transport.free_slots() + transport.quarantined_slots() <= SLOT_COUNT,
            "HGCM slots counted twice: {} free, {} quarantined",
            transport.free_slots(),
            transport.quarantined_slots()
        );
    }
}

fn seeds() -> Vec<Vec<u8>> {
    // No tampering: connect, a host change, deferred completion, polls.
    let mut plain = Vec::new();
    for op in [0u8, 0, 2, 0, 4, 0, 8, 0, 3, 0, 5, 0, 6, 0, 7, 0] {
        plain.push(op);
        plain.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
    }
    // Immediate completion, then a config value through the wait.
    let mut config = vec![4, 0, 0, 0];
    for _ in 0..4 {
        config.extend_from_slice(&[0, 0, 0, 0]);
    }
    config.extend_from_slice(&[2, 0, 0, 0, 4]);
    config.extend_from_slice(b"blue");
    config.extend_from_slice(&[0; 4]);
    for _ in 0..4 {
        config.extend_from_slice(&[0, 1, 0x10, 0, 0, 0]);
    }
    vec![plain, config]
}
