//! How the event loop reconnects: the [`Backoff`] between failed attempts, the fallback
//! brokers tried in turn, and the credentials provider asked before every CONNECT.
//! Stores and checks values only; the schedule itself lives in the event loop.

use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::{Broker, ConfigError, MqttOptions};
use crate::mqttbytes::ConnectAuth;

/// First delay ceiling of [`Backoff::default`].
const DEFAULT_INITIAL_DELAY_MS: u64 = 100;
/// Largest delay of [`Backoff::default`].
const DEFAULT_MAX_DELAY_SECS: u64 = 30;
/// Growth of the delay ceiling per failed round in [`Backoff::default`].
const DEFAULT_MULTIPLIER: f64 = 2.0;
/// How long a connection must last before [`Backoff::default`] starts over.
const DEFAULT_RESET_AFTER_SECS: u64 = 10;
/// Largest accepted maximum delay (one day): longer waits are a configuration mistake.
const MAX_BACKOFF_SECS: u64 = 24 * 60 * 60;

/// Exponential reconnect backoff with full jitter.
///
/// After the `n`th consecutive failed round (every broker tried once), the event loop waits
/// a random delay between zero and `min(max, initial * multiplier^(n-1))` before the next
/// attempt. A connection that lasted at least `reset_after` starts the schedule over: the
/// first attempt after it is made at once.
///
/// The default (100 ms doubling up to 30 s, reset after 10 s) is what
/// [`MqttOptions::new`] uses.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use rumqttc::{Backoff, MqttOptions};
///
/// let backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(60))
///     .with_multiplier(1.5)
///     .with_reset_after(Duration::from_secs(30));
/// let mut options = MqttOptions::new("sensor-17", "localhost");
/// options.set_reconnect_backoff(Some(backoff));
/// assert_eq!(options.reconnect_backoff(), Some(backoff));
/// assert_eq!(options.validate(), Ok(()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    multiplier: f64,
    reset_after: Duration,
}

impl Backoff {
    /// A backoff from `initial` up to `max`, doubling per failed round, reset after 10 s
    /// of connection. `initial > max` is reported by [`MqttOptions::validate`].
    pub const fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            multiplier: DEFAULT_MULTIPLIER,
            reset_after: Duration::from_secs(DEFAULT_RESET_AFTER_SECS),
        }
    }

    /// Sets the growth per failed round; below 1 or not finite is reported by
    /// [`MqttOptions::validate`].
    #[must_use]
    pub const fn with_multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = multiplier;
        self
    }

    /// Sets how long a connection must last for the schedule to start over.
    #[must_use]
    pub const fn with_reset_after(mut self, reset_after: Duration) -> Self {
        self.reset_after = reset_after;
        self
    }

    /// The delay ceiling after the first failed round.
    pub const fn initial(&self) -> Duration {
        self.initial
    }

    /// The largest delay.
    pub const fn max(&self) -> Duration {
        self.max
    }

    /// The growth of the ceiling per failed round.
    pub const fn multiplier(&self) -> f64 {
        self.multiplier
    }

    /// How long a connection must last for the schedule to start over.
    pub const fn reset_after(&self) -> Duration {
        self.reset_after
    }

    /// The delay ceiling after `failed_rounds` consecutive failed rounds (at least 1):
    /// `min(max, initial * multiplier^(failed_rounds - 1))`. Never panics.
    pub(crate) fn ceiling(&self, failed_rounds: u32) -> Duration {
        let exponent = i32::try_from(failed_rounds.saturating_sub(1)).unwrap_or(i32::MAX);
        let secs = self.initial.as_secs_f64() * self.multiplier.powi(exponent);
        let secs = secs.min(self.max.as_secs_f64());
        Duration::try_from_secs_f64(secs).unwrap_or(self.max)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let sane_multiplier = self.multiplier.is_finite() && self.multiplier >= 1.0;
        let max_ok = self.max.as_secs() < MAX_BACKOFF_SECS;
        if !sane_multiplier || !max_ok || self.initial.as_nanos() > self.max.as_nanos() {
            return Err(ConfigError::ReconnectBackoff);
        }
        Ok(())
    }
}

/// 100 ms doubling up to 30 s, reset after a connection of 10 s.
impl Default for Backoff {
    fn default() -> Self {
        Self::new(
            Duration::from_millis(DEFAULT_INITIAL_DELAY_MS),
            Duration::from_secs(DEFAULT_MAX_DELAY_SECS),
        )
    }
}

/// The error a credentials provider returns, boxed so any error type can be used.
pub(crate) type CredentialsError = Box<dyn StdError + Send + Sync>;
type CredentialsFuture =
    Pin<Box<dyn Future<Output = Result<ConnectAuth, CredentialsError>> + Send>>;

/// An async function asked for the credentials before every CONNECT.
#[derive(Clone)]
pub(crate) struct CredentialsProvider(Arc<dyn Fn() -> CredentialsFuture + Send + Sync>);

impl CredentialsProvider {
    /// The credentials for the next CONNECT.
    pub(crate) async fn credentials(&self) -> Result<ConnectAuth, CredentialsError> {
        (self.0)().await
    }
}

impl fmt::Debug for CredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialsProvider(..)")
    }
}

/// The reconnect settings kept in [`MqttOptions`].
#[derive(Clone, Debug)]
pub(crate) struct Reconnect {
    backoff: Option<Backoff>,
    fallback_brokers: Vec<Broker>,
    credentials_provider: Option<CredentialsProvider>,
}

impl Default for Reconnect {
    fn default() -> Self {
        Self {
            backoff: Some(Backoff::default()),
            fallback_brokers: Vec::new(),
            credentials_provider: None,
        }
    }
}

impl Reconnect {
    /// Checks the backoff and that every fallback broker suits the transport.
    pub(crate) fn check(&self, options: &MqttOptions) -> Result<(), ConfigError> {
        if let Some(backoff) = &self.backoff {
            backoff.check()?;
        }
        let transport = &options.transport;
        if self
            .fallback_brokers
            .iter()
            .any(|broker| !broker.is_compatible(transport))
        {
            return Err(ConfigError::BrokerTransportMismatch);
        }
        Ok(())
    }
}

/// Reconnect backoff, fallback brokers and the credentials provider.
impl MqttOptions {
    /// Sets the delay between failed connection attempts; `None` reconnects at once, as
    /// rumqttc does. The default is [`Backoff::default`].
    ///
    /// With a backoff, [`EventLoop::poll`](crate::EventLoop::poll) still returns every
    /// failed attempt as an error, and the next call waits out the delay before it connects
    /// again, so a plain `loop { eventloop.poll().await }` does not spin.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use rumqttc::{Backoff, MqttOptions};
    ///
    /// let mut options = MqttOptions::new("sensor-7", ("127.0.0.1", 1883));
    /// // 500 ms, doubling up to one minute; back to 500 ms after a minute connected.
    /// let backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(60))
    ///     .with_reset_after(Duration::from_secs(60));
    /// options.set_reconnect_backoff(Some(backoff));
    /// assert_eq!(options.reconnect_backoff().map(|b| b.max()), Some(Duration::from_secs(60)));
    /// // The reference behaviour: reconnect at once.
    /// options.set_reconnect_backoff(None);
    /// assert!(options.reconnect_backoff().is_none());
    /// ```
    pub fn set_reconnect_backoff(&mut self, backoff: Option<Backoff>) -> &mut Self {
        self.reconnect.backoff = backoff;
        self
    }

    /// The reconnect backoff; `None` means reconnect at once.
    pub const fn reconnect_backoff(&self) -> Option<Backoff> {
        self.reconnect.backoff
    }

    /// Adds a broker tried, in the order added, when an attempt on the one before fails.
    ///
    /// The event loop starts with [`broker`](Self::broker). When an attempt fails, or a
    /// connection ends before the backoff's `reset_after`, it tries the next broker at once;
    /// after a whole round of failures it waits out the backoff. Every broker uses the same
    /// transport, checked by [`validate`](Self::validate).
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{Broker, MqttOptions};
    ///
    /// let mut options = MqttOptions::new("sensor-17", ("mqtt-a.local", 1883));
    /// options
    ///     .add_fallback_broker(("mqtt-b.local", 1883))
    ///     .add_fallback_broker(Broker::tcp("mqtt-c.local", 1884));
    /// let brokers: Vec<_> = options.brokers().filter_map(Broker::tcp_address).collect();
    /// assert_eq!(
    ///     brokers,
    ///     [("mqtt-a.local", 1883), ("mqtt-b.local", 1883), ("mqtt-c.local", 1884)]
    /// );
    /// ```
    pub fn add_fallback_broker(&mut self, broker: impl Into<Broker>) -> &mut Self {
        self.reconnect.fallback_brokers.push(broker.into());
        self
    }

    /// Removes every fallback broker.
    pub fn clear_fallback_brokers(&mut self) -> &mut Self {
        self.reconnect.fallback_brokers.clear();
        self
    }

    /// The fallback brokers, in the order they are tried.
    pub fn fallback_brokers(&self) -> &[Broker] {
        &self.reconnect.fallback_brokers
    }

    /// Every broker in the order tried: [`broker`](Self::broker), then the fallbacks.
    pub fn brokers(&self) -> impl Iterator<Item = &Broker> {
        std::iter::once(self.broker()).chain(&self.reconnect.fallback_brokers)
    }

    /// Sets an async function asked for the credentials before every CONNECT, for tokens
    /// that expire. Its answer replaces [`auth`](Self::auth) for that attempt.
    ///
    /// It runs within the connection timeout. Its error fails the attempt as
    /// [`ConnectionError::Credentials`](crate::ConnectionError::Credentials), which counts
    /// as a failed attempt for the backoff. A poll dropped while it runs asks again on the
    /// next attempt.
    ///
    /// # Examples
    /// ```
    /// use rumqttc::{ConnectAuth, MqttOptions};
    ///
    /// let mut options = MqttOptions::new("sensor-17", "localhost");
    /// options.set_credentials_provider(|| async {
    ///     let token = String::from("fresh-token"); // fetch a token here
    ///     Ok::<_, std::io::Error>(ConnectAuth::with_credentials("sensor-17", token))
    /// });
    /// assert!(options.has_credentials_provider());
    /// ```
    pub fn set_credentials_provider<F, O, E>(&mut self, provider: F) -> &mut Self
    where
        F: Fn() -> O + Send + Sync + 'static,
        O: IntoFuture<Output = Result<ConnectAuth, E>>,
        O::IntoFuture: Send + 'static,
        E: StdError + Send + Sync + 'static,
    {
        let provider = CredentialsProvider(Arc::new(move || {
            let future = provider().into_future();
            Box::pin(async move { future.await.map_err(|error| Box::new(error) as _) })
        }));
        self.reconnect.credentials_provider = Some(provider);
        self
    }

    /// Removes the credentials provider; [`auth`](Self::auth) is sent again.
    pub fn clear_credentials_provider(&mut self) -> &mut Self {
        self.reconnect.credentials_provider = None;
        self
    }

    /// Whether a credentials provider is set.
    pub const fn has_credentials_provider(&self) -> bool {
        self.reconnect.credentials_provider.is_some()
    }

    /// The credentials provider (a cheap clone), for the event loop.
    pub(crate) fn credentials_provider(&self) -> Option<CredentialsProvider> {
        self.reconnect.credentials_provider.clone()
    }
}
