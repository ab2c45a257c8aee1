//! States packed into words, and the fingerprint of those words that the search keeps.

/// A state that packs into a fixed number of `u64` words, losslessly: two states are equal exactly
/// when their packed words are.
pub trait Packed: Sized {
    /// How many words [`Packed::pack`] appends for this state (the same for every state of one
    /// model).
    fn packed_len(&self) -> usize;
    /// Appends the state's words to `out`.
    fn pack(&self, out: &mut Vec<u64>);
    /// The state whose words are `words`, with `self` (any state of the same model) supplying what
    /// is not stored per state.
    fn unpack(&self, words: &[u64]) -> Self;
}

/// A 64-bit fingerprint of packed words: a folded-multiply hash (the wyhash mixing step), never 0
/// (the fingerprint table's empty slot).
pub fn fingerprint(words: &[u64]) -> u64 {
    const SEED: u64 = 0x243F_6A88_85A3_08D3;
    const P0: u64 = 0xA076_1D64_78BD_642F;
    const P1: u64 = 0xE703_7ED1_A0B4_28DB;
    let mut hash = SEED ^ words.len() as u64;
    for &word in words {
        hash = folded_multiply(word ^ P0, hash ^ P1);
    }
    folded_multiply(hash ^ P1, P0).max(1)
}

fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::fingerprint;
    use std::collections::HashSet;

    #[test]
    fn fingerprints_of_nearby_words_do_not_collide() {
        // Packed states differ in a few low bits; a weak mix would collide on exactly those.
        let mut inputs = HashSet::new();
        for a in 0..256u64 {
            for b in 0..256u64 {
                for shift in [0, 17, 40, 56] {
                    inputs.insert([a << shift, b, 0]);
                }
            }
        }
        let seen: HashSet<u64> = inputs.iter().map(|words| fingerprint(words)).collect();
        assert_eq!(seen.len(), inputs.len());
        assert_ne!(fingerprint(&[1, 0]), fingerprint(&[0, 1]));
        assert_ne!(fingerprint(&[0]), fingerprint(&[0, 0]));
        assert!(seen.iter().all(|&fp| fp != 0));
    }
}
