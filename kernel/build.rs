//! Puts the kernel's linker script (`vitrine.ld`) on the link search path of every
//! bare-metal binary that depends on vitrine, so an app's link settings are
//! `-Tvitrine.ld` (from the cargo configuration) and nothing copied by hand; and
//! rasterizes and codes the UI font (`build/fonts.rs`).

#[path = "src/ui/coverage.rs"]
mod coverage;
#[path = "build/coverage_encode.rs"]
mod coverage_encode;
#[path = "build/fonts.rs"]
mod fonts;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=vitrine.ld");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("none") {
        println!("cargo:rustc-link-search=native={manifest_dir}");
    }
    fonts::generate();
}
