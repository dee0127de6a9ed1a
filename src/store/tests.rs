//! Store tests: exact log bytes, a log cut at every byte offset, corruption, compaction,
//! failing writes, and the snapshot fold.

use std::fs;
use std::path::PathBuf;

use super::log;
use super::*;
use crate::mqttbytes::{PacketType, Publish, QoS};

/// A directory removed on drop; unique per test name and process.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("rumqttc-store-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn key() -> SessionStoreKey {
    SessionStoreKey::new("b:1", "c")
}

fn publish(qos: QoS, pkid: u16) -> Publish {
    let mut publish = Publish::new("t", qos, vec![0xAB]);
    publish.pkid = pkid;
    publish
}

/// Header of `key()`: magic, version 1, scope "b:1" and client id "c" with u32 lengths.
const HEADER: &[u8] = &[
    b'R', b'M', b'Q', b'T', b'T', b'S', b'E', b'S', // magic
    1,    // format version
    0, 0, 0, 3, b'b', b':', b'1', // scope
    0, 0, 0, 1, b'c', // client id
];

/// Five records and their frames: one frame per record, in order.
fn records() -> Vec<(SessionRecord, &'static [u8])> {
    vec![
        // PUBLISH QoS 1, remaining 6: topic "t", pkid 1, payload 0xAB
        (
            SessionRecord::Publish(publish(QoS::AtLeastOnce, 1)),
            &[0x32, 6, 0, 1, b't', 0, 1, 0xAB],
        ),
        // PUBLISH QoS 2, pkid 2
        (
            SessionRecord::Publish(publish(QoS::ExactlyOnce, 2)),
            &[0x34, 6, 0, 1, b't', 0, 2, 0xAB],
        ),
        // PUBREL 2 (flags 0b0010)
        (SessionRecord::PubRel(2), &[0x62, 2, 0, 2]),
        // PUBREC 5: incoming QoS 2 received
        (SessionRecord::IncomingReceived(5), &[0x50, 2, 0, 5]),
        // PUBACK 1: outgoing exchange 1 completed
        (SessionRecord::Completed(1), &[0x40, 2, 0, 1]),
    ]
}

fn record_list() -> Vec<SessionRecord> {
    records().into_iter().map(|(record, _)| record).collect()
}

fn store(dir: &TempDir) -> FileSessionStore {
    FileSessionStore::open(&dir.0).unwrap()
}

#[test]
fn file_store_appends_header_then_one_frame_per_record() {
    let dir = TempDir::new("exact");
    let store = store(&dir);
    store.append(&key(), &record_list()[..2]).unwrap();
    store.append(&key(), &record_list()[2..]).unwrap();
    let mut expected = HEADER.to_vec();
    records()
        .iter()
        .for_each(|(_, frame)| expected.extend_from_slice(frame));
    assert_eq!(fs::read(store.path(&key())).unwrap(), expected);
    let loaded = FileSessionStore::open(&dir.0)
        .unwrap()
        .load(&key())
        .unwrap();
    let expected: SessionSnapshot = [SessionRecord::PubRel(2), SessionRecord::IncomingReceived(5)]
        .into_iter()
        .collect();
    assert_eq!(loaded, Some(expected));
}

#[test]
fn file_store_log_cut_at_every_offset_loads_the_whole_records_before_the_cut() {
    let dir = TempDir::new("cut");
    let store = store(&dir);
    let path = store.path(&key());
    store.append(&key(), &record_list()).unwrap();
    let log = fs::read(&path).unwrap();
    let mut ends = vec![HEADER.len()];
    for (_, frame) in records() {
        ends.push(ends[ends.len() - 1] + frame.len());
    }
    for cut in 0..=log.len() {
        fs::write(&path, &log[..cut]).unwrap();
        let result = FileSessionStore::open(&dir.0).unwrap().load(&key());
        if cut < HEADER.len() {
            let error = result.unwrap_err();
            assert!(
                matches!(&error, SessionStoreError::Corrupted { path: p, reason: Corruption::Header, .. } if *p == path),
                "cut {cut}: {error:?}"
            );
            continue;
        }
        let whole = ends.iter().filter(|&&end| end <= cut).count() - 1;
        let expected: SessionSnapshot = record_list().into_iter().take(whole).collect();
        assert_eq!(result.unwrap(), Some(expected), "cut {cut}");
        // The torn tail is cut off, so a new append follows the last whole record.
        assert_eq!(
            fs::metadata(&path).unwrap().len(),
            ends[whole] as u64,
            "cut {cut}"
        );
    }
}

#[test]
fn file_store_append_after_torn_tail_follows_the_last_whole_record() {
    let dir = TempDir::new("torn-append");
    let store = store(&dir);
    let path = store.path(&key());
    store.append(&key(), &record_list()[..1]).unwrap();
    let mut log = fs::read(&path).unwrap();
    log.extend_from_slice(&records()[1].1[..3]); // a PUBLISH cut after 3 bytes
    fs::write(&path, &log).unwrap();
    let store = FileSessionStore::open(&dir.0).unwrap();
    store
        .append(&key(), &[SessionRecord::IncomingReceived(9)])
        .unwrap();
    let mut expected = HEADER.to_vec();
    expected.extend_from_slice(records()[0].1);
    expected.extend_from_slice(&[0x50, 2, 0, 9]);
    assert_eq!(fs::read(&path).unwrap(), expected);
}

/// Writes `key()`'s log with the first two records, then lets `damage` change its bytes.
fn damaged(
    dir: &TempDir,
    damage: impl FnOnce(&mut Vec<u8>),
) -> Result<Option<SessionSnapshot>, SessionStoreError> {
    let store = store(dir);
    store.append(&key(), &record_list()[..2]).unwrap();
    let path = store.path(&key());
    let mut log = fs::read(&path).unwrap();
    damage(&mut log);
    fs::write(&path, &log).unwrap();
    FileSessionStore::open(&dir.0).unwrap().load(&key())
}

#[test]
fn file_store_invalid_frame_in_the_middle_is_corruption_at_its_offset() {
    let dir = TempDir::new("corrupt-frame");
    let second = HEADER.len() + records()[0].1.len();
    let error = damaged(&dir, |log| log[second] = 0x00).unwrap_err(); // packet type 0
    let SessionStoreError::Corrupted {
        path,
        offset,
        reason,
    } = error
    else {
        panic!("{error:?}");
    };
    assert_eq!(path, store(&dir).path(&key()));
    assert_eq!(offset, second as u64);
    assert!(matches!(reason, Corruption::Frame(_)), "{reason:?}");
}

#[test]
fn file_store_frame_that_is_no_record_is_corruption() {
    let dir = TempDir::new("corrupt-record");
    let second = HEADER.len() + records()[0].1.len();
    // A PINGREQ between the two publishes.
    let error = damaged(&dir, |log| {
        log.splice(second..second, [0xC0, 0]).for_each(drop)
    });
    assert!(matches!(
        error,
        Err(SessionStoreError::Corrupted { offset, reason: Corruption::UnexpectedRecord(PacketType::PingReq), .. })
            if offset == second as u64
    ));
    // A QoS 0 PUBLISH (no packet id) is no record either.
    let dir = TempDir::new("corrupt-qos0");
    let error = damaged(&dir, |log| {
        log.extend_from_slice(&[0x30, 4, 0, 1, b't', 0xAB])
    });
    assert!(matches!(
        error,
        Err(SessionStoreError::Corrupted {
            reason: Corruption::UnexpectedRecord(PacketType::Publish),
            ..
        })
    ));
}

#[test]
fn file_store_bad_header_version_or_key_is_reported() {
    let dir = TempDir::new("bad-magic");
    let error = damaged(&dir, |log| log[0] = b'X');
    assert!(matches!(
        error,
        Err(SessionStoreError::Corrupted {
            offset: 0,
            reason: Corruption::Header,
            ..
        })
    ));
    let dir = TempDir::new("bad-version");
    let error = damaged(&dir, |log| log[8] = 2);
    assert!(matches!(
        error,
        Err(SessionStoreError::Corrupted {
            offset: 8,
            reason: Corruption::UnsupportedVersion(2),
            ..
        })
    ));
    let dir = TempDir::new("bad-key");
    let error = damaged(&dir, |log| log[HEADER.len() - 1] = b'd'); // client id "d"
    assert!(
        matches!(error, Err(SessionStoreError::KeyMismatch { path }) if path == store(&dir).path(&key()))
    );
}

#[test]
fn file_store_starting_clean_moves_a_corrupted_file_aside() {
    let dir = TempDir::new("start-clean");
    let store = store(&dir);
    store.append(&key(), &record_list()).unwrap();
    let path = store.path(&key());
    fs::write(&path, b"garbage").unwrap();
    let store = FileSessionStore::open(&dir.0)
        .unwrap()
        .start_clean_on_corruption(true);
    assert_eq!(store.load(&key()).unwrap(), None);
    assert_eq!(
        fs::read(path.with_extension("corrupt")).unwrap(),
        b"garbage"
    );
    store
        .append(&key(), &[SessionRecord::Completed(3)])
        .unwrap();
    let mut expected = HEADER.to_vec();
    expected.extend_from_slice(&[0x40, 2, 0, 3]);
    assert_eq!(fs::read(&path).unwrap(), expected);
}

#[test]
fn file_store_clear_removes_even_a_corrupted_log() {
    let dir = TempDir::new("clear");
    let store = store(&dir);
    store.append(&key(), &record_list()).unwrap();
    fs::write(store.path(&key()), b"garbage").unwrap();
    store.clear(&key()).unwrap();
    assert!(!store.path(&key()).exists());
    assert_eq!(store.load(&key()).unwrap(), None);
    store.clear(&key()).unwrap(); // nothing to clear is fine
}

#[test]
fn file_store_compacts_to_the_open_exchanges_only() {
    let dir = TempDir::new("compact");
    let store = store(&dir).compact_after_records(8);
    let path = store.path(&key());
    store
        .append(
            &key(),
            &[SessionRecord::Publish(publish(QoS::AtLeastOnce, 100))],
        )
        .unwrap();
    for pkid in 1..=3 {
        let publish = SessionRecord::Publish(publish(QoS::AtLeastOnce, pkid));
        store
            .append(&key(), &[publish, SessionRecord::Completed(pkid)])
            .unwrap();
    }
    // 7 records: not yet compacted.
    assert_eq!(
        fs::metadata(&path).unwrap().len(),
        (HEADER.len() + 8 + 3 * (8 + 4)) as u64
    );
    store
        .append(&key(), &[SessionRecord::IncomingReceived(7)])
        .unwrap();
    // 8 records, 2 open: rewritten with the open ones, oldest first.
    let mut expected = HEADER.to_vec();
    expected.extend_from_slice(&[0x32, 6, 0, 1, b't', 0, 100, 0xAB]);
    expected.extend_from_slice(&[0x50, 2, 0, 7]);
    assert_eq!(fs::read(&path).unwrap(), expected);
    assert!(!path.with_extension("tmp").exists());
    // Appends continue on the compacted log.
    store
        .append(&key(), &[SessionRecord::Completed(100)])
        .unwrap();
    expected.extend_from_slice(&[0x40, 2, 0, 100]);
    assert_eq!(fs::read(&path).unwrap(), expected);
    let loaded = FileSessionStore::open(&dir.0)
        .unwrap()
        .load(&key())
        .unwrap();
    assert_eq!(
        loaded,
        Some([SessionRecord::IncomingReceived(7)].into_iter().collect())
    );
}

#[test]
fn file_store_save_replaces_the_log_atomically() {
    let dir = TempDir::new("save");
    let store = store(&dir);
    store.append(&key(), &record_list()).unwrap();
    let snapshot: SessionSnapshot = [SessionRecord::PubRel(9)].into_iter().collect();
    store.save(&key(), &snapshot).unwrap();
    let mut expected = HEADER.to_vec();
    expected.extend_from_slice(&[0x62, 2, 0, 9]);
    assert_eq!(fs::read(store.path(&key())).unwrap(), expected);
    assert_eq!(store.load(&key()).unwrap(), Some(snapshot));
}

#[test]
fn file_store_write_failure_is_an_io_error_naming_the_file() {
    let dir = TempDir::new("write-fails");
    let store = store(&dir);
    // A directory where the log should be: creating it fails whatever the permissions.
    fs::create_dir_all(store.path(&key()).with_extension("tmp")).unwrap();
    let error = store.append(&key(), &record_list()).unwrap_err();
    assert!(
        matches!(&error, SessionStoreError::Io { path, .. } if *path == store.path(&key()).with_extension("tmp")),
        "{error:?}"
    );
    assert_eq!(store.load(&key()).unwrap(), None);
}

#[test]
fn file_store_keys_get_distinct_files() {
    let dir = TempDir::new("keys");
    let store = store(&dir);
    let other = SessionStoreKey::new("b:1", "c2");
    store
        .append(&key(), &[SessionRecord::IncomingReceived(1)])
        .unwrap();
    store
        .append(&other, &[SessionRecord::IncomingReceived(2)])
        .unwrap();
    assert_ne!(store.path(&key()), store.path(&other));
    assert_eq!(
        store
            .load(&other)
            .unwrap()
            .unwrap()
            .incoming_qos2()
            .collect::<Vec<_>>(),
        [2]
    );
    // Same bytes in another order are another key ("b:1" + "c" vs "b:" + "1c").
    assert_ne!(
        store.path(&key()),
        store.path(&SessionStoreKey::new("b:", "1c"))
    );
}

#[test]
fn stores_refuse_records_no_session_holds() {
    let dir = TempDir::new("invalid");
    let stores: [Box<dyn SessionStore>; 2] =
        [Box::new(MemorySessionStore::new()), Box::new(store(&dir))];
    for store in stores {
        let qos0 = SessionRecord::Publish(publish(QoS::AtMostOnce, 0));
        let zero = SessionRecord::Completed(0);
        for (record, packet_type) in [(qos0, PacketType::Publish), (zero, PacketType::PubAck)] {
            let error = store.append(&key(), &[SessionRecord::PubRel(1), record]);
            assert!(
                matches!(error, Err(SessionStoreError::InvalidRecord { packet_type: t, pkid: 0 }) if t == packet_type),
                "{store:?}"
            );
        }
        // Nothing of a refused append is kept.
        assert_eq!(store.load(&key()).unwrap(), None, "{store:?}");
    }
}

#[test]
fn memory_store_folds_appends_and_forgets_on_clear() {
    let store = MemorySessionStore::new();
    store.append(&key(), &record_list()).unwrap();
    let expected: SessionSnapshot = record_list().into_iter().collect();
    assert_eq!(store.load(&key()).unwrap(), Some(expected));
    store.clear(&key()).unwrap();
    assert_eq!(store.load(&key()).unwrap(), None);
}

#[test]
fn snapshot_keeps_acceptance_order_and_moves_pubrel_to_the_back() {
    let snapshot: SessionSnapshot = [
        SessionRecord::Publish(publish(QoS::ExactlyOnce, 1)),
        SessionRecord::Publish(publish(QoS::AtLeastOnce, 2)),
        SessionRecord::Publish(publish(QoS::ExactlyOnce, 3)),
        SessionRecord::PubRel(1),
        SessionRecord::Publish(publish(QoS::AtLeastOnce, 4)),
        // A re-appended publish (e.g. with DUP) keeps its place.
        SessionRecord::Publish({
            let mut dup = publish(QoS::AtLeastOnce, 2);
            dup.dup = true;
            dup
        }),
    ]
    .into_iter()
    .collect();
    let pkids: Vec<u16> = snapshot.outgoing().map(OutgoingEntry::pkid).collect();
    assert_eq!(pkids, [2, 3, 1, 4]);
    assert!(matches!(snapshot.outgoing().next(), Some(OutgoingEntry::Publish(p)) if p.dup));
    assert_eq!(snapshot.len(), 4);
}

#[test]
fn snapshot_fold_is_idempotent_and_its_records_rebuild_it() {
    let once: SessionSnapshot = record_list().into_iter().collect();
    let twice: SessionSnapshot = record_list().into_iter().chain(record_list()).collect();
    assert_eq!(once, twice);
    let rebuilt: SessionSnapshot = once.records().collect();
    assert_eq!(rebuilt, once);
    assert_eq!(
        once.records().collect::<Vec<_>>(),
        [SessionRecord::PubRel(2), SessionRecord::IncomingReceived(5)]
    );
    // Closing what is not open changes nothing.
    let mut closed = once.clone();
    closed.apply(SessionRecord::Completed(77));
    closed.apply(SessionRecord::IncomingReleased(78));
    assert_eq!(closed, once);
}

#[test]
fn log_encode_refuses_a_publish_the_codec_refuses() {
    let mut bad = publish(QoS::AtLeastOnce, 4);
    bad.topic = bytes::Bytes::from_static(b"a/+"); // wildcard in a topic name
    let mut buffer = bytes::BytesMut::new();
    let error = log::encode([SessionRecord::Publish(bad)], &mut buffer);
    assert!(matches!(
        error,
        Err(SessionStoreError::Encode { pkid: 4, .. })
    ));
}

fn _assert_object_safe(
    store: std::sync::Arc<dyn SessionStore>,
) -> std::sync::Arc<dyn SessionStore> {
    store
}
