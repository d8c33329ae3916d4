//! The composition behind [`crate::main!`] on bare metal: after bring-up, the
//! system (VMMDev, display backends, input devices, clock, power button) is built
//! around the app and its runtime loop runs. Apps never see any of it.

use crate::app::App;
use crate::boot::cmdline::Bench;
use crate::drivers::cmos_rtc::RtcClock;
use crate::entry::Handoff;
use crate::hal::{Clock, Irqs};
use crate::input::PcInput;
use crate::metal::Metal;
use crate::system::{self, SystemConfig};

/// The framebuffer's page-table change (PAT write-combining); the system logs a
/// refusal.
fn write_combining(phys: u64, len: u64) -> bool {
    crate::arch::map_write_combining(phys, len).is_ok()
}

/// Nothing to draw on: the status line said so; keep idling.
fn idle_forever(platform: &mut Metal) -> ! {
    loop {
        let deadline = platform.now_us() + 1_000_000;
        platform.wait(deadline);
        let _ = platform.take_fired();
    }
}

/// Builds the system around `new_app()` and runs it (what `main!` calls).
pub fn run_app<A: App>(platform: &mut Metal, handoff: &Handoff, new_app: fn() -> A) -> ! {
    let cmdline = &handoff.boot.cmdline;
    let request_pages = platform.take_request_pages();
    let mut config = SystemConfig::from_boot(&handoff.boot, request_pages, Some(write_combining));
    // The ACPI power button powers the machine off (VMMDev, else S5).
    config.power = handoff.power;
    // PS/2 always; the vmmouse only with integration on (QEMU, VMware).
    let devices = PcInput::init_metal(platform, cmdline.integration);
    let built = system::build(
        platform,
        &handoff.pci,
        &config,
        new_app(),
        devices,
        RtcClock::new(),
    );
    let mut runtime = match built {
        Ok(runtime) => runtime,
        Err(error) => {
            crate::status!("system halted reason=no_display error={:?}", error);
            idle_forever(platform)
        }
    };
    if cmdline.bench == Some(Bench::Redraw) {
        crate::redraw_bench::redraw(platform, runtime.display_mut(), new_app);
        if cmdline.exits_after("bench") {
            crate::arch::fault::exit_qemu(crate::testing::QemuExitCode::Success);
        }
    }
    crate::entry::ready(&handoff.boot);
    runtime.run(platform)
}
