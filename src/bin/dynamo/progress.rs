//! The progress indicator shown while a table is created or deleted.
//!
//! On a terminal (stderr) it is a spinner line redrawn in place with the
//! table's status and the time waited, erased when the wait ends; otherwise
//! it prints one plain line per status change (`Creating table users:
//! CREATING`), so logs and CI output stay readable.

use std::io::{IsTerminal as _, Write as _};
use std::time::Instant;

const FRAMES: &[char] = &['|', '/', '-', '\\'];

/// A progress indicator on stderr.
pub struct Progress {
    label: String,
    tty: bool,
    started: Instant,
    last: Option<String>,
    frame: usize,
    drawn: bool,
}

impl Progress {
    /// Starts showing progress for `label` (e.g. "Creating table users").
    pub fn new(label: impl Into<String>) -> Progress {
        let label = label.into();
        let tty = std::io::stderr().is_terminal();
        Progress {
            label,
            tty,
            started: Instant::now(),
            last: None,
            frame: 0,
            drawn: false,
        }
    }

    /// Shows the current status; call it on every poll.
    pub fn update(&mut self, status: &str) {
        if self.tty {
            self.frame = (self.frame + 1) % FRAMES.len();
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r\x1b[2K{} {}: {} ({:.0} s)",
                FRAMES[self.frame],
                self.label,
                status,
                self.started.elapsed().as_secs_f64()
            );
            let _ = err.flush();
            self.drawn = true;
        } else if self.last.as_deref() != Some(status) {
            say!("{}: {status}", self.label);
        }
        self.last = Some(status.to_owned());
    }

    /// Turns the spinner (terminal only) without a new status.
    pub fn tick(&mut self) {
        if self.tty {
            let status = self.last.clone().unwrap_or_else(|| "waiting".to_owned());
            self.update(&status);
        }
    }

    /// Clears the spinner line (terminal) before the final message.
    pub fn finish(&mut self) {
        if self.tty && self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
