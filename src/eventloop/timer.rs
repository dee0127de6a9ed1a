//! The connection's one timer and the rule for which deadline it waits for.

use std::pin::Pin;

use tokio::time::{self, Instant, Sleep};

/// The one timer of a connection: re-armed when the deadline moves instead of registering
/// a new timer on every wait (pushing a deadline later is a cheap update in tokio).
#[derive(Debug)]
pub(super) struct Timer(Pin<Box<Sleep>>);

impl Timer {
    pub(super) fn new(now: Instant) -> Self {
        Self(Box::pin(time::sleep_until(now)))
    }

    /// Completes at `deadline`, at once if it has passed, never for `None`. Cancel safe.
    pub(super) async fn sleep_until(&mut self, deadline: Option<Instant>, now: Instant) {
        match deadline {
            Some(deadline) if deadline > now => {
                if self.0.deadline() != deadline {
                    self.0.as_mut().reset(deadline);
                }
                self.0.as_mut().await;
            }
            Some(_) => {}
            None => std::future::pending().await,
        }
    }
}

/// The earlier of two optional deadlines; `None` only when both are.
pub(super) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
