//! `cargo xtask sim`: placeholder until its issue lands.

/// Prints "not yet" and succeeds, so scripts can already call it.
pub fn run(_args: &[String]) -> crate::Result {
    println!("xtask sim: not yet");
    Ok(())
}
