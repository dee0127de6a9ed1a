//! Session options beyond the clean-session flag: the store that keeps the session across
//! restarts, and whether subscriptions lost with the session are restored. Setters and
//! getters only; the event loop and the state act on them.

use std::sync::Arc;

use super::{Broker, MqttOptions, MqttOptionsBuilder};
use crate::state::Resubscribe;
use crate::store::{SessionStore, SessionStoreKey};

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

    /// Keeps the session in `store` so it survives a restart of the process (used only
    /// with `clean_session = false`; none by default).
    ///
    /// The event loop loads the session before its first connection: unacknowledged QoS
    /// 1/2 publishes (with DUP) and owed PUBRELs are replayed with their packet ids when
    /// the broker still has the session, and re-sent as new publishes when it does not;
    /// incoming QoS 2 ids already acknowledged are remembered, so a redelivery is not
    /// handed to the application twice. What is durable when is described on
    /// [`FileSessionStore`](crate::FileSessionStore).
    ///
    /// # Examples
    /// ```no_run
    /// use rumqttc::{FileSessionStore, MqttOptions, SessionMode};
    ///
    /// # fn main() -> Result<(), rumqttc::SessionStoreError> {
    /// let mut options = MqttOptions::new("sensor-17", ("localhost", 1883));
    /// options
    ///     .set_session_mode(SessionMode::Persistent)
    ///     .set_session_store(FileSessionStore::open("mqtt-session")?);
    /// assert_eq!(options.session_store_key().scope(), "localhost:1883");
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_session_store(&mut self, store: impl SessionStore) -> &mut Self {
        self.set_session_store_arc(Arc::new(store))
    }

    /// [`set_session_store`](Self::set_session_store) with a store shared elsewhere.
    pub fn set_session_store_arc(&mut self, store: Arc<dyn SessionStore>) -> &mut Self {
        self.session_store = Some(store);
        self
    }

    /// Removes the session store.
    pub fn clear_session_store(&mut self) -> &mut Self {
        self.session_store = None;
        self
    }

    /// The session store, if any.
    pub fn session_store(&self) -> Option<Arc<dyn SessionStore>> {
        self.session_store.clone()
    }

    /// The key the session is stored under: the broker (`host:port` for TCP) and the
    /// client id.
    pub fn session_store_key(&self) -> SessionStoreKey {
        SessionStoreKey::new(scope(&self.broker), self.client_id.as_str())
    }
}

/// The broker as a store scope: another broker holds another session. Other kinds than
/// TCP use their `Debug` form, which leaves out URL queries and user info (tokens).
fn scope(broker: &Broker) -> String {
    match broker.tcp_address() {
        Some((host, port)) => format!("{host}:{port}"),
        None => format!("{broker:?}"),
    }
}

impl MqttOptionsBuilder {
    /// See [`MqttOptions::set_resubscribe`].
    pub const fn resubscribe(mut self, policy: Resubscribe) -> Self {
        self.options.set_resubscribe(policy);
        self
    }

    /// See [`MqttOptions::set_session_store`].
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.options.set_session_store(store);
        self
    }

    /// See [`MqttOptions::set_session_store_arc`].
    pub fn session_store_arc(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.options.set_session_store_arc(store);
        self
    }
}
