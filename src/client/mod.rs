//! The client side of the request channel: the two handles ([`AsyncClient`] and its blocking
//! twin [`Client`] with its [`Connection`]), their builders, argument and error types, one
//! builder per operation that validates a request once, and `RequestTx`, the one send path.
//!
//! Files: `error` (refusals), `topic` (topic argument and checks), `payload` (payload and
//! publish options), `request` (builders), `tx` (send path), `builder`, `async_client`,
//! `sync_client`, `connection` (the blocking driver).

mod async_client;
mod builder;
mod connection;
mod error;
mod payload;
mod request;
mod sync_client;
#[cfg(test)]
mod tests;
mod topic;
mod tx;

pub use async_client::AsyncClient;
pub use builder::{AsyncClientBuilder, ClientBuilder};
pub use connection::{Connection, Iter, RecvError, RecvTimeoutError, TryRecvError};
pub use error::{ClientBuildError, ClientError};
pub use payload::{IntoPublishPayload, PublishOptions};
pub use sync_client::Client;
pub use topic::{PublishTopic, ValidatedTopic};
