//! Scenario scripts: one command per line, `#` starts a comment.
//!
//! Host actions: `resize SCREEN W H` (setvideomodehint) · `gui-resize SCREEN W H`
//! (window resize: only with auto-resize offered, never the current size) ·
//! `mouse X Y` (pixels; the twin converts to 0..0xFFFF) · `mouse-to WIDGET` (the
//! centre of a kiosk widget at the current mode: `button1`..`button6`, `title`,
//! `clock`, `status`) · `integration on|off` · `click left|right|middle` ·
//! `wheel N` (positive towards the user, as VirtualBox counts) · `key NAME` ·
//! `wait MS` · `shot NAME.png` (the host view) · `poweroff` · `acpi-shutdown` (VirtualBox's "ACPI Shutdown").
//!
//! Hostile host: `hint SCREEN W H BPP [off]` (raw VMMDev display hint) ·
//! `vbva-hint SCREEN W H [off]` · `mouse-raw VX VY` · `fail REQUEST_TYPE RC COUNT`
//! (the next COUNT requests of that type get RC) · `host-command-offset OFFSET`.
//!
//! SVGA II: `machine controller=vmsvga|vboxsvga [vram_mib=N] [display=svga|vbva|...]
//! [svga-fault=...]` (first line: how the VM is built) · `svga-fault
//! none|worker-stuck|busy-stuck` · `storm N W H` (N hints, the last W×H).
//!
//! Checks: `expect one-redraw-per-mode` · `expect svga-picture` (the window shows
//! exactly VRAM) · `expect mode SCREEN W H` · `expect pointer visible|hidden|host|software` ·
//! `expect click TARGET` (a `@vitrine click … target=TARGET` since the last one) ·
//! `expect integration on|off` · `expect status TEXT` (some status line so far
//! contains TEXT) · `expect power off` · `expect guestprop NAME VALUE` (`-`: unset) ·
//! `expect hgcm quiet` (only the config wait outstanding, guest pool and host agree).
//!
//! Guest properties: `guestprop-set NAME VALUE...` · `guestprop-delete NAME` ·
//! `hgcm-completion immediate|deferred|never` · `hgcm-results RC COUNT` (hostile:
//! the next COUNT completions report RC) · `reset` (VM reset; the guest reboots).

use std::fmt;

/// A mouse button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonName {
    /// Left.
    Left,
    /// Right.
    Right,
    /// Middle.
    Middle,
}

/// Who the pointer should be drawn by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointerExpectation {
    /// Drawn by someone.
    Visible,
    /// Not drawn.
    Hidden,
    /// Drawn by the host.
    Host,
    /// Drawn by the guest.
    Software,
}

/// One script command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `machine KEY=VALUE...` (first line only): `controller=vboxvga|vboxsvga|vmsvga`,
    /// `vram_mib=N`, `display=auto|vbva|svga|vbe|firmware`, `svga-fault=...`.
    Machine(Vec<(String, String)>),
    /// `svga-fault none|worker-stuck|busy-stuck|fifo-rejected`: the SVGA host misbehaves from now on.
    SvgaFault(String),
    /// `storm N W H`: N setvideomodehint resizes alternating over sizes, ending with W×H,
    /// the guest running only now and then in between.
    Storm {
        /// Hints.
        count: u32,
        /// Final width.
        width: u32,
        /// Final height.
        height: u32,
    },
    /// `expect one-redraw-per-mode`: every mode the guest set was set once on the host
    /// and drawn once, in full.
    ExpectOneRedrawPerMode,
    /// `expect svga-updates`: the SVGA host repainted only from UPDATE commands, and
    /// its picture equals VRAM.
    ExpectSvgaPicture,
    /// `resize SCREEN W H`.
    Resize {
        /// Screen.
        screen: u32,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// `gui-resize SCREEN W H`.
    GuiResize {
        /// Screen.
        screen: u32,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// `mouse X Y`.
    Mouse {
        /// X pixel.
        x: i32,
        /// Y pixel.
        y: i32,
    },
    /// `mouse-to WIDGET`.
    MouseTo(String),
    /// `integration on|off`.
    Integration(bool),
    /// `click BUTTON`.
    Click(ButtonName),
    /// `wheel N`.
    Wheel(i32),
    /// `key NAME`.
    Key(String),
    /// `wait MS`.
    Wait(u64),
    /// `shot NAME.png`.
    Shot(String),
    /// `poweroff`.
    PowerOff,
    /// `acpi-shutdown`: the host presses the ACPI power button.
    AcpiShutdown,
    /// `hint SCREEN W H BPP [off]`.
    Hint {
        /// Screen.
        screen: u32,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// Bits per pixel.
        bpp: u32,
        /// Enabled.
        enabled: bool,
    },
    /// `vbva-hint SCREEN W H [off]`.
    VbvaHint {
        /// Screen.
        screen: u32,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// Enabled.
        enabled: bool,
    },
    /// `mouse-raw VX VY`.
    MouseRaw(i32, i32),
    /// `fail REQUEST_TYPE RC COUNT`.
    Fail {
        /// VMMDev request type.
        request: u32,
        /// Status code.
        rc: i32,
        /// How many requests.
        count: u32,
    },
    /// `host-command-offset OFFSET`.
    HostCommandOffset(u32),
    /// `expect mode SCREEN W H`.
    ExpectMode {
        /// Screen.
        screen: u32,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// `expect pointer …`.
    ExpectPointer(PointerExpectation),
    /// `expect click TARGET`.
    ExpectClick(String),
    /// `expect integration on|off`.
    ExpectIntegration(bool),
    /// `expect status TEXT`.
    ExpectStatus(String),
    /// `expect power off`.
    ExpectPowerOff,
    /// `guestprop-set NAME VALUE...` (`VBoxManage guestproperty set`; the rest of the
    /// line is the value, `""` for an empty one).
    GuestPropSet {
        /// Property name.
        name: String,
        /// Value.
        value: String,
    },
    /// `guestprop-delete NAME` (`VBoxManage guestproperty unset`).
    GuestPropDelete(String),
    /// `hgcm-completion immediate|deferred|never`: when the host completes HGCM calls.
    HgcmCompletion(HgcmMode),
    /// `hgcm-results RC COUNT`: the next COUNT completions report RC.
    HgcmResults {
        /// Status code.
        rc: i32,
        /// How many completions.
        count: u32,
    },
    /// `reset`: VM reset (the guest reboots on the same machine).
    Reset,
    /// `expect guestprop NAME VALUE...` (`VBoxManage guestproperty get`; `-` = unset).
    ExpectGuestProp {
        /// Property name.
        name: String,
        /// Expected value, `None` for "not set".
        value: Option<String>,
    },
    /// `expect hgcm quiet`: only the config wait is outstanding, on both sides.
    ExpectHgcmQuiet,
}

/// When the host completes HGCM requests (`hgcm-completion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HgcmMode {
    /// Inside the guest's `out`.
    Immediate,
    /// After virtual time passes.
    Deferred,
    /// Never (a hung host).
    Never,
}

/// A command with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based line number.
    pub line: usize,
    /// The text of the line (for messages).
    pub text: String,
    /// The command.
    pub command: Command,
}

/// A script that did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

fn number<T: std::str::FromStr>(word: Option<&str>, what: &str) -> Result<T, String> {
    let word = word.ok_or_else(|| format!("missing {what}"))?;
    let parsed = match word.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16)
            .ok()
            .and_then(|v| v.to_string().parse().ok()),
        None => word.parse().ok(),
    };
    parsed.ok_or_else(|| format!("{what} `{word}` is not a number"))
}

fn on_off(word: Option<&str>) -> Result<bool, String> {
    match word {
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        other => Err(format!("expected on|off, got {other:?}")),
    }
}

fn enabled(word: Option<&str>) -> Result<bool, String> {
    match word {
        None | Some("on") => Ok(true),
        Some("off") => Ok(false),
        Some(other) => Err(format!("expected on|off, got `{other}`")),
    }
}

fn parse_line(text: &str) -> Result<Option<Command>, String> {
    let text = text.split('#').next().unwrap_or("").trim();
    let mut words = text.split_whitespace();
    let Some(verb) = words.next() else {
        return Ok(None);
    };
    let mut next = || words.next();
    let command = match verb {
        "resize" | "gui-resize" => {
            let screen = number(next(), "screen")?;
            let width = number(next(), "width")?;
            let height = number(next(), "height")?;
            if verb == "resize" {
                Command::Resize {
                    screen,
                    width,
                    height,
                }
            } else {
                Command::GuiResize {
                    screen,
                    width,
                    height,
                }
            }
        }
        "mouse" => Command::Mouse {
            x: number(next(), "x")?,
            y: number(next(), "y")?,
        },
        "mouse-to" => Command::MouseTo(next().ok_or("missing widget")?.to_string()),
        "integration" => Command::Integration(on_off(next())?),
        "click" => Command::Click(match next() {
            Some("left") => ButtonName::Left,
            Some("right") => ButtonName::Right,
            Some("middle") => ButtonName::Middle,
            other => return Err(format!("expected left|right|middle, got {other:?}")),
        }),
        "wheel" => Command::Wheel(number(next(), "steps")?),
        "key" => Command::Key(next().ok_or("missing key name")?.to_string()),
        "wait" => Command::Wait(number(next(), "milliseconds")?),
        "shot" => {
            let name = next().ok_or("missing file name")?;
            if !name.ends_with(".png") || name.contains('/') || name.contains("..") {
                return Err(format!("shot wants a plain NAME.png, got `{name}`"));
            }
            Command::Shot(name.to_string())
        }
        "poweroff" => Command::PowerOff,
        "acpi-shutdown" => Command::AcpiShutdown,
        "hint" => Command::Hint {
            screen: number(next(), "screen")?,
            width: number(next(), "width")?,
            height: number(next(), "height")?,
            bpp: number(next(), "bpp")?,
            enabled: enabled(next())?,
        },
        "vbva-hint" => Command::VbvaHint {
            screen: number(next(), "screen")?,
            width: number(next(), "width")?,
            height: number(next(), "height")?,
            enabled: enabled(next())?,
        },
        "mouse-raw" => Command::MouseRaw(number(next(), "vx")?, number(next(), "vy")?),
        "fail" => Command::Fail {
            request: number(next(), "request type")?,
            rc: number(next(), "rc")?,
            count: number(next(), "count")?,
        },
        "host-command-offset" => Command::HostCommandOffset(number(next(), "offset")?),
        "guestprop-set" => {
            let name = next().ok_or("missing property name")?.to_string();
            let rest: Vec<&str> = std::iter::from_fn(&mut next).collect();
            let value = match rest.join(" ") {
                v if v == "\"\"" => String::new(),
                v => v,
            };
            Command::GuestPropSet { name, value }
        }
        "guestprop-delete" => {
            Command::GuestPropDelete(next().ok_or("missing property name")?.to_string())
        }
        "hgcm-completion" => Command::HgcmCompletion(match next() {
            Some("immediate") => HgcmMode::Immediate,
            Some("deferred") => HgcmMode::Deferred,
            Some("never") => HgcmMode::Never,
            other => return Err(format!("expected immediate|deferred|never, got {other:?}")),
        }),
        "hgcm-results" => Command::HgcmResults {
            rc: number(next(), "rc")?,
            count: number(next(), "count")?,
        },
        "reset" => Command::Reset,
        "machine" => {
            let pairs: Result<Vec<(String, String)>, String> = std::iter::from_fn(&mut next)
                .map(|w| {
                    w.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .ok_or(format!("expected KEY=VALUE, got `{w}`"))
                })
                .collect();
            Command::Machine(pairs?)
        }
        "svga-fault" => Command::SvgaFault(next().ok_or("missing fault")?.to_string()),
        "storm" => Command::Storm {
            count: number(next(), "count")?,
            width: number(next(), "width")?,
            height: number(next(), "height")?,
        },
        "expect" => match next() {
            Some("mode") => Command::ExpectMode {
                screen: number(next(), "screen")?,
                width: number(next(), "width")?,
                height: number(next(), "height")?,
            },
            Some("pointer") => Command::ExpectPointer(match next() {
                Some("visible") => PointerExpectation::Visible,
                Some("hidden") => PointerExpectation::Hidden,
                Some("host") => PointerExpectation::Host,
                Some("software") => PointerExpectation::Software,
                other => {
                    return Err(format!(
                        "expected visible|hidden|host|software, got {other:?}"
                    ))
                }
            }),
            Some("click") => Command::ExpectClick(next().ok_or("missing target")?.to_string()),
            Some("integration") => Command::ExpectIntegration(on_off(next())?),
            Some("status") => {
                let rest: Vec<&str> = std::iter::from_fn(&mut next).collect();
                if rest.is_empty() {
                    return Err("missing status text".into());
                }
                Command::ExpectStatus(rest.join(" "))
            }
            Some("guestprop") => {
                let name = next().ok_or("missing property name")?.to_string();
                let rest: Vec<&str> = std::iter::from_fn(&mut next).collect();
                let value = match rest.join(" ") {
                    v if v == "-" => None,
                    v if v == "\"\"" => Some(String::new()),
                    v => Some(v),
                };
                Command::ExpectGuestProp { name, value }
            }
            Some("hgcm") => match next() {
                Some("quiet") => Command::ExpectHgcmQuiet,
                other => return Err(format!("expected `expect hgcm quiet`, got {other:?}")),
            },
            Some("one-redraw-per-mode") => Command::ExpectOneRedrawPerMode,
            Some("svga-picture") => Command::ExpectSvgaPicture,
            Some("power") => match next() {
                Some("off") => Command::ExpectPowerOff,
                other => return Err(format!("expected `expect power off`, got {other:?}")),
            },
            other => return Err(format!("unknown expectation {other:?}")),
        },
        other => return Err(format!("unknown command `{other}`")),
    };
    if let Some(extra) = next() {
        return Err(format!("unexpected `{extra}` after the command"));
    }
    Ok(Some(command))
}

/// Parses a whole script; the first bad line is an error.
pub fn parse(script: &str) -> Result<Vec<Step>, ParseError> {
    let mut steps = Vec::new();
    for (index, text) in script.lines().enumerate() {
        let line = index + 1;
        match parse_line(text) {
            Ok(Some(command)) => steps.push(Step {
                line,
                text: text.trim().to_string(),
                command,
            }),
            Ok(None) => {}
            Err(message) => return Err(ParseError { line, message }),
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_comments_parse() {
        let steps = parse(
            "# a comment\n\nresize 0 1920 1080   # trailing\nmouse 10 -5\nclick left\n\
             expect mode 0 1920 1080\nexpect status resize screen=0\nhint 99 0x10 7 7 off\n",
        )
        .unwrap();
        let commands: Vec<_> = steps.iter().map(|s| s.command.clone()).collect();
        assert_eq!(
            commands,
            [
                Command::Resize {
                    screen: 0,
                    width: 1920,
                    height: 1080
                },
                Command::Mouse { x: 10, y: -5 },
                Command::Click(ButtonName::Left),
                Command::ExpectMode {
                    screen: 0,
                    width: 1920,
                    height: 1080
                },
                Command::ExpectStatus("resize screen=0".into()),
                Command::Hint {
                    screen: 99,
                    width: 16,
                    height: 7,
                    bpp: 7,
                    enabled: false
                },
            ]
        );
        assert_eq!(steps[0].line, 3);
    }

    #[test]
    fn bad_lines_name_their_line_and_problem() {
        for (script, line, needle) in [
            ("resize 0 1920", 1, "missing height"),
            ("\nfly 1 2", 2, "unknown command"),
            ("mouse 1 x", 1, "not a number"),
            ("shot ../etc.png", 1, "plain NAME.png"),
            ("click left now", 1, "unexpected `now`"),
            ("expect pointer maybe", 1, "visible|hidden"),
        ] {
            let error = parse(script).unwrap_err();
            assert_eq!(error.line, line, "{script}");
            assert!(error.message.contains(needle), "{script}: {error}");
        }
    }
}
