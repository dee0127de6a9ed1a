//! Server processes for the real-broker launchers (nats-server, aedes): find a binary, spawn
//! it with its output in a file, wait until it is ready on its port, kill and reap it.
//! Real clock only (it waits on another process).

use std::fs::{self, File};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::mosquitto::free_port;

/// How long a start may take before the test fails.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// Pause between two readiness probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(20);
/// How long one readiness connection attempt may take.
const PROBE_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Fresh ports tried when another process takes the chosen one first.
const START_ATTEMPTS: usize = 5;

/// What a server prints once it is ready, and what it prints when its port is taken.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marks {
    pub(crate) ready: &'static str,
    pub(crate) port_taken: &'static str,
}

/// Why one launch did not give a ready server.
#[derive(Debug)]
pub(crate) enum LaunchError {
    /// The port was taken by another process: try another.
    PortTaken,
    /// Anything else: fail the test with this description.
    Failed(String),
}

/// A running server process; killed and reaped on drop.
#[derive(Debug)]
pub(crate) struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // The process may have exited already; what matters is that it is reaped.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `command` with stdout and stderr written to `output`, and waits until `output`
/// contains `marks.ready` and `addr` accepts a TCP connection.
pub(crate) fn spawn_ready(
    mut command: Command,
    output: &Path,
    addr: SocketAddr,
    marks: Marks,
) -> Result<ServerProcess, LaunchError> {
    let failed =
        |what: &str, error: std::io::Error| LaunchError::Failed(format!("{what}: {error}"));
    let file = File::create(output).map_err(|error| failed("cannot create the output", error))?;
    let file_err = file
        .try_clone()
        .map_err(|error| failed("cannot clone the output", error))?;
    let child = command
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(file_err)
        .spawn()
        .map_err(|error| failed("cannot spawn", error))?;
    let mut process = ServerProcess(child);
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        let printed = read_lossy(output);
        match process.0.try_wait() {
            Ok(Some(_)) if printed.contains(marks.port_taken) => {
                return Err(LaunchError::PortTaken);
            }
            Ok(Some(status)) => return Err(LaunchError::Failed(format!("exited with {status}"))),
            Ok(None) => {}
            Err(error) => return Err(failed("try_wait", error)),
        }
        if printed.contains(marks.ready)
            && TcpStream::connect_timeout(&addr, PROBE_CONNECT_TIMEOUT).is_ok()
        {
            return Ok(process);
        }
        if Instant::now() >= deadline {
            return Err(LaunchError::Failed(format!(
                "not ready within {READY_TIMEOUT:?}"
            )));
        }
        std::thread::sleep(PROBE_INTERVAL);
    }
}

/// Calls `launch` with fresh free ports until one is not taken; the port and the process.
pub(crate) fn on_free_port(
    mut launch: impl FnMut(u16) -> Result<ServerProcess, LaunchError>,
) -> Result<(u16, ServerProcess), String> {
    for _ in 0..START_ATTEMPTS {
        let port = free_port();
        match launch(port) {
            Ok(process) => return Ok((port, process)),
            Err(LaunchError::PortTaken) => {}
            Err(LaunchError::Failed(reason)) => return Err(reason),
        }
    }
    Err(format!("every port was taken in {START_ATTEMPTS} attempts"))
}

/// `name` on `$PATH`, else in one of `fallback_dirs`; panics with `install_hint` otherwise.
pub(crate) fn find_binary(name: &str, fallback_dirs: &[&str], install_hint: &str) -> PathBuf {
    let path_dirs = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    path_dirs
        .into_iter()
        .chain(fallback_dirs.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not on PATH: these tests need it; {install_hint}"))
}

/// The file's text (lossy), or empty when it cannot be read.
pub(crate) fn read_lossy(path: &Path) -> String {
    fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}
