//! The crate's one error type.

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The expression does not follow the `ap_expr` grammar. `position` is the byte offset
    /// into the expression where the problem was found.
    #[error("syntax error at byte {position}: expected {expected}")]
    Syntax {
        /// Byte offset into the expression text.
        position: usize,
        /// What the parser expected (or why the input is refused) there.
        expected: String,
    },
    /// The expression is longer than [`MAX_EXPR_LEN`](crate::MAX_EXPR_LEN) bytes.
    #[error("expression longer than {0} bytes")]
    TooLong(usize),
    /// The expression nests deeper than [`MAX_NESTING`](crate::MAX_NESTING).
    #[error("expression nested deeper than {0} levels")]
    TooDeep(usize),
    /// A regular expression uses a PCRE feature this crate does not implement, or does not
    /// compile (see `docs/cert-policy.md`).
    #[error("unsupported regular expression at byte {position}: {reason}")]
    Regex {
        /// Byte offset of the regex in the expression.
        position: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A variable, function or operator name Apache would refuse.
    #[error("unknown {kind} {name:?} at byte {position}")]
    Unknown {
        /// `variable`, `function`, `list function`, `unary operator` or `binary operator`.
        kind: &'static str,
        /// The name as written.
        name: String,
        /// Byte offset.
        position: usize,
    },
    /// Evaluation reached Apache's recursion limit (`AP_EXPR_MAX_RECURSION`, 20); Apache
    /// then denies.
    #[error("expression evaluation recursion limit reached")]
    RecursionLimit,
    /// A function that touches the file system or the process environment was used but the
    /// caller did not enable it ([`Capabilities`](crate::Capabilities)).
    #[error("{0} is not enabled in this context")]
    Disabled(&'static str),
    /// `file()` failed.
    #[error("cannot read file {0:?}")]
    File(String),
    /// A certificate could not be parsed.
    #[error("invalid certificate: {0}")]
    Certificate(String),
    /// PEM input was malformed.
    #[error("invalid pem: {0}")]
    Pem(String),
    /// The rustls verifier could not be built (no trust anchors, bad CRL, ...).
    #[error("cannot build client certificate verifier: {0}")]
    Verifier(String),
    /// A configuration value (`SSLVerifyClient`, `SSLVerifyDepth`, ...) is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
}
