//! The preview server's connections: a listening socket whose connections time out, and the loop
//! that takes requests from tiny_http and answers each on a thread of its own.
//!
//! tiny_http sets no timeout on the connections it accepts, so a client that sends nothing (or
//! half a request) holds one of its reading threads forever, and a client that reads nothing
//! holds the thread writing its response forever. On Linux `SO_RCVTIMEO` and `SO_SNDTIMEO` set on
//! a listening socket are copied to every socket `accept()` returns, so they are set on the
//! listener: a read that waits [`CONNECTION_TIMEOUT`] for a byte fails and tiny_http closes the
//! connection; a write that waits as long for the client to read fails and frees the thread.
//!
//! The same `SO_RCVTIMEO` makes `accept()` itself fail with `EAGAIN` when no connection arrived
//! for that long. tiny_http takes any accept error as the end: it hands the error to `recv()`
//! once and its accepting thread stops. [`Listening::serve`] then starts a new tiny_http server
//! on the same socket. The old one still owns the connections it accepted, whose next requests
//! arrive in its queue, so a thread keeps answering them until it has been quiet long enough
//! that none of them can still send one (see [`drain`]).

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tiny_http::{Request, Server};

/// How long a connection may wait for its client: to send the next bytes of a request (or the
/// first, for a new or kept-alive connection), or to take the next bytes of a response. Ten
/// seconds is far beyond what a browser on the same machine or network needs for either, and
/// short enough that a stuck client costs a thread only briefly. Browsers keep idle connections
/// open for reuse; the server closes them after this long, which browsers expect (they open a
/// new one).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// Testing knob, not for users: the connection timeout in milliseconds, so that the tests of
/// slow and idle clients need not wait ten seconds per step.
const TIMEOUT_VAR: &str = "NIANBAO_SERVE_CONNECTION_TIMEOUT_MS";

/// Requests answered at once; more wait in tiny_http's queue.
const MAX_IN_FLIGHT: usize = 64;

/// The connection timeout: [`CONNECTION_TIMEOUT`], or the testing knob's value.
fn connection_timeout() -> Duration {
    std::env::var(TIMEOUT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        // zero would mean "no timeout" to the socket
        .filter(|&ms| ms > 0)
        .map(Duration::from_millis)
        .unwrap_or(CONNECTION_TIMEOUT)
}

/// A bound listening socket and the tiny_http server accepting on it.
pub struct Listening {
    listener: TcpListener,
    timeout: Duration,
    server: Server,
}

impl Listening {
    /// Give `listener`'s future connections their timeouts and start accepting on it.
    pub fn start(listener: TcpListener) -> io::Result<Listening> {
        let timeout = connection_timeout();
        set_timeouts(&listener, timeout)?;
        let server = accept_on(&listener)?;
        Ok(Listening {
            listener,
            timeout,
            server,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Answer every request with `handle`, each on a thread of its own, at most
    /// [`MAX_IN_FLIGHT`] at a time. Returns only when tiny_http reports an error other than an
    /// idle accept's timeout.
    pub fn serve<H>(self, handle: H) -> io::Error
    where
        H: Fn(Request) + Send + Sync + 'static,
    {
        let Listening {
            listener,
            timeout,
            server,
        } = self;
        let dispatch = Dispatch {
            handle: Arc::new(handle),
            in_flight: Arc::new(AtomicUsize::new(0)),
        };
        let mut current = Arc::new(Source::new(server));
        loop {
            match current.server.recv() {
                Ok(req) => dispatch.send(req, &current),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    // no connection for `timeout`: tiny_http's accepting thread has stopped
                    let next = Arc::new(Source::new(restart(&listener)));
                    let old = std::mem::replace(&mut current, next);
                    let dispatch = dispatch.clone();
                    let spawned = std::thread::Builder::new()
                        .name("nianbao-drain".into())
                        .spawn(move || drain(old, &dispatch, timeout));
                    // out of threads: the old server's connections are dropped with it
                    drop(spawned);
                }
                Err(e) => return e,
            }
        }
    }
}

/// A tiny_http server on a clone of `listener`.
fn accept_on(listener: &TcpListener) -> io::Result<Server> {
    Server::from_listener(listener.try_clone()?, None).map_err(io::Error::other)
}

/// A new server on `listener`; when that fails (out of file descriptors), again each second.
fn restart(listener: &TcpListener) -> Server {
    let mut warned = false;
    loop {
        match accept_on(listener) {
            Ok(server) => return server,
            Err(e) => {
                if !warned {
                    eprintln!("warning: 预览服务器无法继续接受新连接（{e}），稍后重试");
                    warned = true;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

/// Answer the requests still arriving at a replaced server, and drop it once it has been quiet
/// for twice the timeout. It accepted no connection during the timeout before it was replaced;
/// a client that has not sent its request's next byte within the timeout (or whose kept-alive
/// connection saw no request that long after the last response) is disconnected. So a client
/// that sends each request at once, as browsers do, can no longer deliver one then; one that
/// takes longer than that to send a request, a few bytes at a time, goes unanswered.
fn drain(old: Arc<Source>, dispatch: &Dispatch, timeout: Duration) {
    let replaced = Instant::now();
    loop {
        match old.server.recv_timeout(timeout) {
            Ok(Some(req)) => dispatch.send(req, &old),
            // tiny_http reports one accept error, which `serve` took; none can follow
            Ok(None) | Err(_) => {
                if old.quiet_since(replaced) > 2 * timeout {
                    return;
                }
            }
        }
    }
}

/// A tiny_http server, with what is needed to tell when it has gone quiet.
struct Source {
    server: Server,
    /// Its requests being answered.
    in_flight: AtomicUsize,
    /// When it last received or finished answering a request.
    last: Mutex<Instant>,
}

impl Source {
    fn new(server: Server) -> Source {
        Source {
            server,
            in_flight: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
        }
    }

    fn touch(&self) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    /// How long it has had no request and answered none, counted from `since` at the earliest.
    fn quiet_since(&self, since: Instant) -> Duration {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Duration::ZERO;
        }
        let last = *self.last.lock().unwrap_or_else(|e| e.into_inner());
        last.max(since).elapsed()
    }
}

/// Hands requests to threads of their own.
#[derive(Clone)]
struct Dispatch {
    handle: Arc<dyn Fn(Request) + Send + Sync>,
    /// Requests being answered, from every server.
    in_flight: Arc<AtomicUsize>,
}

impl Dispatch {
    /// Answer `req` (from `source`) on a new thread, once fewer than [`MAX_IN_FLIGHT`] are.
    fn send(&self, req: Request, source: &Arc<Source>) {
        while self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_IN_FLIGHT).then_some(n + 1)
            })
            .is_err()
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        source.in_flight.fetch_add(1, Ordering::AcqRel);
        source.touch();
        // counted back when the answer is done, also when the handler panics or the thread
        // cannot be started (the request is then dropped: tiny_http answers 500)
        let slot = Slot {
            total: Arc::clone(&self.in_flight),
            source: Arc::clone(source),
        };
        let handle = Arc::clone(&self.handle);
        let _ = std::thread::Builder::new()
            .name("nianbao-request".into())
            .spawn(move || {
                let _slot = slot;
                handle(req);
            });
    }
}

/// One request being answered.
struct Slot {
    total: Arc<AtomicUsize>,
    source: Arc<Source>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.source.touch();
        self.source.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.total.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Set the receive and send timeouts of `listener`, which the sockets it accepts inherit.
#[cfg(target_os = "linux")]
fn set_timeouts(listener: &TcpListener, timeout: Duration) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let tv = libc::timeval {
        tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
        // below a million: fits every platform's suseconds_t
        tv_usec: timeout.subsec_micros() as libc::suseconds_t,
    };
    for option in [libc::SO_RCVTIMEO, libc::SO_SNDTIMEO] {
        // SAFETY: a valid socket, and a pointer to a timeval with its size, as setsockopt(2)
        // takes for these options
        let r = unsafe {
            libc::setsockopt(
                listener.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                (&raw const tv).cast::<libc::c_void>(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Elsewhere connections have no timeout (that sockets inherit them from the listener is
/// verified on Linux only).
#[cfg(not(target_os = "linux"))]
fn set_timeouts(_listener: &TcpListener, _timeout: Duration) -> io::Result<()> {
    Ok(())
}
