//! Authentication parameters (RFC 7235 section 2.1, RFC 8187).

use crate::{Error, syntax};

/// How a parameter value is (to be) written on the wire.
///
/// Parsers record the form they saw; serialisers honour the form a value was built with.
/// [`ParamForm::Auto`] lets the serialiser choose: a token when the value is a token,
/// else a quoted-string, else (non-ASCII text) the RFC 8187 `name*=UTF-8''...` form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ParamForm {
    /// The serialiser picks the shortest correct form.
    #[default]
    Auto,
    /// Always a bare `token` (RFC 7616 `algorithm`, `qop` in a response, `nc`, `stale`).
    Token,
    /// Always a `quoted-string` (for example RFC 8120's `realm`, which is always quoted).
    /// Non-ASCII text is written as UTF-8 inside the quotes.
    Quoted,
    /// The RFC 8187 extended form `name*=UTF-8''percent-encoded`.
    Extended,
}

impl ParamForm {
    fn describe(self) -> &'static str {
        match self {
            ParamForm::Auto => "any form",
            ParamForm::Token => "a token",
            ParamForm::Quoted => "a quoted-string",
            ParamForm::Extended => "an extended value",
        }
    }
}

/// One `auth-param`: `token BWS "=" BWS ( token / quoted-string )`, or its RFC 8187
/// extended form `name*=charset'lang'pct-encoded` (then `name` has no `*` and
/// [`form`](Self::form) is [`ParamForm::Extended`]).
///
/// The value is held unescaped and decoded. Validity for the chosen form is checked at
/// construction, so serialisation cannot fail.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthParam {
    name: String,
    value: String,
    form: ParamForm,
}

impl AuthParam {
    /// A parameter whose wire form the serialiser chooses.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] if `name` is not a token (or ends in `*`, which is reserved for
    /// RFC 8187 extended parameters).
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Result<Self, Error> {
        Self::with_form(name, value, ParamForm::Auto)
    }

    /// A parameter that must be written as a bare token.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] for a bad name, [`Error::InvalidValue`] if `value` is not a token.
    pub fn token(name: impl Into<String>, value: impl Into<String>) -> Result<Self, Error> {
        Self::with_form(name, value, ParamForm::Token)
    }

    /// A parameter that must be written as a quoted-string.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] for a bad name, [`Error::InvalidValue`] if `value` contains a
    /// control character other than HTAB.
    pub fn quoted(name: impl Into<String>, value: impl Into<String>) -> Result<Self, Error> {
        Self::with_form(name, value, ParamForm::Quoted)
    }

    /// A parameter in the given form.
    ///
    /// # Errors
    /// See [`token`](Self::token) and [`quoted`](Self::quoted); the extended form can carry
    /// any text.
    pub fn with_form(
        name: impl Into<String>,
        value: impl Into<String>,
        form: ParamForm,
    ) -> Result<Self, Error> {
        let name = name.into();
        let value = value.into();
        if !syntax::is_token(&name) || name.ends_with('*') {
            return Err(Error::InvalidToken(name));
        }
        let ok = match form {
            ParamForm::Auto | ParamForm::Extended => true,
            ParamForm::Token => syntax::is_token(&value),
            ParamForm::Quoted => syntax::is_quotable(&value),
        };
        if !ok {
            return Err(Error::InvalidValue {
                name,
                form: form.describe(),
            });
        }
        Ok(Self { name, value, form })
    }

    /// The parameter name as written (without a trailing `*`). Compare it
    /// case-insensitively, or use [`is`](Self::is).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True if the name equals `name`, ignoring ASCII case (RFC 7235 section 2.1).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The unescaped, decoded value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The wire form.
    pub fn form(&self) -> ParamForm {
        self.form
    }

    /// True if the value came from (or will be written as) an RFC 8187 `name*` parameter.
    pub fn is_extended(&self) -> bool {
        self.form == ParamForm::Extended
    }

    /// Consumes the parameter, returning `(name, value)`.
    pub fn into_parts(self) -> (String, String) {
        (self.name, self.value)
    }
}

/// An ordered list of [`AuthParam`]s in which no name occurs twice (ignoring case).
///
/// RFC 7235 section 2.1: "each parameter name MUST only occur once per challenge". The
/// invariant is kept on insertion, so [`get`](Self::get) never has to choose between
/// duplicates. Note that `name` and `name*` count as the same name (RFC 8187 section 3.2
/// lets a sender offer both; this workspace refuses the ambiguity).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AuthParams(Vec<AuthParam>);

impl AuthParams {
    /// An empty list.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Appends `param`.
    ///
    /// # Errors
    /// [`Error::DuplicateParameter`] if a parameter of the same name is present.
    /// O(n) in the list length; lists are bounded by the header parser's limits.
    pub fn push(&mut self, param: AuthParam) -> Result<(), Error> {
        if self.get(param.name()).is_some() {
            return Err(Error::DuplicateParameter(param.name));
        }
        self.0.push(param);
        Ok(())
    }

    /// Builder form of [`push`](Self::push).
    ///
    /// # Errors
    /// As [`push`](Self::push).
    pub fn with(mut self, param: AuthParam) -> Result<Self, Error> {
        self.push(param)?;
        Ok(self)
    }

    /// Replaces the parameter of the same name, or appends it.
    pub fn set(&mut self, param: AuthParam) {
        match self.0.iter_mut().find(|p| p.is(param.name())) {
            Some(slot) => *slot = param,
            None => self.0.push(param),
        }
    }

    /// Removes and returns the parameter called `name`.
    pub fn remove(&mut self, name: &str) -> Option<AuthParam> {
        let i = self.0.iter().position(|p| p.is(name))?;
        Some(self.0.remove(i))
    }

    /// The parameter called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&AuthParam> {
        self.0.iter().find(|p| p.is(name))
    }

    /// The value of the parameter called `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(AuthParam::value)
    }

    /// Iterates in order.
    pub fn iter(&self) -> core::slice::Iter<'_, AuthParam> {
        self.0.iter()
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The parameters as a slice.
    pub fn as_slice(&self) -> &[AuthParam] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a AuthParams {
    type Item = &'a AuthParam;
    type IntoIter = core::slice::Iter<'a, AuthParam>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for AuthParams {
    type Item = AuthParam;
    type IntoIter = std::vec::IntoIter<AuthParam>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl TryFrom<Vec<AuthParam>> for AuthParams {
    type Error = Error;
    fn try_from(v: Vec<AuthParam>) -> Result<Self, Error> {
        let mut out = AuthParams::new();
        for p in v {
            out.push(p)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_tokens() {
        assert!(AuthParam::new("realm", "x").is_ok());
        assert_eq!(
            AuthParam::new("re alm", "x"),
            Err(Error::InvalidToken("re alm".into()))
        );
        assert!(AuthParam::new("title*", "x").is_err());
    }

    #[test]
    fn forced_forms_are_validated() {
        assert!(AuthParam::token("algorithm", "SHA-256").is_ok());
        assert!(AuthParam::token("algorithm", "SHA 256").is_err());
        assert!(AuthParam::quoted("realm", "a\"b\\c ü").is_ok());
        assert!(AuthParam::quoted("realm", "a\r\nb").is_err());
        assert!(AuthParam::with_form("title", "a\r\nb", ParamForm::Extended).is_ok());
    }

    #[test]
    fn duplicates_rejected_case_insensitively() {
        let mut ps = AuthParams::new();
        ps.push(AuthParam::new("Realm", "a").unwrap()).unwrap();
        assert_eq!(
            ps.push(AuthParam::new("realm", "b").unwrap()),
            Err(Error::DuplicateParameter("realm".into()))
        );
        assert_eq!(ps.value("REALM"), Some("a"));
        ps.set(AuthParam::new("realm", "b").unwrap());
        assert_eq!(ps.value("realm"), Some("b"));
        assert_eq!(ps.len(), 1);
    }
}
