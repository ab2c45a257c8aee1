//! Ctrl-C during a long check: the first one asks the running check to stop and print what it
//! explored; a second one exits at once, for when even that takes too long.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static INTERRUPT: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The flag the checker watches, with the handler installed on first use.
pub fn flag() -> Arc<AtomicBool> {
    Arc::clone(INTERRUPT.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = Arc::clone(&flag);
        let installed = ctrlc::set_handler(move || {
            if handler_flag.swap(true, Ordering::SeqCst) {
                eprintln!("\ninterrupted again: exiting without results");
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: stopping exploration, printing what was found so far (Ctrl-C again to quit)");
        });
        if let Err(e) = installed {
            // Without the handler Ctrl-C still ends the process, only without partial results.
            eprintln!("warning: cannot install the Ctrl-C handler: {e}");
        }
        flag
    }))
}
