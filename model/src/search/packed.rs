//! States packed into words, and the fingerprint of those words that the search keeps.

use crate::named::named_enum;

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

named_enum!(
    /// How wide a fingerprint the search keeps of each state.
    FingerprintBits, "fingerprint width" {
        /// 8 bytes a state: half the table, but some two of 642 million states share a
        /// fingerprint with probability up to 1%.
        Bits64 => "64",
        /// 16 bytes a state: below 10⁻⁹ up to 8·10¹⁴ states, far more than any machine holds.
        Bits128 => "128",
    }
);

impl FingerprintBits {
    pub const fn bits(self) -> u32 {
        match self {
            FingerprintBits::Bits64 => 64,
            FingerprintBits::Bits128 => 128,
        }
    }
}

/// A fingerprint of packed words, as two 64-bit halves from independent mixes. `hi` picks the
/// table slot and is never 0 (an empty slot); `lo` is 0 for 64-bit fingerprints and never 0 for
/// 128-bit ones (a slot whose `lo` is not yet written).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct Fingerprint {
    pub hi: u64,
    pub lo: u64,
}

/// The constants of one mix: another seed alone would leave both mixes zeroing on the same word
/// (the one equal to `p0`), so they would collide together.
struct Mix {
    seed: u64,
    p0: u64,
    p1: u64,
}

/// The mix of 64-bit fingerprints, unchanged since they were all the search kept, so 64-bit runs
/// explore exactly as before.
const HI: Mix = Mix {
    seed: 0x243F_6A88_85A3_08D3,
    p0: 0xA076_1D64_78BD_642F,
    p1: 0xE703_7ED1_A0B4_28DB,
};
/// wyhash's other two secrets, and the next digits of π as the seed.
const LO: Mix = Mix {
    seed: 0x1319_8A2E_0370_7344,
    p0: 0x8EBC_6AF0_9C88_C6E3,
    p1: 0x5899_65CC_7537_4CC3,
};

/// The fingerprint of `words` at width `bits`.
pub fn fingerprint(words: &[u64], bits: FingerprintBits) -> Fingerprint {
    let lo = match bits {
        FingerprintBits::Bits64 => 0,
        FingerprintBits::Bits128 => mix(words, &LO),
    };
    Fingerprint {
        hi: mix(words, &HI),
        lo,
    }
}

/// A folded-multiply hash (the wyhash mixing step), never 0.
fn mix(words: &[u64], mix: &Mix) -> u64 {
    let mut hash = mix.seed ^ words.len() as u64;
    for &word in words {
        hash = folded_multiply(word ^ mix.p0, hash ^ mix.p1);
    }
    folded_multiply(hash ^ mix.p1, mix.p0).max(1)
}

fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::{fingerprint, FingerprintBits};
    use std::collections::HashSet;

    /// Packed states differ in a few low bits; a weak mix would collide on exactly those.
    fn nearby_words() -> HashSet<[u64; 3]> {
        let mut inputs = HashSet::new();
        for a in 0..256u64 {
            for b in 0..256u64 {
                for shift in [0, 17, 40, 56] {
                    inputs.insert([a << shift, b, 0]);
                }
            }
        }
        inputs
    }

    #[test]
    fn fingerprints_of_nearby_words_do_not_collide() {
        let inputs = nearby_words();
        let wide = |words: &[u64]| fingerprint(words, FingerprintBits::Bits128);
        let his: HashSet<u64> = inputs.iter().map(|words| wide(words).hi).collect();
        let los: HashSet<u64> = inputs.iter().map(|words| wide(words).lo).collect();
        // Each half on its own: the 128 bits are two fingerprints, not one spread over both.
        assert_eq!(his.len(), inputs.len());
        assert_eq!(los.len(), inputs.len());
        assert_ne!(wide(&[1, 0]), wide(&[0, 1]));
        assert_ne!(wide(&[0]), wide(&[0, 0]));
        assert!(his.iter().chain(&los).all(|&half| half != 0));
    }

    #[test]
    fn a_64_bit_fingerprint_is_the_first_half_of_the_128_bit_one() {
        for words in nearby_words().iter().take(1000) {
            let narrow = fingerprint(words, FingerprintBits::Bits64);
            assert_eq!(narrow.lo, 0);
            assert_eq!(narrow.hi, fingerprint(words, FingerprintBits::Bits128).hi);
        }
        // Pinned: 64-bit runs must keep exploring exactly as before 128-bit fingerprints.
        // (The value main computed for these words before 128-bit fingerprints existed.)
        assert_eq!(
            fingerprint(&[1, 2, 3], FingerprintBits::Bits64).hi,
            0xEF2F_217E_7456_ACAC
        );
    }
}
