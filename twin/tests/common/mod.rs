//! Guest-side helpers for the twin's tests: hand-built requests and buffers, written
//! from the spec's byte layouts (not from any driver).
#![allow(dead_code)]

use twin::machine::{Machine, MachineConfig, Width};

pub const VERR_GENERAL_FAILURE: i32 = -1;
pub const REQ_ADDR: u32 = 0x10_0000;
pub const VRAM: u32 = 16 << 20;

pub fn machine() -> Machine {
    Machine::new(MachineConfig {
        vram_size: VRAM,
        ram_size: 4 << 20,
        ..MachineConfig::default()
    })
}

pub fn io_base(m: &Machine) -> u16 {
    (m.pci_read(0, 4, 0, 0x10) & !3) as u16
}

/// A request with the 24-byte header: size, version 0x10001, type, rc preset to
/// VERR_GENERAL_FAILURE, reserved 0, requestor 1 (kernel driver).
pub fn request(request_type: u32, size: usize) -> Vec<u8> {
    let mut r = vec![0u8; size];
    put(&mut r, 0, size as u32);
    put(&mut r, 4, 0x10001);
    put(&mut r, 8, request_type);
    put(&mut r, 12, VERR_GENERAL_FAILURE as u32);
    put(&mut r, 20, 1);
    r
}

pub fn put(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

pub fn get(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

pub fn rc(b: &[u8]) -> i32 {
    get(b, 12) as i32
}

/// Writes the request at REQ_ADDR, writes the address to the request port, and
/// returns the request as the host left it.
pub fn submit(m: &mut Machine, req: &[u8]) -> Vec<u8> {
    submit_at(m, REQ_ADDR, req)
}

pub fn submit_at(m: &mut Machine, addr: u32, req: &[u8]) -> Vec<u8> {
    assert!(m.write_phys(u64::from(addr), req));
    let port = io_base(m);
    m.port_out(port, Width::W32, addr);
    let mut out = vec![0u8; req.len()];
    assert!(m.read_phys(u64::from(addr), &mut out));
    out
}

/// ReportGuestInfo2 "7.0.14" then ReportGuestInfo 1.04 / 64-bit unknown OS.
pub fn report_guest_info(m: &mut Machine) {
    let mut info2 = request(58, 168);
    info2[24..26].copy_from_slice(&7u16.to_le_bytes());
    info2[26..28].copy_from_slice(&0u16.to_le_bytes());
    put(&mut info2, 28, 14);
    info2[40..46].copy_from_slice(b"7.0.14");
    assert_eq!(rc(&submit(m, &info2)), 0);
    let mut info = request(50, 32);
    put(&mut info, 24, 0x0001_0004);
    put(&mut info, 28, 0x100);
    assert_eq!(rc(&submit(m, &info)), 0);
}

pub fn filter_mask(m: &mut Machine, or: u32, not: u32) -> Vec<u8> {
    let mut r = request(42, 32);
    put(&mut r, 24, or);
    put(&mut r, 28, not);
    submit(m, &r)
}

pub fn acknowledge(m: &mut Machine) -> u32 {
    let r = submit(m, &request(41, 28));
    assert_eq!(rc(&r), 0);
    get(&r, 24)
}

/// GetDisplayChangeRequest2 (54): returns (xres, yres, bpp, display).
pub fn display_change2(m: &mut Machine, event_ack: u32) -> (u32, u32, u32, u32) {
    let mut r = request(54, 44);
    put(&mut r, 36, event_ack);
    let r = submit(m, &r);
    assert_eq!(rc(&r), 0);
    (get(&r, 24), get(&r, 28), get(&r, 32), get(&r, 40))
}

/// One-at-a-time hash over offset, header and tail.u32Reserved (spec §7.4).
pub fn hgsmi_checksum(offset: u32, header: &[u8], reserved: u32) -> u32 {
    let mut h: u32 = 0;
    for &b in offset
        .to_le_bytes()
        .iter()
        .chain(header)
        .chain(&reserved.to_le_bytes())
    {
        h = h.wrapping_add(u32::from(b));
        h = h.wrapping_add(h << 10);
        h ^= h >> 6;
    }
    h = h.wrapping_add(h << 3);
    h ^= h >> 11;
    h.wrapping_add(h << 15)
}

pub fn vram_base(m: &Machine) -> u64 {
    u64::from(m.pci_read(0, 2, 0, 0x10) & !0xF)
}

/// Writes an HGSMI buffer at VRAM `offset`, submits it via 0x3D0, returns the data
/// as the host left it.
pub fn hgsmi(m: &mut Machine, offset: u32, channel: u8, info: u16, data: &[u8]) -> Vec<u8> {
    hgsmi_with_checksum_delta(m, offset, channel, info, data, 0)
}

pub fn hgsmi_with_checksum_delta(
    m: &mut Machine,
    offset: u32,
    channel: u8,
    info: u16,
    data: &[u8],
    delta: u32,
) -> Vec<u8> {
    let mut header = [0u8; 16];
    header[0..4].copy_from_slice(&(data.len() as u32).to_le_bytes());
    header[5] = channel;
    header[6..8].copy_from_slice(&info.to_le_bytes());
    let sum = hgsmi_checksum(offset, &header, 0).wrapping_add(delta);
    let mut buf = header.to_vec();
    buf.extend_from_slice(data);
    buf.extend_from_slice(&0u32.to_le_bytes());
    buf.extend_from_slice(&sum.to_le_bytes());
    let base = vram_base(m);
    assert!(m.write_phys(base + u64::from(offset), &buf));
    m.port_out(0x3D0, Width::W32, offset);
    let mut out = vec![0u8; data.len()];
    assert!(m.read_phys(base + u64::from(offset) + 16, &mut out));
    out
}

pub const GUEST_HEAP: u32 = VRAM - 65536;

/// HGSMI_CC_HOST_FLAGS_LOCATION at VRAM end − 16.
pub fn report_flags_location(m: &mut Machine) {
    let mut d = vec![0u8; 8];
    put(&mut d, 0, VRAM - 16);
    put(&mut d, 4, 16);
    hgsmi(m, GUEST_HEAP, 1, 0, &d);
}

pub fn dispi_set(m: &mut Machine, index: u16, value: u16) {
    m.port_out(0x1CE, Width::W16, u32::from(index));
    m.port_out(0x1CF, Width::W16, u32::from(value));
}

pub fn dispi_get(m: &mut Machine, index: u16) -> u16 {
    m.port_out(0x1CE, Width::W16, u32::from(index));
    m.port_in(0x1CF, Width::W16) as u16
}
