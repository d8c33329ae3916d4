//! HGCM and the guest property service of the twin, checked with hand-built requests
//! (hgcm-guest-properties.md §1–§9, §11), written from the spec's byte layouts.

mod common;
use common::*;
use twin::hgcm::Completion;
use twin::machine::Machine;

const CALL_AT: u32 = 0x10_0000;
const DATA: u64 = 0x10_2000;
const ASYNC: i32 = 2903;
const DONE: u32 = 1;

/// An HGCM header (32 bytes) of `request_type` and `size`: fu32Flags 0, result 0.
fn hgcm_request(request_type: u32, size: usize) -> Vec<u8> {
    request(request_type, size)
}

fn result(r: &[u8]) -> i32 {
    get(r, 28) as i32
}

fn flags(r: &[u8]) -> u32 {
    get(r, 24)
}

fn read(m: &mut Machine, addr: u32, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    assert!(m.read_phys(u64::from(addr), &mut out));
    out
}

fn connect_request(name: &str) -> Vec<u8> {
    let mut r = hgcm_request(60, 168);
    put(&mut r, 32, 2);
    r[36..36 + name.len()].copy_from_slice(name.as_bytes());
    r
}

/// Connects and returns the client id (completes by advancing time).
fn connect(m: &mut Machine) -> u32 {
    let r = submit_at(m, CALL_AT, &connect_request("VBoxGuestPropSvc"));
    assert_eq!(rc(&r), ASYNC);
    m.advance(10);
    let r = read(m, CALL_AT, 168);
    assert_eq!(flags(&r) & DONE, DONE);
    assert_eq!(result(&r), 0);
    let id = get(&r, 164);
    assert_ne!(id, 0);
    id
}

fn booted() -> Machine {
    let mut m = machine();
    report_guest_info(&mut m);
    m
}

/// A parameter for `call`.
enum P<'a> {
    U32(u32),
    U64(u64),
    In(&'a [u8]),
    Out(u32),
    /// An IN buffer passed with a bigger parameter size than its text.
    InSized(&'a [u8], u32),
}

/// Builds an HGCMCall64 at CALL_AT with LinAddr buffers at DATA.., submits it and
/// returns (request as left after the `out`, buffer addresses).
fn call(m: &mut Machine, client: u32, function: u32, params: &[P]) -> (Vec<u8>, Vec<u64>) {
    let size = 44 + 16 * params.len();
    let mut r = hgcm_request(63, size);
    put(&mut r, 32, client);
    put(&mut r, 36, function);
    put(&mut r, 40, params.len() as u32);
    let mut next = DATA;
    let mut addrs = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let at = 44 + 16 * i;
        let mut pointer = |kind: u32, bytes: &[u8], size: u32| {
            let mut padded = bytes.to_vec();
            padded.resize(size as usize, 0);
            assert!(m.write_phys(next, &padded));
            put(&mut r, at, kind);
            put(&mut r, at + 4, size);
            r[at + 8..at + 16].copy_from_slice(&next.to_le_bytes());
            addrs.push(next);
            next += u64::from(size).max(1).next_multiple_of(64);
        };
        match p {
            P::U32(v) => {
                put(&mut r, at, 1);
                put(&mut r, at + 4, *v);
                addrs.push(0);
            }
            P::U64(v) => {
                put(&mut r, at, 2);
                r[at + 4..at + 12].copy_from_slice(&v.to_le_bytes());
                addrs.push(0);
            }
            P::In(b) => pointer(5, b, b.len() as u32),
            P::InSized(b, size) => pointer(5, b, *size),
            P::Out(size) => pointer(6, &[0xAA; 0], *size),
        }
    }
    (submit_at(m, CALL_AT, &r), addrs)
}

/// Completes the call at CALL_AT (advancing time) and returns the request.
fn finish(m: &mut Machine, size: usize) -> Vec<u8> {
    m.advance(10);
    read(m, CALL_AT, size)
}

fn cstr(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

fn set(m: &mut Machine, client: u32, name: &str, value: &str, flags: Option<&str>) -> i32 {
    let (name, value) = (cstr(name), cstr(value));
    let flags = flags.map(cstr);
    let mut params = vec![P::In(&name), P::In(&value)];
    if let Some(f) = &flags {
        params.push(P::In(f));
    }
    let n = params.len();
    let (r, _) = call(m, client, if n == 3 { 2 } else { 3 }, &params);
    assert_eq!(rc(&r), ASYNC);
    result(&finish(m, 44 + 16 * n))
}

/// GET_PROP: (result, buffer, timestamp, size).
fn get_prop(m: &mut Machine, client: u32, name: &str, cap: u32) -> (i32, Vec<u8>, u64, u32) {
    let name = cstr(name);
    let (_, addrs) = call(
        m,
        client,
        1,
        &[P::In(&name), P::Out(cap), P::U64(0), P::U32(0)],
    );
    let r = finish(m, 44 + 64);
    let buffer = read(m, addrs[1] as u32, cap as usize);
    let ts = u64::from_le_bytes(r[44 + 32 + 4..44 + 32 + 12].try_into().unwrap());
    (result(&r), buffer, ts, get(&r, 44 + 48 + 4))
}

#[test]
fn hgcm_before_guest_info_gets_only_the_header() {
    let mut m = machine();
    let r = submit_at(&mut m, CALL_AT, &connect_request("VBoxGuestPropSvc"));
    assert_eq!(rc(&r), -37, "VERR_NOT_SUPPORTED");
    assert_eq!(flags(&r), 0);
    assert_eq!(m.take_protocol_errors().len(), 1);
}

#[test]
fn connect_completes_later_with_rc_still_2903() {
    let mut m = booted();
    let r = submit_at(&mut m, CALL_AT, &connect_request("VBoxGuestPropSvc"));
    assert_eq!(rc(&r), ASYNC);
    assert_eq!(flags(&r), 0, "not done inside the out (deferred mode)");
    assert_eq!(m.vmmdev().pending_events() & 2, 0);
    m.advance(5);
    let r = read(&mut m, CALL_AT, 168);
    assert_eq!(rc(&r), ASYNC, "header.rc is never updated at completion");
    assert_eq!(flags(&r), DONE);
    assert_eq!(result(&r), 0);
    assert_ne!(get(&r, 164), 0);
    assert_eq!(
        m.vmmdev().pending_events() & 2,
        2,
        "VMMDEV_EVENT_HGCM posted"
    );
    m.assert_no_protocol_errors();
}

#[test]
fn immediate_completion_happens_before_the_out_returns() {
    let mut m = booted();
    m.set_hgcm_completion(Completion::Immediate);
    let r = submit_at(&mut m, CALL_AT, &connect_request("VBoxGuestPropSvc"));
    assert_eq!((rc(&r), flags(&r), result(&r)), (ASYNC, DONE, 0));
    m.assert_no_protocol_errors();
}

#[test]
fn never_completing_host_and_cancel2() {
    let mut m = booted();
    m.set_hgcm_completion(Completion::Never);
    submit_at(&mut m, CALL_AT, &connect_request("VBoxGuestPropSvc"));
    m.advance(10_000_000);
    assert_eq!(flags(&read(&mut m, CALL_AT, 168)), 0);
    let mut cancel = request(65, 28);
    put(&mut cancel, 24, CALL_AT);
    assert_eq!(rc(&submit_at(&mut m, 0x10_1000, &cancel)), 0);
    assert_eq!(m.hgcm().pending(), 0);
    assert_eq!(
        rc(&submit_at(&mut m, 0x10_1000, &cancel)),
        -78,
        "not pending any more: VERR_NOT_FOUND"
    );
    put(&mut cancel, 24, 0);
    assert_eq!(rc(&submit_at(&mut m, 0x10_1000, &cancel)), -2);
    assert_eq!(m.take_protocol_errors().len(), 1, "the 0 address");
}

#[test]
fn unknown_service_and_bad_location() {
    let mut m = booted();
    submit_at(&mut m, CALL_AT, &connect_request("VBoxSharedClipboard"));
    let r = finish(&mut m, 168);
    assert_eq!((flags(&r), result(&r)), (DONE, -2900));
    let mut bad = connect_request("VBoxGuestPropSvc");
    put(&mut bad, 32, 0);
    let r = submit_at(&mut m, CALL_AT, &bad);
    assert_eq!(
        rc(&r),
        -2,
        "whole request back with the error, synchronously"
    );
    assert_eq!(flags(&r), 0);
    assert_eq!(m.take_protocol_errors().len(), 2);
}

#[test]
fn set_get_round_trip_with_flags_and_overflow() {
    let mut m = booted();
    let c = connect(&mut m);
    assert_eq!(
        set(&mut m, c, "/Vitrine/Status/Page", "home", Some("TRANSIENT")),
        0
    );
    let (rc0, buffer, ts, size) = get_prop(&mut m, c, "/Vitrine/Status/Page", 64);
    assert_eq!(rc0, 0);
    assert_eq!(&buffer[..15], b"home\0TRANSIENT\0");
    assert_eq!(size, 15);
    assert!(ts > 0);
    let (rc1, _, _, size) = get_prop(&mut m, c, "/Vitrine/Status/Page", 4);
    assert_eq!(
        (rc1, size),
        (-41, 15),
        "VERR_BUFFER_OVERFLOW with the size needed"
    );
    assert_eq!(get_prop(&mut m, c, "/nope", 64).0, -78);
    // SET_PROP_VALUE clears the flags.
    assert_eq!(set(&mut m, c, "/Vitrine/Status/Page", "rooms", None), 0);
    assert_eq!(
        m.guest_property("/Vitrine/Status/Page"),
        Some(("rooms".into(), "".into()))
    );
    m.assert_no_protocol_errors();
}

#[test]
fn names_values_and_permissions_are_validated() {
    let mut m = booted();
    let c = connect(&mut m);
    let long = format!("/{}", "n".repeat(62));
    assert_eq!(set(&mut m, c, &long, "x", None), 0, "63 chars + NUL = 64");
    let longer = format!("/{}", "n".repeat(63));
    assert_eq!(set(&mut m, c, &longer, "x", None), -2);
    // A short name in a big parameter: the parameter size counts.
    let name = cstr("/a");
    let value = cstr("v");
    let (_, _) = call(&mut m, c, 3, &[P::InSized(&name, 65), P::In(&value)]);
    assert_eq!(result(&finish(&mut m, 76)), -2);
    assert_eq!(set(&mut m, c, "/a*", "v", None), -2);
    assert_eq!(set(&mut m, c, "/a", &"v".repeat(1024), None), -42);
    assert_eq!(set(&mut m, c, "/a", &"v".repeat(1023), None), 0);
    assert_eq!(set(&mut m, c, "/a", "v", Some("SOMETIMES")), -53);
    assert_eq!(set(&mut m, c, "/VirtualBox/HostInfo/X", "v", None), -10);
    assert_eq!(
        set(&mut m, c, "/VirtualBox/HostInfo/VBoxVer", "v", None),
        -10
    );
    let bad_utf8 = [b'/', b'a', 0xFF, 0];
    let (_, _) = call(&mut m, c, 3, &[P::In(&bad_utf8), P::In(&value)]);
    assert_eq!(result(&finish(&mut m, 76)), -2);
    let (_, _) = call(&mut m, c, 99, &[]);
    assert_eq!(result(&finish(&mut m, 44)), -12, "unknown function");
    m.assert_no_protocol_errors();
}

#[test]
fn enumerate_with_patterns_ends_with_four_nuls() {
    let mut m = booted();
    let c = connect(&mut m);
    set(&mut m, c, "/Vitrine/Status/A", "1", None);
    set(&mut m, c, "/Vitrine/Status/B", "2", Some("TRANSIENT"));
    set(&mut m, c, "/Other", "3", None);
    let patterns = cstr("/Vitrine/*");
    let (_, addrs) = call(&mut m, c, 5, &[P::In(&patterns), P::Out(512), P::U32(0)]);
    let r = finish(&mut m, 92);
    assert_eq!(result(&r), 0);
    let size = get(&r, 44 + 32 + 4) as usize;
    let buffer = read(&mut m, addrs[1] as u32, size);
    assert_eq!(&buffer[size - 4..], &[0; 4]);
    let text = String::from_utf8_lossy(&buffer[..size - 4]);
    let fields: Vec<&str> = text.split('\0').collect();
    assert_eq!(fields[0], "/Vitrine/Status/A");
    assert_eq!(fields[1], "1");
    assert!(
        fields[2].bytes().all(|b| b.is_ascii_digit()),
        "decimal timestamp"
    );
    assert_eq!(fields[4], "/Vitrine/Status/B");
    assert_eq!(fields[7], "TRANSIENT");
    // Too small: overflow, size still the total.
    let (_, _) = call(&mut m, c, 5, &[P::In(&patterns), P::Out(10), P::U32(0)]);
    let r = finish(&mut m, 92);
    assert_eq!((result(&r), get(&r, 44 + 32 + 4) as usize), (-41, size));
}

/// GET_NOTIFICATION at CALL_AT with the given timestamp and buffer size.
fn wait(m: &mut Machine, client: u32, patterns: &str, ts: u64, cap: u32) -> u64 {
    let p = cstr(patterns);
    let (r, addrs) = call(
        m,
        client,
        6,
        &[P::In(&p), P::U64(ts), P::Out(cap), P::U32(0)],
    );
    assert_eq!(rc(&r), ASYNC);
    addrs[2]
}

fn notification(m: &mut Machine, buffer: u64) -> (i32, u64, Vec<String>) {
    let r = read(m, CALL_AT, 108);
    let ts = u64::from_le_bytes(r[44 + 16 + 4..44 + 16 + 12].try_into().unwrap());
    let size = get(&r, 44 + 48 + 4) as usize;
    let text = read(m, buffer as u32, size);
    let strings = String::from_utf8_lossy(&text)
        .split('\0')
        .map(str::to_string)
        .collect();
    (result(&r), ts, strings)
}

#[test]
fn get_notification_waits_for_the_host_and_returns_four_strings() {
    let mut m = booted();
    let c = connect(&mut m);
    let buffer = wait(&mut m, c, "/Vitrine/Config/*", 0, 1200);
    m.advance(1000);
    assert_eq!(flags(&read(&mut m, CALL_AT, 108)), 0, "still waiting");
    assert_eq!(m.guest_property_set("/Other", "x", None), 0);
    m.advance(1000);
    assert_eq!(flags(&read(&mut m, CALL_AT, 108)), 0, "no match");
    assert_eq!(
        m.guest_property_set("/Vitrine/Config/title", "Gare", None),
        0
    );
    m.advance(10);
    let (rc0, ts, strings) = notification(&mut m, buffer);
    assert_eq!(rc0, 0);
    assert_eq!(strings[..4], ["/Vitrine/Config/title", "Gare", "", "0"]);
    // Next with the returned timestamp: a delete queued meanwhile comes back at once.
    m.guest_property_delete("/Vitrine/Config/title");
    let buffer = wait(&mut m, c, "/Vitrine/Config/*", ts, 1200);
    m.advance(10);
    let (rc1, ts2, strings) = notification(&mut m, buffer);
    assert_eq!(rc1, 0);
    assert!(ts2 > ts);
    assert_eq!(strings[..4], ["/Vitrine/Config/title", "", "", "1"]);
    // An unknown timestamp: the oldest matching record with VWRN_NOT_FOUND.
    let buffer = wait(&mut m, c, "/Vitrine/Config/*", 12345, 1200);
    m.advance(10);
    let (rc2, _, strings) = notification(&mut m, buffer);
    assert_eq!((rc2, strings[1].as_str()), (78, "Gare"));
    m.assert_no_protocol_errors();
}

#[test]
fn a_cancelled_wait_is_never_written_and_a_rewait_interrupts() {
    let mut m = booted();
    let c = connect(&mut m);
    wait(&mut m, c, "/a", 0, 200);
    let mut cancel = request(65, 28);
    put(&mut cancel, 24, CALL_AT);
    assert_eq!(rc(&submit_at(&mut m, 0x10_1000, &cancel)), 0);
    // Poison the old request; a write by the host would show.
    let poison = vec![0x5Au8; 108];
    m.write_phys(u64::from(CALL_AT), &poison);
    m.guest_property_set("/a", "1", None);
    m.advance(10);
    assert_eq!(read(&mut m, CALL_AT, 108), poison);
    // Two waits with the same patterns at different addresses: the older ends with
    // VERR_INTERRUPTED.
    wait(&mut m, c, "/b", 0, 200);
    let first = read(&mut m, CALL_AT, 108);
    m.write_phys(0x10_3000, &first);
    let mut copy = first.clone();
    put(&mut copy, 24, 0);
    let mut cancel2 = request(65, 28);
    put(&mut cancel2, 24, CALL_AT);
    assert_eq!(rc(&submit_at(&mut m, 0x10_1000, &cancel2)), 0);
    submit_at(&mut m, 0x10_3000, &copy);
    wait(&mut m, c, "/b", 0, 200);
    m.advance(10);
    let older = read(&mut m, 0x10_3000, 108);
    assert_eq!((flags(&older), result(&older)), (DONE, -39));
    m.assert_no_protocol_errors();
}

#[test]
fn dead_clients_too_many_calls_and_reset() {
    let mut m = booted();
    m.set_hgcm_completion(Completion::Never);
    let mut conn = connect_request("VBoxGuestPropSvc");
    m.set_hgcm_completion(Completion::Immediate);
    let r = submit_at(&mut m, CALL_AT, &conn);
    let c = get(&r, 164);
    m.set_hgcm_completion(Completion::Never);
    // 15 outstanding calls are allowed, the 16th is refused synchronously.
    let value = cstr("v");
    for i in 0..15u32 {
        let name = cstr("/x");
        let mut r = hgcm_request(63, 76);
        put(&mut r, 32, c);
        put(&mut r, 36, 3);
        put(&mut r, 40, 2);
        for (k, (bytes, at)) in [(&name, 0x10_5000u64), (&value, 0x10_5100)]
            .iter()
            .enumerate()
        {
            m.write_phys(*at, bytes);
            put(&mut r, 44 + 16 * k, 5);
            put(&mut r, 48 + 16 * k, bytes.len() as u32);
            r[52 + 16 * k..60 + 16 * k].copy_from_slice(&at.to_le_bytes());
        }
        let at = 0x11_0000 + 0x100 * i;
        let back = submit_at(&mut m, at, &r);
        let expected = if i < 15 { ASYNC } else { -2909 };
        assert_eq!(rc(&back), expected, "call {i}");
    }
    let mut r = hgcm_request(63, 44);
    put(&mut r, 32, c);
    put(&mut r, 36, 1);
    assert_eq!(rc(&submit_at(&mut m, 0x12_0000, &r)), -2909);
    assert_eq!(m.hgcm().outstanding(), 15);
    // Reset: everything dropped, nothing written, the client is dead.
    let before = read(&mut m, 0x11_0000, 76);
    m.reset();
    assert_eq!(m.hgcm().pending(), 0);
    m.set_hgcm_completion(Completion::Immediate);
    m.advance(100);
    assert_eq!(read(&mut m, 0x11_0000, 76), before);
    report_guest_info(&mut m);
    put(&mut r, 36, 4);
    assert_eq!(
        rc(&submit_at(&mut m, 0x12_0000, &r)),
        -2905,
        "old client id"
    );
    assert_eq!(
        m.guest_property("/VirtualBox/VMInfo/ResetCounter")
            .unwrap()
            .0,
        "1"
    );
    put(&mut conn, 24, 0);
    let r = submit_at(&mut m, CALL_AT, &conn);
    assert_eq!(result(&r), 0);
    assert_ne!(get(&r, 164), c, "a new client id");
    m.assert_no_protocol_errors();
}

#[test]
fn transreset_properties_go_on_reset() {
    let mut m = booted();
    assert_eq!(m.guest_property_set("/a", "1", Some("TRANSRESET")), 0);
    assert_eq!(m.guest_property("/a").unwrap().1, "TRANSIENT, TRANSRESET");
    m.guest_property_set("/b", "1", None);
    m.reset();
    assert!(m.guest_property("/a").is_none());
    assert!(m.guest_property("/b").is_some());
}

#[test]
fn wrong_results_from_a_hostile_host() {
    let mut m = booted();
    let c = connect(&mut m);
    m.inject_hgcm_results(-2, 1);
    assert_eq!(set(&mut m, c, "/a", "1", None), -2);
    assert_eq!(set(&mut m, c, "/a", "1", None), 0);
}

#[test]
fn the_request_type_changed_before_completion_gives_invalid_parameter() {
    let mut m = booted();
    submit_at(&mut m, CALL_AT, &connect_request("VBoxGuestPropSvc"));
    put_phys(&mut m, CALL_AT + 8, 4);
    m.advance(10);
    let r = read(&mut m, CALL_AT, 168);
    assert_eq!((flags(&r), result(&r)), (DONE, -2));
    assert_eq!(m.take_protocol_errors().len(), 1);
}

fn put_phys(m: &mut Machine, addr: u32, v: u32) {
    m.write_phys(u64::from(addr), &v.to_le_bytes());
}
