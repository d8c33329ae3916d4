//! The VMware backdoor mouse ("vmmouse"): absolute pointer positions outside
//! VirtualBox (QEMU emulates it by default on pc/q35; VMware provides it).
//!
//! The backdoor is an `in eax, dx` on port 0x5658 with a magic in EAX, a command in
//! ECX and arguments and results in the other general registers, so it cannot go
//! through `hal::PortIo`: the driver talks to a `VmwareBackdoor` instead, which is a
//! few lines of inline asm on metal and a fake in host tests.
//!
//! Bring-up: GETVERSION must answer the magic in EBX; ABSPOINTER_COMMAND(ENABLE)
//! queues the device's version word, which must read back as `VMMOUSE_VERSION_ID`;
//! then REQUEST_ABSOLUTE. Each event is a 4-word packet in the queue: flags and
//! buttons, x, y (0..=0xFFFF) and wheel. The device still raises a PS/2 mouse
//! packet (IRQ 12) per event so the guest knows to look: poll on IRQ 12.

use crate::input::{Buttons, Input};
use crate::logging;

/// The backdoor I/O port.
pub const BACKDOOR_PORT: u16 = 0x5658;
/// What EAX must hold on entry and what GETVERSION returns in EBX ("VMXh").
pub const BACKDOOR_MAGIC: u32 = 0x564D_5868;

/// Backdoor commands (ECX).
mod command {
    pub const GET_VERSION: u32 = 10;
    pub const ABSPOINTER_DATA: u32 = 39;
    pub const ABSPOINTER_STATUS: u32 = 40;
    pub const ABSPOINTER_COMMAND: u32 = 41;
}

/// ABSPOINTER_COMMAND arguments (EBX).
mod pointer_command {
    /// Start the device; it queues its version word.
    pub const ENABLE: u32 = 0x4541_4552;
    pub const DISABLE: u32 = 0x0000_00F5;
    pub const REQUEST_RELATIVE: u32 = 0x4C45_5252;
    pub const REQUEST_ABSOLUTE: u32 = 0x5342_4152;
}

/// The version word ENABLE queues.
const VMMOUSE_VERSION_ID: u32 = 0x3442_554A;
/// ABSPOINTER_STATUS high half when the device is disabled or failed.
const STATUS_ERROR: u32 = 0xFFFF_0000;
/// ABSPOINTER_STATUS low half: words waiting in the queue.
const STATUS_QUEUE_LEN: u32 = 0xFFFF;
/// Words per event packet.
const PACKET_WORDS: u32 = 4;
/// Packets read per `poll`, so a flood cannot hold the loop.
const MAX_PACKETS_PER_POLL: usize = 64;
/// Re-enables tried in a row (no good packet in between) before giving up.
const MAX_RECOVERIES: u32 = 3;

bitflags::bitflags! {
    /// The first word of a packet.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct PacketFlags: u32 {
        const MIDDLE = 0x08;
        const RIGHT = 0x10;
        const LEFT = 0x20;
        /// The packet holds relative motion (device in relative mode).
        const RELATIVE = 0x1_0000;
    }
}

/// The general registers of a backdoor call, in and out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BackdoorRegs {
    /// In: the magic. Out: the result.
    pub eax: u32,
    /// In: the argument. Out: a result (the magic for GETVERSION).
    pub ebx: u32,
    /// In: the command. Out: a result.
    pub ecx: u32,
    /// In: the port (low 16 bits). Out: a result.
    pub edx: u32,
    /// Out: a result (ABSPOINTER_DATA with more than 4 words).
    pub esi: u32,
    /// Out: a result (ABSPOINTER_DATA with 6 words).
    pub edi: u32,
}

/// The VMware backdoor: one `in eax, dx` with all six registers in and out.
pub trait VmwareBackdoor {
    /// Performs the call; `regs` holds the inputs and receives the outputs.
    fn call(&mut self, regs: &mut BackdoorRegs);
}

/// The real backdoor, by inline asm.
#[cfg(target_os = "none")]
#[derive(Debug)]
pub struct MetalBackdoor {
    _private: (),
}

#[cfg(target_os = "none")]
impl MetalBackdoor {
    /// # Safety
    /// The caller runs at CPL 0 (or with I/O permission for port 0x5658). Without a
    /// hypervisor backdoor the port is unused on PCs: the read returns all ones and
    /// changes nothing, which `VmMouse::detect` recognises.
    pub const unsafe fn new() -> Self {
        Self { _private: () }
    }
}

#[cfg(target_os = "none")]
impl VmwareBackdoor for MetalBackdoor {
    fn call(&mut self, regs: &mut BackdoorRegs) {
        // RBX is reserved by LLVM and cannot be an asm operand: swap it through a
        // scratch register around the `in`.
        let mut rbx_value = regs.ebx as u64;
        // SAFETY: `new`'s contract gives us port access; the backdoor only writes the
        // six registers named here (all declared as outputs, RBX restored by the
        // second xchg) and touches no memory or stack.
        unsafe {
            core::arch::asm!(
                "xchg {bx}, rbx",
                "in eax, dx",
                "xchg {bx}, rbx",
                bx = inout(reg) rbx_value,
                inout("eax") regs.eax,
                inout("ecx") regs.ecx,
                inout("edx") regs.edx,
                inout("esi") regs.esi,
                inout("edi") regs.edi,
                options(nostack, preserves_flags),
            );
        }
        regs.ebx = rbx_value as u32;
    }
}

/// Why there is no usable vmmouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmMouseError {
    /// GETVERSION did not answer the magic: no VMware-compatible hypervisor.
    NoBackdoor,
    /// The backdoor is there but the pointer device is not (status word given).
    NoDevice(u32),
    /// ENABLE queued this instead of the version word.
    BadVersion(u32),
}

/// One event from the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmMousePacket {
    /// Absolute x (0..=0xFFFF), or relative motion right in a relative packet.
    pub x: i32,
    /// Absolute y (0..=0xFFFF, down), or relative motion in a relative packet.
    pub y: i32,
    /// Buttons held.
    pub buttons: Buttons,
    /// Wheel steps away from the user (scroll up).
    pub wheel: i32,
    /// The packet carries relative motion.
    pub relative: bool,
}

impl VmMousePacket {
    fn decode(words: [u32; 4]) -> Self {
        let flags = PacketFlags::from_bits_retain(words[0]);
        let mut buttons = Buttons::empty();
        buttons.set(Buttons::LEFT, flags.contains(PacketFlags::LEFT));
        buttons.set(Buttons::RIGHT, flags.contains(PacketFlags::RIGHT));
        buttons.set(Buttons::MIDDLE, flags.contains(PacketFlags::MIDDLE));
        let relative = flags.contains(PacketFlags::RELATIVE);
        Self {
            x: words[1] as i32,
            // Relative packets count upwards, as PS/2 does.
            y: if relative {
                (words[2] as i32).saturating_neg()
            } else {
                words[2] as i32
            },
            buttons,
            // The wheel word counts towards the user in its low byte.
            wheel: -(words[3] as u8 as i8 as i32),
            relative,
        }
    }
}

/// The vmmouse, detected and in absolute mode.
#[derive(Debug)]
pub struct VmMouse {
    version: u32,
    recoveries: u32,
    active: bool,
}

fn backdoor_call(backdoor: &mut impl VmwareBackdoor, command: u32, argument: u32) -> BackdoorRegs {
    let mut regs = BackdoorRegs {
        eax: BACKDOOR_MAGIC,
        ebx: argument,
        ecx: command,
        edx: BACKDOOR_PORT as u32,
        esi: 0,
        edi: 0,
    };
    backdoor.call(&mut regs);
    regs
}

impl VmMouse {
    /// Looks for the backdoor and the pointer device, and switches it to absolute
    /// mode.
    pub fn detect(backdoor: &mut impl VmwareBackdoor) -> Result<VmMouse, VmMouseError> {
        // EBX must not hold the magic on entry, or an absent backdoor (registers
        // unchanged) would look present.
        let regs = backdoor_call(backdoor, command::GET_VERSION, !BACKDOOR_MAGIC);
        if regs.ebx != BACKDOOR_MAGIC || regs.eax == u32::MAX {
            return Err(VmMouseError::NoBackdoor);
        }
        let mut mouse = VmMouse {
            version: regs.eax,
            recoveries: 0,
            active: false,
        };
        mouse.enable(backdoor)?;
        Ok(mouse)
    }

    /// `detect`, then tells `input` the vmmouse drives the pointer, and emits
    /// `@vitrine vmmouse absolute=on version=N` or `@vitrine vmmouse absolute=absent`.
    pub fn init<const N: usize>(
        backdoor: &mut impl VmwareBackdoor,
        input: &mut Input<N>,
    ) -> Option<VmMouse> {
        match Self::detect(backdoor) {
            Ok(mouse) => {
                input.set_vmmouse_absolute(true);
                crate::status!("vmmouse absolute=on version={}", mouse.version);
                Some(mouse)
            }
            Err(error) => {
                logging::info!("vmmouse: not used ({error:?}); PS/2 motion drives the pointer");
                crate::status!("vmmouse absolute=absent");
                None
            }
        }
    }

    /// The hypervisor's backdoor version (GETVERSION's EAX).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Whether the device is in absolute mode and read by `poll`.
    pub fn is_active(&self) -> bool {
        self.active
    }

    fn enable(&mut self, backdoor: &mut impl VmwareBackdoor) -> Result<(), VmMouseError> {
        backdoor_call(
            backdoor,
            command::ABSPOINTER_COMMAND,
            pointer_command::ENABLE,
        );
        let status = backdoor_call(backdoor, command::ABSPOINTER_STATUS, 0).eax;
        if status & STATUS_ERROR == STATUS_ERROR || status & STATUS_QUEUE_LEN == 0 {
            return Err(VmMouseError::NoDevice(status));
        }
        let version = backdoor_call(backdoor, command::ABSPOINTER_DATA, 1).eax;
        if version != VMMOUSE_VERSION_ID {
            return Err(VmMouseError::BadVersion(version));
        }
        backdoor_call(
            backdoor,
            command::ABSPOINTER_COMMAND,
            pointer_command::REQUEST_ABSOLUTE,
        );
        self.active = true;
        Ok(())
    }

    /// Reads the queued packets (a bounded number) into `input`. On a device error
    /// it re-enables the device a few times, then gives up and hands the pointer
    /// back to PS/2. Returns the number of packets read.
    pub fn poll<const N: usize>(
        &mut self,
        backdoor: &mut impl VmwareBackdoor,
        input: &mut Input<N>,
    ) -> usize {
        let mut packets = 0;
        while self.active && packets < MAX_PACKETS_PER_POLL {
            let status = backdoor_call(backdoor, command::ABSPOINTER_STATUS, 0).eax;
            let queued = status & STATUS_QUEUE_LEN;
            if status & STATUS_ERROR == STATUS_ERROR || !queued.is_multiple_of(PACKET_WORDS) {
                self.recover(backdoor, input, status);
                continue;
            }
            if queued == 0 {
                break;
            }
            let regs = backdoor_call(backdoor, command::ABSPOINTER_DATA, PACKET_WORDS);
            if regs.eax == BACKDOOR_MAGIC {
                // Registers came back as sent: the device refused the read (and
                // disabled itself). The magic is never a valid flags word.
                self.recover(backdoor, input, status);
                continue;
            }
            let packet = VmMousePacket::decode([regs.eax, regs.ebx, regs.ecx, regs.edx]);
            packets += 1;
            self.recoveries = 0;
            match packet.relative {
                true => input.vmmouse_relative(packet.x, packet.y, packet.buttons, packet.wheel),
                false => input.vmmouse(
                    packet.x as u32,
                    packet.y as u32,
                    packet.buttons,
                    packet.wheel,
                ),
            }
        }
        packets
    }

    fn recover<const N: usize>(
        &mut self,
        backdoor: &mut impl VmwareBackdoor,
        input: &mut Input<N>,
        status: u32,
    ) {
        self.active = false;
        if self.recoveries >= MAX_RECOVERIES {
            logging::warn!("vmmouse: status {status:#010x} again; giving the pointer to PS/2");
            input.set_vmmouse_absolute(false);
            crate::status!("vmmouse absolute=off");
            return;
        }
        self.recoveries += 1;
        logging::warn!("vmmouse: status {status:#010x}; re-enabling");
        backdoor_call(
            backdoor,
            command::ABSPOINTER_COMMAND,
            pointer_command::DISABLE,
        );
        if let Err(error) = self.enable(backdoor) {
            logging::warn!("vmmouse: re-enable failed ({error:?}); giving the pointer to PS/2");
            input.set_vmmouse_absolute(false);
            crate::status!("vmmouse absolute=off");
        }
    }

    /// Switches the device back to relative mode and off (before handing over to
    /// another pointer source).
    pub fn disable<const N: usize>(
        &mut self,
        backdoor: &mut impl VmwareBackdoor,
        input: &mut Input<N>,
    ) {
        backdoor_call(
            backdoor,
            command::ABSPOINTER_COMMAND,
            pointer_command::REQUEST_RELATIVE,
        );
        backdoor_call(
            backdoor,
            command::ABSPOINTER_COMMAND,
            pointer_command::DISABLE,
        );
        self.active = false;
        input.set_vmmouse_absolute(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Button, InputEvent};
    use std::collections::VecDeque;
    use std::vec::Vec;

    /// A hypervisor's vmmouse as QEMU models it (hw/i386/vmmouse.c): a word queue,
    /// a status word, and a device that disables itself on a bad read.
    #[derive(Debug, Default)]
    struct FakeHypervisor {
        no_backdoor: bool,
        no_device: bool,
        /// Reports one more queued word than there is (a buggy or racing device).
        overstate_queue: bool,
        disabled: bool,
        absolute: bool,
        queue: VecDeque<u32>,
        calls: Vec<(u32, u32)>,
    }

    impl FakeHypervisor {
        fn new() -> Self {
            Self {
                disabled: true,
                ..Self::default()
            }
        }

        /// A host pointer event, with the raw values the device reports.
        fn event(&mut self, raw_x: u32, raw_y: u32, buttons: u32, dz: i32) {
            if !self.disabled {
                self.queue.extend([buttons, raw_x, raw_y, dz as u32]);
            }
        }
    }

    impl VmwareBackdoor for FakeHypervisor {
        fn call(&mut self, regs: &mut BackdoorRegs) {
            if self.no_backdoor || regs.eax != BACKDOOR_MAGIC || regs.edx & 0xFFFF != 0x5658 {
                regs.eax = u32::MAX;
                return;
            }
            self.calls.push((regs.ecx, regs.ebx));
            match (regs.ecx & 0xFFFF, self.no_device) {
                (10, _) => {
                    regs.eax = 6;
                    regs.ebx = BACKDOOR_MAGIC;
                }
                (_, true) => regs.eax = u32::MAX,
                (40, _) => {
                    regs.eax = match self.disabled {
                        true => 0xFFFF_0000,
                        false => self.queue.len() as u32 + u32::from(self.overstate_queue) * 4,
                    }
                }
                (41, _) => match regs.ebx {
                    0x4541_4552 => {
                        self.disabled = false;
                        self.queue.push_back(0x3442_554A);
                    }
                    0x5342_4152 => self.absolute = true,
                    0x4C45_5252 => self.absolute = false,
                    0xF5 => {
                        self.disabled = true;
                        self.queue.clear();
                    }
                    _ => {}
                },
                (39, _) => {
                    let n = regs.ebx as usize;
                    if n == 0 || n > 6 || n > self.queue.len() {
                        self.disabled = true;
                        return;
                    }
                    let mut words = [0u32; 6];
                    for word in words.iter_mut().take(n) {
                        *word = self.queue.pop_front().unwrap_or(0);
                    }
                    [regs.eax, regs.ebx, regs.ecx, regs.edx, regs.esi, regs.edi] = words;
                }
                _ => {}
            }
        }
    }

    fn drain(input: &mut Input<64>) -> Vec<InputEvent> {
        core::iter::from_fn(|| input.pop()).collect()
    }

    #[test]
    fn no_backdoor_means_no_vmmouse_and_ps2_keeps_the_pointer() {
        let mut hypervisor = FakeHypervisor::new();
        hypervisor.no_backdoor = true;
        assert_eq!(
            VmMouse::detect(&mut hypervisor).err(),
            Some(VmMouseError::NoBackdoor)
        );
        let mut input = Input::<64>::new(800, 600);
        assert!(VmMouse::init(&mut hypervisor, &mut input).is_none());
        assert_eq!(input.pointer().position_source(), crate::input::Source::Ps2);
    }

    #[test]
    fn backdoor_without_pointer_device_is_refused() {
        let mut hypervisor = FakeHypervisor::new();
        hypervisor.no_device = true;
        assert!(matches!(
            VmMouse::detect(&mut hypervisor),
            Err(VmMouseError::NoDevice(_))
        ));
    }

    #[test]
    fn detect_checks_the_version_and_requests_absolute() {
        let mut hypervisor = FakeHypervisor::new();
        let mouse = VmMouse::detect(&mut hypervisor).expect("vmmouse");
        assert!(mouse.is_active() && hypervisor.absolute);
        assert_eq!(mouse.version(), 6);
        assert!(hypervisor.queue.is_empty(), "the version word was read");
        assert_eq!(
            hypervisor.calls.last(),
            Some(&(
                command::ABSPOINTER_COMMAND,
                pointer_command::REQUEST_ABSOLUTE
            ))
        );
    }

    #[test]
    fn packets_become_pixels_buttons_and_wheel() {
        let mut hypervisor = FakeHypervisor::new();
        let mut input = Input::<64>::new(800, 600);
        let mut mouse = VmMouse::init(&mut hypervisor, &mut input).expect("vmmouse");
        // QEMU: pixel (400, 300) of 800×600, left button, then release and wheel up.
        hypervisor.event(2 * (400 * 0x7FFF / 800), 2 * (300 * 0x7FFF / 600), 0x20, 0);
        hypervisor.event(2 * (400 * 0x7FFF / 800), 2 * (300 * 0x7FFF / 600), 0, -1);
        assert_eq!(mouse.poll(&mut hypervisor, &mut input), 2);
        assert_eq!(
            drain(&mut input),
            [
                InputEvent::PointerPresence { inside: true },
                InputEvent::PointerMove { x: 400, y: 300 },
                InputEvent::Button {
                    button: Button::Left,
                    pressed: true
                },
                InputEvent::Button {
                    button: Button::Left,
                    pressed: false
                },
                InputEvent::Wheel { delta: 1 },
            ]
        );
    }

    #[test]
    fn absolute_positions_hit_the_right_pixels_at_several_sizes() {
        for (w, h) in [(800, 600), (1920, 1080), (3840, 2160)] {
            let mut hypervisor = FakeHypervisor::new();
            let mut input = Input::<64>::new(w, h);
            let mut mouse = VmMouse::init(&mut hypervisor, &mut input).expect("vmmouse");
            for (px, py) in [(0, 0), (w / 3, h / 7), (w - 1, h - 1)] {
                hypervisor.event(2 * (px * 0x7FFF / w), 2 * (py * 0x7FFF / h), 0, 0);
                mouse.poll(&mut hypervisor, &mut input);
                assert_eq!(
                    input.pointer().position(),
                    (px as i32, py as i32),
                    "{w}x{h}"
                );
            }
        }
    }

    #[test]
    fn ps2_jiggle_does_not_move_the_absolute_pointer_nor_release_buttons() {
        let mut hypervisor = FakeHypervisor::new();
        let mut input = Input::<64>::new(800, 600);
        let mut mouse = VmMouse::init(&mut hypervisor, &mut input).expect("vmmouse");
        hypervisor.event(0x8000, 0x8000, 0x20, 0);
        mouse.poll(&mut hypervisor, &mut input);
        // QEMU wakes the guest with a PS/2 packet of dx = 1 and no buttons.
        input.ps2_mouse(1, 0, Buttons::empty(), 0);
        assert_eq!(input.pointer().position(), (400, 300));
        assert_eq!(input.pointer().buttons(), Buttons::LEFT);
    }

    #[test]
    fn a_bad_queue_is_recovered_then_given_up() {
        let mut hypervisor = FakeHypervisor::new();
        let mut input = Input::<64>::new(800, 600);
        let mut mouse = VmMouse::init(&mut hypervisor, &mut input).expect("vmmouse");
        // A stray word makes the queue length not a multiple of 4: re-enable.
        hypervisor.queue.push_back(7);
        hypervisor.event(0, 0, 0, 0);
        mouse.poll(&mut hypervisor, &mut input);
        assert!(mouse.is_active());
        hypervisor.event(0xFFFF, 0xFFFF, 0, 0);
        assert_eq!(mouse.poll(&mut hypervisor, &mut input), 1);
        assert_eq!(input.pointer().position(), (799, 599));
        // A device that keeps failing is given up and PS/2 takes over.
        hypervisor.no_device = true;
        mouse.poll(&mut hypervisor, &mut input);
        assert!(!mouse.is_active());
        assert_eq!(input.pointer().position_source(), crate::input::Source::Ps2);
        input.ps2_mouse(-9, 0, Buttons::empty(), 0);
        assert_eq!(input.pointer().position().0, 790);
    }

    #[test]
    fn a_refused_read_is_not_taken_for_a_click() {
        let mut hypervisor = FakeHypervisor::new();
        let mut input = Input::<64>::new(800, 600);
        let mut mouse = VmMouse::init(&mut hypervisor, &mut input).expect("vmmouse");
        hypervisor.overstate_queue = true;
        mouse.poll(&mut hypervisor, &mut input);
        assert!(
            !drain(&mut input)
                .iter()
                .any(|e| matches!(e, InputEvent::Button { .. })),
            "no phantom button from unchanged registers"
        );
    }

    #[test]
    fn relative_packets_are_decoded() {
        let packet = VmMousePacket::decode([0x1_0010, 5, (-3i32) as u32, 1]);
        assert_eq!(
            packet,
            VmMousePacket {
                x: 5,
                y: 3,
                buttons: Buttons::RIGHT,
                wheel: -1,
                relative: true
            }
        );
    }

    #[test]
    fn disable_returns_the_pointer_to_ps2() {
        let mut hypervisor = FakeHypervisor::new();
        let mut input = Input::<64>::new(800, 600);
        let mut mouse = VmMouse::init(&mut hypervisor, &mut input).expect("vmmouse");
        mouse.disable(&mut hypervisor, &mut input);
        assert!(hypervisor.disabled && !hypervisor.absolute);
        assert_eq!(input.pointer().position_source(), crate::input::Source::Ps2);
    }
}
