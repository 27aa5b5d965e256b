//! Ids and timestamps for the contexts.

use std::time::{SystemTime, UNIX_EPOCH};

/// A new id such as `usr_h3K9q2LmZx81TbQe`: a prefix and 16 random
/// alphanumerics. (Fine for an example; use UUIDs or ULIDs in production.)
pub fn new_id(prefix: &str) -> String {
    let random: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(16)
        .collect();
    format!("{prefix}_{random}")
}

/// The current time as ISO-8601 UTC with milliseconds,
/// `2024-05-01T10:00:00.123Z` (sorts as text in time order).
pub fn now_iso8601() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// Year, month, day of a day number since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
