//! Launches a private aedes broker (Node.js, `tests/support/aedes_broker.mjs`) per test on a
//! free 127.0.0.1 port; kills and reaps it on drop. aedes comes from npm, installed by
//! `.ci/run` into [`install_dir`]; a missing `node` or aedes fails the test (never skips).

use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rumqttc::MqttOptions;

use super::mosquitto::{TempDir, free_port};

/// The aedes version `.ci/run` installs.
pub(crate) const AEDES_VERSION: &str = "1.2.0";
/// How long a start may take before the test fails.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// Pause between two readiness probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(20);
/// How long one readiness connection attempt may take.
const PROBE_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Fresh ports tried when another process takes the chosen one first.
const START_ATTEMPTS: usize = 5;
/// What the launcher script prints once it listens.
const READY_MARK: &str = "aedes ready on";
/// What Node.js reports when the port is taken.
const ADDRESS_IN_USE: &str = "EADDRINUSE";

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
    dir: TempDir,
    port: u16,
    child: Option<Child>,
}

impl Aedes {
    /// Starts aedes on a free port and waits until it accepts connections.
    ///
    /// Panics (failing the test) when `node` or aedes is missing or the broker does not
    /// come up.
    pub(crate) fn start() -> Self {
        let node = find_node();
        let install = install_dir();
        if !install.join("node_modules/aedes/package.json").is_file() {
            panic!(
                "aedes is not installed in {}: these tests need it; run \
                 `npm install --prefix {} aedes@{AEDES_VERSION}` (.ci/run does)",
                install.display(),
                install.display()
            );
        }
        let mut aedes = Self {
            dir: TempDir::new("aedes"),
            port: 0,
            child: None,
        };
        for _ in 0..START_ATTEMPTS {
            aedes.port = free_port();
            match aedes.launch(&node, &install) {
                Ok(child) => {
                    aedes.child = Some(child);
                    return aedes;
                }
                Err(None) => {}
                Err(Some(reason)) => aedes.fail(&reason),
            }
        }
        aedes.fail(&format!(
            "every port was taken in {START_ATTEMPTS} attempts"
        ))
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
        fs::read(self.output_path())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    fn output_path(&self) -> PathBuf {
        self.dir.path().join("output.txt")
    }

    /// Spawns the launcher script; `Err(None)` when the port was taken.
    fn launch(&self, node: &Path, install: &Path) -> Result<Child, Option<String>> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/aedes_broker.mjs");
        let output = File::create(self.output_path())
            .map_err(|error| Some(format!("cannot create output.txt: {error}")))?;
        let output_err = output
            .try_clone()
            .map_err(|error| Some(format!("cannot clone output.txt: {error}")))?;
        let child = Command::new(node)
            .arg(script)
            .arg(install)
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(output_err)
            .spawn()
            .map_err(|error| Some(format!("cannot run {}: {error}", node.display())))?;
        self.wait_ready(child)
    }

    fn wait_ready(&self, mut child: Child) -> Result<Child, Option<String>> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(_)) if self.output().contains(ADDRESS_IN_USE) => return Err(None),
                Ok(Some(status)) => return Err(Some(format!("node exited with {status}"))),
                Ok(None) => {}
                Err(error) => return Err(Some(format!("try_wait: {error}"))),
            }
            if self.output().contains(READY_MARK)
                && TcpStream::connect_timeout(&self.addr(), PROBE_CONNECT_TIMEOUT).is_ok()
            {
                return Ok(child);
            }
            if Instant::now() >= deadline {
                kill_and_reap(&mut child);
                return Err(Some(format!("not ready within {READY_TIMEOUT:?}")));
            }
            std::thread::sleep(PROBE_INTERVAL);
        }
    }

    fn fail(&self, reason: &str) -> ! {
        panic!(
            "aedes on port {} failed: {reason}\n--- output ---\n{}",
            self.port,
            self.output()
        );
    }
}

impl Drop for Aedes {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_and_reap(&mut child);
        }
        if std::thread::panicking() {
            eprintln!(
                "--- aedes output (port {}) ---\n{}",
                self.port,
                self.output()
            );
        }
    }
}

fn kill_and_reap(child: &mut Child) {
    // The process may have exited already; what matters is that it is reaped.
    let _ = child.kill();
    let _ = child.wait();
}

/// The `node` binary on `$PATH` or in `/usr/bin`; panics with the install hint otherwise.
fn find_node() -> PathBuf {
    let path_dirs = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    path_dirs
        .into_iter()
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join("node"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`node` is not on PATH: the aedes tests need Node.js; install it, e.g. \
                 `apt-get install -y nodejs npm`"
            )
        })
}
