//! Streaming entity-body hashing for `qop=auth-int` (RFC 7616 section 3.4.3:
//! `A2 = Method ":" request-uri ":" H(entity-body)`).
//!
//! The algorithm the client picks is known only once its `Authorization` is parsed, and
//! the body may be large; so a [`BodyHasher`] is fed the body as it streams past, under
//! every hash function the server offers, and its [`finish`](BodyHasher::finish)ed
//! [`BodyDigests`] is handed to [`RequestContext::with_body`](httpauth_core::RequestContext::with_body).

use crate::algorithm::Hasher;
use httpauth_core::{BodyDigest, HashFunction};

/// Hashes a body incrementally under several hash functions at once.
#[derive(Clone)]
pub struct BodyHasher {
    hashers: Vec<(HashFunction, Hasher)>,
    len: u64,
}

impl core::fmt::Debug for BodyHasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BodyHasher")
            .field(
                "functions",
                &self.hashers.iter().map(|(h, _)| *h).collect::<Vec<_>>(),
            )
            .field("len", &self.len)
            .finish()
    }
}

impl BodyHasher {
    /// A hasher for each of `functions` this crate implements (duplicates and unknown
    /// functions are skipped).
    pub fn new(functions: &[HashFunction]) -> Self {
        let mut hashers: Vec<(HashFunction, Hasher)> = Vec::new();
        for &f in functions {
            if hashers.iter().any(|(g, _)| *g == f) {
                continue;
            }
            if let Some(h) = Hasher::new(f) {
                hashers.push((f, h));
            }
        }
        Self { hashers, len: 0 }
    }

    /// A hasher for the three Digest hash functions (MD5, SHA-256, SHA-512/256).
    pub fn for_digest() -> Self {
        Self::new(&[
            HashFunction::Md5,
            HashFunction::Sha256,
            HashFunction::Sha512_256,
        ])
    }

    /// Feeds the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        self.len = self.len.saturating_add(chunk.len() as u64);
        for (_, h) in &mut self.hashers {
            h.update(chunk);
        }
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True if nothing was fed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digests of the whole body.
    pub fn finish(self) -> BodyDigests {
        BodyDigests {
            digests: self
                .hashers
                .into_iter()
                .map(|(f, h)| (f, h.finalize()))
                .collect(),
        }
    }

    /// The digests of a body held in memory.
    pub fn digest_all(functions: &[HashFunction], body: &[u8]) -> BodyDigests {
        let mut h = Self::new(functions);
        h.update(body);
        h.finish()
    }
}

/// The finished digests of one body; implements [`BodyDigest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyDigests {
    digests: Vec<(HashFunction, Vec<u8>)>,
}

impl BodyDigests {
    /// The digest under `hash`, if it was computed.
    pub fn get(&self, hash: HashFunction) -> Option<&[u8]> {
        self.digests
            .iter()
            .find(|(f, _)| *f == hash)
            .map(|(_, d)| d.as_slice())
    }
}

impl BodyDigest for BodyDigests {
    fn body_digest(&self, hash: HashFunction) -> Option<Vec<u8>> {
        self.get(hash).map(<[u8]>::to_vec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::hex;

    #[test]
    fn streaming_equals_one_shot() {
        let body: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
        let mut h = BodyHasher::for_digest();
        for chunk in body.chunks(333) {
            h.update(chunk);
        }
        assert_eq!(h.len(), 10_000);
        let a = h.finish();
        let b = BodyHasher::digest_all(
            &[
                HashFunction::Md5,
                HashFunction::Sha256,
                HashFunction::Sha512_256,
            ],
            &body,
        );
        assert_eq!(a, b);
        assert_eq!(a.body_digest(HashFunction::Sha512), None);
    }

    #[test]
    fn empty_body_known_answers() {
        let d = BodyHasher::digest_all(
            &[
                HashFunction::Md5,
                HashFunction::Sha256,
                HashFunction::Sha512_256,
                HashFunction::Sha512,
            ],
            b"",
        );
        // FIPS 180-4 / RFC 1321 digests of the empty string.
        assert_eq!(
            hex(d.get(HashFunction::Md5).unwrap()),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            hex(d.get(HashFunction::Sha256).unwrap()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(d.get(HashFunction::Sha512_256).unwrap()),
            "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a"
        );
        assert_eq!(d.get(HashFunction::Sha512).unwrap().len(), 64);
    }
}
