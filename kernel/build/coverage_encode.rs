//! The encoder of the glyph coverage format (described, and decoded, in
//! `src/ui/coverage.rs`): used by the build script, and by the kernel's tests to
//! check the decoder against it.

use super::coverage::{ABOVE, ESCAPE, FIRST_LITERAL, FULL, KEEP, LITERALS};
use std::vec::Vec;

/// 4-bit codes, packed two a byte (low nibble first) by `into_bytes`.
#[derive(Default)]
struct Codes(Vec<u8>);

impl Codes {
    fn run(&mut self, code: u8, n: usize) {
        self.0.push(code);
        let mut rest = n - 1;
        loop {
            let group = (rest & 7) as u8;
            rest >>= 3;
            if rest == 0 {
                self.0.push(group);
                return;
            }
            self.0.push(group | 8);
        }
    }

    fn pixel(&mut self, v: u8) {
        match LITERALS.iter().position(|&l| l == v) {
            Some(i) => self.0.push(FIRST_LITERAL + i as u8),
            None => self.0.extend([ESCAPE, v]),
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        self.0
            .chunks(2)
            .map(|pair| pair[0] | pair.get(1).map_or(0, |&high| high << 4))
            .collect()
    }
}

/// Codes run by `n` pixels.
fn run_codes(n: usize) -> usize {
    let mut codes = 2;
    let mut rest = (n - 1) >> 3;
    while rest > 0 {
        codes += 1;
        rest >>= 3;
    }
    codes
}

/// The stream that turns `before` (what the decoder holds first: zeros, or a base
/// glyph's pixels) into `pixels`, both `width` pixels a row, 0..=15 each. Greedy: at
/// each pixel the longest run that fits, unless coding pixels one by one is shorter.
pub fn encode(pixels: &[u8], before: &[u8], width: usize) -> Vec<u8> {
    assert_eq!(pixels.len(), before.len(), "one start pixel per pixel");
    assert!(pixels.iter().all(|&v| v <= 15), "4-bit coverage");
    let mut codes = Codes::default();
    let mut at = 0;
    while at < pixels.len() {
        let run_of =
            |same: &dyn Fn(usize) -> bool| (at..pixels.len()).take_while(|&k| same(k)).count();
        let candidates = [
            (KEEP, run_of(&|k| pixels[k] == before[k])),
            (FULL, run_of(&|k| pixels[k] == 15)),
            (
                ABOVE,
                if at >= width {
                    run_of(&|k| pixels[k] == pixels[k - width])
                } else {
                    0
                },
            ),
        ];
        let (code, n) = candidates
            .into_iter()
            .max_by_key(|&(_, n)| n)
            .expect("three candidates");
        let one_by_one = if LITERALS.contains(&pixels[at]) { 1 } else { 2 };
        // A run pays when it costs no more per pixel than single pixels would.
        if n > 0 && run_codes(n) <= one_by_one * n {
            codes.run(code, n);
            at += n;
        } else {
            codes.pixel(pixels[at]);
            at += 1;
        }
    }
    codes.into_bytes()
}
