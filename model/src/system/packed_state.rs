//! A [`SystemState`] as the level search stores it: the system's used words, the monitor's, and
//! the monitor's two property sets in one more word. The layouts are not stored: every state of
//! one model shares them, so they come from the state unpacking.

use super::state::SystemState;
use crate::properties::{Monitor, PropertySet};
use crate::search::Packed;

impl Packed for SystemState {
    fn packed_len(&self) -> usize {
        self.layout().words() + self.monitor.store().packed_words().len() + 1
    }

    fn pack(&self, out: &mut Vec<u64>) {
        out.extend_from_slice(&self.words()[..self.layout().words()]);
        out.extend_from_slice(self.monitor.store().packed_words());
        let violated = u64::from(self.monitor.violated().bits());
        let found = u64::from(self.monitor.found().bits());
        out.push(violated | found << 32);
    }

    fn unpack(&self, words: &[u64]) -> SystemState {
        debug_assert_eq!(words.len(), self.packed_len());
        let system_words = self.layout().words();
        let monitor_words = self.monitor.store().packed_words().len();
        let (system, rest) = words.split_at(system_words);
        let (monitor, flags) = rest.split_at(monitor_words);
        let mut state = self.clone();
        state.words_mut()[..system_words].copy_from_slice(system);
        let store = self.monitor.store().with_packed_words(monitor);
        let violated = PropertySet::from_bits(flags[0] as u32);
        let found = PropertySet::from_bits((flags[0] >> 32) as u32);
        state.monitor = Monitor::from_parts(store, violated, found);
        state
    }
}

#[cfg(test)]
mod tests {
    use crate::search::Packed;
    use crate::system::ConfigName;
    use stateright::Model;

    #[test]
    fn every_state_of_a_walk_unpacks_to_itself() {
        for name in ConfigName::ALL {
            let model = name.cfg().into_model();
            let mut state = model.init_states().remove(0);
            let mut actions = Vec::new();
            // A deterministic walk that keeps taking the last enabled action.
            for _ in 0..40 {
                let mut words = Vec::new();
                state.pack(&mut words);
                assert_eq!(words.len(), state.packed_len(), "{name}");
                assert!(state.unpack(&words) == state, "{name}: {state:?}");
                actions.clear();
                model.actions(&state, &mut actions);
                let Some(action) = actions.pop() else { break };
                state = model.next_state(&state, action).unwrap();
            }
        }
    }
}
