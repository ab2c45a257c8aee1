//! The polynomial decider for keys whose writes each wrote a different value (Gibbons & Korach
//! 1997; the read-mapping methods of Lee & Mathur, arXiv 2410.04581): every read maps to the one
//! write it returned, so no search is needed.
//!
//! A write and the reads of its value form a **cluster** that must occupy one contiguous stretch of
//! the linearization. If some operation of a cluster returns before another one of it is invoked
//! (`min_ret < max_call`), the cluster spans at least its **forward zone** `[min_ret, max_call]`;
//! otherwise all its operations share a moment and its **backward zone** `[max_call, min_ret]` is
//! where it may sit. The history is linearizable iff no read returns before its write is invoked,
//! no two forward zones overlap, and no backward zone lies inside a forward zone. The initial
//! "not found" is a cluster whose write comes before everything.
//!
//! Applies to keys with reads and unconditional PUTs only, each PUT of a distinct value, and no
//! DELETE (every DELETE writes the same "not found", so reads of it do not map to one write).

use super::steps::{Effect, State, Step, ABSENT};
use std::collections::HashMap;

/// Whether the read-mapping method decides this key.
pub(crate) fn applies(steps: &[Step]) -> bool {
    let mut written = std::collections::HashSet::new();
    steps.iter().all(|s| match s.effect {
        Effect::Read(_) => true,
        Effect::Write(v) => v != ABSENT && written.insert(v),
        _ => false,
    })
}

/// Positions on the real-time axis, with room for the initial write before everything and for
/// "never returns" after everything.
type Time = i64;
const BEFORE_ALL: Time = -1;
const NEVER: Time = Time::MAX;

#[derive(Clone, Copy, Debug)]
struct Cluster {
    write_call: Time,
    max_call: Time,
    min_ret: Time,
    has_reads: bool,
}

/// Decides linearizability of a key for which [`applies`] holds, from the initial state "not
/// found".
pub(crate) fn linearizable(steps: &[Step]) -> bool {
    let mut clusters: HashMap<State, Cluster> = HashMap::new();
    clusters.insert(
        ABSENT,
        Cluster {
            write_call: BEFORE_ALL,
            max_call: BEFORE_ALL,
            min_ret: BEFORE_ALL,
            has_reads: false,
        },
    );
    let ret = |s: &Step| s.ret.map_or(NEVER, |r| r as Time);
    for s in steps {
        if let Effect::Write(v) = s.effect {
            clusters.insert(
                v,
                Cluster {
                    write_call: s.call as Time,
                    max_call: s.call as Time,
                    min_ret: ret(s),
                    has_reads: false,
                },
            );
        }
    }
    for s in steps {
        if let Effect::Read(v) = s.effect {
            let Some(cluster) = clusters.get_mut(&v) else {
                return false; // a value no write wrote
            };
            if ret(s) < cluster.write_call {
                return false; // returned before its write was invoked
            }
            cluster.max_call = cluster.max_call.max(s.call as Time);
            cluster.min_ret = cluster.min_ret.min(ret(s));
            cluster.has_reads = true;
        }
    }
    zones_fit(
        clusters
            .into_values()
            .filter(|c| c.has_reads || c.min_ret != NEVER),
    )
}

/// No two forward zones overlap, and no backward zone lies inside a forward zone.
fn zones_fit(clusters: impl Iterator<Item = Cluster>) -> bool {
    let mut forward = Vec::new();
    let mut backward = Vec::new();
    for c in clusters {
        if c.min_ret < c.max_call {
            forward.push((c.min_ret, c.max_call));
        } else {
            backward.push((c.max_call, c.min_ret));
        }
    }
    forward.sort_unstable();
    if forward.windows(2).any(|w| w[1].0 < w[0].1) {
        return false;
    }
    backward.iter().all(|&(lo, hi)| {
        // The forward zone starting last before `lo` is the only one that could contain it.
        let i = forward.partition_point(|&(f_lo, _)| f_lo < lo);
        i == 0 || hi >= forward[i - 1].1
    })
}
