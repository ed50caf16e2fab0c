//! Exact decimal amounts for sums (收费金额 in 万元): an integer count of 10^-scale units, so
//! that 0.1 + 0.2 is 0.3 and not 0.30000000000000004.

use std::fmt;

/// The most decimal places an amount may have.
const MAX_SCALE: u32 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Decimal {
    /// The value times 10^scale.
    units: i128,
    scale: u32,
}

impl Decimal {
    pub fn from_int(n: i64) -> Decimal {
        Decimal {
            units: i128::from(n),
            scale: 0,
        }
    }

    /// Parse an amount as written in tables.toml: `12`, `0.35`, `+1.5`, `1_000.5`, `1.2e3`.
    /// None for anything else or more than 12 decimal places.
    pub fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim().replace('_', "");
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
            None => (t.as_str(), 0),
        };
        let (neg, digits) = match mantissa.as_bytes().first()? {
            b'-' => (true, &mantissa[1..]),
            b'+' => (false, &mantissa[1..]),
            _ => (false, mantissa),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let all = format!("{int}{frac}");
        if all.len() > 30 {
            return None;
        }
        let mut units: i128 = if all.is_empty() { 0 } else { all.parse().ok()? };
        let mut scale = frac.len() as i32 - exp;
        while scale < 0 {
            units = units.checked_mul(10)?;
            scale += 1;
        }
        let mut d = Decimal {
            units: if neg { -units } else { units },
            scale: scale as u32,
        };
        // trailing zeros beyond the limit carry no information
        while d.scale > MAX_SCALE && d.units % 10 == 0 {
            d.units /= 10;
            d.scale -= 1;
        }
        (d.scale <= MAX_SCALE).then_some(d)
    }

    fn rescale(self, scale: u32) -> Option<Decimal> {
        let f = 10i128.checked_pow(scale - self.scale)?;
        Some(Decimal {
            units: self.units.checked_mul(f)?,
            scale,
        })
    }

    /// The exact sum, at the larger of the two scales; None on overflow.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let (a, b) = (self.rescale(scale)?, other.rescale(scale)?);
        Some(Decimal {
            units: a.units.checked_add(b.units)?,
            scale,
        })
    }

    /// The difference `self - other`, exactly; None on overflow.
    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        self.checked_add(Decimal {
            units: other.units.checked_neg()?,
            scale: other.scale,
        })
    }

    /// Negative, zero or positive.
    pub fn signum(self) -> i32 {
        self.units.signum() as i32
    }

    /// The absolute value.
    pub fn abs(self) -> Decimal {
        Decimal {
            units: self.units.abs(),
            scale: self.scale,
        }
    }

    /// Equal as numbers, whatever the written precision (1.5 and 1.50).
    pub fn same_value(self, other: Decimal) -> bool {
        let scale = self.scale.max(other.scale);
        match (self.rescale(scale), other.rescale(scale)) {
            (Some(a), Some(b)) => a.units == b.units,
            _ => false,
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.units);
        }
        let sign = if self.units < 0 { "-" } else { "" };
        let digits = format!(
            "{:0>width$}",
            self.units.unsigned_abs(),
            width = self.scale as usize + 1
        );
        let (int, frac) = digits.split_at(digits.len() - self.scale as usize);
        write!(f, "{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn sums_are_exact() {
        assert_eq!(d("0.1").checked_add(d("0.2")).unwrap().to_string(), "0.3");
        let mut total = Decimal::default();
        for _ in 0..1000 {
            total = total.checked_add(d("0.01")).unwrap();
        }
        assert_eq!(total.to_string(), "10.00");
        assert_eq!(d("1.5").checked_add(d("2")).unwrap().to_string(), "3.5");
        assert_eq!(
            d("12.3456").checked_add(d("0.0044")).unwrap().to_string(),
            "12.3500"
        );
        assert_eq!(d("-0.05").to_string(), "-0.05");
        assert!(d("1.5").same_value(d("1.50")));
        assert_eq!(
            d("1.5").checked_sub(d("2.25")).unwrap().to_string(),
            "-0.75"
        );
        assert_eq!(d("1.5").checked_sub(d("2.25")).unwrap().signum(), -1);
        assert_eq!(d("-0.75").abs().to_string(), "0.75");
        assert!(d("2").same_value(d("2.0")));
        assert!(!d("1.5").same_value(d("1.05")));
    }

    #[test]
    fn written_forms() {
        assert_eq!(d("1_000.5").to_string(), "1000.5");
        assert_eq!(d("1.2e3").to_string(), "1200");
        assert_eq!(d("15e-2").to_string(), "0.15");
        assert_eq!(d("+.5").to_string(), "0.5");
        assert_eq!(d("7").to_string(), "7");
        for bad in ["", ".", "1.2.3", "abc", "1e", "0.0000000000001"] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
    }
}
