//! Bounded reads and writes of u8, u16, MQTT UTF-8 strings and binary fields.
