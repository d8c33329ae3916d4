//! The VMMDev driver against the twin: bring-up as the host sees it, events, display
//! hints, mouse, time, heartbeat, power-off, and refusal of bad resources.

use twin::machine::{DeviceId, Machine, MachineConfig, VMMDEV_PCI};
use twin::vmmdev::PowerAction;
use vitrine::drivers::vmmdev::wire::{Events, MouseFeatures, RequestType, VBoxRc, VMMDEV_VERSION};
use vitrine::drivers::vmmdev::{backdoor_log, DisplayRequest, Error, PciResources, VmmDev};
use vitrine::hal::{PhysMem, PhysRegion, PortIo};

// The twin behind vitrine's HAL traits, shared with the VBVA tests.
#[path = "support/twin_hal.rs"]
mod twin_hal;
use twin_hal::TwinHal;

const REQUEST_PAGE: u64 = 0x10_0000;

fn hal() -> TwinHal {
    TwinHal::new(MachineConfig {
        ram_size: 4 << 20,
        ..MachineConfig::default()
    })
}

/// The resources as a PCI scan reads them from configuration space.
/// Read by hand from the spec's facts (BAR0 I/O, BAR1 the 4 MiB VMMDevMemory, line
/// at 0x3C), independently of `PciResources::probe`.
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

/// An older host: the twin, except that the listed request types are answered with
/// VERR_NOT_IMPLEMENTED (-12) without reaching it.
struct OlderHost {
    twin: TwinHal,
    io_base: u16,
    unknown_types: &'static [u32],
}

impl PortIo for OlderHost {
    fn in8(&mut self, port: u16) -> u8 {
        self.twin.in8(port)
    }
    fn in16(&mut self, port: u16) -> u16 {
        self.twin.in16(port)
    }
    fn in32(&mut self, port: u16) -> u32 {
        self.twin.in32(port)
    }
    fn out8(&mut self, port: u16, value: u8) {
        self.twin.out8(port, value)
    }
    fn out16(&mut self, port: u16, value: u16) {
        self.twin.out16(port, value)
    }
    fn out32(&mut self, port: u16, value: u32) {
        if port == self.io_base {
            let mut header = [0u8; 24];
            assert!(self.twin.machine.read_phys(u64::from(value), &mut header));
            let request_type = u32::from_le_bytes(header[8..12].try_into().unwrap());
            if self.unknown_types.contains(&request_type) {
                let not_implemented = (-12i32).to_le_bytes();
                assert!(self
                    .twin
                    .machine
                    .write_phys(u64::from(value) + 12, &not_implemented));
                return;
            }
        }
        self.twin.out32(port, value)
    }
}

impl PhysMem for OlderHost {
    fn map(&mut self, phys: u64, len: usize) -> Option<PhysRegion> {
        self.twin.map(phys, len)
    }
}

fn older_host(unknown_types: &'static [u32]) -> (OlderHost, VmmDev) {
    let mut twin = hal();
    let vmm = driver(&mut twin);
    let io_base = resources(&twin.machine).io_base;
    (
        OlderHost {
            twin,
            io_base,
            unknown_types,
        },
        vmm,
    )
}

#[test]
fn display_requests_fall_back_from_multi_to_ex_to_2() {
    let (mut host, mut vmm) = older_host(&[81]);
    vmm.init(&mut host).unwrap();
    host.twin.machine.resize(0, 1280, 800);
    let hints = vmm.fetch_display_hints(&mut host, true).unwrap();
    assert_eq!(vmm.display_request(), DisplayRequest::Ex);
    assert_eq!(
        (hints[0].width, hints[0].height, hints[0].enabled),
        (1280, 800, true)
    );

    let (mut host, mut vmm) = older_host(&[81, 80]);
    vmm.init(&mut host).unwrap();
    host.twin.machine.resize(0, 1024, 768);
    let hints = vmm.fetch_display_hints(&mut host, true).unwrap();
    assert_eq!(vmm.display_request(), DisplayRequest::Two);
    assert_eq!((hints[0].width, hints[0].height), (1024, 768));
    // The fallback sticks: the next fetch goes straight to request 54.
    let before = host.twin.machine.vmmdev().requests().len();
    let _ = vmm.fetch_display_hints(&mut host, false).unwrap();
    let sent: Vec<u32> = host.twin.machine.vmmdev().requests()[before..]
        .iter()
        .map(|r| r.request_type)
        .collect();
    assert_eq!(sent, [54]);
    assert_no_protocol_errors(&host.twin);
}

#[test]
fn a_host_without_guest_info2_gets_info_first() {
    let (mut host, mut vmm) = older_host(&[58]);
    vmm.init(&mut host).unwrap();
    let order: Vec<u32> = host
        .twin
        .machine
        .vmmdev()
        .requests()
        .iter()
        .map(|r| r.request_type)
        .collect();
    assert_eq!(
        order,
        [4, 50, 59, 42, 56],
        "Info1 after the refused Info2; the retry is refused too"
    );
    assert!(host.twin.machine.vmmdev().additions_ok());
}

#[test]
fn a_host_with_all_display_requests_missing_reports_the_error() {
    let (mut host, mut vmm) = older_host(&[81, 80, 54]);
    vmm.init(&mut host).unwrap();
    assert_eq!(
        vmm.fetch_display_hints(&mut host, true),
        Err(Error::Host {
            request: RequestType::GET_DISPLAY_CHANGE_REQUEST2,
            rc: VBoxRc::VERR_NOT_IMPLEMENTED
        })
    );
}

#[test]
fn hints_for_several_screens_come_back_in_one_multi_request() {
    let mut hal = TwinHal::new(MachineConfig {
        ram_size: 4 << 20,
        monitor_count: 3,
        ..MachineConfig::default()
    });
    let mut vmm = driver(&mut hal);
    vmm.init(&mut hal).unwrap();
    hal.machine.resize(0, 1024, 768);
    hal.machine.resize(2, 800, 600);
    let hints = vmm.fetch_display_hints(&mut hal, true).unwrap();
    let got: Vec<(u32, u32, u32)> = hints
        .iter()
        .map(|h| (h.display, h.width, h.height))
        .collect();
    assert_eq!(got, [(0, 1024, 768), (2, 800, 600)]);
    assert_no_protocol_errors(&hal);
}

#[test]
fn the_pci_probe_reads_the_bars_and_leaves_them_as_found() {
    let mut hal = hal();
    let (bus, device, function) = VMMDEV_PCI;
    let before: Vec<u32> = (0..16)
        .map(|dword| hal.machine.pci_read(bus, device, function, dword * 4))
        .collect();
    let found = PciResources::probe(&mut hal, bus, device, function)
        .unwrap()
        .expect("VMMDev found");
    let after: Vec<u32> = (0..16)
        .map(|dword| hal.machine.pci_read(bus, device, function, dword * 4))
        .collect();
    assert_eq!(before, after, "configuration space left as found");
    let expected = resources(&hal.machine);
    assert_eq!(found, expected);
    assert_eq!(found.interrupt_line, 11);
    // Another function is not VMMDev.
    let (vga_bus, vga_device, vga_function) = twin::machine::VGA_PCI;
    assert_eq!(
        PciResources::probe(&mut hal, vga_bus, vga_device, vga_function),
        Ok(None)
    );
}

#[test]
fn the_pci_probe_turns_decoding_on() {
    let mut hal = hal();
    let (bus, device, function) = VMMDEV_PCI;
    let command = hal.machine.pci_read(bus, device, function, 0x04);
    hal.machine
        .pci_write(bus, device, function, 0x04, command & 0xFFFF & !3);
    let found = PciResources::probe(&mut hal, bus, device, function)
        .unwrap()
        .unwrap();
    assert_eq!(hal.machine.pci_read(bus, device, function, 0x04) & 3, 3);
    // And the device answers requests again.
    let page = hal.map(REQUEST_PAGE, 4096).unwrap();
    let mut vmm = VmmDev::new(found, &mut hal, page).unwrap();
    vmm.init(&mut hal).unwrap();
    assert_no_protocol_errors(&hal);
}

#[test]
fn the_irq_path_lowers_the_line_and_ignores_other_devices_interrupts() {
    let (mut hal, mut vmm) = brought_up();
    // Not ours: nothing pending, no request sent.
    let sent = hal.machine.vmmdev().requests().len();
    assert_eq!(vmm.service_irq(&mut hal).unwrap(), Events::empty());
    assert_eq!(hal.machine.vmmdev().requests().len(), sent);
    hal.machine.resize(0, 1024, 768);
    assert!(
        hal.machine.irq_asserted(DeviceId::VmmDev),
        "level IRQ raised"
    );
    let events = vmm.service_irq(&mut hal).unwrap();
    assert!(events.contains(Events::DISPLAY_CHANGE_REQUEST));
    assert!(
        !hal.machine.irq_asserted(DeviceId::VmmDev),
        "acknowledge lowered the line"
    );
    assert_no_protocol_errors(&hal);
}
