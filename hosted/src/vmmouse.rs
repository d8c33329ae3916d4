//! QEMU's vmmouse behind the VMware backdoor, for hosted runs that need an absolute
//! pointer without VirtualBox (QEMU `-vga vmware`): GETVERSION, and the absolute
//! pointer's status, command and data calls over a queue of 4-word packets, as
//! QEMU's `hw/i386/vmmouse.c` behaves (a bad read disables the device).
//!
//! The guest side owns one handle (its `VmwareBackdoor`), the test another (the
//! host's mouse); both share the device.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use vitrine::drivers::vmmouse::{BackdoorRegs, VmwareBackdoor};

const MAGIC: u32 = 0x564D_5868;
const PORT: u32 = 0x5658;
const GET_VERSION: u32 = 10;
const DATA: u32 = 39;
const STATUS: u32 = 40;
const COMMAND: u32 = 41;
const ENABLE: u32 = 0x4541_4552;
const DISABLE: u32 = 0xF5;
const REQUEST_RELATIVE: u32 = 0x4C45_5252;
const REQUEST_ABSOLUTE: u32 = 0x5342_4152;
/// What ENABLE queues first: the device's version id.
const VERSION_ID: u32 = 0x3442_554A;
/// The status word of a disabled or failed device.
const STATUS_ERROR: u32 = 0xFFFF_0000;
/// Packet flag: the motion is relative.
const RELATIVE_PACKET: u32 = 0x1_0000;
/// Packet flag: left button held.
const LEFT: u32 = 0x20;
/// QEMU's queue holds this many words; events beyond it are dropped.
const QUEUE_WORDS: usize = 1024;

#[derive(Debug, Default)]
struct Device {
    enabled: bool,
    absolute: bool,
    /// Every status read fails (a device that broke): the guest gives up on it.
    broken: bool,
    queue: VecDeque<u32>,
}

/// A shared handle on one vmmouse.
#[derive(Debug, Clone, Default)]
pub struct QemuVmMouse(Rc<RefCell<Device>>);

impl QemuVmMouse {
    /// A device, disabled until the guest enables it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the guest asked for absolute mode (and has the device enabled).
    pub fn absolute(&self) -> bool {
        let device = self.0.borrow();
        device.enabled && device.absolute
    }

    /// The host's mouse is at raw (x, y) (0..=0xFFFF each): an absolute packet while
    /// the guest has absolute mode on (nothing otherwise).
    pub fn move_to(&self, raw_x: u32, raw_y: u32, left: bool) {
        let mut device = self.0.borrow_mut();
        let buttons = if left { LEFT } else { 0 };
        if device.absolute {
            device.push([buttons, raw_x, raw_y, 0]);
        }
    }

    /// A relative packet (y positive upwards, as PS/2), as a host sends when it
    /// takes the pointer back from absolute mode (VMware's grabbed mouse).
    pub fn move_by(&self, dx: i32, dy: i32) {
        self.0
            .borrow_mut()
            .push([RELATIVE_PACKET, dx as u32, (-dy) as u32, 0]);
    }

    /// From now on the device reports an error on every status read.
    pub fn break_down(&self) {
        self.0.borrow_mut().broken = true;
    }
}

impl Device {
    fn push(&mut self, packet: [u32; 4]) {
        if self.enabled && self.queue.len() + packet.len() <= QUEUE_WORDS {
            self.queue.extend(packet);
        }
    }
}

impl VmwareBackdoor for QemuVmMouse {
    fn call(&mut self, regs: &mut BackdoorRegs) {
        if regs.eax != MAGIC || regs.edx & 0xFFFF != PORT {
            regs.eax = u32::MAX;
            return;
        }
        let mut device = self.0.borrow_mut();
        match regs.ecx & 0xFFFF {
            GET_VERSION => {
                regs.eax = 6;
                regs.ebx = MAGIC;
            }
            STATUS => {
                regs.eax = match device.enabled && !device.broken {
                    true => device.queue.len() as u32,
                    false => STATUS_ERROR,
                };
            }
            COMMAND => match regs.ebx {
                ENABLE => {
                    device.enabled = true;
                    device.queue.clear();
                    device.queue.push_back(VERSION_ID);
                }
                DISABLE => {
                    device.enabled = false;
                    device.queue.clear();
                }
                REQUEST_ABSOLUTE => device.absolute = true,
                REQUEST_RELATIVE => device.absolute = false,
                _ => {}
            },
            DATA => {
                let n = regs.ebx as usize;
                if n == 0 || n > 6 || n > device.queue.len() {
                    // QEMU: an impossible read disables the device.
                    device.enabled = false;
                    device.queue.clear();
                    return;
                }
                let mut words = [0u32; 6];
                for word in words.iter_mut().take(n) {
                    *word = device.queue.pop_front().unwrap_or(0);
                }
                [regs.eax, regs.ebx, regs.ecx, regs.edx, regs.esi, regs.edi] = words;
            }
            _ => {}
        }
    }
}
