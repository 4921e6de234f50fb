//! The borrowed parser: views into the field value, unescaped and decoded on demand.
//!
//! Grammar (RFC 7235 section 2.1, RFC 7230 sections 3.2.6 and 7, RFC 8187 section 3.2.1):
//!
//! ```text
//! WWW-Authenticate = 1#challenge
//! challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-scheme = token
//! auth-param  = token BWS "=" BWS ( token / quoted-string )
//! token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//! quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
//! ; what a recipient accepts (empty elements allowed), RFC 7230 section 7 as restated
//! ; consistently by RFC 9110 section 5.6.1.2:
//! #element    = [ element ] *( OWS "," OWS [ element ] )
//! 1#element   = the same, with at least one element
//! ; RFC 8187 section 3.2.1, for a parameter whose name ends in "*":
//! ext-value   = charset "'" [ language ] "'" value-chars
//! value-chars = *( pct-encoded / attr-char )
//! ```
//!
//! Deliberate choices, each a refusal of ambiguity rather than leniency:
//! - a challenge list is split into challenges by looking past each element's first token:
//!   `token BWS "="` starts an `auth-param` of the current challenge, anything else starts a
//!   new challenge. A `token68` is recognised only when it is followed by `,` or the end,
//!   so `Scheme abc=def` is a parameter and `Scheme abc=` a `token68`;
//! - the separator after an `auth-scheme` must be `1*SP` as the grammar says (no HTAB);
//! - a parameter name may occur once per challenge, `name` and `name*` counting as one
//!   (RFC 7235 section 2.1, RFC 8187 section 3.2 leaves the choice to the recipient);
//! - an `ext-value` must be bare (never quoted) and use the `UTF-8` charset, the only one
//!   RFC 8187 section 3.2.1 requires; the language tag is kept on the view but not in the
//!   owned `httpauth-core` types, which have no slot for it.

use std::borrow::Cow;

use httpauth_core::{AuthParam, AuthParams, Challenge, Credentials, ParamForm};

use crate::error::{ParseError, ParseErrorKind as K};
use crate::lex::{self, ATTR, LANG, MIMECS, OWS, QDTEXT, QPAIR, T68, TCHAR};
use crate::{MAX_CHALLENGES, MAX_FIELD_LEN, MAX_PARAMS};

/// A parameter value as it appears in the field, with its wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueRef<'i> {
    /// Token text, the inside of the quotes, or the percent-encoded `value-chars`.
    raw: &'i str,
    /// `Token`, `Quoted` or `Extended`.
    form: ParamForm,
    /// Number of `quoted-pair`s in `raw` (quoted form only).
    escapes: u32,
    /// The RFC 8187 language tag (extended form only, often empty).
    language: &'i str,
}

impl<'i> ValueRef<'i> {
    /// The value as written: token text, the inside of the quotes with `quoted-pair`s
    /// still escaped, or the percent-encoded `value-chars` of an `ext-value`.
    pub fn raw(&self) -> &'i str {
        self.raw
    }

    /// The wire form seen: [`ParamForm::Token`], [`ParamForm::Quoted`] or
    /// [`ParamForm::Extended`].
    pub fn form(&self) -> ParamForm {
        self.form
    }

    /// The RFC 8187 language tag of an extended value (empty when absent or not extended).
    pub fn language(&self) -> &'i str {
        self.language
    }

    /// The unescaped, decoded value; borrows unless there is something to unescape or
    /// decode. O(n) in the value length.
    pub fn value(&self) -> Cow<'i, str> {
        match self.form {
            ParamForm::Quoted if self.escapes > 0 => Cow::Owned(unescape(self.raw)),
            ParamForm::Extended if self.raw.contains('%') => {
                // Validated as UTF-8 by the parser; the lossy conversion never replaces.
                let bytes = crate::ext::pct_decode(self.raw).unwrap_or_default();
                Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => Cow::Borrowed(self.raw),
        }
    }
}

/// Removes the `\` of each `quoted-pair` (RFC 7230 section 3.2.6).
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One `auth-param` as it appears in the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamRef<'i> {
    name: &'i str,
    offset: usize,
    value: ValueRef<'i>,
}

impl<'i> ParamRef<'i> {
    /// The name as written, without the `*` of an RFC 8187 extended parameter.
    pub fn name(&self) -> &'i str {
        self.name
    }

    /// True if the name equals `name`, ignoring ASCII case (RFC 7235 section 2.1).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// Byte offset of the name in the field value.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The value as it appears in the field.
    pub fn value_ref(&self) -> ValueRef<'i> {
        self.value
    }

    /// The unescaped, decoded value (see [`ValueRef::value`]).
    pub fn value(&self) -> Cow<'i, str> {
        self.value.value()
    }

    /// The wire form seen.
    pub fn form(&self) -> ParamForm {
        self.value.form
    }

    /// True if this came from an RFC 8187 `name*` parameter.
    pub fn is_extended(&self) -> bool {
        self.value.form == ParamForm::Extended
    }

    /// The owned [`AuthParam`], recording the form seen.
    ///
    /// # Errors
    /// None in practice: the parser checks everything [`AuthParam::with_form`] checks.
    pub fn to_auth_param(&self) -> Result<AuthParam, httpauth_core::Error> {
        AuthParam::with_form(self.name, self.value().into_owned(), self.value.form)
    }
}

/// What follows the scheme: a `token68` or a parameter list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataRef<'i> {
    /// A `token68`, as written.
    Token68(&'i str),
    /// The parameters (possibly none), in order, with no name twice.
    Params(Vec<ParamRef<'i>>),
}

macro_rules! item_ref {
    ($(#[$doc:meta])* $name:ident, $owned:ident, redact = $redact:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name<'i> {
            scheme: &'i str,
            offset: usize,
            data: DataRef<'i>,
        }

        impl<'i> $name<'i> {
            /// The scheme as written.
            pub fn scheme(&self) -> &'i str {
                self.scheme
            }

            /// True if the scheme equals `scheme`, ignoring ASCII case (RFC 7235 section 2.1).
            pub fn is_scheme(&self, scheme: &str) -> bool {
                self.scheme.eq_ignore_ascii_case(scheme)
            }

            /// Byte offset of the scheme in the field value.
            pub fn offset(&self) -> usize {
                self.offset
            }

            /// The data after the scheme.
            pub fn data(&self) -> &DataRef<'i> {
                &self.data
            }

            /// The `token68`, if that is what follows the scheme.
            pub fn token68(&self) -> Option<&'i str> {
                match self.data {
                    DataRef::Token68(t) => Some(t),
                    DataRef::Params(_) => None,
                }
            }

            /// The parameters; empty for a `token68` item.
            pub fn params(&self) -> &[ParamRef<'i>] {
                match &self.data {
                    DataRef::Params(ps) => ps,
                    DataRef::Token68(_) => &[],
                }
            }

            /// The parameter called `name` (case-insensitive; there is at most one).
            pub fn get(&self, name: &str) -> Option<&ParamRef<'i>> {
                self.params().iter().find(|p| p.is(name))
            }

            /// The unescaped, decoded value of the parameter called `name`.
            pub fn value(&self, name: &str) -> Option<Cow<'i, str>> {
                self.get(name).map(ParamRef::value)
            }

            #[doc = concat!("The owned [`", stringify!($owned), "`], recording each parameter's form.")]
            ///
            /// # Errors
            /// None in practice: the parser checks everything the `httpauth-core`
            /// constructors check; a failure is reported at this item's offset.
            pub fn to_owned_item(&self) -> Result<$owned, ParseError> {
                let at = |e| ParseError::new(K::Invalid(e), self.offset);
                match &self.data {
                    DataRef::Token68(t) => $owned::with_token68(self.scheme, *t).map_err(at),
                    DataRef::Params(ps) => $owned::with_params(self.scheme, to_auth_params(ps)?).map_err(at),
                }
            }
        }

        impl core::fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let mut d = f.debug_struct(stringify!($name));
                d.field("scheme", &self.scheme);
                match &self.data {
                    DataRef::Token68(_) if $redact => d.field("token68", &"<redacted>"),
                    DataRef::Token68(t) => d.field("token68", t),
                    DataRef::Params(ps) => d.field("params", ps),
                };
                d.finish()
            }
        }
    };
}

item_ref! {
    /// A borrowed challenge of a `WWW-Authenticate`, `Proxy-Authenticate` or
    /// `Optional-WWW-Authenticate` field, or an RFC 8053 `auth-control-entry`.
    ChallengeRef, Challenge, redact = false
}

item_ref! {
    /// Borrowed credentials of an `Authorization` or `Proxy-Authorization` field. `Debug`
    /// does not print a `token68` (Basic's carries the password).
    CredentialsRef, Credentials, redact = true
}

/// A borrowed `Authentication-Info` / `Proxy-Authentication-Info` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthInfoRef<'i> {
    legacy_scheme: Option<&'i str>,
    params: Vec<ParamRef<'i>>,
}

impl<'i> AuthInfoRef<'i> {
    /// `Some("Mutual")` (as written) if the value used the legacy form
    /// `Mutual k=v, ...` that RFC 8120 section 2.2 draws; RFC 7615 has no scheme here.
    pub fn legacy_scheme(&self) -> Option<&'i str> {
        self.legacy_scheme
    }

    /// The parameters in order, with no name twice.
    pub fn params(&self) -> &[ParamRef<'i>] {
        &self.params
    }

    /// The parameter called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&ParamRef<'i>> {
        self.params.iter().find(|p| p.is(name))
    }

    /// The owned parameter list, recording each parameter's form.
    ///
    /// # Errors
    /// None in practice (see [`ParamRef::to_auth_param`]).
    pub fn to_auth_params(&self) -> Result<AuthParams, ParseError> {
        to_auth_params(&self.params)
    }
}

pub(crate) fn to_auth_params(ps: &[ParamRef<'_>]) -> Result<AuthParams, ParseError> {
    let mut out = AuthParams::new();
    for p in ps {
        let at = |e| ParseError::new(K::Invalid(e), p.offset);
        out.push(p.to_auth_param().map_err(at)?).map_err(at)?;
    }
    Ok(out)
}

/// A cursor over the field value.
struct Cur<'i> {
    s: &'i str,
    b: &'i [u8],
    pos: usize,
}

impl<'i> Cur<'i> {
    fn new(s: &'i str) -> Result<Self, ParseError> {
        if s.len() > MAX_FIELD_LEN {
            return Err(ParseError::new(K::FieldTooLong, MAX_FIELD_LEN));
        }
        Ok(Self {
            s,
            b: s.as_bytes(),
            pos: 0,
        })
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline(always)]
    fn skip(&mut self, mask: u8) {
        while let Some(&c) = self.b.get(self.pos) {
            if !lex::is(c, mask) {
                break;
            }
            self.pos += 1;
        }
    }

    #[inline(always)]
    fn skip_ows(&mut self) {
        self.skip(OWS);
    }

    fn err(&self, kind: K) -> ParseError {
        ParseError::new(kind, self.pos)
    }

    /// `kind` at the cursor, or [`K::InvalidCharacter`] if the byte there is a control,
    /// DEL or non-ASCII (which is the more useful thing to say).
    fn unexpected(&self, kind: K) -> ParseError {
        match self.peek() {
            Some(c) if lex::is_invalid_anywhere(c) => self.err(K::InvalidCharacter),
            _ => self.err(kind),
        }
    }

    /// `token = 1*tchar`
    #[inline]
    fn token(&mut self) -> Result<&'i str, ParseError> {
        let start = self.pos;
        self.skip(TCHAR);
        if self.pos == start {
            return Err(self.unexpected(K::ExpectedToken));
        }
        Ok(&self.s[start..self.pos])
    }

    /// The `OWS "," / end` after a list element: consumes the comma.
    /// Returns false at the end of the field.
    #[inline]
    fn list_separator(&mut self) -> Result<bool, ParseError> {
        self.skip_ows();
        match self.peek() {
            None => Ok(false),
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Err(self.unexpected(K::ExpectedComma)),
        }
    }

    /// Skips `*( OWS "," )` between list elements; false at the end of the field.
    #[inline]
    fn skip_empty_elements(&mut self) -> bool {
        loop {
            self.skip_ows();
            match self.peek() {
                None => return false,
                Some(b',') => self.pos += 1,
                Some(_) => return true,
            }
        }
    }

    /// The rest of an `auth-param` after its name: `BWS "=" BWS ( token / quoted-string )`,
    /// or for a name ending in `*`, `BWS "=" BWS ext-value` (RFC 8187 section 3.2.1).
    fn param_after_name(
        &mut self,
        name: &'i str,
        offset: usize,
    ) -> Result<ParamRef<'i>, ParseError> {
        self.skip_ows();
        if self.peek() != Some(b'=') {
            return Err(self.unexpected(K::ExpectedEquals));
        }
        self.pos += 1;
        self.skip_ows();
        if let Some(base) = name.strip_suffix('*') {
            // `httpauth-core` names may not end in `*` (nor be empty), so `a**` is refused
            // here rather than surfacing later as a conversion error.
            if base.is_empty() || base.ends_with('*') {
                return Err(ParseError::new(K::InvalidExtName, offset));
            }
            let value = self.ext_value()?;
            return Ok(ParamRef {
                name: base,
                offset,
                value,
            });
        }
        let value = match self.peek() {
            Some(b'"') => self.quoted_string()?,
            Some(c) if lex::is(c, TCHAR) => {
                let raw = self.token()?;
                ValueRef {
                    raw,
                    form: ParamForm::Token,
                    escapes: 0,
                    language: "",
                }
            }
            _ => return Err(self.unexpected(K::ExpectedValue)),
        };
        Ok(ParamRef {
            name,
            offset,
            value,
        })
    }

    /// ```text
    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
    /// qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    /// quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
    /// ```
    /// (RFC 7230 section 3.2.6.) The cursor is on the opening quote.
    fn quoted_string(&mut self) -> Result<ValueRef<'i>, ParseError> {
        let open = self.pos;
        let start = open + 1;
        let mut i = start;
        let mut escapes = 0u32;
        loop {
            while i < self.b.len() && lex::is(self.b[i], QDTEXT) {
                i += 1;
            }
            match self.b.get(i) {
                None => return Err(ParseError::new(K::UnterminatedQuotedString, open)),
                Some(b'"') => break,
                Some(b'\\') => match self.b.get(i + 1) {
                    None => return Err(ParseError::new(K::UnterminatedQuotedString, open)),
                    Some(&c) if lex::is(c, QPAIR) => {
                        i += 2;
                        escapes = escapes.saturating_add(1);
                    }
                    Some(_) => return Err(ParseError::new(K::InvalidQuotedPair, i)),
                },
                Some(_) => return Err(ParseError::new(K::InvalidCharacter, i)),
            }
        }
        self.pos = i + 1;
        Ok(ValueRef {
            // Both ends are ASCII quotes, so the slice is on character boundaries.
            raw: &self.s[start..i],
            form: ParamForm::Quoted,
            escapes,
            language: "",
        })
    }

    /// ```text
    /// ext-value     = charset  "'" [ language ] "'" value-chars
    /// charset       = "UTF-8" / mime-charset
    /// mime-charset  = 1*mime-charsetc
    /// value-chars   = *( pct-encoded / attr-char )
    /// pct-encoded   = "%" HEXDIG HEXDIG
    /// ```
    /// (RFC 8187 section 3.2.1.) Only `UTF-8` is accepted (case-insensitively), and the
    /// decoded octets must be valid UTF-8.
    fn ext_value(&mut self) -> Result<ValueRef<'i>, ParseError> {
        let cs_start = self.pos;
        self.skip(MIMECS);
        if self.pos == cs_start || self.peek() != Some(b'\'') {
            return Err(self.unexpected(K::InvalidExtValue));
        }
        let charset = &self.s[cs_start..self.pos];
        if !charset.eq_ignore_ascii_case("UTF-8") {
            return Err(ParseError::new(
                K::UnsupportedCharset(charset.to_owned()),
                cs_start,
            ));
        }
        self.pos += 1;
        let lang_start = self.pos;
        self.skip(LANG);
        if self.peek() != Some(b'\'') {
            return Err(self.unexpected(K::InvalidExtValue));
        }
        let language = &self.s[lang_start..self.pos];
        self.pos += 1;
        let v_start = self.pos;
        let mut pct = false;
        loop {
            self.skip(ATTR);
            if self.peek() != Some(b'%') {
                break;
            }
            let hex = |i: usize| self.b.get(i).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(self.pos + 1) && hex(self.pos + 2)) {
                return Err(self.err(K::InvalidPercentEncoding));
            }
            pct = true;
            self.pos += 3;
        }
        let raw = &self.s[v_start..self.pos];
        if pct {
            let ok = crate::ext::pct_decode(raw).is_some_and(|b| core::str::from_utf8(&b).is_ok());
            if !ok {
                return Err(ParseError::new(K::InvalidUtf8, v_start));
            }
        }
        Ok(ValueRef {
            raw,
            form: ParamForm::Extended,
            escapes: 0,
            language,
        })
    }

    /// What follows an `auth-scheme`: `[ 1*SP ( token68 / #auth-param ) ]`, up to (not
    /// including) the first separating comma. Later parameters are added by the caller.
    ///
    /// The flag says whether parameters may follow after a comma: only if the scheme was
    /// followed by `1*SP`. `Basic , realm=x` is `Basic` with a parameter (`1*SP` and a
    /// `#auth-param` list that starts with an empty element), but in `Basic, realm=x` the
    /// scheme has no data and `realm=x` is a list element of its own, which is not a
    /// challenge: an error, as the ABNF says.
    fn scheme_data(&mut self) -> Result<(DataRef<'i>, bool), ParseError> {
        let ws = self.pos;
        self.skip_ows();
        match self.peek() {
            None | Some(b',') => {
                // `1*SP` then a `#auth-param` list that starts with an empty element; by the
                // RFC 9110 section 5.6.1.2 list rule, OWS may precede its first comma.
                let open = self.b.get(ws) == Some(&b' ');
                return Ok((DataRef::Params(Vec::new()), open));
            }
            Some(_) => {}
        }
        if self.pos == ws {
            return Err(self.unexpected(K::ExpectedSpace));
        }
        if let Some(tab) = self.b[ws..self.pos].iter().position(|&c| c == b'\t') {
            return Err(ParseError::new(K::ExpectedSpace, ws + tab));
        }
        // token68 if the token68 characters run up to OWS "," or the end.
        let d = self.pos;
        self.skip(T68);
        if self.pos > d {
            while self.peek() == Some(b'=') {
                self.pos += 1;
            }
            let end = self.pos;
            self.skip_ows();
            if matches!(self.peek(), None | Some(b',')) {
                self.pos = end;
                return Ok((DataRef::Token68(&self.s[d..end]), false));
            }
            self.pos = d;
        }
        let name = self.token()?;
        let p = self.param_after_name(name, d)?;
        let mut ps = Vec::with_capacity(4);
        ps.push(p);
        Ok((DataRef::Params(ps), true))
    }
}

/// Appends `p`, refusing duplicates (`name` and `name*` count as one) and enforcing
/// [`MAX_PARAMS`]. O(n) per call, n <= `MAX_PARAMS`.
fn push_param<'i>(ps: &mut Vec<ParamRef<'i>>, p: ParamRef<'i>) -> Result<(), ParseError> {
    if ps.len() >= MAX_PARAMS {
        return Err(ParseError::new(K::TooManyParams, p.offset));
    }
    if ps.iter().any(|q| q.name.eq_ignore_ascii_case(p.name)) {
        return Err(ParseError::new(
            K::DuplicateParameter(p.name.to_owned()),
            p.offset,
        ));
    }
    ps.push(p);
    Ok(())
}

/// Parses a `1#challenge` list (`WWW-Authenticate`, `Proxy-Authenticate`,
/// `Optional-WWW-Authenticate`; RFC 7235 sections 4.1 and 4.3, RFC 8053 section 3) into
/// borrowed views.
///
/// ```text
/// WWW-Authenticate = 1#challenge
/// challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
/// ```
///
/// # Errors
/// A [`ParseError`] with the byte offset at which the value stops matching the grammar,
/// for a duplicate parameter, or for exceeding [`MAX_FIELD_LEN`], [`MAX_PARAMS`] or
/// [`MAX_CHALLENGES`].
pub fn parse_challenges_ref(field_value: &str) -> Result<Vec<ChallengeRef<'_>>, ParseError> {
    let mut cur = Cur::new(field_value)?;
    let mut out: Vec<ChallengeRef<'_>> = Vec::with_capacity(2);
    // Whether the last challenge may take more parameters (see `scheme_data`).
    let mut open = false;
    while cur.skip_empty_elements() {
        let start = cur.pos;
        let tok = cur.token()?;
        let after = cur.pos;
        cur.skip_ows();
        if cur.peek() == Some(b'=') {
            // `token BWS "="`: an auth-param of the current challenge.
            cur.pos = after;
            let p = cur.param_after_name(tok, start)?;
            match out.last_mut() {
                None => return Err(ParseError::new(K::ParamWithoutScheme, start)),
                Some(c) => match &mut c.data {
                    DataRef::Token68(_) => {
                        return Err(ParseError::new(K::ParamAfterToken68, start));
                    }
                    DataRef::Params(_) if !open => {
                        return Err(ParseError::new(K::ExpectedSpace, c.offset + c.scheme.len()));
                    }
                    DataRef::Params(ps) => push_param(ps, p)?,
                },
            }
        } else {
            if out.len() >= MAX_CHALLENGES {
                return Err(ParseError::new(K::TooManyChallenges, start));
            }
            cur.pos = after;
            let data;
            (data, open) = cur.scheme_data()?;
            out.push(ChallengeRef {
                scheme: tok,
                offset: start,
                data,
            });
        }
        if !cur.list_separator()? {
            break;
        }
    }
    if out.is_empty() {
        return Err(cur.err(K::Empty));
    }
    Ok(out)
}

/// Parses `credentials` (`Authorization`, `Proxy-Authorization`; RFC 7235 sections 4.2
/// and 4.4) into a borrowed view.
///
/// ```text
/// Authorization = credentials
/// credentials   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
/// ```
///
/// Leading and trailing whitespace is ignored; a second scheme is an error
/// ([`ParseErrorKind::ExpectedEnd`](crate::ParseErrorKind::ExpectedEnd)).
///
/// # Errors
/// As [`parse_challenges_ref`].
pub fn parse_credentials_ref(field_value: &str) -> Result<CredentialsRef<'_>, ParseError> {
    let mut cur = Cur::new(field_value)?;
    cur.skip_ows();
    if cur.peek().is_none() {
        return Err(cur.err(K::Empty));
    }
    let start = cur.pos;
    let scheme = cur.token()?;
    let (mut data, open) = cur.scheme_data()?;
    match &mut data {
        DataRef::Token68(_) => {
            cur.skip_ows();
            if cur.peek().is_some() {
                return Err(cur.unexpected(K::ExpectedEnd));
            }
        }
        DataRef::Params(ps) => {
            while cur.list_separator()? {
                // Even empty list elements belong to the `#auth-param`, which needs `1*SP`
                // after the scheme (`Digest,` is not credentials; `Digest ,` is).
                if !open {
                    return Err(ParseError::new(K::ExpectedSpace, start + scheme.len()));
                }
                if !cur.skip_empty_elements() {
                    break;
                }
                let at = cur.pos;
                let name = cur.token()?;
                let after = cur.pos;
                cur.skip_ows();
                if cur.peek() != Some(b'=') {
                    // Another `auth-scheme`: credentials are not a list.
                    return Err(ParseError::new(K::ExpectedEnd, at));
                }
                cur.pos = after;
                let p = cur.param_after_name(name, at)?;
                push_param(ps, p)?;
            }
        }
    }
    Ok(CredentialsRef {
        scheme,
        offset: start,
        data,
    })
}

/// Parses an `Authentication-Info` or `Proxy-Authentication-Info` value (RFC 7615
/// sections 3 and 4) into a borrowed view.
///
/// ```text
/// Authentication-Info = #auth-param
/// ```
///
/// Also accepts the legacy form `Mutual auth-param *( "," auth-param )` drawn in RFC 8120
/// section 2.2 (figure 1, message 7), which RFC 8120 section 3 itself does not use
/// ("SHALL follow the syntax defined in \[RFC7615\]"); it is recorded in
/// [`AuthInfoRef::legacy_scheme`]. Any other scheme prefix is refused. An empty value is
/// an empty list (the grammar is `#`, not `1#`).
///
/// # Errors
/// As [`parse_challenges_ref`]; [`ParseErrorKind::UnexpectedScheme`](crate::ParseErrorKind::UnexpectedScheme)
/// for a scheme other than `Mutual`.
pub fn parse_authentication_info_ref(field_value: &str) -> Result<AuthInfoRef<'_>, ParseError> {
    let mut cur = Cur::new(field_value)?;
    let mut info = AuthInfoRef {
        legacy_scheme: None,
        params: Vec::with_capacity(4),
    };
    let mut first = true;
    // After a legacy `Mutual` not followed by SP, no parameter may follow (as for a
    // challenge, see `scheme_data`).
    let mut closed = false;
    while cur.skip_empty_elements() {
        let at = cur.pos;
        let name = cur.token()?;
        let after = cur.pos;
        cur.skip_ows();
        if cur.peek() == Some(b'=') {
            cur.pos = after;
            let p = cur.param_after_name(name, at)?;
            if closed {
                return Err(ParseError::new(K::ExpectedSpace, "Mutual".len()));
            }
            push_param(&mut info.params, p)?;
        } else if first && name.eq_ignore_ascii_case("Mutual") {
            // RFC 8120 section 2.2 legacy drawing: `Mutual vks="..."`.
            cur.pos = after;
            info.legacy_scheme = Some(name);
            let (data, open) = cur.scheme_data()?;
            closed = !open;
            match data {
                DataRef::Params(ps) => {
                    for p in ps {
                        push_param(&mut info.params, p)?;
                    }
                }
                DataRef::Token68(_) => return Err(ParseError::new(K::ExpectedValue, after + 1)),
            }
        } else if first {
            return Err(ParseError::new(K::UnexpectedScheme, at));
        } else {
            cur.pos = after;
            return Err(cur.unexpected(K::ExpectedValue));
        }
        first = false;
        if !cur.list_separator()? {
            break;
        }
    }
    Ok(info)
}

/// Parses an RFC 8053 `Authentication-Control` value (RFC 8053 section 4) into borrowed
/// entries (one per scheme and realm).
///
/// ```text
/// Authentication-Control = 1#auth-control-entry
/// auth-control-entry     = auth-scheme 1*SP 1#auth-control-param
/// auth-control-param     = extensive-token BWS "=" BWS token
///                        / extensive-token "*" BWS "=" BWS ext-value
/// ```
///
/// Values may also be quoted-strings: RFC 8053 section 4 says recipients "MUST accept
/// both quoted and unquoted representations", and its own examples quote strings.
///
/// # Errors
/// As [`parse_challenges_ref`]; [`ParseErrorKind::InvalidControlEntry`](crate::ParseErrorKind::InvalidControlEntry)
/// for an entry without parameters or with a `token68`.
pub fn parse_authentication_control_ref(
    field_value: &str,
) -> Result<Vec<ChallengeRef<'_>>, ParseError> {
    let entries = parse_challenges_ref(field_value)?;
    for e in &entries {
        match &e.data {
            DataRef::Params(ps) if !ps.is_empty() => {}
            _ => return Err(ParseError::new(K::InvalidControlEntry, e.offset)),
        }
    }
    Ok(entries)
}

/// Parses a whole string as one RFC 8187 `ext-value`.
pub(crate) fn parse_ext_value_alone(s: &str) -> Result<ValueRef<'_>, ParseError> {
    let mut cur = Cur::new(s)?;
    let v = cur.ext_value()?;
    if cur.peek().is_some() {
        return Err(cur.unexpected(K::InvalidExtValue));
    }
    Ok(v)
}
