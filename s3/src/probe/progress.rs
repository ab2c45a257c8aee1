//! The probe's progress bar, drawn on stderr only when stderr is a terminal (never in logs or
//! test output).

use super::workload::Budget;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

pub struct Bar {
    bar: ProgressBar,
    ticker: Option<JoinHandle<()>>,
}

impl Bar {
    pub fn start(budget: Arc<Budget>, ops: usize) -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar {
                bar: ProgressBar::hidden(),
                ticker: None,
            };
        }
        let bar = ProgressBar::new(ops as u64);
        let style =
            ProgressStyle::with_template("probe {bar:40} {pos}/{len} operations ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        let shown = bar.clone();
        let ticker = tokio::spawn(async move {
            loop {
                shown.set_position(budget.started().min(ops) as u64);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Bar {
            bar,
            ticker: Some(ticker),
        }
    }

    pub fn finish(self) {
        if let Some(ticker) = self.ticker {
            ticker.abort();
        }
        self.bar.finish_and_clear();
    }
}
