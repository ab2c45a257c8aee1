//! How much memory the machine can still give: the search stops, and says why, before a growth
//! of its table would be killed by the kernel.

/// `MemAvailable` from `/proc/meminfo`, in bytes: what the kernel estimates it can hand out
/// without swapping (free memory plus reclaimable caches). `None` where there is no such file
/// (not Linux); the search then grows without a guard.
pub fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_available(&meminfo)
}

fn parse_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line
        .trim_start_matches("MemAvailable:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// Memory the search would still need and could not get.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Shortfall {
    /// What the fingerprint table and the two levels held when the search stopped.
    pub table_bytes: u64,
    pub levels_bytes: u64,
    /// What its next step (a growth of the table, another block of a level) would have added.
    pub needed_bytes: u64,
    /// What it could still have taken: the machine's available memory less a spare margin for
    /// everything else, or what was left of `--max-memory`, whichever was less.
    pub available_bytes: u64,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the search held {} ({} of state fingerprints, {} of states to expand) and its next \
             step needed {} more, with {} left to take",
            human(self.table_bytes + self.levels_bytes),
            human(self.table_bytes),
            human(self.levels_bytes),
            human(self.needed_bytes),
            human(self.available_bytes)
        )
    }
}

/// Bytes in the largest binary unit that keeps a digit before the point.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = "B";
    for next in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    if unit == "B" {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_available_in_bytes() {
        let meminfo = "MemTotal:       24683540 kB\nMemFree:        11238796 kB\nMemAvailable:   18742500 kB\n";
        assert_eq!(parse_available(meminfo), Some(18_742_500 * 1024));
        assert_eq!(parse_available("MemTotal: 1 kB\n"), None);
        assert_eq!(parse_available("MemAvailable: lots\n"), None);
    }

    #[test]
    fn a_shortfall_says_what_was_held_and_what_was_missing() {
        let shortfall = Shortfall {
            table_bytes: 8 << 30,
            levels_bytes: 13 << 30,
            needed_bytes: 320 << 10,
            available_bytes: 0,
        };
        assert_eq!(
            shortfall.to_string(),
            "the search held 21.0 GiB (8.0 GiB of state fingerprints, 13.0 GiB of states to \
             expand) and its next step needed 320.0 KiB more, with 0 B left to take"
        );
    }
}
