//! The HGCM driver against the twin: connect, calls with LinAddr buffers, completion
//! inside the `out` and after it, the bounded pool, cancel, quarantine and reset.

use twin::machine::{MachineConfig, VMMDEV_PCI};
use twin::HgcmCompletion;
use vitrine::drivers::vmmdev::hgcm::{Cancelled, Hgcm, Param, Take, Ticket, POOL_LEN, SLOT_COUNT};
use vitrine::drivers::vmmdev::wire::{RequestType, VBoxRc};
use vitrine::drivers::vmmdev::{Error, PciResources, VmmDev};
use vitrine::hal::PhysMem;

#[path = "support/twin_hal.rs"]
mod twin_hal;
use twin_hal::TwinHal;

const REQUEST_PAGE: u64 = 0x10_0000;
const POOL: u64 = 0x10_4000;
const SERVICE: &str = "VBoxGuestPropSvc";

fn setup(completion: HgcmCompletion) -> (TwinHal, VmmDev, Hgcm) {
    let mut hal = TwinHal::new(MachineConfig {
        ram_size: 4 << 20,
        ..MachineConfig::default()
    });
    hal.machine.set_hgcm_completion(completion);
    let (bus, device, function) = VMMDEV_PCI;
    let pci = PciResources::probe(&mut hal, bus, device, function)
        .unwrap()
        .unwrap();
    let page = hal.map(REQUEST_PAGE, 4096).unwrap();
    let mut vmm = VmmDev::new(pci, &mut hal, page).unwrap();
    vmm.init(&mut hal).unwrap();
    let pool = hal.map(POOL, POOL_LEN).unwrap();
    let hgcm = Hgcm::new(vmm.io_base(), pool).unwrap();
    (hal, vmm, hgcm)
}

/// Takes `ticket`, advancing virtual time while it is pending (at most 10 rounds).
fn finish(hal: &mut TwinHal, hgcm: &mut Hgcm, mut ticket: Ticket, out: &mut [u8]) -> Take {
    for _ in 0..10 {
        match hgcm.take(ticket, out) {
            Take::Pending(t) => ticket = t,
            other => return other,
        }
        hal.machine.advance(100);
    }
    Take::Pending(ticket)
}

fn connect(hal: &mut TwinHal, hgcm: &mut Hgcm) -> u32 {
    let ticket = hgcm.connect(hal, 0, SERVICE).unwrap();
    let Take::Done(reply) = finish(hal, hgcm, ticket, &mut []) else {
        panic!("connect did not complete");
    };
    assert_eq!(reply.result, VBoxRc::VINF_SUCCESS);
    assert_ne!(reply.client_id, 0);
    reply.client_id
}

fn cstr(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

#[test]
fn connect_completes_after_the_guest_waits_and_the_event_is_raised() {
    let (mut hal, mut vmm, mut hgcm) = setup(HgcmCompletion::Deferred { delay_us: 50 });
    let ticket = hgcm.connect(&mut hal, 0, SERVICE).unwrap();
    let ticket = match hgcm.take(ticket, &mut []) {
        Take::Pending(t) => t,
        other => panic!("done inside the out in deferred mode: {other:?}"),
    };
    assert_eq!(hgcm.free_slots(), SLOT_COUNT - 1);
    hal.machine.advance(100);
    let events = vmm.acknowledge_events(&mut hal).unwrap();
    assert!(events.contains(vitrine::drivers::vmmdev::wire::Events::HGCM));
    let Take::Done(reply) = hgcm.take(ticket, &mut []) else {
        panic!("not done after the host completed");
    };
    assert_eq!(reply.result, VBoxRc::VINF_SUCCESS);
    assert_eq!(hal.machine.hgcm().clients(), vec![reply.client_id]);
    assert_eq!(hgcm.free_slots(), SLOT_COUNT);
    assert!(hal.machine.protocol_errors().is_empty());
}

#[test]
fn completion_inside_the_out_is_seen() {
    let (mut hal, _vmm, mut hgcm) = setup(HgcmCompletion::Immediate);
    let ticket = hgcm.connect(&mut hal, 0, SERVICE).unwrap();
    let Take::Done(reply) = hgcm.take(ticket, &mut []) else {
        panic!("immediate completion not seen");
    };
    assert_eq!(reply.result, VBoxRc::VINF_SUCCESS);
}

#[test]
fn set_and_get_through_lin_addr_buffers() {
    let (mut hal, _vmm, mut hgcm) = setup(HgcmCompletion::Deferred { delay_us: 0 });
    let client = connect(&mut hal, &mut hgcm);
    let (name, value, flags) = (
        cstr("/Vitrine/Status/Page"),
        cstr("home"),
        cstr("TRANSIENT"),
    );
    let ticket = hgcm
        .call(
            &mut hal,
            0,
            client,
            2,
            &[Param::In(&name), Param::In(&value), Param::In(&flags)],
        )
        .unwrap();
    let Take::Done(reply) = finish(&mut hal, &mut hgcm, ticket, &mut []) else {
        panic!("set did not complete");
    };
    assert_eq!(reply.result, VBoxRc::VINF_SUCCESS);
    assert_eq!(
        hal.machine.guest_property("/Vitrine/Status/Page"),
        Some(("home".into(), "TRANSIENT".into()))
    );
    let ticket = hgcm
        .call(
            &mut hal,
            0,
            client,
            1,
            &[
                Param::In(&name),
                Param::Out(64),
                Param::U64(0),
                Param::U32(0),
            ],
        )
        .unwrap();
    let mut buffer = [0u8; 64];
    let Take::Done(reply) = finish(&mut hal, &mut hgcm, ticket, &mut buffer) else {
        panic!("get did not complete");
    };
    assert_eq!(reply.result, VBoxRc::VINF_SUCCESS);
    assert_eq!(&buffer[..15], b"home\0TRANSIENT\0");
    assert_eq!(reply.values[3], 15, "size needed");
    assert!(reply.values[2] > 0, "timestamp");
    assert!(hal.machine.protocol_errors().is_empty());
}

#[test]
fn unknown_service_and_dead_client() {
    let (mut hal, _vmm, mut hgcm) = setup(HgcmCompletion::Immediate);
    let ticket = hgcm.connect(&mut hal, 0, "VBoxNoSuchSvc").unwrap();
    let Take::Done(reply) = hgcm.take(ticket, &mut []) else {
        panic!()
    };
    assert_eq!(reply.result, VBoxRc::VERR_HGCM_SERVICE_NOT_FOUND);
    let error = hgcm.call(&mut hal, 0, 0x4242, 1, &[]).unwrap_err();
    assert_eq!(
        error,
        Error::Host {
            request: RequestType::HGCM_CALL64,
            rc: VBoxRc::VERR_HGCM_INVALID_CLIENT_ID
        }
    );
    assert_eq!(
        hgcm.free_slots(),
        SLOT_COUNT,
        "a refused request frees its slot"
    );
}

#[test]
fn the_pool_is_bounded_and_full_again_after_completion() {
    let (mut hal, _vmm, mut hgcm) = setup(HgcmCompletion::Never);
    let tickets: Vec<Ticket> = (0..SLOT_COUNT)
        .map(|_| hgcm.connect(&mut hal, 0, SERVICE).unwrap())
        .collect();
    assert_eq!(
        hgcm.connect(&mut hal, 0, SERVICE).unwrap_err(),
        Error::PoolFull
    );
    assert_eq!(hgcm.stats().pool_full, 1);
    for ticket in tickets {
        assert_eq!(hgcm.cancel(&mut hal, ticket), Cancelled::Cancelled);
    }
    assert_eq!(hgcm.free_slots(), SLOT_COUNT);
    assert_eq!(hal.machine.hgcm().outstanding(), 0);
    assert!(hal.machine.protocol_errors().is_empty());
}

#[test]
fn a_cancel_the_host_cannot_confirm_quarantines_until_reset() {
    let (mut hal, mut vmm, mut hgcm) = setup(HgcmCompletion::Never);
    let ticket = hgcm.connect(&mut hal, 0, SERVICE).unwrap();
    // The host says "not pending" (completion in progress) but never sets DONE.
    hal.machine.inject_request_failure(65, -78, 1);
    assert_eq!(
        hgcm.cancel(&mut hal, ticket),
        Cancelled::Quarantined(VBoxRc::VERR_NOT_FOUND)
    );
    assert_eq!(
        (hgcm.free_slots(), hgcm.quarantined_slots()),
        (SLOT_COUNT - 1, 1)
    );
    assert_eq!(hgcm.reclaim(), 0);
    hal.machine.reset();
    vmm.init(&mut hal).unwrap();
    hgcm.reset();
    assert_eq!(hgcm.free_slots(), SLOT_COUNT);
    assert_eq!(hgcm.stats().reset_freed, 1);
}

#[test]
fn after_a_reset_old_tickets_are_gone_and_a_new_client_works() {
    let (mut hal, mut vmm, mut hgcm) = setup(HgcmCompletion::Deferred { delay_us: 0 });
    let client = connect(&mut hal, &mut hgcm);
    let pattern = cstr("/Vitrine/Config/*");
    let wait = hgcm
        .call(
            &mut hal,
            0,
            client,
            6,
            &[
                Param::In(&pattern),
                Param::U64(0),
                Param::Out(1200),
                Param::U32(0),
            ],
        )
        .unwrap();
    hal.machine.advance(1000);
    let wait = match hgcm.take(wait, &mut []) {
        Take::Pending(t) => t,
        other => panic!("a wait completed without a change: {other:?}"),
    };
    hal.machine.reset();
    vmm.init(&mut hal).unwrap();
    // The dead client is refused synchronously; the driver then resets its pool.
    let error = hgcm.call(&mut hal, 0, client, 1, &[]).unwrap_err();
    assert!(matches!(
        error,
        Error::Host {
            rc: VBoxRc::VERR_HGCM_INVALID_CLIENT_ID,
            ..
        }
    ));
    hgcm.reset();
    assert_eq!(hgcm.take(wait, &mut []), Take::Gone);
    let again = connect(&mut hal, &mut hgcm);
    assert_ne!(again, client);
    assert_eq!(hgcm.free_slots(), SLOT_COUNT);
}

#[test]
fn a_pool_above_4_gib_or_too_small_is_refused() {
    let (mut hal, vmm, _) = setup(HgcmCompletion::Immediate);
    let small = hal.map(POOL, 4096).unwrap();
    assert!(Hgcm::new(vmm.io_base(), small).is_err());
    let unaligned = hal.map(POOL + 8, POOL_LEN).unwrap();
    assert!(Hgcm::new(vmm.io_base(), unaligned).is_err());
}
