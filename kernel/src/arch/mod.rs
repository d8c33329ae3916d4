//! The architecture facade: the rest of the kernel calls `crate::arch::…`.

#[cfg(all(target_arch = "x86_64", target_os = "none"))]
mod x86_64;
#[cfg(all(target_arch = "x86_64", target_os = "none"))]
pub use self::x86_64::*;

/// Idle-timer arithmetic (architecture-neutral, tested on the host).
pub mod oneshot;
