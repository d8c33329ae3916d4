//! `Vm`: one VirtualBox VM of a test, from creation to unregistration.
//!
//! Created registered and configured, started with `VBoxHeadless` as our child,
//! driven with `controlvm`/`vbox-input`/`guestproperty`, read through its serial log
//! and `VBox.log`. Dropping it powers it off, keeps a copy of `VBox.log` in the
//! run folder and unregisters it, whatever happened before.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::config::{Graphics, VmConfig};
use super::session::{run_bounded, Running, Session, MANAGE_TIMEOUT};
use crate::preview::Frame;
use crate::qemu::Firmware;
use crate::status_line::{self, StatusLine};
use crate::Result;

/// The prefix VirtualBox gives the guest's backdoor log in `VBox.log`.
pub const GUEST_LOG: &str = "VMMDev: Guest Log: ";

/// A VM of this session.
pub struct Vm<'s> {
    session: &'s Session,
    config: VmConfig,
    dir: PathBuf,
    headless: Option<Child>,
    registered: bool,
}

impl<'s> Vm<'s> {
    /// Creates and registers `vitrine-<test>-<pid>` booting `iso`; its serial log,
    /// screenshots and the final `VBox.log` go to `target/xtask/runs/<test>/`.
    pub fn create(
        session: &'s Session,
        test: &str,
        iso: &Path,
        firmware: Firmware,
        graphics: Graphics,
        vram_mib: u32,
    ) -> Result<Self> {
        let dir = crate::target_dir().join("xtask").join("runs").join(test);
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(&dir)?;
        let name = format!("vitrine-{test}-{}", std::process::id());
        let mut config = VmConfig::new(&name, iso.to_path_buf(), dir.join("serial.log"));
        config.firmware = firmware;
        config.graphics = graphics;
        config.vram_mib = vram_mib;
        config.base_folder = Some(session.home().to_path_buf());
        let mut vm = Self {
            session,
            config,
            dir,
            headless: None,
            registered: false,
        };
        let commands = vm.config.create_commands();
        vm.manage_owned(&commands[0])?;
        vm.registered = true;
        for command in commands[1..]
            .iter()
            .chain(&vm.config.configure_commands(session.vbox.driverless))
        {
            vm.manage_owned(command)?;
        }
        Ok(vm)
    }

    /// The VM's name in VirtualBox.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The run folder (serial log, screenshots, `VBox.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts it headless (`VBoxHeadless`, our child process).
    pub fn start(&mut self) -> Result {
        let mut command = self.session.command("VBoxHeadless");
        command
            .args(["--startvm", &self.config.name])
            .stdin(Stdio::null())
            .stdout(fs::File::create(self.dir.join("headless.log"))?)
            .stderr(fs::File::create(self.dir.join("headless.stderr.log"))?);
        crate::echo(&command);
        self.headless = Some(
            command
                .spawn()
                .map_err(|e| format!("cannot start VBoxHeadless: {e}"))?,
        );
        Ok(())
    }

    /// `VBoxManage ARGS...` (bounded); its stdout.
    pub fn manage(&self, args: &[&str]) -> Result<String> {
        self.session.manage(args)
    }

    /// `VBoxManage ARGS...` started in the background (e.g. `guestproperty wait`);
    /// finish it with `session::finish_bounded`.
    pub fn spawn_manage(&self, args: &[&str]) -> Result<Running> {
        let mut command = self.session.command("VBoxManage");
        command.args(args);
        Running::spawn(&mut command)
    }

    fn manage_owned(&self, args: &[String]) -> Result<String> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.manage(&args)
    }

    /// `VBoxManage controlvm <vm> ARGS...`.
    pub fn controlvm(&self, args: &[&str]) -> Result<String> {
        let mut all = vec!["controlvm", self.name()];
        all.extend_from_slice(args);
        self.manage(&all)
    }

    /// `vbox-input <vm> ARGS...` (pointer and keyboard; see the package README).
    pub fn input(&self, args: &[&str]) -> Result<String> {
        let mut command = self.session.input_command()?;
        command.arg(self.name()).args(args);
        run_bounded(&mut command, MANAGE_TIMEOUT)
    }

    /// The VM state from `showvminfo` (`running`, `poweroff`, ...).
    pub fn state(&self) -> Result<String> {
        let info = self.manage(&["showvminfo", self.name(), "--machinereadable"])?;
        info.lines()
            .find_map(|l| l.strip_prefix("VMState="))
            .map(|s| s.trim_matches('"').to_string())
            .ok_or_else(|| "showvminfo printed no VMState".into())
    }

    /// Waits until `VBoxHeadless` has exited and VirtualBox reports `state`.
    pub fn wait_state(&mut self, state: &str, timeout: Duration) -> Result {
        let deadline = Instant::now() + timeout;
        loop {
            if self.headless_exit().is_some() {
                // The session may still be closing right after the process ends.
                match self.state() {
                    Ok(now) if now == state => return Ok(()),
                    Ok(now) if Instant::now() >= deadline => {
                        return Err(format!("VM state {now}, expected {state}").into())
                    }
                    Err(e) if Instant::now() >= deadline => return Err(e),
                    _ => {}
                }
            } else if Instant::now() >= deadline {
                return Err(
                    format!("VM still running after {timeout:?} (expected {state})").into(),
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// How `VBoxHeadless` ended, once it has.
    fn headless_exit(&mut self) -> Option<String> {
        let child = self.headless.as_mut()?;
        match child.try_wait() {
            Ok(Some(status)) => Some(format!("VBoxHeadless exited ({status})")),
            Ok(None) => None,
            Err(e) => Some(format!("VBoxHeadless: {e}")),
        }
    }

    /// Everything the guest wrote to COM1 so far.
    pub fn serial_log(&self) -> String {
        fs::read(&self.config.serial_log)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// Every `@vitrine` line so far.
    pub fn status_lines(&self) -> Vec<StatusLine> {
        status_line::parse_log(&self.serial_log())
    }

    /// Waits for the first status line with this word (as `QemuRun::wait_for`).
    pub fn wait_for(&mut self, word: &str, timeout: Duration) -> Result<StatusLine> {
        self.wait_for_after(0, word, timeout)
    }

    /// Waits for a status line with this word from index `first` on.
    pub fn wait_for_after(
        &mut self,
        first: usize,
        word: &str,
        limit: Duration,
    ) -> Result<StatusLine> {
        let found = self.wait_for_match(status_line::word_from(first, word), limit);
        found.map_err(|e| format!("waiting for `@vitrine {word}`: {e}").into())
    }

    /// Waits for the first status line `matches` accepts; fails at the timeout or
    /// when the VM stops without having printed it.
    pub fn wait_for_match(
        &mut self,
        matches: impl FnMut(&StatusLine) -> bool,
        timeout: Duration,
    ) -> Result<StatusLine> {
        status_line::wait_for_line(
            || {
                let stopped = self.headless_exit();
                Ok((self.status_lines(), stopped))
            },
            matches,
            timeout,
        )
    }

    /// `controlvm screenshotpng` of screen 0, kept as `<run dir>/<name>.png`. It reads
    /// video memory as it is: take it after the `frame` line of the mode checked.
    pub fn screenshot(&self, name: &str) -> Result<Frame> {
        let png = self.dir.join(format!("{name}.png"));
        self.controlvm(&["screenshotpng", &png.to_string_lossy()])?;
        read_png(&png)
    }

    /// The VM's `VBox.log` as it is now (VirtualBox flushes it as it goes).
    pub fn vbox_log(&self) -> String {
        let live = self.vm_folder().join("Logs").join("VBox.log");
        let kept = self.dir.join("VBox.log");
        fs::read(&live)
            .or_else(|_| fs::read(kept))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The guest's backdoor log lines in `VBox.log`, without the prefix.
    pub fn guest_log(&self) -> Vec<String> {
        self.vbox_log()
            .lines()
            .filter_map(|l| l.split_once(GUEST_LOG).map(|(_, text)| text.to_string()))
            .collect()
    }

    fn vm_folder(&self) -> PathBuf {
        self.session.home().join(&self.config.name)
    }

    /// Powers the VM off (if it runs), keeps `VBox.log` and unregisters it. Safe to
    /// call more than once; `Drop` calls it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.headless.take() {
            if matches!(child.try_wait(), Ok(None)) {
                let _ = self.controlvm(&["poweroff"]);
                let deadline = Instant::now() + Duration::from_secs(30);
                while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(100));
                }
                // A VBoxHeadless that ignores the power-off is ended by its id.
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        let log = self.vm_folder().join("Logs").join("VBox.log");
        if log.is_file() {
            let _ = fs::copy(&log, self.dir.join("VBox.log"));
        }
        if self.registered {
            // The session can take a moment to close after VBoxHeadless ends.
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                match self.manage(&["unregistervm", &self.config.name]) {
                    Ok(_) => break,
                    Err(e) if Instant::now() >= deadline => {
                        eprintln!("xtask: could not unregister {}: {e}", self.config.name);
                        break;
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(500)),
                }
            }
            self.registered = false;
        }
    }
}

impl Drop for Vm<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Decodes VirtualBox's `screenshotpng` (8-bit RGB or RGBA) into a frame.
pub fn read_png(path: &Path) -> Result<Frame> {
    let file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info()?;
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer)?;
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => {
            return Err(format!("{}: unexpected PNG colour type {other:?}", path.display()).into())
        }
    };
    let rgb: Vec<u8> = buffer[..info.buffer_size()]
        .chunks_exact(channels)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    Frame::from_rgb(info.width, info.height, &rgb)
        .ok_or_else(|| format!("{}: bad PNG size", path.display()).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::write_png;

    #[test]
    fn png_screenshots_decode_to_frames() {
        let frame = Frame {
            width: 3,
            height: 2,
            pixels: vec![0x102030, 0x405060, 0x708090, 0xa0b0c0, 0xd0e0f0, 0x000000],
        };
        let path = std::env::temp_dir().join(format!("vitrine-png-{}.png", std::process::id()));
        write_png(&frame, &path).unwrap();
        let back = read_png(&path).unwrap();
        fs::remove_file(&path).unwrap();
        assert_eq!((back.width, back.height), (3, 2));
        assert_eq!(back.pixels, frame.pixels);
        assert!(read_png(Path::new("/nonexistent.png")).is_err());
    }
}
