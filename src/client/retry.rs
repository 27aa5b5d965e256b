//! How failed requests are retried: the policy, and the budget one request
//! (or one batch chunk) spends.

use std::time::{Duration, Instant};

/// How failed requests are retried: throttling, 5xx and transport failures
/// (including timeouts) are retried with exponential backoff and full jitter
/// — each wait is random between zero and `min(max_delay, base_delay ×
/// 2^n)` — until the attempt limit or the total deadline is reached,
/// whichever comes first.
///
/// ```
/// use dynamo::client::RetryPolicy;
/// use std::time::Duration;
///
/// let p = RetryPolicy::default()
///     .max_attempts(5)
///     .base_delay(Duration::from_millis(10))
///     .deadline(Duration::from_secs(20));
/// assert_eq!(p.attempts(), 5);
/// assert!(p.backoff(3) <= Duration::from_millis(40));
/// assert_eq!(p.total_deadline(), Duration::from_secs(20));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    deadline: Duration,
}

/// The largest attempt limit a policy accepts.
pub const MAX_ATTEMPTS: u32 = 100;

impl Default for RetryPolicy {
    /// 10 attempts, 25 ms base, 2 s cap, 60 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(2),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the attempt limit (1 to [`MAX_ATTEMPTS`]; clamped).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> RetryPolicy {
        self.max_attempts = n.clamp(1, MAX_ATTEMPTS);
        self
    }

    /// Sets the first backoff's upper bound.
    #[must_use]
    pub fn base_delay(mut self, d: Duration) -> RetryPolicy {
        self.base_delay = d;
        self
    }

    /// Sets the cap of every backoff.
    #[must_use]
    pub fn max_delay(mut self, d: Duration) -> RetryPolicy {
        self.max_delay = d;
        self
    }

    /// Sets the total time one request may take, retries and waits
    /// included (default 60 s). No retry starts after it, no wait outlasts
    /// it, and each attempt's timeout is cut to what is left of it. Under a
    /// millisecond counts as a millisecond (clamped, as attempts are).
    #[must_use]
    pub fn deadline(mut self, d: Duration) -> RetryPolicy {
        self.deadline = d.max(Duration::from_millis(1));
        self
    }

    /// The attempt limit.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The total deadline.
    pub fn total_deadline(&self) -> Duration {
        self.deadline
    }

    /// The wait before retry number `retry` (1-based): random in
    /// `[0, min(max_delay, base_delay × 2^(retry-1))]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(if nanos == 0 {
            0
        } else {
            fastrand::u64(0..=nanos)
        })
    }

    /// A fresh budget for one request.
    pub(crate) fn budget(&self) -> Budget {
        Budget {
            policy: self.clone(),
            started: Instant::now(),
            attempts: 0,
        }
    }
}

/// What one request (or one batch chunk, leftovers included) may still
/// spend: attempts and time.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    policy: RetryPolicy,
    started: Instant,
    attempts: u32,
}

impl Budget {
    /// Counts an attempt about to be made; its number (1-based).
    pub(crate) fn attempt(&mut self) -> u32 {
        self.attempts += 1;
        self.attempts
    }

    /// Time left before the deadline.
    pub(crate) fn remaining(&self) -> Duration {
        self.policy.deadline.saturating_sub(self.started.elapsed())
    }

    /// The wait before the next attempt, or `None` when the budget is spent
    /// (no attempt left, or the wait would reach the deadline).
    pub(crate) fn next_wait(&self) -> Option<Duration> {
        if self.attempts >= self.policy.max_attempts {
            return None;
        }
        let wait = self.policy.backoff(self.attempts);
        (wait < self.remaining()).then_some(wait)
    }

    /// Why the budget ran out, for error messages: `gave up after 3
    /// attempts`, or `gave up after 2 attempts, at the 1000 ms deadline`.
    pub(crate) fn spent(&self) -> String {
        let attempts = match self.attempts {
            1 => "1 attempt".to_owned(),
            n => format!("{n} attempts"),
        };
        if self.attempts >= self.policy.max_attempts {
            format!("gave up after {attempts}")
        } else {
            format!(
                "gave up after {attempts}, at the {} ms deadline",
                self.policy.deadline.as_millis()
            )
        }
    }

    /// Whether the deadline, not the attempt limit, ended the retries.
    pub(crate) fn hit_deadline(&self) -> bool {
        self.attempts < self.policy.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded() {
        let p = RetryPolicy::default();
        for retry in 1..50 {
            assert!(p.backoff(retry) <= Duration::from_secs(2));
        }
        assert!(
            RetryPolicy::default()
                .base_delay(Duration::ZERO)
                .backoff(3)
                .is_zero()
        );
        assert_eq!(RetryPolicy::none().attempts(), 1);
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
        assert_eq!(
            RetryPolicy::default().max_attempts(u32::MAX).attempts(),
            MAX_ATTEMPTS
        );
        // A zero deadline would give every attempt no time at all.
        assert_eq!(
            RetryPolicy::default()
                .deadline(Duration::ZERO)
                .total_deadline(),
            Duration::from_millis(1)
        );
    }

    #[test]
    fn a_budget_stops_at_the_attempt_limit() {
        let mut b = RetryPolicy::default().max_attempts(3).budget();
        assert_eq!(b.attempt(), 1);
        assert!(b.next_wait().is_some());
        b.attempt();
        assert!(b.next_wait().is_some());
        b.attempt();
        assert_eq!(b.next_wait(), None);
        assert_eq!(b.spent(), "gave up after 3 attempts");
        assert!(!b.hit_deadline());
    }

    #[test]
    fn a_budget_stops_at_the_deadline() {
        let p = RetryPolicy::default()
            .base_delay(Duration::from_secs(10))
            .max_delay(Duration::from_secs(10))
            .deadline(Duration::from_millis(1));
        let mut b = p.budget();
        b.attempt();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(b.remaining(), Duration::ZERO);
        assert_eq!(b.next_wait(), None);
        assert!(b.spent().contains("1 ms deadline"), "{}", b.spent());
        // A wait that would reach the deadline is not started either.
        let mut b = RetryPolicy::default()
            .base_delay(Duration::from_secs(100))
            .max_delay(Duration::from_secs(100))
            .deadline(Duration::from_secs(1))
            .budget();
        b.attempt();
        for _ in 0..20 {
            if let Some(w) = b.next_wait() {
                assert!(w < Duration::from_secs(1));
            }
        }
    }
}
