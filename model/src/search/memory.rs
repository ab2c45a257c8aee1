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
    pub needed_bytes: u64,
    pub available_bytes: u64,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
        write!(
            f,
            "the search needed {:.1} GiB more and {:.1} GiB were available",
            gib(self.needed_bytes),
            gib(self.available_bytes)
        )
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
}
