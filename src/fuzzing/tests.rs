/// SplitMix64: a fixed, seedable byte source for the smoke run.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

#[test]
fn state_fuzzer_holds_its_invariants_on_generated_inputs() {
    for seed in 0..2_000 {
        super::state(&bytes(seed, 64 + (seed as usize % 512)));
    }
}

#[test]
fn state_fuzzer_tracks_a_qos1_publish_to_its_puback() {
    // Tracked QoS 1 publish (pkid 1), PUBACK 1, then the end: the notice resolved Ok.
    super::state(&[0, 1, 1, 9, 3, 1]);
}
