//! `vitrine-twin-bench`: the twin's counts for `cargo xtask bench`, one `key=value`
//! line each (see `vitrine_hosted::bench`).

use std::process::ExitCode;

fn main() -> ExitCode {
    match vitrine_hosted::bench::measure() {
        Ok(f) => {
            println!("bytes_per_pointer_move={}", f.bytes_per_pointer_move);
            println!("bytes_per_hover={}", f.bytes_per_hover);
            println!("widget_bytes={}", f.widget_bytes);
            println!("presented_px_per_hover={}", f.presented_px_per_hover);
            println!("widget_px={}", f.widget_px);
            println!("redraws_per_hint={}", f.redraws_per_hint);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("twin bench: {error}");
            ExitCode::FAILURE
        }
    }
}
