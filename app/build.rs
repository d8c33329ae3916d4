//! Links the bare-metal image with the kernel's linker script; host builds are untouched.

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let linker_script = std::path::Path::new(&manifest_dir)
        .join("..")
        .join("linker.ld");
    println!("cargo:rerun-if-changed={}", linker_script.display());
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none") {
        println!("cargo:rustc-link-arg-bins=-T{}", linker_script.display());
        println!("cargo:rustc-link-arg-bins=--no-pie");
    }
}
