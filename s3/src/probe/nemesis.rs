//! The nemesis: faults on a real store, injected by the user's own commands on a schedule.
//! `--nemesis NAME=COMMAND` (repeatable) names them, `--nemesis-every D` spaces them: every D the
//! next command, in the order given and round-robin, runs under `sh -c`. Each run is recorded in
//! the history as Jepsen records its nemesis (process `nemesis`, an `:info` invocation and an
//! `:info` completion), so operations that overlap a fault are judged like any other.
//!
//! A command that fails (non-zero exit, or cannot be started) is recorded and reported with its
//! exit status and the tail of its stderr; the run goes on (the fault may have half happened).

use super::recorder::Recorder;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One `--nemesis NAME=COMMAND`.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Fault {
    pub name: String,
    pub command: String,
}

/// The faults and how far apart they run.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Schedule {
    pub faults: Vec<Fault>,
    pub every: Duration,
}

/// `--nemesis-every` when only `--nemesis` is given.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(10);

/// How long the probe waits, after its operations, for a fault still running (a restart).
const LAST_FAULT_GRACE: Duration = Duration::from_secs(60);

/// Characters of a failing command's stderr the report keeps (its end, where the error is).
const STDERR_TAIL: usize = 300;

impl Fault {
    /// Parses `NAME=COMMAND`: a name of letters, digits, `-` and `_`, then a command.
    pub fn parse(spec: &str) -> Result<Fault, String> {
        let example = "e.g. --nemesis 'kill=scripts/clusters/seaweedfs kill 1'";
        let Some((name, command)) = spec.split_once('=') else {
            return Err(format!(
                "--nemesis takes NAME=COMMAND ({example}), not '{spec}'"
            ));
        };
        let name = name.trim();
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if name.is_empty() || !name.chars().all(valid) {
            return Err(format!(
                "--nemesis '{spec}': the name before '=' must be letters, digits, '-' or '_' ({example})"
            ));
        }
        let command = command.trim();
        if command.is_empty() {
            return Err(format!(
                "--nemesis '{spec}': no command after '=' ({example})"
            ));
        }
        Ok(Fault {
            name: name.to_string(),
            command: command.to_string(),
        })
    }
}

/// A running nemesis: stop it when the workload is done.
pub struct Nemesis {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Nemesis {
    /// Starts the schedule: the first fault runs `every` after now.
    pub fn start(schedule: Schedule, recorder: Arc<Recorder>) -> Nemesis {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            for fault in schedule.faults.iter().cycle() {
                tokio::select! {
                    () = tokio::time::sleep(schedule.every) => {}
                    _ = stopped.changed() => return,
                }
                recorder.nemesis(&fault.name, fault.command.clone(), false);
                let result = run(&fault.command).await;
                recorder.nemesis(&fault.name, result, true);
            }
        });
        Nemesis { stop, task }
    }

    /// Stops the schedule; a fault still running gets [`LAST_FAULT_GRACE`] to finish, then is
    /// killed and stays open in the history (its outcome unknown).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let abort = self.task.abort_handle();
        if tokio::time::timeout(LAST_FAULT_GRACE, self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

/// Runs `command` under `sh -c`: `ok`, or why it failed.
async fn run(command: &str) -> String {
    let output = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await;
    match output {
        Ok(out) if out.status.success() => "ok".to_string(),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail = tail(stderr.trim(), STDERR_TAIL);
            format!("failed ({}): {tail}", out.status)
        }
        Err(e) => format!("failed: cannot run sh: {e}"),
    }
}

/// The last `n` characters of `text`, marked when cut.
fn tail(text: &str, n: usize) -> String {
    let count = text.chars().count();
    if count <= n {
        return text.to_string();
    }
    let kept: String = text.chars().skip(count - n).collect();
    format!("…{kept}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_is_a_name_and_a_command() {
        let fault = Fault::parse("kill=scripts/clusters/seaweedfs kill 1").expect("valid");
        assert_eq!(fault.name, "kill");
        assert_eq!(fault.command, "scripts/clusters/seaweedfs kill 1");
        // Only the first '=' separates: commands may hold their own.
        let fault = Fault::parse("env=X=1 true").expect("valid");
        assert_eq!(
            (fault.name.as_str(), fault.command.as_str()),
            ("env", "X=1 true")
        );
    }

    #[test]
    fn bad_faults_are_refused_with_what_was_expected() {
        for (spec, says) in [
            ("kill", "NAME=COMMAND"),
            ("=kill 1", "the name before '='"),
            ("a b=kill 1", "the name before '='"),
            ("kill=  ", "no command after '='"),
        ] {
            let error = Fault::parse(spec).expect_err(spec);
            assert!(error.contains(says), "{spec}: {error}");
        }
    }

    #[tokio::test]
    async fn a_failing_command_reports_its_status_and_stderr_tail() {
        assert_eq!(run("true").await, "ok");
        let failed = run("echo first >&2; echo the reason >&2; exit 3").await;
        assert!(failed.starts_with("failed (exit status: 3)"), "{failed}");
        assert!(failed.ends_with("the reason"), "{failed}");
        assert_eq!(tail("abcdef", 3), "…def");
    }

    #[tokio::test]
    async fn faults_run_round_robin_and_are_recorded_as_the_nemesis() {
        let recorder = Arc::new(Recorder::default());
        let schedule = Schedule {
            faults: vec![
                Fault::parse("one=true").expect("valid"),
                Fault::parse("two=exit 1").expect("valid"),
            ],
            every: Duration::from_millis(30),
        };
        let nemesis = Nemesis::start(schedule, Arc::clone(&recorder));
        tokio::time::sleep(Duration::from_millis(130)).await;
        nemesis.stop().await;
        let recorder = Arc::try_unwrap(recorder).expect("the nemesis is done");
        let faults = recorder
            .into_recorded()
            .expect("well formed")
            .history
            .nemesis;
        let names: Vec<&str> = faults.iter().map(|f| f.name.as_str()).collect();
        assert!(names.len() >= 3, "{names:?}");
        assert_eq!(names[..3], ["one", "two", "one"]);
        assert_eq!(faults[0].result.as_deref(), Some("ok"));
        assert!(faults[1]
            .result
            .as_deref()
            .is_some_and(|r| r.starts_with("failed")));
    }
}
