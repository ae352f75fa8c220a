//! Shared by the data generators: SplitMix64, a small seeded generator reproducible
//! across platforms (no `rand` dependency), and workbooks with a fixed creation time.

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    #[allow(dead_code)]
    pub fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in 0..n.
    #[allow(dead_code)]
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// An index drawn with the given weights.
    #[allow(dead_code)]
    pub fn pick(&mut self, w: &[f64]) -> usize {
        let t: f64 = w.iter().sum();
        let mut x = self.f() * t;
        for (i, v) in w.iter().enumerate() {
            if x < *v {
                return i;
            }
            x -= v;
        }
        w.len() - 1
    }
    /// Uniform in lo..=hi.
    #[allow(dead_code)]
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// A workbook whose creation time is fixed, so that regenerating a file gives the same
/// bytes and committed data does not change for nothing.
#[allow(dead_code)]
pub fn workbook() -> rust_xlsxwriter::Workbook {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let when = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 1, 1).expect("valid date");
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&when));
    wb
}
