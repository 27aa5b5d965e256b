//! The time the crate writes and compares: the values of `timestamps;`
//! (RFC 3339, UTC, milliseconds, ending in `Z`) and the `ttl` comparison
//! (seconds since 1970). Read once per operation, when its plan is made.

use std::time::{SystemTime, UNIX_EPOCH};

/// A moment, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Now {
    millis: i64,
}

impl Now {
    /// The system clock now (1970 when the clock is set before it).
    pub(crate) fn current() -> Now {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Now { millis }
    }

    /// A given moment, in milliseconds since 1970.
    pub(crate) fn from_millis(millis: i64) -> Now {
        Now { millis }
    }

    /// Whole seconds since 1970, what DynamoDB's time to live compares.
    pub(crate) fn epoch_seconds(self) -> i64 {
        self.millis.div_euclid(1000)
    }

    /// `2024-01-15T09:30:00.123Z`.
    pub(crate) fn rfc3339(self) -> String {
        let days = self.millis.div_euclid(86_400_000);
        let ms_of_day = self.millis.rem_euclid(86_400_000);
        let (y, m, d) = civil_from_days(days);
        let (h, rest) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
        let (min, rest) = (rest / 60_000, rest % 60_000);
        let (s, ms) = (rest / 1000, rest % 1000);
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{ms:03}Z")
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_milliseconds() {
        assert_eq!(Now::from_millis(0).rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Now::from_millis(1_700_000_000_123).rfc3339(),
            "2023-11-14T22:13:20.123Z"
        );
        // A leap day, the last millisecond of a year, a century leap year.
        assert_eq!(
            Now::from_millis(1_709_164_800_000).rfc3339(),
            "2024-02-29T00:00:00.000Z"
        );
        assert_eq!(
            Now::from_millis(1_735_689_599_999).rfc3339(),
            "2024-12-31T23:59:59.999Z"
        );
        assert_eq!(
            Now::from_millis(951_782_400_000).rfc3339(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(Now::from_millis(-1).rfc3339(), "1969-12-31T23:59:59.999Z");
        // Texts sort as the moments do.
        let a = Now::from_millis(1_700_000_000_000).rfc3339();
        let b = Now::from_millis(1_700_000_000_001).rfc3339();
        assert!(a < b);
    }

    #[test]
    fn epoch_seconds() {
        assert_eq!(
            Now::from_millis(1_700_000_000_999).epoch_seconds(),
            1_700_000_000
        );
        assert_eq!(Now::from_millis(-1).epoch_seconds(), -1);
        assert!(Now::current().epoch_seconds() > 1_700_000_000);
    }
}
