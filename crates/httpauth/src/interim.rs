//! `Authentication-Info` in a `100 Continue` (RFC 8120 section 4.5).
//!
//! RFC 8120 section 4.5: "If a 100 Continue response is sent from the server, the
//! Authentication-Info header SHOULD be included in that response, instead of the final
//! response." A client that sends a req-VFY-C with `Expect: 100-continue` can then check
//! the server's `vks` before it sends the body.
//!
//! hyper 1's HTTP/1 server writes `HTTP/1.1 100 Continue\r\n\r\n` by itself when the
//! service first polls the body of a request that expects it, and has no way to add
//! header fields to it (HTTP/2 servers built on `h2` send no 100 at all: hyperium/h2
//! issue 167). Two pieces close that gap for HTTP/1.1:
//!
//! - [`InterimFields`], one per connection, put into every request's extensions: the
//!   authenticating code [offers](InterimFields::offer) the field lines before the body is
//!   read and [settles](InterimFields::settle) the offer once the response head is known;
//! - [`ContinueIo`], the connection's byte stream, which adds the offered lines to the
//!   `100 Continue` hyper writes.
//!
//! `httpauth::hyper::serve_connection` wires both; the tower layer offers the field when
//! the decision allows it ([`Decision::interim_info`](crate::Decision::interim_info)).
//! When no `100 Continue` went out (the service answered without reading the body, the
//! connection is HTTP/2, or the server is not wired this way), the field stays in the
//! final response, as before.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What hyper writes for an automatic `100 Continue` (hyper 1, `proto::h1::conn`).
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
/// Largest offer kept; an `Authentication-Info` value is far smaller.
const MAX_OFFER: usize = 8 * 1024;

#[derive(Debug, Default)]
enum State {
    /// Nothing to add.
    #[default]
    Idle,
    /// These lines (each ending in CRLF) go into the next `100 Continue`.
    Offered(Vec<u8>),
    /// They went out.
    Sent,
}

/// Header fields waiting for the `100 Continue` of the current request on one HTTP/1.1
/// connection. Cloning shares the slot.
#[derive(Debug, Clone, Default)]
pub struct InterimFields(Arc<Mutex<State>>);

impl InterimFields {
    /// An empty slot for a new connection.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a plain value, valid whatever a panicking holder left.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Offers `name: value` for the `100 Continue` of the current request, replacing an
    /// earlier offer. Refused (false) when the name is not a token or the value holds
    /// bytes a field value cannot (RFC 9110 section 5.5: no CR, LF or NUL), or when the
    /// line is unreasonably long.
    pub fn offer(&self, name: &str, value: &str) -> bool {
        let name_ok = !name.is_empty() && name.bytes().all(is_tchar);
        let value_ok = value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80)
            && !value.starts_with([' ', '\t'])
            && !value.ends_with([' ', '\t']);
        if !name_ok || !value_ok || name.len() + value.len() + 4 > MAX_OFFER {
            return false;
        }
        let mut line = Vec::with_capacity(name.len() + value.len() + 4);
        line.extend_from_slice(name.as_bytes());
        line.extend_from_slice(b": ");
        line.extend_from_slice(value.as_bytes());
        line.extend_from_slice(b"\r\n");
        *self.lock() = State::Offered(line);
        true
    }

    /// Ends the current offer; true when its fields went out in a `100 Continue` (the
    /// final response must not repeat them), false when they did not and will not (they
    /// belong in the final response).
    pub fn settle(&self) -> bool {
        matches!(std::mem::take(&mut *self.lock()), State::Sent)
    }

    /// The offered lines, marked as sent.
    fn take_for_continue(&self) -> Option<Vec<u8>> {
        let mut s = self.lock();
        match std::mem::take(&mut *s) {
            State::Offered(lines) => {
                *s = State::Sent;
                Some(lines)
            }
            other => {
                *s = other;
                None
            }
        }
    }

    fn has_offer(&self) -> bool {
        matches!(*self.lock(), State::Offered(_))
    }
}

/// True when the `Expect` field values (`headers.get_all(EXPECT)`, as bytes) ask for a
/// `100 Continue` (RFC 9110 section 10.1.1: the only expectation is `100-continue`,
/// case-insensitive).
pub fn expects_continue<'a>(expect_values: impl IntoIterator<Item = &'a [u8]>) -> bool {
    expect_values
        .into_iter()
        .any(|v| v.eq_ignore_ascii_case(b"100-continue"))
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A connection's byte stream that adds the [`InterimFields`] on offer to the
/// `100 Continue` the HTTP/1 server writes.
///
/// Only a write that starts with hyper's exact `HTTP/1.1 100 Continue\r\n\r\n` while an
/// offer is pending is changed; a write in which those bytes appear later is cut before
/// them, so they start the next write. Offers exist only between the authentication of
/// an HTTP/1.1 request with `Expect: 100-continue` and its response head, when nothing
/// else is written on the connection.
#[derive(Debug)]
pub struct ContinueIo<I> {
    inner: I,
    fields: InterimFields,
    /// The rewritten `100 Continue` and how much of it went out.
    pending: Option<(Vec<u8>, usize)>,
}

impl<I> ContinueIo<I> {
    /// Wraps `inner`; `fields` is the slot the connection's requests carry.
    pub fn new(inner: I, fields: InterimFields) -> Self {
        Self {
            inner,
            fields,
            pending: None,
        }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &I {
        &self.inner
    }
}

impl<I: AsyncWrite + Unpin> ContinueIo<I> {
    /// Writes what is left of a rewritten `100 Continue`.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((buf, at)) = &mut self.pending {
            match Pin::new(&mut self.inner).poll_write(cx, &buf[*at..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => {
                    *at += n;
                    if *at == buf.len() {
                        self.pending = None;
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }

    /// How much of `buf` to pass through unchanged before a `100 Continue` (all of it
    /// when there is none, or no offer).
    fn cut(&self, buf: &[u8]) -> usize {
        if !self.fields.has_offer() {
            return buf.len();
        }
        buf.windows(CONTINUE.len())
            .position(|w| w == CONTINUE)
            .unwrap_or(buf.len())
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for ContinueIo<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for ContinueIo<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.drain(cx)?.is_pending() {
            return Poll::Pending;
        }
        let cut = this.cut(buf);
        if cut > 0 {
            return Pin::new(&mut this.inner).poll_write(cx, &buf[..cut]);
        }
        if let Some(lines) = buf
            .starts_with(CONTINUE)
            .then(|| this.fields.take_for_continue())
            .flatten()
        {
            // "HTTP/1.1 100 Continue\r\n" + the offered lines + "\r\n".
            let status_line = CONTINUE.len() - 2;
            let mut out = Vec::with_capacity(CONTINUE.len() + lines.len());
            out.extend_from_slice(&CONTINUE[..status_line]);
            out.extend_from_slice(&lines);
            out.extend_from_slice(b"\r\n");
            this.pending = Some((out, 0));
            // The bytes hyper gave are taken; the rest goes out on the next write or
            // flush (a `Pending` from the inner stream here would make hyper give them
            // again).
            if let Poll::Ready(Err(e)) = this.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(CONTINUE.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.pending.is_some() || self.fields.has_offer() {
            // Rare: one slice at a time, through the checks of `poll_write`.
            let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| b);
            return self.poll_write(cx, first);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.drain(cx)?.is_pending() {
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.drain(cx)?.is_pending() {
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt as _;

    #[tokio::test]
    async fn offered_lines_go_into_the_continue_once() {
        let fields = InterimFields::new();
        let mut io = ContinueIo::new(Vec::new(), fields.clone());
        io.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        assert!(fields.offer("Authentication-Info", "Mutual sid=AA==, vks=AQ=="));
        io.write_all(b"tail").await.unwrap();
        io.write_all(CONTINUE).await.unwrap();
        io.write_all(CONTINUE).await.unwrap();
        io.flush().await.unwrap();
        assert!(fields.settle());
        assert!(!fields.settle(), "settling twice reports nothing sent");
        let want = [
            &b"HTTP/1.1 200 OK\r\n\r\ntail"[..],
            b"HTTP/1.1 100 Continue\r\nAuthentication-Info: Mutual sid=AA==, vks=AQ==\r\n\r\n",
            CONTINUE,
        ]
        .concat();
        assert_eq!(io.get_ref(), &want);
    }

    #[tokio::test]
    async fn continue_inside_a_write_is_cut_and_then_rewritten() {
        let fields = InterimFields::new();
        let mut io = ContinueIo::new(Vec::new(), fields.clone());
        assert!(fields.offer("authentication-info", "x"));
        let buf = [&b"abc"[..], CONTINUE].concat();
        let n = io.write(&buf).await.unwrap();
        assert_eq!(n, 3);
        let n = io.write(&buf[3..]).await.unwrap();
        assert_eq!(n, CONTINUE.len());
        io.flush().await.unwrap();
        assert_eq!(
            io.get_ref(),
            b"abcHTTP/1.1 100 Continue\r\nauthentication-info: x\r\n\r\n"
        );
    }

    #[test]
    fn an_offer_not_sent_stays_for_the_final_response() {
        let fields = InterimFields::new();
        assert!(fields.offer("Authentication-Info", "v"));
        assert!(!fields.settle());
        assert!(fields.take_for_continue().is_none());
    }

    #[test]
    fn bad_lines_are_refused() {
        let f = InterimFields::new();
        assert!(!f.offer("Authentication-Info", "a\r\nX-Injected: 1"));
        assert!(!f.offer("Bad Name", "v"));
        assert!(!f.offer("", "v"));
        assert!(!f.offer("a", " v"));
        assert!(!f.offer("a", &"v".repeat(MAX_OFFER)));
        assert!(!f.has_offer());
    }
}
