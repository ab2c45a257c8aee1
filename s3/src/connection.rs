//! Accepting and serving connections within [`Limits`]: a semaphore caps the connections served
//! at once, accept errors back off instead of spinning, and a watcher per connection closes it
//! once it idles or dawdles over a request header.
//!
//! hyper's HTTP/1 `header_read_timeout` alone would not do: it starts only once hyper-util has
//! told HTTP/1 from HTTP/2 (a client that sends nothing, or a few bytes of the HTTP/2 preface, is
//! never timed), and HTTP/2 has no header or idle timeout in hyper at all. So the watcher looks
//! at the socket and at the requests, whichever protocol carries them.

use crate::limits::{Limits, StallLimited, Stalled};
use futures::future::BoxFuture;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use s3s::service::S3Service;
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The first pause after a failed accept; it doubles up to [`MAX_ACCEPT_BACKOFF`].
const FIRST_ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);
/// How often one kind of accept error may be logged again.
const ACCEPT_LOG_EVERY: Duration = Duration::from_secs(60);

/// The pause after `failures` accept errors in a row: 10 ms, 20 ms, … up to 1 s. Running out of
/// file descriptors lasts until some connection closes, so retrying at once only burns the CPU.
pub fn accept_backoff(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let doublings = (failures - 1).min(31);
    FIRST_ACCEPT_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_ACCEPT_BACKOFF)
}

/// Failed accepts in a row, and when each kind of error was last logged.
#[derive(Default)]
struct AcceptErrors {
    in_a_row: u32,
    logged: HashMap<String, Instant>,
}

impl AcceptErrors {
    /// Logs `e` unless its kind was logged within the last minute, and says how long to pause.
    fn record(&mut self, e: &io::Error) -> Duration {
        self.in_a_row = self.in_a_row.saturating_add(1);
        let kind = e
            .raw_os_error()
            .map_or_else(|| format!("{:?}", e.kind()), |code| format!("os {code}"));
        let now = Instant::now();
        let due = self
            .logged
            .get(&kind)
            .is_none_or(|at| now.duration_since(*at) >= ACCEPT_LOG_EVERY);
        if due {
            eprintln!("witness serve: cannot accept a connection ({e}); retrying with backoff up to {MAX_ACCEPT_BACKOFF:?}");
            self.logged.insert(kind, now);
        }
        accept_backoff(self.in_a_row)
    }
}

pub async fn accept_loop(listener: TcpListener, service: S3Service, limits: Limits) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut errors = AcceptErrors::default();
    loop {
        // Taken before accepting, so that past the cap connections wait in the kernel's backlog
        // rather than in tasks of ours.
        // The loop owns the semaphore and never closes it.
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .expect("the connection semaphore is never closed");
        match listener.accept().await {
            Ok((stream, _)) => {
                errors.in_a_row = 0;
                tokio::spawn(serve(stream, service.clone(), limits, permit));
            }
            Err(e) => {
                drop(permit);
                tokio::time::sleep(errors.record(&e)).await;
            }
        }
    }
}

/// Serves one connection until it ends or its watcher gives up on it; `_permit` holds its place
/// under the cap until then.
async fn serve(
    stream: TcpStream,
    service: S3Service,
    limits: Limits,
    _permit: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let service = Counted {
        inner: service,
        activity: Arc::clone(&activity),
        body_timeout: limits.body_timeout,
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new());
    tokio::select! {
        // A connection error (client hung up, bad HTTP) ends that connection only.
        _ = builder.serve_connection(io, service) => {}
        // Dropping the connection closes the socket; no request is being read by then.
        () = activity.expired(&limits) => {}
    }
}

/// What a connection has been doing, shared by its socket, its requests and its watcher. Times
/// are nanoseconds since `origin`.
struct Activity {
    origin: Instant,
    /// When a byte was last read or written.
    last_io: AtomicU64,
    /// When the connection opened or a request last ended: the header timeout runs from here.
    waiting_since: AtomicU64,
    /// Requests whose handler has not answered yet (their body may still be arriving).
    reading: AtomicUsize,
    /// Requests answered whose response body is still being written.
    writing: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            origin: Instant::now(),
            last_io: AtomicU64::new(0),
            waiting_since: AtomicU64::new(0),
            reading: AtomicUsize::new(0),
            writing: AtomicUsize::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// How long until a limit is due, or `None` if one is past. While a handler is reading a
    /// request nothing is due: the body timeout answers a stalled body with an S3 error instead.
    fn due_in(&self, limits: &Limits) -> Option<Duration> {
        if self.reading.load(SeqCst) > 0 {
            return Some(limits.idle_timeout);
        }
        let now = self.now();
        let since = |at: &AtomicU64| Duration::from_nanos(now.saturating_sub(at.load(SeqCst)));
        let mut due = limits.idle_timeout.checked_sub(since(&self.last_io))?;
        if self.writing.load(SeqCst) == 0 {
            due = due.min(
                limits
                    .header_timeout
                    .checked_sub(since(&self.waiting_since))?,
            );
        }
        Some(due.max(Duration::from_millis(1)))
    }

    /// Resolves once the connection has idled past the idle timeout or waited for a request
    /// header past the header timeout.
    async fn expired(&self, limits: &Limits) {
        while let Some(due) = self.due_in(limits) {
            tokio::time::sleep(due).await;
        }
    }
}

/// One request, from its handler's call to the end of its response body.
struct InFlight {
    activity: Arc<Activity>,
    answered: bool,
}

impl InFlight {
    fn start(activity: &Arc<Activity>) -> InFlight {
        activity.reading.fetch_add(1, SeqCst);
        InFlight {
            activity: Arc::clone(activity),
            answered: false,
        }
    }

    fn answered(&mut self) {
        self.activity.writing.fetch_add(1, SeqCst);
        self.activity.reading.fetch_sub(1, SeqCst);
        self.answered = true;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // The wait for the next header starts before the count drops, so the watcher never sees
        // a connection without requests and an old `waiting_since`.
        let now = self.activity.now();
        self.activity.waiting_since.store(now, SeqCst);
        self.activity.last_io.fetch_max(now, SeqCst);
        let counter = if self.answered {
            &self.activity.writing
        } else {
            &self.activity.reading
        };
        counter.fetch_sub(1, SeqCst);
    }
}

/// The socket, noting when bytes move.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl Watched {
    fn moved(&self, bytes: usize) {
        if bytes > 0 {
            self.activity.last_io.store(self.activity.now(), SeqCst);
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.moved(buf.filled().len() - before);
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            self.moved(n);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = polled {
            self.moved(n);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The S3 service, counting its requests and timing their bodies.
#[derive(Clone)]
struct Counted {
    inner: S3Service,
    activity: Arc<Activity>,
    body_timeout: Duration,
}

type Response = http::Response<Answer>;

impl hyper::service::Service<http::Request<Incoming>> for Counted {
    type Response = Response;
    type Error = s3s::HttpError;
    type Future = BoxFuture<'static, Result<Response, s3s::HttpError>>;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        let mut in_flight = InFlight::start(&self.activity);
        let timeout = self.body_timeout;
        let stalled = Stalled::default();
        let mut request = request
            .map(|body| s3s::Body::http_body(StallLimited::new(body, timeout, stalled.clone())));
        request.extensions_mut().insert(stalled);
        let inner = self.inner.clone();
        Box::pin(async move {
            let response = inner.call(request).await?;
            in_flight.answered();
            Ok(response.map(|body| Answer {
                body,
                _in_flight: in_flight,
            }))
        })
    }
}

/// A response body that keeps its request counted until it is written (or dropped).
struct Answer {
    body: s3s::Body,
    _in_flight: InFlight,
}

impl http_body::Body for Answer {
    type Data = bytes::Bytes;
    type Error = <s3s::Body as http_body::Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_backoff_doubles_from_10ms_to_a_1s_ceiling() {
        let schedule: Vec<u128> = (0..10).map(|n| accept_backoff(n).as_millis()).collect();
        assert_eq!(schedule, [0, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        assert_eq!(accept_backoff(u32::MAX), MAX_ACCEPT_BACKOFF);
    }

    #[tokio::test]
    async fn repeated_accept_errors_back_off_and_a_success_starts_over() {
        let mut errors = AcceptErrors::default();
        let emfile = io::Error::from_raw_os_error(24);
        let pauses: Vec<Duration> = (0..3).map(|_| errors.record(&emfile)).collect();
        assert_eq!(pauses, [10, 20, 40].map(Duration::from_millis));
        assert_eq!(errors.logged.len(), 1, "one kind of error, logged once");
        errors.in_a_row = 0;
        assert_eq!(errors.record(&emfile), Duration::from_millis(10));
    }
}
