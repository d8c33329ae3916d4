//! One use of VirtualBox: its own `VBOX_USER_HOME` under `target/`, bounded
//! `VBoxManage` calls, and at the end the VBoxSVC this run started shut down.
//!
//! VirtualBox runs one VBoxSVC per user. `VBOX_USER_HOME` only counts when VBoxSVC
//! starts: with a VirtualBox already running, every call goes to that one and its
//! registry. So VMs get unique names and their files go under our home
//! (`createvm --basefolder`), and each `Vm` unregisters itself; a VBoxSVC that was
//! running before is left alone.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::locate::VirtualBox;
use crate::Result;

/// A lock file to hold while VirtualBox runs (machines shared by several users of
/// one account: one VBoxSVC for all of them). Unset: no lock.
pub const LOCK_VARIABLE: &str = "VITRINE_VBOX_LOCK";
/// Upper bound for one `VBoxManage` call (VBoxSVC start-up included).
pub const MANAGE_TIMEOUT: Duration = Duration::from_secs(60);

/// A VirtualBox with a private `VBOX_USER_HOME`.
pub struct Session {
    /// The VirtualBox in use.
    pub vbox: VirtualBox,
    home: PathBuf,
    _lock: Option<fs::File>,
}

impl Session {
    /// A fresh home `target/xtask/virtualbox/<label>-<pid>/`; takes the lock named
    /// by `VITRINE_VBOX_LOCK` (waiting for it) when that is set.
    pub fn new(vbox: VirtualBox, label: &str) -> Result<Self> {
        let lock = match std::env::var_os(LOCK_VARIABLE) {
            Some(path) => {
                let file = fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)?;
                eprintln!(
                    "xtask: waiting for the VirtualBox lock {}",
                    Path::new(&path).display()
                );
                file.lock()?;
                Some(file)
            }
            None => None,
        };
        let homes = crate::target_dir().join("xtask").join("virtualbox");
        end_stale_runs(&homes);
        let home = homes.join(format!("{label}-{}", std::process::id()));
        if home.exists() {
            fs::remove_dir_all(&home)?;
        }
        fs::create_dir_all(&home)?;
        Ok(Self {
            vbox,
            home,
            _lock: lock,
        })
    }

    /// This session's `VBOX_USER_HOME` (VM folders live here too).
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// A command for one of VirtualBox's programs, in this session's home.
    pub fn command(&self, program: &str) -> Command {
        let mut command = self.vbox.tool(program);
        command.env("VBOX_USER_HOME", &self.home);
        command
    }

    /// `vbox-input ARGS...` in this session's home.
    pub fn input_command(&self) -> Result<Command> {
        let mut command = self.vbox.input_tool()?;
        command.env("VBOX_USER_HOME", &self.home);
        Ok(command)
    }

    /// `VBoxManage ARGS...`, bounded by `MANAGE_TIMEOUT`; its stdout, or an error
    /// with its stderr.
    pub fn manage(&self, args: &[&str]) -> Result<String> {
        let mut command = self.command("VBoxManage");
        command.args(args);
        run_bounded(&mut command, MANAGE_TIMEOUT)
    }

    /// The VBoxSVC (and IPC daemon) processes that run with this session's home:
    /// the ones this session started.
    fn own_daemons(&self) -> Vec<u32> {
        virtualbox_processes(&["VBoxSVC", "VBoxXPCOMIPCD"])
            .into_iter()
            .filter(|(_, home)| home == &self.home)
            .map(|(pid, _)| pid)
            .collect()
    }
}

/// VirtualBox processes named `names`, with the `VBOX_USER_HOME` they run in.
fn virtualbox_processes(names: &[&str]) -> Vec<(u32, PathBuf)> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            if !names.contains(&comm.trim()) {
                return None;
            }
            let env = fs::read(format!("/proc/{pid}/environ")).ok()?;
            let home = env
                .split(|b| *b == 0)
                .find_map(|v| v.strip_prefix(b"VBOX_USER_HOME="))?;
            Some((
                pid,
                PathBuf::from(String::from_utf8_lossy(home).into_owned()),
            ))
        })
        .collect()
}

/// Ends what an earlier run of these tests left running when it was killed before
/// its clean-up (Ctrl-C): VMs and daemons whose home is one of ours
/// (`<homes>/<label>-<pid>`) while that xtask process is gone. VBoxHeadless first
/// (SIGTERM powers its VM off), then the daemons.
fn end_stale_runs(homes: &Path) {
    let stale = |home: &Path| {
        home.parent() == Some(homes)
            && home
                .file_name()
                .and_then(|n| n.to_str()?.rsplit_once('-')?.1.parse::<u32>().ok())
                .is_some_and(|owner| !Path::new(&format!("/proc/{owner}")).exists())
    };
    for names in [&["VBoxHeadless"][..], &["VBoxSVC", "VBoxXPCOMIPCD"]] {
        let pids: Vec<u32> = virtualbox_processes(names)
            .into_iter()
            .filter(|(_, home)| stale(home))
            .map(|(pid, _)| pid)
            .collect();
        for pid in &pids {
            eprintln!("xtask: ending VirtualBox process {pid} left by an earlier, killed run");
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while pids
            .iter()
            .any(|p| Path::new(&format!("/proc/{p}")).exists())
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    /// Shuts down the VBoxSVC this session started (SIGTERM: it saves its settings
    /// and exits), so the next run starts one with its own home.
    fn drop(&mut self) {
        let daemons = self.own_daemons();
        for pid in &daemons {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.own_daemons().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        for pid in self.own_daemons() {
            eprintln!("xtask: VBoxSVC/IPC daemon {pid} did not stop on SIGTERM; killing it");
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

/// Runs `command` to its end, at most `timeout` (then kills it); returns stdout,
/// or an error with the command, its status and stderr.
pub fn run_bounded(command: &mut Command, timeout: Duration) -> Result<String> {
    finish_bounded(Running::spawn(command)?, timeout)
}

/// A command started with its output collected, to be finished with
/// [`finish_bounded`] (for a command that must run while others are given).
pub struct Running {
    shown: String,
    child: Child,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Running {
    /// Starts `command` with its stdout and stderr read in the background.
    pub fn spawn(command: &mut Command) -> Result<Self> {
        let shown = describe(command);
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {shown}: {e}"))?;
        let read = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                text
            })
        };
        let stdout = read(Box::new(child.stdout.take().expect("piped")));
        let stderr = read(Box::new(child.stderr.take().expect("piped")));
        Ok(Self {
            shown,
            child,
            stdout,
            stderr,
        })
    }
}

/// Waits at most `timeout` for `running` to end (then kills it); returns stdout, or
/// an error with the command, its status and stderr.
pub fn finish_bounded(mut running: Running, timeout: Duration) -> Result<String> {
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = running.child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = running.child.kill();
            let _ = running.child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = running.stdout.join().unwrap_or_default();
    let stderr = running.stderr.join().unwrap_or_default();
    let shown = running.shown;
    match status {
        Some(status) if status.success() => Ok(stdout),
        Some(status) => Err(format!("`{shown}` failed ({status}): {}", stderr.trim()).into()),
        None => Err(format!("`{shown}` did not finish within {timeout:?}; killed").into()),
    }
}

/// `program args...` with the program's file name only, for messages.
fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program());
    let mut text = program
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_commands_report_output_failure_and_timeout() {
        let out = run_bounded(Command::new("sh").args(["-c", "echo hi"]), MANAGE_TIMEOUT);
        assert_eq!(out.unwrap(), "hi\n");
        let failed = run_bounded(
            Command::new("sh").args(["-c", "echo bad >&2; exit 3"]),
            MANAGE_TIMEOUT,
        )
        .unwrap_err()
        .to_string();
        assert!(failed.contains("bad") && failed.contains('3'), "{failed}");
        let started = Instant::now();
        let slow = run_bounded(Command::new("sleep").arg("10"), Duration::from_millis(200))
            .unwrap_err()
            .to_string();
        assert!(slow.contains("did not finish"), "{slow}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
