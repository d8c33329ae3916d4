//! Booting the ISO in QEMU: the command line, and `QemuRun`, the harness tests use.
//!
//! A `QemuRun` is one headless QEMU process with serial going to a file and QMP on a
//! unix socket. Tests wait for status lines, take screenshots, inject input and read
//! the exit status; the process is killed when the `QemuRun` is dropped.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::image::Image;
use crate::qmp::Qmp;
use crate::setup::{OVMF_CODE, OVMF_VARS};
use crate::status_line::{self, StatusLine};
use crate::Result;

/// The isa-debug-exit device: the kernel writes 0x10 (success) or 0x11 (fault or
/// panic) to port 0xf4 and QEMU exits with `(value << 1) | 1`.
pub const DEBUG_EXIT_DEVICE: &str = "isa-debug-exit,iobase=0xf4,iosize=0x04";

/// Which firmware boots the ISO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// SeaBIOS, El Torito boot.
    Bios,
    /// OVMF (UEFI), the ISO's EFI system partition.
    Uefi,
}

impl Firmware {
    /// The name the kernel's `@vitrine boot firmware=` field uses.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bios => "bios",
            Self::Uefi => "uefi",
        }
    }
}

/// How QEMU ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QemuExit {
    /// The kernel wrote 0x10 to isa-debug-exit (QEMU status 33).
    Success,
    /// The kernel wrote 0x11: a fault or panic in test mode (QEMU status 35).
    Failed,
    /// Any other status (0 = QEMU quit normally, e.g. after a triple fault with
    /// `-no-reboot`; 1 = QEMU error).
    Other(i32),
    /// Killed by a signal (including our own timeout kill).
    Signalled,
}

impl QemuExit {
    fn from_status(status: ExitStatus) -> Self {
        match status.code() {
            Some(33) => Self::Success,
            Some(35) => Self::Failed,
            Some(code) => Self::Other(code),
            None => Self::Signalled,
        }
    }
}

impl std::fmt::Display for QemuExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Success => f.write_str("success (33)"),
            Self::Failed => f.write_str("fault/panic (35)"),
            Self::Other(code) => write!(f, "unexpected exit status {code}"),
            Self::Signalled => f.write_str("killed by a signal"),
        }
    }
}

/// Everything that decides how QEMU is started.
#[derive(Debug, Clone)]
pub struct QemuOptions {
    /// The ISO to boot.
    pub iso: PathBuf,
    /// BIOS or UEFI.
    pub firmware: Firmware,
    /// Guest RAM in MiB.
    pub memory_mib: u32,
    /// Further QEMU arguments (devices, `-vga` override...).
    pub extra_args: Vec<String>,
}

impl QemuOptions {
    /// Defaults: 256 MiB, no extra arguments.
    pub fn new(iso: PathBuf, firmware: Firmware) -> Self {
        Self {
            iso,
            firmware,
            memory_mib: 256,
            extra_args: Vec::new(),
        }
    }

    /// The QEMU command without display/serial choices. `vars` is where a UEFI run
    /// keeps its private copy of the OVMF variable store.
    pub fn command(&self, vars: &Path) -> Result<Command> {
        let mut command = Command::new("qemu-system-x86_64");
        command
            .args(["-accel", "tcg", "-m"])
            .arg(self.memory_mib.to_string());
        // `-boot c` among the extra arguments: the ISO as a hard disk, as written to a
        // USB stick (its hybrid MBR), with the guest's writes thrown away.
        if self.extra_args.windows(2).any(|w| w == ["-boot", "c"]) {
            command.arg("-drive").arg(format!(
                "file={},format=raw,if=ide,snapshot=on",
                self.iso.display()
            ));
        } else {
            command.arg("-cdrom").arg(&self.iso).args(["-boot", "d"]);
        }
        command.args(["-device", DEBUG_EXIT_DEVICE]);
        // A reset ends QEMU, unless the test lets the guest restart
        // (`-action reboot=reset` among the extra arguments).
        if !self.extra_args.iter().any(|a| a == "reboot=reset") {
            command.arg("-no-reboot");
        }
        if !self.extra_args.iter().any(|a| a == "-vga") {
            command.args(["-vga", "std"]);
        }
        if self.firmware == Firmware::Uefi {
            fs::copy(OVMF_VARS, vars)
                .map_err(|e| format!("cannot copy {OVMF_VARS} to {}: {e}", vars.display()))?;
            command
                .arg("-drive")
                .arg(format!(
                    "if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}"
                ))
                .arg("-drive")
                .arg(format!(
                    "if=pflash,format=raw,unit=1,file={}",
                    vars.display()
                ));
        }
        command.args(&self.extra_args);
        Ok(command)
    }
}

/// One running, headless QEMU with serial in a file and QMP on a socket.
pub struct QemuRun {
    child: Child,
    dir: PathBuf,
    serial: PathBuf,
    qmp_socket: PathBuf,
    qmp: Option<Qmp>,
    exit: Option<QemuExit>,
}

impl QemuRun {
    /// Starts QEMU headless. `name` names the run's directory under
    /// `target/xtask/runs/` (serial.log, qemu.log, screenshots).
    pub fn start(name: &str, options: &QemuOptions) -> Result<Self> {
        let dir = crate::target_dir().join("xtask").join("runs").join(name);
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(&dir)?;
        let serial = dir.join("serial.log");
        // Unix socket paths are limited to ~108 bytes: keep it short, in /tmp.
        let qmp_socket =
            std::env::temp_dir().join(format!("vitrine-qmp-{}-{}.sock", std::process::id(), name));
        let _ = fs::remove_file(&qmp_socket);
        let mut command = options.command(&dir.join("ovmf-vars.fd"))?;
        command
            .args(["-display", "none", "-monitor", "none"])
            .arg("-serial")
            .arg(format!("file:{}", serial.display()))
            .arg("-qmp")
            .arg(format!("unix:{},server=on,wait=off", qmp_socket.display()))
            .stdin(Stdio::null())
            .stdout(fs::File::create(dir.join("qemu.log"))?)
            .stderr(fs::File::create(dir.join("qemu.stderr.log"))?);
        crate::echo(&command);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start qemu-system-x86_64: {e}"))?;
        Ok(Self {
            child,
            dir,
            serial,
            qmp_socket,
            qmp: None,
            exit: None,
        })
    }

    /// QEMU's process id (its CPU time is in `/proc/PID/stat`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The run's directory (logs, screenshots).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Everything the guest wrote to COM1 so far (firmware and GRUB output included).
    pub fn serial_log(&self) -> String {
        fs::read(&self.serial)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// QEMU's own stderr (device or firmware errors).
    pub fn qemu_stderr(&self) -> String {
        fs::read_to_string(self.dir.join("qemu.stderr.log")).unwrap_or_default()
    }

    /// Every `@vitrine` line so far, in order.
    pub fn status_lines(&self) -> Vec<StatusLine> {
        status_line::parse_log(&self.serial_log())
    }

    /// Waits for the first status line with this word.
    pub fn wait_for(&mut self, word: &str, timeout: Duration) -> Result<StatusLine> {
        self.wait_for_after(0, word, timeout)
    }

    /// Waits for a status line with this word among the lines from index `first` on
    /// (e.g. `earlier.index + 1`: the next one after a line already seen).
    pub fn wait_for_after(
        &mut self,
        first: usize,
        word: &str,
        timeout: Duration,
    ) -> Result<StatusLine> {
        self.wait_for_match(|line| line.index >= first && line.word == word, timeout)
            .map_err(|e| format!("waiting for `@vitrine {word}`: {e}").into())
    }

    /// Waits for the first status line `matches` accepts. Fails at the timeout, or
    /// as soon as QEMU exits without having printed it.
    pub fn wait_for_match(
        &mut self,
        mut matches: impl FnMut(&StatusLine) -> bool,
        timeout: Duration,
    ) -> Result<StatusLine> {
        status_line::wait_for_line(
            || {
                // Check exit first, then read: a line written just before exiting counts.
                let exited = self
                    .poll_exit()?
                    .map(|exit| format!("QEMU exited ({exit})"));
                Ok((self.status_lines(), exited))
            },
            &mut matches,
            timeout,
        )
    }

    /// Waits for QEMU to exit; kills it at the timeout (giving `Signalled`).
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<QemuExit> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(exit) = self.poll_exit()? {
                return Ok(exit);
            }
            if Instant::now() >= deadline {
                self.kill();
                return Ok(self.exit.unwrap_or(QemuExit::Signalled));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How QEMU exited, or `None` while it runs.
    pub fn poll_exit(&mut self) -> Result<Option<QemuExit>> {
        if self.exit.is_none() {
            if let Some(status) = self.child.try_wait()? {
                self.exit = Some(QemuExit::from_status(status));
            }
        }
        Ok(self.exit)
    }

    /// The QMP session (connected on first use).
    pub fn qmp(&mut self) -> Result<&mut Qmp> {
        if self.qmp.is_none() {
            self.qmp = Some(Qmp::connect(&self.qmp_socket, Duration::from_secs(10))?);
        }
        Ok(self.qmp.as_mut().expect("just connected"))
    }

    /// Takes a screenshot over QMP, stores it as `<run dir>/<name>.png` and returns
    /// the PNG path and the image.
    pub fn screenshot(&mut self, name: &str) -> Result<(PathBuf, Image)> {
        let ppm = self.dir.join(format!("{name}.ppm"));
        self.qmp()?.screendump(&ppm)?;
        let image = Image::read_ppm(&ppm)?;
        let png = self.dir.join(format!("{name}.png"));
        image.write_png(&png)?;
        let _ = fs::remove_file(&ppm);
        Ok((png, image))
    }

    /// Stops QEMU now.
    pub fn kill(&mut self) {
        if self.exit.is_none() {
            let _ = self.child.kill();
            if let Ok(status) = self.child.wait() {
                self.exit = Some(QemuExit::from_status(status));
            }
        }
    }
}

impl Drop for QemuRun {
    fn drop(&mut self) {
        self.kill();
        let _ = fs::remove_file(&self.qmp_socket);
    }
}

/// Connects to a unix socket QEMU creates while it starts (`-qmp`, `-vnc`),
/// retrying until `timeout`; the last error if it never accepts.
pub fn connect_when_ready(
    socket: &std::path::Path,
    timeout: std::time::Duration,
) -> std::io::Result<std::os::unix::net::UnixStream> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match std::os::unix::net::UnixStream::connect(socket) {
            Ok(stream) => return Ok(stream),
            Err(e) if std::time::Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}
