//! The application's code the transport calls while connecting: the socket connector that
//! replaces TCP ([`AsyncReadWrite`] is what it returns) and the WebSocket request modifier.
//! Type-erased closures stored in the options; `transport` calls them.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
#[cfg(feature = "websocket")]
use std::{error::Error as StdError, future::IntoFuture};

#[cfg(feature = "websocket")]
use async_tungstenite::tungstenite::http::Request;
use tokio::io::{AsyncRead, AsyncWrite};

use super::NetworkOptions;

/// A byte stream the client can run MQTT over: tokio `AsyncRead + AsyncWrite`, `Send` and
/// `Unpin`. Implemented for every such type; a socket connector returns one.
pub trait AsyncReadWrite: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> AsyncReadWrite for T {}

type ConnectFuture = Pin<Box<dyn Future<Output = io::Result<Box<dyn AsyncReadWrite>>> + Send>>;

/// The application's function that opens the base stream, given `"host:port"` and the
/// network options; shared by clones of the options.
#[derive(Clone)]
pub(crate) struct SocketConnector(
    Arc<dyn Fn(String, NetworkOptions) -> ConnectFuture + Send + Sync>,
);

impl SocketConnector {
    /// Type-erases `connector`.
    pub(crate) fn new<F, Fut, S>(connector: F) -> Self
    where
        F: Fn(String, NetworkOptions) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<S>> + Send + 'static,
        S: AsyncReadWrite + 'static,
    {
        Self(Arc::new(move |address, options| {
            let future = connector(address, options);
            Box::pin(async move {
                let stream = future.await?;
                Ok(Box::new(stream) as Box<dyn AsyncReadWrite>)
            })
        }))
    }

    /// Calls the connector once.
    pub(crate) async fn connect(
        &self,
        address: String,
        options: NetworkOptions,
    ) -> io::Result<Box<dyn AsyncReadWrite>> {
        (self.0)(address, options).await
    }
}

impl fmt::Debug for SocketConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SocketConnector(..)")
    }
}

/// The error a fallible request modifier returned, type-erased.
#[cfg(feature = "websocket")]
type ModifierError = Box<dyn StdError + Send + Sync>;
#[cfg(feature = "websocket")]
type ModifierFuture = Pin<Box<dyn Future<Output = Result<Request<()>, ModifierError>> + Send>>;

/// An async function applied to the upgrade request before every (re)connection, to add
/// headers such as `Authorization` (tokens can be refreshed on each call). Set with
/// [`MqttOptions::set_request_modifier`](crate::MqttOptions::set_request_modifier) or its
/// fallible twin; read back with
/// [`MqttOptions::request_modifier`](crate::MqttOptions::request_modifier).
#[cfg(feature = "websocket")]
#[derive(Clone)]
pub struct RequestModifier(Arc<dyn Fn(Request<()>) -> ModifierFuture + Send + Sync>);

#[cfg(feature = "websocket")]
impl RequestModifier {
    /// Wraps a modifier that cannot fail.
    pub(crate) fn infallible<F, O>(modifier: F) -> Self
    where
        F: Fn(Request<()>) -> O + Send + Sync + 'static,
        O: IntoFuture<Output = Request<()>>,
        O::IntoFuture: Send + 'static,
    {
        Self(Arc::new(move |request| {
            let future = modifier(request).into_future();
            Box::pin(async move { Ok(future.await) })
        }))
    }

    /// Wraps a modifier whose error ends the connection attempt.
    pub(crate) fn fallible<F, O, E>(modifier: F) -> Self
    where
        F: Fn(Request<()>) -> O + Send + Sync + 'static,
        O: IntoFuture<Output = Result<Request<()>, E>>,
        O::IntoFuture: Send + 'static,
        E: StdError + Send + Sync + 'static,
    {
        Self(Arc::new(move |request| {
            let future = modifier(request).into_future();
            Box::pin(async move {
                future
                    .await
                    .map_err(|error| Box::new(error) as ModifierError)
            })
        }))
    }

    /// Runs the modifier on `request`, as the transport does before the upgrade.
    ///
    /// # Errors
    /// The error of a fallible modifier, type-erased; an infallible one never fails.
    pub async fn apply(&self, request: Request<()>) -> Result<Request<()>, ModifierError> {
        (self.0)(request).await
    }
}

#[cfg(feature = "websocket")]
impl fmt::Debug for RequestModifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestModifier(..)")
    }
}
