//! Real VirtualBox for xtask: finding one (`locate`), the VM it runs (`config`), a
//! private VirtualBox home per run (`session`), one VM of a test (`vm`) and the
//! real-VirtualBox boot tests of `cargo xtask test` (`boot_tests`).
//!
//! Adding a check: write `fn my_check(vm: &mut Vm, timeout: Duration) -> Result`
//! in `boot_tests.rs` (or a module of yours) and list it as a `Check` in a `VmTest`'s
//! `checks`: every check of a `VmTest` runs in the same booted VM, in order, so
//! prefer adding a check to an existing VM over booting a new one. Inside a check:
//! `vm.wait_for("word", timeout)` / `wait_for_after(index, ...)` /
//! `wait_for_match(...)` for status lines, `vm.controlvm(&["setvideomodehint", ...])`
//! or `vm.manage(&["guestproperty", "get", vm.name(), ...])` for VBoxManage,
//! `vm.input(&["click", "10", "20"])` for `vbox-input`, `vm.screenshot("name")`
//! (after the `frame` line of the mode checked), `vm.vbox_log()` /
//! `vm.guest_log()` for `VBox.log`. The VM is powered off and unregistered when
//! its test ends, also on failure.

pub mod boot_tests;
pub mod config;
pub mod guest_prop_checks;
pub mod locate;
pub mod session;
pub mod vm;

pub use config::Graphics;
pub use locate::VirtualBox;
pub use session::Session;
pub use vm::Vm;
