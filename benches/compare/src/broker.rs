//! A private mosquitto on a free 127.0.0.1 port with inflight and queue limits lifted,
//! stopped when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running broker.
pub struct Broker {
    child: Child,
    dir: PathBuf,
    /// Port on 127.0.0.1.
    pub port: u16,
}

fn mosquitto_binary() -> String {
    if let Ok(path) = std::env::var("MOSQUITTO") {
        return path;
    }
    for candidate in ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"] {
        if std::path::Path::new(candidate).exists() {
            return candidate.to_owned();
        }
    }
    "mosquitto".to_owned()
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

impl Broker {
    /// Starts mosquitto and waits (at most 10 s) until it accepts connections.
    pub fn start() -> Result<Self, String> {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let dir = std::env::temp_dir().join(format!("rumqttc-compare-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let config = format!(
            "listener {port} 127.0.0.1\n\
             allow_anonymous true\n\
             persistence false\n\
             max_inflight_messages 0\n\
             max_queued_messages 0\n\
             set_tcp_nodelay true\n\
             log_dest stderr\n\
             log_type error\n\
             log_type warning\n"
        );
        let config_path = dir.join("mosquitto.conf");
        std::fs::write(&config_path, config).map_err(|e| format!("write config: {e}"))?;
        let log = std::fs::File::create(dir.join("mosquitto.log"))
            .map_err(|e| format!("create log: {e}"))?;
        let child = Command::new(mosquitto_binary())
            .arg("-c")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start mosquitto ({}): {e}", mosquitto_binary()))?;
        let mut broker = Self { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || broker.child.try_wait().ok().flatten().is_some() {
                return Err(format!(
                    "mosquitto did not start; log: {}",
                    broker.dir.join("mosquitto.log").display()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(broker)
    }

    /// The broker's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time (user + system) the broker has used so far, in seconds.
    pub fn cpu_secs(&self) -> f64 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())) else {
            return 0.0;
        };
        // Fields after the parenthesised command name; utime and stime are fields 14, 15.
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            return 0.0;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = [11, 12]
            .iter()
            .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
            .sum();
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        ticks / if hz > 0 { hz as f64 } else { 100.0 }
    }

    /// Broker log contents (errors and warnings only).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("mosquitto.log")).unwrap_or_default()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
