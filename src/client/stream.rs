//! The async transport: TCP, Unix socket, or TLS over TCP, and the connection's wrapper of it
//! that batches reads ([`Transport`]).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;

/// A connected socket, possibly wrapped in TLS.
pub(crate) enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
    #[cfg(feature = "rustls")]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Stream {
    /// Sets the receive low-water mark of the TCP socket under the stream (read batching, see
    /// [`crate::driver::set_recv_lowat`]). `Ok(false)`: there is none to set (a Unix socket, or
    /// a platform without Linux's semantics).
    fn set_recv_lowat(&self, bytes: usize) -> io::Result<bool> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use std::os::fd::AsFd;
            let fd = match self {
                Stream::Tcp(s) => s.as_fd(),
                #[cfg(feature = "rustls")]
                Stream::Tls(s) => s.get_ref().0.as_fd(),
                Stream::Unix(_) => return Ok(false),
            };
            crate::driver::set_recv_lowat(fd, bytes).map(|()| true)
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let _ = bytes;
            Ok(false)
        }
    }
}

impl Stream {
    /// Looks at the socket without reading or waiting: true when something is there to read
    /// (bytes or the end of the stream). The socket itself is asked (one `recv` with
    /// `MSG_PEEK`), not tokio's readiness, which a runtime that has not polled its IO driver
    /// since the bytes came does not know about yet.
    pub(crate) fn has_input(&self) -> io::Result<bool> {
        let sock = match self {
            Stream::Tcp(s) => socket2::SockRef::from(s),
            #[cfg(unix)]
            Stream::Unix(s) => socket2::SockRef::from(s),
            #[cfg(feature = "rustls")]
            Stream::Tls(s) => socket2::SockRef::from(s.get_ref().0),
        };
        let mut byte = [std::mem::MaybeUninit::uninit()];
        match sock.peek(&mut byte) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// A connection's stream and its read batching
/// ([`ConnectionCore::read_wake_threshold`](crate::conn::ConnectionCore::read_wake_threshold)).
///
/// Only [`super::poll_fill_batched`] reads under a low-water mark above 1, and it bounds such
/// a wait with a timer. Every other read (through `AsyncRead`: pipelines, the `Client` task)
/// first puts the mark back to 1, so a read without a timer never waits for bytes that may
/// not come.
pub(crate) struct Transport {
    pub(crate) stream: Stream,
    /// The socket's low-water mark now (1: wake on any byte).
    lowat: usize,
    /// The bound of a batched wait; `None` when reads are not batched (the `read_batching`
    /// parameter, or no TCP socket to batch).
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The timer runs for the wait in progress.
    armed: bool,
    /// Setting the mark failed once: no more batching (a mark stuck above 1 is still bounded).
    failed: bool,
}

impl Transport {
    /// Wraps a connected stream. With `batching`, over TCP, the timer is made here, so a
    /// runtime without tokio's time driver fails now (tokio panics) rather than mid-read.
    pub(crate) fn new(stream: Stream, batching: bool) -> Self {
        let batch = batching && matches!(stream.set_recv_lowat(1), Ok(true));
        let timer = batch.then(|| Box::pin(tokio::time::sleep(crate::driver::READ_BATCH_WAIT)));
        Self { stream, lowat: 1, timer, armed: false, failed: false }
    }

    /// Whether reads may be batched, and the mark they would use given the core's wish.
    pub(crate) fn wanted_lowat(&self, threshold: usize) -> usize {
        if self.timer.is_none() || self.failed { 1 } else { threshold }
    }

    /// The socket's low-water mark now.
    #[inline]
    pub(crate) fn lowat(&self) -> usize {
        self.lowat
    }

    /// Sets the socket's low-water mark (when it differs). Linux signals readiness at once
    /// when lowering the mark makes the bytes already queued enough.
    pub(crate) fn set_lowat(&mut self, bytes: usize) -> io::Result<()> {
        if bytes != self.lowat {
            if let Err(e) = self.stream.set_recv_lowat(bytes) {
                self.failed = true;
                return Err(e);
            }
            self.lowat = bytes;
            // A wait under the old mark is over (a read that lowers it is not bounded).
            self.armed = false;
        }
        Ok(())
    }

    /// Bounds a batched wait that found nothing to read: true once `READ_BATCH_WAIT` has
    /// passed since the wait began (the timer then rests until the next wait).
    pub(crate) fn poll_wait_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(timer) = self.timer.as_mut() else { return true };
        if !self.armed {
            timer.as_mut().reset(tokio::time::Instant::now() + crate::driver::READ_BATCH_WAIT);
            self.armed = true;
        }
        if timer.as_mut().poll(cx).is_ready() {
            self.armed = false;
            return true;
        }
        false
    }

    /// A read came back: the next wait starts its own bound.
    pub(crate) fn read_done(&mut self) {
        self.armed = false;
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.set_lowat(1)?;
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            Stream::Tcp($s) => {
                let $s = Pin::new($s);
                $e
            }
            #[cfg(unix)]
            Stream::Unix($s) => {
                let $s = Pin::new($s);
                $e
            }
            #[cfg(feature = "rustls")]
            Stream::Tls($s) => {
                let $s = Pin::new(&mut **$s);
                $e
            }
        }
    };
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        dispatch!(self, s => s.poll_read(cx, buf))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        dispatch!(self, s => s.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        dispatch!(self, s => s.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Tcp(s) => s.is_write_vectored(),
            #[cfg(unix)]
            Stream::Unix(s) => s.is_write_vectored(),
            #[cfg(feature = "rustls")]
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        dispatch!(self, s => s.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        dispatch!(self, s => s.poll_shutdown(cx))
    }
}
