//! Decimal numbers as people type and read them, without the standard
//! library's float parser and float formatter.
//!
//! `str::parse::<f64>` brings a 10 KB table of powers of five and
//! `format!("{:.1}", x)` the Grisu and Dragon float printers: together about
//! 20 KB of the page's gzipped wasm for numbers that are never more than a
//! few digits long (`1.5` seconds, `12.3` per cent, an SVG coordinate). A
//! number here is a whole number of thousandths or tenths, read and written
//! with integer arithmetic.

use std::fmt;

/// Reads a plain decimal — digits with at most one `.`, like `2`, `1.5` or
/// `.25` — as a whole number of `10^-places`, rounding the digits beyond them
/// half up: `parse_scaled("1.5", 3) == Some(1500)`,
/// `parse_scaled("0.0004", 3) == Some(0)`.
///
/// Signs, exponents, `inf`, `NaN`, blanks inside and overflow are `None`:
/// every value this reads is a duration or a count someone typed.
pub fn parse_scaled(text: &str, places: u32) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    let mut value: u64 = 0;
    let kept = fraction.len().min(places as usize);
    for b in whole.bytes().chain(fraction[..kept].bytes()) {
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    for _ in kept..places as usize {
        value = value.checked_mul(10)?;
    }
    match fraction.as_bytes().get(kept) {
        Some(b'5'..=b'9') => value.checked_add(1),
        _ => Some(value),
    }
}

/// A number written with integer arithmetic: `{:.N}` writes exactly `N`
/// decimals, rounded half away from zero (`format!("{:.1}", Decimal(2.345))`
/// is `2.3`; `Decimal(-0.04)` is `0.0`), which is what `{:.N}` writes for an
/// `f64` but for exact ties, which the standard library rounds to even. Plain
/// `{}` writes at most six decimals without trailing zeros (`2.5`, `60`).
/// Width and alignment flags are not supported.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Decimal(pub f64);

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match f.precision() {
            Some(places) => write_decimal(f, self.0, places, false),
            None => write_decimal(f, self.0, 6, true),
        }
    }
}

fn write_decimal(f: &mut fmt::Formatter<'_>, x: f64, places: usize, trim: bool) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("NaN");
    }
    // 10^19 overflows u64: more places than that is no longer "a few digits".
    let places = places.min(18) as u32;
    let scale = 10u64.pow(places);
    let magnitude = x.abs() * scale as f64;
    if x.is_infinite() || magnitude >= u64::MAX as f64 {
        return f.write_str(if x < 0.0 { "-inf" } else { "inf" });
    }
    // Round half away from zero; `as` truncates the non-negative sum.
    let n = (magnitude + 0.5) as u64;
    if x < 0.0 && n != 0 {
        f.write_str("-")?;
    }
    let (whole, mut fraction, mut width) = (n / scale, n % scale, places as usize);
    write!(f, "{whole}")?;
    if trim {
        while width > 0 && fraction % 10 == 0 {
            fraction /= 10;
            width -= 1;
        }
    }
    if width > 0 {
        write!(f, ".{fraction:0width$}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_what_people_type() {
        assert_eq!(parse_scaled("2", 3), Some(2000));
        assert_eq!(parse_scaled("1.5", 3), Some(1500));
        assert_eq!(parse_scaled(".25", 3), Some(250));
        assert_eq!(parse_scaled("3.", 3), Some(3000));
        assert_eq!(parse_scaled("0.0004", 3), Some(0));
        assert_eq!(parse_scaled("0.0005", 3), Some(1));
        assert_eq!(parse_scaled("1.9996", 3), Some(2000));
        assert_eq!(parse_scaled("007", 0), Some(7));
        for bad in [
            "", ".", "-1", "+1", "1e3", "inf", "NaN", "1.2.3", "1 5", "½",
        ] {
            assert_eq!(parse_scaled(bad, 3), None, "{bad:?}");
        }
        assert_eq!(parse_scaled("18446744073709551615", 0), Some(u64::MAX));
        assert_eq!(parse_scaled("18446744073709551616", 0), None);
        assert_eq!(parse_scaled("18446744073709551615", 1), None);
    }

    #[test]
    fn writes_fixed_and_plain() {
        let s = |x: f64, p: usize| format!("{:.p$}", Decimal(x));
        assert_eq!(s(2.345, 1), "2.3");
        assert_eq!(s(0.0, 2), "0.00");
        assert_eq!(s(-0.04, 1), "0.0");
        assert_eq!(s(-1.25, 1), "-1.3");
        assert_eq!(s(99.96, 1), "100.0");
        assert_eq!(s(1234.5, 0), "1235");
        assert_eq!(s(f64::NAN, 1), "NaN");
        assert_eq!(s(f64::NEG_INFINITY, 1), "-inf");
        assert_eq!(s(1e300, 1), "inf");
        let t = |x: f64| Decimal(x).to_string();
        assert_eq!(t(2.5), "2.5");
        assert_eq!(t(60.0), "60");
        assert_eq!(t(0.05), "0.05");
        assert_eq!(t(1.0 / 3.0), "0.333333");
        assert_eq!(t(0.0000004), "0");
    }

    proptest! {
        /// Agrees with the standard formatter to the last digit, ties aside
        /// (where `{:.N}` rounds to even and this half away from zero).
        #[test]
        fn fixed_matches_std(x in -1e9f64..1e9, places in 0u8..4) {
            let ours: f64 = format!("{:.p$}", Decimal(x), p = places as usize).parse().unwrap();
            let std: f64 = format!("{x:.p$}", p = places as usize).parse().unwrap();
            let step = 10f64.powi(-i32::from(places));
            prop_assert!((ours - std).abs() <= step * 1.0001, "{x}: {ours} vs {std}");
            prop_assert!((ours - x).abs() <= step * 0.5001, "{x}: {ours}");
        }

        /// What it writes with `places` decimals, it reads back exactly.
        #[test]
        fn round_trips(n in 0u64..10_000_000_000, places in 0u32..4) {
            let x = n as f64 / 10f64.powi(places as i32);
            let text = format!("{:.p$}", Decimal(x), p = places as usize);
            prop_assert_eq!(parse_scaled(&text, places), Some(n));
        }
    }
}
