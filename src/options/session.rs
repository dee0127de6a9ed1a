//! Session options beyond the clean-session flag: whether subscriptions lost with the
//! session are restored. Setters and getters only; the state decides what to send.

use super::{MqttOptions, MqttOptionsBuilder};
use crate::state::Resubscribe;

impl MqttOptions {
    /// Sets whether granted subscriptions are subscribed again when a reconnect finds
    /// `session_present = false` (default [`Resubscribe::Never`]).
    ///
    /// With [`Resubscribe::OnSessionLoss`] the event loop sends the filters the broker
    /// had granted (see [`EventLoop::subscriptions`](crate::EventLoop::subscriptions)),
    /// with their granted QoS, before any queued request; the SUBSCRIBEs and SUBACKs are
    /// ordinary events, and a refused filter shows as a failure code in its SUBACK.
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{MqttOptions, Resubscribe};
    ///
    /// let mut options = MqttOptions::new("sensor-17", "localhost");
    /// assert_eq!(options.resubscribe(), Resubscribe::Never);
    /// options.set_resubscribe(Resubscribe::OnSessionLoss);
    /// assert_eq!(options.resubscribe(), Resubscribe::OnSessionLoss);
    ///
    /// let built = MqttOptions::builder("sensor-17", "localhost")
    ///     .resubscribe(Resubscribe::OnSessionLoss)
    ///     .build();
    /// assert_eq!(built.resubscribe(), Resubscribe::OnSessionLoss);
    /// ```
    pub const fn set_resubscribe(&mut self, policy: Resubscribe) -> &mut Self {
        self.resubscribe = policy;
        self
    }

    /// Whether lost subscriptions are restored after a reconnect.
    pub const fn resubscribe(&self) -> Resubscribe {
        self.resubscribe
    }
}

impl MqttOptionsBuilder {
    /// See [`MqttOptions::set_resubscribe`].
    pub const fn resubscribe(mut self, policy: Resubscribe) -> Self {
        self.options.set_resubscribe(policy);
        self
    }
}
