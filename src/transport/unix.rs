//! Unix domain sockets (Unix targets only).

use std::io;
use std::path::Path;

use tokio::net::UnixStream;

/// Connects to the broker's Unix socket at `path`.
pub(crate) async fn connect(path: &Path) -> io::Result<UnixStream> {
    UnixStream::connect(path).await
}
