//! VMMDev replies (host version, display hints Multi/Ex/2, mouse status, host time,
//! heartbeat, pointer-shape and event requests) through the VMMDev driver, against the
//! twin with the fuzzer rewriting its answers ([`crate::hostile::HostileTwin`]).

use crate::hostile::HostileTwin;
use twin::DisplayDef;
use vitrine::drivers::vga::dispi::ModeLimits;
use vitrine::drivers::vga::vbva::pointer::PointerShape;
use vitrine::input::Input;
use vitrine::vbox::hint::mode_for_hint;

pub const TARGET: crate::Target = crate::Target {
    name: "vmmdev",
    about: "VMMDev answers (hints, mouse, time, version, pointer) -> the VMMDev driver",
    run,
    seeds,
};

/// Operations per input (each may send several requests).
const MAX_OPS: usize = 64;

const LIMITS: ModeLimits = ModeLimits {
    max_width: 2560,
    max_height: 1600,
    vram_bytes: 16 << 20,
    width_multiple_of_8: false,
};

fn run(data: &[u8]) {
    let mut host = HostileTwin::new(data);
    let Some(mut vmmdev) = host.bring_up_vmmdev() else {
        return;
    };
    let _ = vmmdev.host_version();
    let _ = vmmdev.host_features();
    let mut input: Input<64> = Input::new(1024, 768);
    let arrow = PointerShape::from_fn(12, 19, 0, 0, |x, y| if x <= y { 0xff00_0000 } else { 0 });
    let mut mode = (1024, 768);
    for _ in 0..MAX_OPS {
        if !host.scripted() {
            break;
        }
        let op = host.script.arbitrary::<u8>().unwrap_or(0) % 12;
        match op {
            0 => {
                let def = DisplayDef {
                    flags: host.script.arbitrary().unwrap_or(0x39),
                    id: host.script.int_in_range(0..=3).unwrap_or(0),
                    x: host.script.arbitrary().unwrap_or(0),
                    y: host.script.arbitrary().unwrap_or(0),
                    cx: host.script.arbitrary().unwrap_or(800),
                    cy: host.script.arbitrary().unwrap_or(600),
                    bpp: host.script.arbitrary().unwrap_or(32),
                };
                host.twin.machine.inject_vmmdev_display_hint(def);
            }
            1 => {
                let consume = host.script.arbitrary().unwrap_or(true);
                if let Ok(hints) = vmmdev.fetch_display_hints(&mut host, consume) {
                    for hint in &hints {
                        if let Ok(choice) = mode_for_hint(hint, mode, Some(&LIMITS)) {
                            let new_mode = (choice.width, choice.height);
                            assert!(
                                new_mode.0 <= LIMITS.max_width && new_mode.1 <= LIMITS.max_height,
                                "hint {hint:?} gave {new_mode:?} beyond the limits"
                            );
                            mode = new_mode;
                            input.resize(mode.0, mode.1);
                        }
                    }
                }
                let _ = vmmdev.display_request();
            }
            2 => {
                if let Ok(state) = vmmdev.mouse_status(&mut host) {
                    input.vmmdev_position(state.x, state.y);
                    input.vmmdev_full_state(state.buttons.bits(), state.dz);
                }
            }
            3 => {
                let _ = vmmdev.host_time_ms(&mut host);
            }
            4 => {
                let _ = vmmdev.acknowledge_events(&mut host);
            }
            5 => {
                let _ = vmmdev.enable_absolute_mouse(&mut host);
            }
            6 => {
                let _ = vmmdev.configure_heartbeat(&mut host);
                let _ = vmmdev.heartbeat_interval_ns();
                let _ = vmmdev.heartbeat(&mut host);
            }
            7 => {
                let visible = host.script.arbitrary().unwrap_or(true);
                let _ = vmmdev.set_pointer_shape(&mut host, None, visible);
            }
            8 => {
                let _ = vmmdev.set_pointer_shape(&mut host, arrow.as_ref(), true);
            }
            9 => {
                let _ = vmmdev.session_id(&mut host);
            }
            10 => {
                let on = host.script.arbitrary().unwrap_or(true);
                host.twin.machine.set_mouse_integration(on);
                let x = host.script.int_in_range(-16..=2000).unwrap_or(0);
                let y = host.script.int_in_range(-16..=2000).unwrap_or(0);
                host.twin.machine.mouse_move(x, y);
            }
            _ => {
                let request_type = host.script.int_in_range(0..=100u32).unwrap_or(0);
                let rc = host.script.arbitrary().unwrap_or(-1);
                let count = host.script.int_in_range(0..=3).unwrap_or(1);
                host.twin
                    .machine
                    .inject_request_failure(request_type, rc, count);
            }
        }
        while input.pop().is_some() {}
    }
}

fn seeds() -> Vec<Vec<u8>> {
    // Answers left alone (zero patches), then each operation once; a hint first.
    let mut plain = vec![0u8; 16];
    for op in 0..12u8 {
        plain.push(op);
        plain.extend_from_slice(&[0; 4]);
    }
    let mut hint = vec![0u8; 16];
    hint.push(0);
    hint.extend_from_slice(&0x39u32.to_le_bytes());
    hint.extend_from_slice(&0u32.to_le_bytes());
    hint.extend_from_slice(&[0; 8]);
    hint.extend_from_slice(&1280u32.to_le_bytes());
    hint.extend_from_slice(&720u32.to_le_bytes());
    hint.extend_from_slice(&32u32.to_le_bytes());
    hint.extend_from_slice(&[1, 1, 0, 0]);
    vec![plain, hint]
}
