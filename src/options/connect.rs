//! What the options put on the wire: the CONNECT packet built from [`MqttOptions`], and
//! the advisory client-id profile check. The codec encodes the packet; this only fills it.

use super::MqttOptions;
use crate::mqttbytes::Connect;

/// Longest client id every server must accept ([MQTT-3.1.3-5]).
const MINIMUM_CLIENT_ID_MAX_BYTES: usize = 23;

/// Whether `client_id` fits the profile every MQTT 3.1.1 server must accept: 1 to 23
/// bytes, all ASCII letters and digits ([MQTT-3.1.3-5]).
///
/// Advisory only: servers may accept other ids, and the client sends any id it is given.
pub fn is_mqtt_minimum_client_id(client_id: &str) -> bool {
    (1..=MINIMUM_CLIENT_ID_MAX_BYTES).contains(&client_id.len())
        && client_id.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// The CONNECT packet for `options`: client id, keep-alive (whole seconds, saturated to
/// `u16::MAX`), clean-session flag, will and credentials.
pub(crate) fn build_connect(options: &MqttOptions) -> Connect {
    Connect {
        keep_alive: u16::try_from(options.keep_alive.as_secs()).unwrap_or(u16::MAX),
        client_id: options.client_id.clone(),
        clean_session: options.clean_session,
        last_will: options.last_will.clone(),
        auth: options.auth.clone(),
    }
}
