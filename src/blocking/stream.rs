//! The blocking transport: TCP, Unix socket, or TLS over TCP, on plain system calls.

use std::io::{self, Read, Write};
use std::net::TcpStream;
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// A connected socket, possibly wrapped in TLS.
pub(crate) enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
    #[cfg(feature = "rustls")]
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    /// Sets the read timeout of the underlying socket (`None`: block for ever).
    pub(crate) fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Self::Tcp(s) => s.set_read_timeout(timeout),
            #[cfg(unix)]
            Self::Unix(s) => s.set_read_timeout(timeout),
            #[cfg(feature = "rustls")]
            Self::Tls(s) => s.sock.set_read_timeout(timeout),
        }
    }

    /// Sets the write timeout of the underlying socket (`None`: block for ever).
    pub(crate) fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        match self {
            Self::Tcp(s) => s.set_write_timeout(timeout),
            #[cfg(unix)]
            Self::Unix(s) => s.set_write_timeout(timeout),
            #[cfg(feature = "rustls")]
            Self::Tls(s) => s.sock.set_write_timeout(timeout),
        }
    }

    /// Switches the underlying socket between blocking and non-blocking mode.
    pub(crate) fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        match self {
            Self::Tcp(s) => s.set_nonblocking(on),
            #[cfg(unix)]
            Self::Unix(s) => s.set_nonblocking(on),
            #[cfg(feature = "rustls")]
            Self::Tls(s) => s.sock.set_nonblocking(on),
        }
    }

    /// Looks at the socket without reading or waiting (one `recv` with `MSG_PEEK` and
    /// `MSG_DONTWAIT`): `Some(true)` when something is there to read (bytes or the end of the
    /// stream). `None` on platforms where the socket has to be made non-blocking to tell.
    pub(crate) fn has_input(&self) -> io::Result<Option<bool>> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let sock = match self {
                Self::Tcp(s) => socket2::SockRef::from(s),
                Self::Unix(s) => socket2::SockRef::from(s),
                #[cfg(feature = "rustls")]
                Self::Tls(s) => socket2::SockRef::from(&s.sock),
            };
            let mut byte = [std::mem::MaybeUninit::uninit()];
            match sock.recv_with_flags(&mut byte, libc::MSG_PEEK | libc::MSG_DONTWAIT) {
                Ok(_) => Ok(Some(true)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Some(false)),
                Err(e) => Err(e),
            }
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            Ok(None)
        }
    }

    /// Sets the receive low-water mark of the TCP socket under the stream (read batching, see
    /// [`crate::driver::set_recv_lowat`]). `Ok(false)`: there is none to set (a Unix socket, or
    /// a platform without Linux's semantics).
    pub(crate) fn set_recv_lowat(&self, bytes: usize) -> io::Result<bool> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use std::os::fd::AsFd;
            let fd = match self {
                Self::Tcp(s) => s.as_fd(),
                #[cfg(feature = "rustls")]
                Self::Tls(s) => s.sock.as_fd(),
                Self::Unix(_) => return Ok(false),
            };
            crate::driver::set_recv_lowat(fd, bytes).map(|()| true)
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let _ = bytes;
            Ok(false)
        }
    }

    /// True for a TLS stream (whose reads return plaintext, not what the socket gave).
    pub(crate) fn is_tls(&self) -> bool {
        #[cfg(feature = "rustls")]
        if let Self::Tls(_) = self {
            return true;
        }
        false
    }

    /// Shuts the socket down in both directions.
    pub(crate) fn shutdown(&self) {
        let _ = match self {
            Self::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            #[cfg(unix)]
            Self::Unix(s) => s.shutdown(std::net::Shutdown::Both),
            #[cfg(feature = "rustls")]
            Self::Tls(s) => s.sock.shutdown(std::net::Shutdown::Both),
        };
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Self::Unix(s) => s.read(buf),
            #[cfg(feature = "rustls")]
            Self::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Self::Unix(s) => s.write(buf),
            #[cfg(feature = "rustls")]
            Self::Tls(s) => s.write(buf),
        }
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Self::Tcp(s) => s.write_vectored(bufs),
            #[cfg(unix)]
            Self::Unix(s) => s.write_vectored(bufs),
            #[cfg(feature = "rustls")]
            Self::Tls(s) => s.write_vectored(bufs),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Tcp(s) => s.flush(),
            #[cfg(unix)]
            Self::Unix(s) => s.flush(),
            #[cfg(feature = "rustls")]
            Self::Tls(s) => s.flush(),
        }
    }
}
