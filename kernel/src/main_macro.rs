//! The one line an app's `main.rs` needs: [`main!`](crate::main!).

/// Makes an app crate's binary: `vitrine::main!(MyApp::new);` in `src/main.rs`, after
/// `#![cfg_attr(target_os = "none", no_std, no_main)]`.
///
/// The argument is a function (or capture-less closure) returning the app, a value
/// implementing [`App`](crate::app::App); it is called once at boot (and again for
/// `bench=redraw`).
///
/// - **Bare metal** (`x86_64-unknown-none`): the kernel boots, brings up the
///   platform, then builds the system around the app (PCI, VMMDev, display backends,
///   input devices, clock, ACPI power button) and runs its event loop.
/// - **Host**: `main` builds the app for `x86_64-unknown-none` and boots it through
///   the cargo runner (`cargo run -p APP -- --uefi --mode 1280x800`), or renders it
///   into memory for previews and checks (`APP render`, `APP widgets`, `APP bench`;
///   see [`host`](crate::host)).
///
/// ```ignore
/// #![cfg_attr(target_os = "none", no_std, no_main)]
/// vitrine::main!(my_app::Hello::new);
/// ```
#[macro_export]
macro_rules! main {
    ($new_app:expr) => {
        #[cfg(target_os = "none")]
        const _: () = {
            fn vitrine_boot_app(
                platform: &mut $crate::metal::Metal,
                handoff: &$crate::entry::Handoff,
            ) -> ! {
                $crate::launch::run_app(platform, handoff, $new_app)
            }
            $crate::entry!(vitrine_boot_app);
        };

        #[cfg(not(target_os = "none"))]
        fn main() -> ::std::process::ExitCode {
            $crate::host::main(
                $crate::host::AppCrate {
                    package: ::core::env!("CARGO_PKG_NAME"),
                    manifest_dir: ::core::env!("CARGO_MANIFEST_DIR"),
                },
                $new_app,
            )
        }
    };
}

/// The low-level entry point behind [`main!`]: `vitrine::entry!(path::to::main)`
/// where `main` is a `fn(&mut vitrine::metal::Metal, &vitrine::entry::Handoff) -> !`
/// (bare metal only). The kernel calls it once bring-up is done, with interrupts on;
/// it must call `vitrine::entry::ready` when its runtime loop is about to start.
/// Apps use [`main!`], which names no hardware.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        fn vitrine_app_main(
            platform: &mut $crate::metal::Metal,
            handoff: &$crate::entry::Handoff,
        ) -> ! {
            let main: fn(&mut $crate::metal::Metal, &$crate::entry::Handoff) -> ! = $main;
            main(platform, handoff)
        }
    };
}
