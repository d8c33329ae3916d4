//! The i8042 PS/2 controller: bring-up with self-tests, and bounded byte exchange
//! with the devices behind it.
//!
//! Every wait polls the status register a bounded number of times: a missing or
//! broken controller makes bring-up fail with an error, never hang.

use crate::hal::PortIo;
use crate::logging;

/// Data port: device bytes in, command parameters and device bytes out.
pub const DATA_PORT: u16 = 0x60;
/// Status register (read) and controller command register (write).
pub const STATUS_PORT: u16 = 0x64;

bitflags::bitflags! {
    /// The status register.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Status: u8 {
        /// A byte waits in the output buffer (read it from the data port).
        const OUTPUT_FULL = 1 << 0;
        /// The controller has not taken our last byte yet: do not write.
        const INPUT_FULL = 1 << 1;
        /// System flag (set once POST passed).
        const SYSTEM = 1 << 2;
        /// The last write was a command (0x64), not data.
        const COMMAND = 1 << 3;
        /// Bit 4: keyboard inhibit on old controllers; ignored.
        const INHIBIT = 1 << 4;
        /// The waiting byte came from the second port (the mouse).
        const AUX_DATA = 1 << 5;
        /// Timeout talking to a device.
        const TIMEOUT = 1 << 6;
        /// Parity error on a device byte.
        const PARITY = 1 << 7;
    }
}

bitflags::bitflags! {
    /// The controller configuration byte (commands 0x20/0x60).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Config: u8 {
        /// Raise IRQ 1 for keyboard bytes.
        const PORT1_IRQ = 1 << 0;
        /// Raise IRQ 12 for mouse bytes.
        const PORT2_IRQ = 1 << 1;
        /// System flag (POST passed).
        const SYSTEM = 1 << 2;
        /// Bit 3: must be zero.
        const RESERVED3 = 1 << 3;
        /// First port clock off (keyboard disabled).
        const PORT1_CLOCK_OFF = 1 << 4;
        /// Second port clock off (mouse disabled).
        const PORT2_CLOCK_OFF = 1 << 5;
        /// Translate keyboard set 2 to set 1.
        const TRANSLATION = 1 << 6;
        /// Bit 7: must be zero.
        const RESERVED7 = 1 << 7;
    }
}

/// Controller commands, written to the status port.
mod command {
    pub const READ_CONFIG: u8 = 0x20;
    pub const WRITE_CONFIG: u8 = 0x60;
    pub const DISABLE_PORT2: u8 = 0xA7;
    pub const ENABLE_PORT2: u8 = 0xA8;
    pub const TEST_PORT2: u8 = 0xA9;
    pub const SELF_TEST: u8 = 0xAA;
    pub const TEST_PORT1: u8 = 0xAB;
    pub const DISABLE_PORT1: u8 = 0xAD;
    pub const ENABLE_PORT1: u8 = 0xAE;
    /// The next data byte goes to the second port.
    pub const WRITE_PORT2: u8 = 0xD4;
}

/// Controller replies.
mod reply {
    pub const SELF_TEST_PASSED: u8 = 0x55;
    pub const PORT_TEST_PASSED: u8 = 0x00;
}

/// Device replies common to keyboard and mouse.
pub mod device_reply {
    /// Command accepted.
    pub const ACK: u8 = 0xFA;
    /// Send the last byte again.
    pub const RESEND: u8 = 0xFE;
    /// Power-on / reset self-test passed.
    pub const SELF_TEST_PASSED: u8 = 0xAA;
}

/// Device command: reset and self-test.
const DEVICE_RESET: u8 = 0xFF;

/// Status polls before a controller or device reply counts as missing. A port read
/// takes about a microsecond on hardware, so this is tens of milliseconds; virtual
/// controllers answer at once.
const REPLY_POLLS: u32 = 50_000;
/// Status polls for a device's self-test after reset (hardware may take ~500 ms).
const RESET_POLLS: u32 = 1_000_000;
/// Stale bytes to discard before the controller counts as stuck.
const FLUSH_LIMIT: usize = 64;
/// Tries of a device command the device asks to resend.
const RESEND_TRIES: usize = 3;

/// What went wrong talking to the controller or a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ps2Error {
    /// The status register reads 0xFF (nothing decodes the ports) or the output
    /// buffer never empties.
    Absent,
    /// The controller self-test answered this instead of 0x55.
    SelfTestFailed(u8),
    /// No reply in time.
    Timeout,
    /// A device answered this instead of ACK.
    Unexpected(u8),
}

/// One of the two device ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// The first port: the keyboard.
    Keyboard,
    /// The second (auxiliary) port: the mouse.
    Mouse,
}

/// A controller that passed its self-test, and what it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Controller {
    /// Keyboard bytes arrive translated to scancode set 1.
    pub translation: bool,
    /// The first port passed its interface test and is enabled.
    pub keyboard_port: bool,
    /// The controller has a second port, it passed its test and is enabled.
    pub mouse_port: bool,
}

/// Reads the status register.
pub fn read_status(io: &mut impl PortIo) -> Status {
    Status::from_bits_retain(io.in8(STATUS_PORT))
}

impl Controller {
    /// Brings the controller up: ports off, buffer flushed, IRQs off, self-test,
    /// second-port detection, interface tests, working ports back on. IRQs stay off
    /// until `enable_irqs`, so device bring-up can poll.
    ///
    /// The firmware's translation setting is kept (keyboard bytes are then set 1).
    pub fn init(io: &mut impl PortIo) -> Result<Controller, Ps2Error> {
        if io.in8(STATUS_PORT) == 0xFF {
            return Err(Ps2Error::Absent);
        }
        command(io, command::DISABLE_PORT1)?;
        command(io, command::DISABLE_PORT2)?;
        flush(io)?;

        let mut config = read_config(io)?;
        let translation = config.contains(Config::TRANSLATION);
        config
            .remove(Config::PORT1_IRQ | Config::PORT2_IRQ | Config::RESERVED3 | Config::RESERVED7);
        write_config(io, config)?;

        command(io, command::SELF_TEST)?;
        match read_data(io, REPLY_POLLS)? {
            reply::SELF_TEST_PASSED => {}
            other => return Err(Ps2Error::SelfTestFailed(other)),
        }
        // Some controllers reset the configuration during the self-test.
        write_config(io, config)?;

        // A second port exists if enabling it clears its clock-off bit.
        let mut dual = false;
        if config.contains(Config::PORT2_CLOCK_OFF) {
            command(io, command::ENABLE_PORT2)?;
            dual = !read_config(io)?.contains(Config::PORT2_CLOCK_OFF);
            command(io, command::DISABLE_PORT2)?;
        }

        let keyboard_port = port_test(io, command::TEST_PORT1);
        let mouse_port = dual && port_test(io, command::TEST_PORT2);
        if keyboard_port {
            command(io, command::ENABLE_PORT1)?;
        }
        if mouse_port {
            command(io, command::ENABLE_PORT2)?;
        }
        Ok(Controller {
            translation,
            keyboard_port,
            mouse_port,
        })
    }

    /// Turns on IRQ 1 / IRQ 12 for the ports whose devices came up, with their clocks
    /// on, keeping translation as found.
    pub fn enable_irqs(
        &self,
        io: &mut impl PortIo,
        keyboard: bool,
        mouse: bool,
    ) -> Result<(), Ps2Error> {
        let mut config = read_config(io)?;
        if keyboard {
            config.insert(Config::PORT1_IRQ);
            config.remove(Config::PORT1_CLOCK_OFF);
        }
        if mouse {
            config.insert(Config::PORT2_IRQ);
            config.remove(Config::PORT2_CLOCK_OFF);
        }
        config.set(Config::TRANSLATION, self.translation);
        write_config(io, config)
    }

    /// Sends a command byte to a device and waits for its ACK, resending when asked.
    pub fn device_command(
        &self,
        io: &mut impl PortIo,
        port: Port,
        byte: u8,
    ) -> Result<(), Ps2Error> {
        for _ in 0..RESEND_TRIES {
            write_device(io, port, byte)?;
            match read_from(io, port, REPLY_POLLS)? {
                device_reply::ACK => return Ok(()),
                device_reply::RESEND => continue,
                other => return Err(Ps2Error::Unexpected(other)),
            }
        }
        Err(Ps2Error::Unexpected(device_reply::RESEND))
    }

    /// Sends a command and its parameter byte, each acknowledged.
    pub fn device_command_with(
        &self,
        io: &mut impl PortIo,
        port: Port,
        byte: u8,
        parameter: u8,
    ) -> Result<(), Ps2Error> {
        self.device_command(io, port, byte)?;
        self.device_command(io, port, parameter)
    }

    /// Reads one reply byte from a device.
    pub fn read_reply(&self, io: &mut impl PortIo, port: Port) -> Result<u8, Ps2Error> {
        read_from(io, port, REPLY_POLLS)
    }

    /// Resets a device and waits for its self-test result. A mouse then sends its ID
    /// byte, which is read and discarded.
    pub fn reset_device(&self, io: &mut impl PortIo, port: Port) -> Result<(), Ps2Error> {
        self.device_command(io, port, DEVICE_RESET)?;
        match read_from(io, port, RESET_POLLS)? {
            device_reply::SELF_TEST_PASSED => {}
            other => return Err(Ps2Error::Unexpected(other)),
        }
        if port == Port::Mouse {
            // The ID byte (0x00); its absence is not an error worth failing for.
            let _ = read_from(io, port, REPLY_POLLS);
        }
        Ok(())
    }
}

/// Writes a controller command.
fn command(io: &mut impl PortIo, byte: u8) -> Result<(), Ps2Error> {
    wait_writable(io)?;
    io.out8(STATUS_PORT, byte);
    Ok(())
}

fn wait_writable(io: &mut impl PortIo) -> Result<(), Ps2Error> {
    for _ in 0..REPLY_POLLS {
        if !read_status(io).contains(Status::INPUT_FULL) {
            return Ok(());
        }
        core::hint::spin_loop();
    }
    Err(Ps2Error::Timeout)
}

/// Reads the next byte from either port.
fn read_data(io: &mut impl PortIo, polls: u32) -> Result<u8, Ps2Error> {
    for _ in 0..polls {
        if read_status(io).contains(Status::OUTPUT_FULL) {
            return Ok(io.in8(DATA_PORT));
        }
        core::hint::spin_loop();
    }
    Err(Ps2Error::Timeout)
}

/// Reads the next byte from `port`, discarding (and logging) bytes from the other.
fn read_from(io: &mut impl PortIo, port: Port, polls: u32) -> Result<u8, Ps2Error> {
    for _ in 0..polls {
        let status = read_status(io);
        if status.contains(Status::OUTPUT_FULL) {
            let byte = io.in8(DATA_PORT);
            let from_mouse = status.contains(Status::AUX_DATA);
            if from_mouse == (port == Port::Mouse) {
                return Ok(byte);
            }
            logging::debug!("ps2: discarded {byte:#04x} from the other port during bring-up");
        }
        core::hint::spin_loop();
    }
    Err(Ps2Error::Timeout)
}

fn write_device(io: &mut impl PortIo, port: Port, byte: u8) -> Result<(), Ps2Error> {
    if port == Port::Mouse {
        command(io, command::WRITE_PORT2)?;
    }
    wait_writable(io)?;
    io.out8(DATA_PORT, byte);
    Ok(())
}

fn flush(io: &mut impl PortIo) -> Result<(), Ps2Error> {
    for _ in 0..FLUSH_LIMIT {
        if !read_status(io).contains(Status::OUTPUT_FULL) {
            return Ok(());
        }
        let _ = io.in8(DATA_PORT);
    }
    Err(Ps2Error::Absent)
}

fn read_config(io: &mut impl PortIo) -> Result<Config, Ps2Error> {
    command(io, command::READ_CONFIG)?;
    Ok(Config::from_bits_retain(read_data(io, REPLY_POLLS)?))
}

fn write_config(io: &mut impl PortIo, config: Config) -> Result<(), Ps2Error> {
    command(io, command::WRITE_CONFIG)?;
    wait_writable(io)?;
    io.out8(DATA_PORT, config.bits());
    Ok(())
}

fn port_test(io: &mut impl PortIo, test: u8) -> bool {
    if command(io, test).is_err() {
        return false;
    }
    match read_data(io, REPLY_POLLS) {
        Ok(reply::PORT_TEST_PASSED) => true,
        Ok(code) => {
            logging::warn!("ps2: port test {test:#04x} failed with {code:#04x}");
            false
        }
        Err(_) => false,
    }
}
