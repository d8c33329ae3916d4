//! The VMMDev driver against the twin: bring-up as the host sees it, events, display
//! hints, mouse, time, heartbeat, power-off, and refusal of bad resources.

use twin::machine::{Machine, MachineConfig, Width, VMMDEV_PCI};
use twin::vmmdev::PowerAction;
use vitrine::drivers::vmmdev::wire::{Events, MouseFeatures, RequestType, VBoxRc, VMMDEV_VERSION};
use vitrine::drivers::vmmdev::{backdoor_log, DisplayRequest, Error, PciResources, VmmDev};
use vitrine::hal::{PhysMem, PhysRegion, PortIo};

/// Routes vitrine's hal calls to the twin (a test-local stand-in for the hosted
/// crate's platform).
struct TwinHal {
    machine: Machine,
}

impl PortIo for TwinHal {
    fn in8(&mut self, port: u16) -> u8 {
        self.machine.port_in(port, Width::W8) as u8
    }
    fn in16(&mut self, port: u16) -> u16 {
        self.machine.port_in(port, Width::W16) as u16
    }
    fn in32(&mut self, port: u16) -> u32 {
        self.machine.port_in(port, Width::W32)
    }
    fn out8(&mut self, port: u16, value: u8) {
        self.machine.port_out(port, Width::W8, value.into())
    }
    fn out16(&mut self, port: u16, value: u16) {
        self.machine.port_out(port, Width::W16, value.into())
    }
    fn out32(&mut self, port: u16, value: u32) {
        self.machine.port_out(port, Width::W32, value)
    }
}

impl PhysMem for TwinHal {
    fn map(&mut self, phys: u64, len: usize) -> Option<PhysRegion> {
        let ptr = self.machine.host_ptr(phys, len)?;
        // SAFETY: the twin keeps every region's backing at a fixed host address for the
        // machine's life (`Machine::host_ptr`), and the machine outlives the region in
        // every test here.
        Some(unsafe { PhysRegion::new(phys, ptr, len) })
    }
}

const REQUEST_PAGE: u64 = 0x10_0000;

fn hal() -> TwinHal {
    TwinHal {
        machine: Machine::new(MachineConfig {
            ram_size: 4 << 20,
            ..MachineConfig::default()
        }),
    }
}

/// The resources as a PCI scan reads them from configuration space.
fn resources(machine: &Machine) -> PciResources {
    let (bus, device, function) = VMMDEV_PCI;
    PciResources {
        io_base: (machine.pci_read(bus, device, function, 0x10) & !3) as u16,
        mmio_phys: u64::from(machine.pci_read(bus, device, function, 0x14) & !0xF),
        mmio_len: 4 << 20,
        interrupt_line: machine.pci_read(bus, device, function, 0x3C) as u8,
    }
}

fn driver(hal: &mut TwinHal) -> VmmDev {
    let page = hal.map(REQUEST_PAGE, 4096).expect("request page in RAM");
    let pci = resources(&hal.machine);
    VmmDev::new(pci, hal, page).expect("VMMDev resources accepted")
}

fn brought_up() -> (TwinHal, VmmDev) {
    let mut hal = hal();
    let mut vmm = driver(&mut hal);
    vmm.init(&mut hal).expect("bring-up");
    (hal, vmm)
}

fn assert_no_protocol_errors(hal: &TwinHal) {
    let errors = hal.machine.protocol_errors();
    assert!(errors.is_empty(), "protocol errors: {errors:?}");
}

#[test]
fn bring_up_as_the_host_sees_it() {
    let (hal, vmm) = brought_up();
    let host = hal.machine.vmmdev();
    let order: Vec<u32> = host.requests().iter().map(|r| r.request_type).collect();
    assert_eq!(order, [4, 58, 50, 59, 42, 56], "request order");
    assert!(host
        .requests()
        .iter()
        .all(|r| u64::from(r.address) == REQUEST_PAGE));
    assert!(
        host.requests().iter().all(|r| r.rc == Some(0)),
        "{:?}",
        host.requests()
    );
    assert!(host.additions_ok());
    let info = host.guest_info().expect("guest info reported");
    assert_eq!(
        (info.interface_version, info.os_type),
        (VMMDEV_VERSION, 0x100)
    );
    assert_eq!(host.guest_capabilities() & 0x4, 0x4, "graphics capability");
    assert_eq!(host.filter_mask(), 0x205);
    assert_eq!(
        host.facilities().get(&20).map(|s| s.0),
        Some(50),
        "driver facility active"
    );
    assert_eq!(vmm.host_version(), (7, 0, 14));
    assert!(vmm.host_features().bits() & 0x8000_0000 != 0);
    assert_no_protocol_errors(&hal);
}

#[test]
fn a_resize_raises_an_event_and_the_hint_is_consumed() {
    let (mut hal, mut vmm) = brought_up();
    assert!(!vmm.events_pending());
    hal.machine.resize(0, 1024, 768);
    assert!(vmm.events_pending(), "fHaveEvents set with the IRQ");
    let events = vmm.acknowledge_events(&mut hal).unwrap();
    assert!(
        events.contains(Events::DISPLAY_CHANGE_REQUEST),
        "{events:?}"
    );
    assert!(!vmm.events_pending());
    let hints = vmm.fetch_display_hints(&mut hal, true).unwrap();
    assert_eq!(vmm.display_request(), DisplayRequest::Multi);
    assert_eq!(hints.len(), 1, "{hints:?}");
    let hint = hints[0];
    assert_eq!(
        (hint.display, hint.width, hint.height, hint.enabled),
        (0, 1024, 768, true)
    );
    // Consumed: nothing pending any more, and a later resize posts the event again.
    assert!(vmm.fetch_display_hints(&mut hal, true).unwrap().is_empty());
    hal.machine.resize(0, 800, 600);
    assert!(vmm.events_pending());
    assert_no_protocol_errors(&hal);
}

#[test]
fn the_boot_peek_sees_a_hint_without_consuming_it() {
    let mut hal = hal();
    hal.machine.resize(0, 1920, 1080); // a hint from before the guest booted
    let mut vmm = driver(&mut hal);
    vmm.init(&mut hal).unwrap();
    let peeked = vmm.fetch_display_hints(&mut hal, false).unwrap();
    assert!(
        peeked
            .iter()
            .any(|h| h.display == 0 && h.width == 1920 && h.height == 1080),
        "{peeked:?}"
    );
    // Still pending: a consuming fetch returns it.
    let consumed = vmm.fetch_display_hints(&mut hal, true).unwrap();
    assert!(consumed.iter().any(|h| h.width == 1920), "{consumed:?}");
    assert_no_protocol_errors(&hal);
}

#[test]
fn absolute_mouse_positions_arrive() {
    let (mut hal, mut vmm) = brought_up();
    let features = vmm.enable_absolute_mouse(&mut hal).unwrap();
    assert!(features.contains(MouseFeatures::GUEST_CAN_ABSOLUTE | MouseFeatures::NEW_PROTOCOL));
    let guest = hal.machine.vmmdev().mouse_features();
    assert_eq!(
        guest & 0x95,
        features.bits(),
        "host stored what the driver set"
    );
    hal.machine.set_mouse_integration(true);
    hal.machine.resize(0, 1024, 768);
    let _ = vmm.acknowledge_events(&mut hal).unwrap();
    hal.machine.mouse_move(512, 384);
    assert!(vmm.events_pending());
    assert!(vmm
        .acknowledge_events(&mut hal)
        .unwrap()
        .contains(Events::MOUSE_POSITION_CHANGED));
    let state = vmm.mouse_status(&mut hal).unwrap();
    let (vx, vy) = hal.machine.pixel_to_absolute(512, 384);
    assert_eq!((state.x, state.y), (vx, vy));
    assert!(state.features.contains(MouseFeatures::HOST_WANTS_ABSOLUTE));
    assert_no_protocol_errors(&hal);
}

#[test]
fn host_time_heartbeat_and_power_off() {
    let (mut hal, mut vmm) = brought_up();
    hal.machine.set_host_time_ms(1_800_000_000_123);
    assert_eq!(vmm.host_time_ms(&mut hal).unwrap(), 1_800_000_000_123);
    assert_eq!(vmm.configure_heartbeat(&mut hal).unwrap(), 2_000_000_000);
    vmm.heartbeat(&mut hal).unwrap();
    let heartbeat = hal.machine.vmmdev().heartbeat();
    assert!(heartbeat.active);
    assert_eq!(heartbeat.count, 1);
    vmm.power_off(&mut hal).unwrap();
    assert_eq!(
        hal.machine.vmmdev().power_actions(),
        [PowerAction::PowerOff]
    );
    assert_no_protocol_errors(&hal);
}

#[test]
fn requests_before_guest_info_get_the_hosts_refusal() {
    let mut hal = hal();
    let mut vmm = driver(&mut hal);
    assert_eq!(
        vmm.host_time_ms(&mut hal),
        Err(Error::Host {
            request: RequestType::GET_HOST_TIME,
            rc: VBoxRc::VERR_NOT_SUPPORTED
        })
    );
}

#[test]
fn bad_resources_are_refused() {
    let mut hal = hal();
    let pci = resources(&hal.machine);
    let high = unsafe_region_above_4gib();
    assert_eq!(
        VmmDev::new(pci, &mut hal, high).err(),
        Some(Error::RequestPageAbove4GiB(0xFFFF_F000))
    );
    let small = hal.map(REQUEST_PAGE, 64).unwrap();
    assert!(matches!(
        VmmDev::new(pci, &mut hal, small),
        Err(Error::RequestTooLarge(_))
    ));
    // A VMMDevMemory with the wrong version (what a non-VirtualBox device might show).
    let page = hal.map(REQUEST_PAGE, 4096).unwrap();
    assert!(hal
        .machine
        .write_phys(pci.mmio_phys + 4, &2u32.to_le_bytes()));
    assert!(matches!(
        VmmDev::new(pci, &mut hal, page),
        Err(Error::BadMemory { version: 2, .. })
    ));
}

/// A region claiming physical 0xFFFF_F000 + 8 KiB (ends above 4 GiB), backed by a
/// leaked host buffer so it is valid memory.
fn unsafe_region_above_4gib() -> PhysRegion {
    let buffer: &'static mut [u8] = Box::leak(vec![0u8; 8192].into_boxed_slice());
    // SAFETY: the buffer is leaked, so it stays valid for the rest of the test run.
    unsafe { PhysRegion::new(0xFFFF_F000, buffer.as_mut_ptr(), buffer.len()) }
}

#[test]
fn backdoor_log_lines_reach_the_host() {
    let mut hal = hal();
    backdoor_log(&mut hal, b"@vitrine hello\n");
    assert!(hal
        .machine
        .vmmdev()
        .log_lines()
        .iter()
        .any(|l| l.contains("@vitrine hello")));
}
