//! Project tasks: `cargo xtask <command>`. (B's branch has the full dispatcher; this
//! branch adds `preview` and `check-screenshot`.)

mod preview;
mod screenshot;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("preview") => preview::run(&args[1..]),
        Some("check-screenshot") => screenshot::run(&args[1..]),
        _ => Err("usage: cargo xtask preview --size WxH [--out FILE.png] [--hover N] [--press N] [--clicks N]\n       cargo xtask check-screenshot FILE.ppm [--png OUT.png] [--size WxH]".into()),
    };
    if let Err(e) = result {
        eprintln!("xtask: {e}");
        std::process::exit(1);
    }
}
