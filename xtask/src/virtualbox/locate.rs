//! Which VirtualBox `cargo xtask test` and `cargo xtask vbox` use, in this order:
//! an explicit folder (`--virtualbox DIR` or `VITRINE_VIRTUALBOX=DIR`), an installed
//! VirtualBox (`VBoxManage` on PATH), then the driverless test package in
//! `../shared/virtualbox/`, unpacked into `target/virtualbox/` after its SHA-256 is
//! checked and its Debian run-time libraries are installed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;

/// The environment variable naming a VirtualBox folder (like `--virtualbox DIR`).
pub const DIR_VARIABLE: &str = "VITRINE_VIRTUALBOX";
/// The version the real-VirtualBox tests were written against.
pub const TESTED_VERSION: &str = "7.0.14";
/// The driverless test package beside the repository (`../shared/virtualbox/`).
const PACKAGE: &str = "virtualbox-7.0.14-driverless-amd64.tar.xz";
/// The package's run-time libraries (its README), and `xz` to unpack it.
const PACKAGE_NEEDS: &[(&str, &str)] = &[
    ("xz", "xz-utils"),
    ("/usr/lib/x86_64-linux-gnu/libcurl.so.4", "libcurl4"),
    ("/usr/lib/x86_64-linux-gnu/liblzf.so.1", "liblzf1"),
    ("/usr/lib/x86_64-linux-gnu/libpng16.so.16", "libpng16-16"),
    ("/usr/lib/x86_64-linux-gnu/libssl.so.3", "libssl3"),
    ("/usr/lib/x86_64-linux-gnu/libxml2.so.2", "libxml2"),
    ("/usr/lib/x86_64-linux-gnu/libz.so.1", "zlib1g"),
];

/// Where the VirtualBox in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--virtualbox DIR` or `VITRINE_VIRTUALBOX`.
    Explicit(PathBuf),
    /// `VBoxManage` found on PATH.
    Installed,
    /// The driverless package, unpacked into this folder.
    Package(PathBuf),
}

/// A usable VirtualBox: where its tools are and how it runs guests.
#[derive(Debug, Clone)]
pub struct VirtualBox {
    /// The folder of `VBoxManage` and `VBoxHeadless`; `None` when they are on PATH.
    dir: Option<PathBuf>,
    /// Where it came from.
    pub origin: Origin,
    /// `VBoxManage --version`, e.g. `7.0.14r161095`.
    pub version: String,
    /// No kernel driver (`/dev/vboxdrv` missing): guests run in the interpreter and
    /// every VM needs `VBoxInternal/HM/FallbackToIEM=1`.
    pub driverless: bool,
}

impl VirtualBox {
    /// Finds a VirtualBox (see the module comment); `explicit` is `--virtualbox DIR`.
    pub fn find(explicit: Option<&Path>) -> Result<Self> {
        let from_env = std::env::var_os(DIR_VARIABLE).map(PathBuf::from);
        if let Some(dir) = explicit.map(Path::to_path_buf).or(from_env) {
            let dir = std::path::absolute(&dir)?;
            if !dir.join("VBoxManage").is_file() {
                return Err(format!(
                    "{} has no VBoxManage (from --virtualbox or {DIR_VARIABLE})",
                    dir.display()
                )
                .into());
            }
            return Self::at(Some(dir.clone()), Origin::Explicit(dir));
        }
        if on_path("VBoxManage") {
            return Self::at(None, Origin::Installed);
        }
        match package_archive() {
            Some(archive) => {
                let dir = unpack(&archive)?;
                Self::at(Some(dir.clone()), Origin::Package(dir))
            }
            None => Err(not_found().into()),
        }
    }

    fn at(dir: Option<PathBuf>, origin: Origin) -> Result<Self> {
        let mut vbox = Self {
            dir,
            origin,
            version: String::new(),
            driverless: !Path::new("/dev/vboxdrv").exists(),
        };
        let mut command = vbox.tool("VBoxManage");
        command.arg("--version");
        let output = command
            .output()
            .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
        if !output.status.success() {
            return Err(format!(
                "`VBoxManage --version` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )
            .into());
        }
        vbox.version = String::from_utf8_lossy(&output.stdout).trim().to_string();
        Ok(vbox)
    }

    /// A command for one of its programs (`VBoxManage`, `VBoxHeadless`, `vbox-input`),
    /// with `VBOX_APP_HOME` pointing at its folder when it is not an installed one.
    pub fn tool(&self, program: &str) -> Command {
        match &self.dir {
            Some(dir) => {
                let mut command = Command::new(dir.join(program));
                command.env("VBOX_APP_HOME", dir);
                command
            }
            None => Command::new(program),
        }
    }

    /// `vbox-input`, the pointer and keyboard injector: next to VBoxManage, or else
    /// the test package's (it talks to any 7.0 VirtualBox through its C API).
    pub fn input_tool(&self) -> Result<Command> {
        if let Some(dir) = &self.dir {
            if dir.join("vbox-input").is_file() {
                return Ok(self.tool("vbox-input"));
            }
        }
        let archive = package_archive().ok_or(
            "no vbox-input: it comes with the driverless package in ../shared/virtualbox/",
        )?;
        let package = unpack(&archive)?;
        let mut command = Command::new(package.join("vbox-input"));
        if let Some(dir) = &self.dir {
            command.env("VBOX_APP_HOME", dir);
        }
        Ok(command)
    }

    /// One line for logs: version, origin, execution engine.
    pub fn describe(&self) -> String {
        let origin = match &self.origin {
            Origin::Explicit(dir) => format!("explicit {}", dir.display()),
            Origin::Installed => "installed (PATH)".to_string(),
            Origin::Package(dir) => format!("test package {}", dir.display()),
        };
        let engine = if self.driverless {
            "driverless (interpreter)"
        } else {
            "kernel driver"
        };
        format!("VirtualBox {} from {origin}, {engine}", self.version)
    }
}

/// The message when no VirtualBox can be found: the three ways to provide one.
pub fn not_found() -> String {
    format!(
        "no VirtualBox found. Provide one of:\n  \
         1. --virtualbox DIR or {DIR_VARIABLE}=DIR: a folder with VBoxManage and VBoxHeadless;\n  \
         2. an installed VirtualBox {TESTED_VERSION} or later 7.0 (VBoxManage on PATH);\n  \
         3. the driverless test package: ../shared/virtualbox/{PACKAGE} and its .sha256 \
         beside the repository (unpacked into target/virtualbox/)."
    )
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// `shared/virtualbox/<package>` beside the repository: next to the checkout (CI's
/// fresh clone) or one level up (a worktree in a folder of worktrees).
fn package_archive() -> Option<PathBuf> {
    crate::project_root()
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("shared").join("virtualbox").join(PACKAGE))
        .find(|archive| archive.is_file())
}

/// Unpacks the package into `target/virtualbox/` once per archive hash and returns
/// its `virtualbox/` folder. Fails when the archive does not match its `.sha256`.
fn unpack(archive: &Path) -> Result<PathBuf> {
    let expected = expected_sha256(archive)?;
    let dest = crate::target_dir().join("virtualbox").join(TESTED_VERSION);
    let stamp = dest.join("unpacked.sha256");
    let dir = dest.join("virtualbox");
    crate::setup::ensure_packages(PACKAGE_NEEDS)?;
    if fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == expected) && dir.is_dir() {
        return Ok(dir);
    }
    let actual = sha256(archive)?;
    if actual != expected {
        return Err(format!(
            "{}: SHA-256 {actual}, but its .sha256 file says {expected}",
            archive.display()
        )
        .into());
    }
    if dest.exists() {
        fs::remove_dir_all(&dest)?;
    }
    fs::create_dir_all(&dest)?;
    crate::run_command(
        Command::new("tar")
            .arg("-C")
            .arg(&dest)
            .arg("-xJf")
            .arg(archive),
    )?;
    if !dir.join("VBoxManage").is_file() {
        return Err(format!(
            "{} did not unpack to virtualbox/VBoxManage",
            archive.display()
        )
        .into());
    }
    fs::write(&stamp, &expected)?;
    Ok(dir)
}

fn expected_sha256(archive: &Path) -> Result<String> {
    let mut file = archive.as_os_str().to_owned();
    file.push(".sha256");
    let text = fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", Path::new(&file).display()))?;
    parse_sha256(&text).ok_or_else(|| {
        format!(
            "{} holds no SHA-256 (64 hex digits)",
            Path::new(&file).display()
        )
        .into()
    })
}

/// The first word of a `sha256sum` line, if it is 64 hex digits.
fn parse_sha256(text: &str) -> Option<String> {
    let word = text.split_whitespace().next()?;
    (word.len() == 64 && word.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| word.to_ascii_lowercase())
}

fn sha256(file: &Path) -> Result<String> {
    let output = Command::new("sha256sum")
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run sha256sum: {e}"))?;
    if !output.status.success() {
        return Err(format!("sha256sum {} failed", file.display()).into());
    }
    parse_sha256(&String::from_utf8_lossy(&output.stdout))
        .ok_or_else(|| "sha256sum printed no hash".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_lines() {
        let hash = "ff38a6f141d03ac6ec74dbce6de2436190c40582b048d33fd569c985862a5b34";
        assert_eq!(parse_sha256(&format!("{hash}  x.tar.xz\n")).unwrap(), hash);
        assert_eq!(
            parse_sha256(&hash.to_uppercase()).unwrap(),
            hash,
            "upper case is accepted"
        );
        assert!(parse_sha256("abc  x.tar.xz").is_none());
        assert!(parse_sha256("").is_none());
    }

    #[test]
    fn the_failure_names_all_three_ways() {
        let message = not_found();
        assert!(message.contains("--virtualbox DIR"));
        assert!(message.contains(DIR_VARIABLE));
        assert!(message.contains("VBoxManage on PATH"));
        assert!(message.contains("../shared/virtualbox/"));
    }

    #[test]
    fn an_explicit_folder_without_vboxmanage_is_an_error() {
        let empty = std::env::temp_dir().join(format!("vitrine-novbox-{}", std::process::id()));
        fs::create_dir_all(&empty).unwrap();
        let error = VirtualBox::find(Some(&empty)).unwrap_err().to_string();
        assert!(error.contains("has no VBoxManage"), "{error}");
        fs::remove_dir_all(&empty).unwrap();
    }
}
