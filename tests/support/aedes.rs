//! Launches a private aedes broker (Node.js, `tests/support/aedes_broker.mjs`) per test on a
//! free 127.0.0.1 port; kills and reaps it on drop. aedes comes from npm, installed by
//! `.ci/run` into [`install_dir`]; a missing `node` or aedes fails the test (never skips).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::Command;

use rumqttc::MqttOptions;

use super::mosquitto::TempDir;
use super::process::{
    LaunchError, Marks, ServerProcess, find_binary, on_free_port, read_lossy, spawn_ready,
};

/// The aedes version `.ci/run` installs.
pub(crate) const AEDES_VERSION: &str = "1.2.0";
/// What the launcher script prints once it listens, and what Node.js reports for a taken port.
const MARKS: Marks = Marks {
    ready: "aedes ready on",
    port_taken: "EADDRINUSE",
};

/// Where aedes is installed: `$RUMQTTC_AEDES_DIR`, else `$HOME/.cache/rumqttc-tests/aedes`
/// (outside the work tree, so every checkout on the machine shares one install).
pub(crate) fn install_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RUMQTTC_AEDES_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    Path::new(&home).join(".cache/rumqttc-tests/aedes")
}

/// A running private aedes; killed and reaped on drop.
#[derive(Debug)]
pub(crate) struct Aedes {
    port: u16,
    // Declared before `dir`: the process ends before its directory is removed.
    process: ServerProcess,
    dir: TempDir,
}

impl Aedes {
    /// Starts aedes on a free port and waits until it accepts connections.
    ///
    /// Panics (failing the test) when `node` or aedes is missing or the broker does not
    /// come up.
    pub(crate) fn start() -> Self {
        let node = find_binary(
            "node",
            &["/usr/bin", "/usr/local/bin"],
            "install Node.js >= 20 (the aedes test runs on it)",
        );
        let install = install_dir();
        assert!(
            install.join("node_modules/aedes/package.json").is_file(),
            "aedes is not installed in {0}: these tests need it; run \
             `npm install --prefix {0} aedes@{AEDES_VERSION}` (.ci/run does)",
            install.display()
        );
        let dir = TempDir::new("aedes");
        let output = dir.path().join("output.txt");
        match on_free_port(|port| launch(&node, &install, &output, port)) {
            Ok((port, process)) => Self { port, process, dir },
            Err(reason) => panic!(
                "aedes failed: {reason}\n--- output ---\n{}",
                read_lossy(&output)
            ),
        }
    }

    /// The listening address.
    pub(crate) const fn addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port))
    }

    /// Client options for `client_id` against this broker (other settings default).
    pub(crate) fn options(&self, client_id: &str) -> MqttOptions {
        MqttOptions::new(client_id, ("127.0.0.1", self.port))
    }

    /// Everything the broker printed so far.
    pub(crate) fn output(&self) -> String {
        read_lossy(&self.dir.path().join("output.txt"))
    }
}

impl Drop for Aedes {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- aedes output (port {}) ---\n{}",
                self.port,
                self.output()
            );
        }
    }
}

/// Runs the launcher script on `port`.
fn launch(
    node: &Path,
    install: &Path,
    output: &Path,
    port: u16,
) -> Result<ServerProcess, LaunchError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/aedes_broker.mjs");
    let mut command = Command::new(node);
    command.arg(script).arg(install).arg(port.to_string());
    let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
    spawn_ready(command, output, addr, MARKS)
}
