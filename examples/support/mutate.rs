//! Seeded mutations of the fixtures, shared by the fuzzer (`examples/fuzz.rs`) and the
//! agreement check the tests run (`tests/cli/agree.rs`): bytes flipped, inserted, deleted,
//! truncated; for .xlsx/.ods one part inside the zip mutated (or dropped) and re-zipped.

use std::io::{Read, Write};

use super::common::Rng;

/// Byte-level mutations: flips, inserted or deleted runs, copies, truncation, and the
/// characters parsers care about.
pub fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>) {
    let interesting: &[&[u8]] = &[b"\"", b"<", b">", b"\xff", b"\x00", b",", b"\n", b"999999999999", b"-1", b"&#0;", b"\xe2\x94\x8b"];
    for _ in 0..rng.range(1, 8) {
        if data.is_empty() {
            data.push(b'a');
        }
        let i = rng.below(data.len() as u64) as usize;
        match rng.below(7) {
            0 => data[i] ^= 1 << rng.below(8),
            1 => data[i] = rng.next() as u8,
            2 => {
                let n = rng.range(1, 16.min(data.len() as u64)) as usize;
                data.drain(i..(i + n).min(data.len()));
            }
            3 => {
                let s = interesting[rng.below(interesting.len() as u64) as usize];
                data.splice(i..i, s.iter().copied());
            }
            4 => {
                let j = rng.below(data.len() as u64) as usize;
                let n = rng.range(1, 64).min((data.len() - j) as u64) as usize;
                let chunk: Vec<u8> = data[j..j + n].to_vec();
                data.splice(i..i, chunk);
            }
            5 => data.truncate(i.max(1)),
            _ => data[i] = b"0123456789"[rng.below(10) as usize],
        }
    }
}

/// For zip containers: mutate one part's bytes (mostly XML) and re-zip; sometimes drop or
/// duplicate a part, or mutate the zip bytes themselves.
pub fn mutate_zip(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    if rng.below(5) == 0 {
        let mut d = data.to_vec();
        mutate_bytes(rng, &mut d);
        return d;
    }
    let Ok(mut zin) = zip::ZipArchive::new(std::io::Cursor::new(data)) else { return data.to_vec() };
    let target = rng.below(zin.len().max(1) as u64) as usize;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let Ok(mut f) = zin.by_index(i) else { continue };
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let mut bytes = Vec::new();
        if f.read_to_end(&mut bytes).is_err() {
            continue;
        }
        if i == target {
            match rng.below(6) {
                0 => continue, // a part missing
                1 => {
                    // Numbers in attributes made huge (counts, dimensions, indices).
                    let s = String::from_utf8_lossy(&bytes).replace("=\"1", "=\"99999999999").replace(":P7", ":XFD1048576");
                    bytes = s.into_bytes();
                }
                _ => mutate_bytes(rng, &mut bytes),
            }
        }
        if out.start_file(name, zip::write::SimpleFileOptions::default()).is_err() || out.write_all(&bytes).is_err() {
            return data.to_vec();
        }
    }
    out.finish().map(|c| c.into_inner()).unwrap_or_else(|_| data.to_vec())
}

pub fn mutant(rng: &mut Rng, ext: &str, seed: &[u8]) -> Vec<u8> {
    match ext {
        "xlsx" | "ods" => mutate_zip(rng, seed),
        _ => {
            let mut d = seed.to_vec();
            mutate_bytes(rng, &mut d);
            d
        }
    }
}
