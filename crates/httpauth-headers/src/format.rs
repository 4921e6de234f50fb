//! Serialisation. Infallible: `httpauth-core` checks at construction that every value can
//! be written in its form.
//!
//! How a parameter is written, by [`ParamForm`]:
//!
//! | form | written as |
//! |---|---|
//! | `Token` | `name=value` |
//! | `Quoted` | `name="value"` with `"` and `\` escaped; UTF-8 allowed inside (`obs-text`) |
//! | `Extended` | `name*=UTF-8''pct-encoded` (RFC 8187) |
//! | `Auto` | `Token` if the value is a token, else `Quoted` if it is printable ASCII, else `Extended` |
//!
//! `Auto` never puts non-ASCII inside quotes: RFC 7230 section 3.2.6 keeps `obs-text` for
//! compatibility only and RFC 8120 section 3.1 and RFC 8053 section 4.1 ask for the
//! extended form. A scheme that must quote non-ASCII (RFC 8120's `realm`, which may not be
//! extended) asks for `Quoted`.

use httpauth_core::{AuthData, AuthParam, AuthParams, Challenge, Credentials, ParamForm, syntax};

use crate::ext::pct_encode_into;

/// Appends `"value"`, escaping `"` and `\` as `quoted-pair`s (RFC 7230 section 3.2.6).
fn write_quoted(out: &mut String, value: &str) {
    out.reserve(value.len() + 2);
    out.push('"');
    let mut rest = value;
    while let Some(i) = rest.find(['"', '\\']) {
        out.push_str(&rest[..i]);
        out.push('\\');
        out.push_str(&rest[i..=i]);
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// The form [`ParamForm::Auto`] resolves to for `value`.
fn resolve(form: ParamForm, value: &str) -> ParamForm {
    match form {
        ParamForm::Token => ParamForm::Token,
        ParamForm::Quoted => ParamForm::Quoted,
        ParamForm::Extended => ParamForm::Extended,
        // `Auto` and any form added to `httpauth-core` later.
        _ => {
            if syntax::is_token(value) {
                ParamForm::Token
            } else if value.is_ascii() && syntax::is_quotable(value) {
                ParamForm::Quoted
            } else {
                ParamForm::Extended
            }
        }
    }
}

/// Appends one `auth-param` in its form:
///
/// | [`ParamForm`] | written as |
/// |---|---|
/// | `Token` | `name=value` |
/// | `Quoted` | `name="value"` with `"` and `\` escaped; UTF-8 allowed inside (`obs-text`) |
/// | `Extended` | `name*=UTF-8''pct-encoded` (RFC 8187) |
/// | `Auto` | `Token` if the value is a token, else `Quoted` if it is printable ASCII, else `Extended` |
pub fn write_param(out: &mut String, p: &AuthParam) {
    out.push_str(p.name());
    match resolve(p.form(), p.value()) {
        ParamForm::Token => {
            out.push('=');
            out.push_str(p.value());
        }
        ParamForm::Extended => {
            out.push_str("*=UTF-8''");
            pct_encode_into(out, p.value());
        }
        _ => {
            out.push('=');
            write_quoted(out, p.value());
        }
    }
}

/// One `auth-param` as a string, e.g. `realm="a b"`.
pub fn format_param(p: &AuthParam) -> String {
    let mut s = String::new();
    write_param(&mut s, p);
    s
}

/// Appends `p1, p2, ...`.
pub fn write_params(out: &mut String, ps: &AuthParams) {
    for (i, p) in ps.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_param(out, p);
    }
}

fn write_item(out: &mut String, scheme: &str, data: &AuthData) {
    out.push_str(scheme);
    match data {
        AuthData::Token68(t) => {
            out.push(' ');
            out.push_str(t);
        }
        AuthData::Params(ps) if !ps.is_empty() => {
            out.push(' ');
            write_params(out, ps);
        }
        AuthData::Params(_) => {}
    }
}

/// Appends one `challenge`: `scheme`, `scheme token68` or `scheme p1, p2`.
pub fn write_challenge(out: &mut String, c: &Challenge) {
    write_item(out, c.scheme(), c.data());
}

/// One `challenge` as a `WWW-Authenticate` / `Proxy-Authenticate` /
/// `Optional-WWW-Authenticate` value.
///
/// ```
/// use httpauth_core::{AuthParam, Challenge};
/// let c = Challenge::new("Mutual")?
///     .param(AuthParam::quoted("realm", "a realm")?)?
///     .param(AuthParam::new("reason", "initial")?)?;
/// assert_eq!(httpauth_headers::format_challenge(&c), r#"Mutual realm="a realm", reason=initial"#);
/// # Ok::<(), httpauth_core::Error>(())
/// ```
pub fn format_challenge(c: &Challenge) -> String {
    let mut s = String::new();
    write_challenge(&mut s, c);
    s
}

/// Several challenges as one field value, comma-joined (RFC 7235 section 4.1:
/// `1#challenge`). Empty input gives an empty string, which is not a valid field value;
/// send no field instead.
pub fn format_challenges(cs: &[Challenge]) -> String {
    let mut s = String::new();
    for (i, c) in cs.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        write_challenge(&mut s, c);
    }
    s
}

/// `credentials` as an `Authorization` / `Proxy-Authorization` value.
pub fn format_credentials(c: &Credentials) -> String {
    let mut s = String::new();
    write_item(&mut s, c.scheme(), c.data());
    s
}

/// An `Authentication-Info` / `Proxy-Authentication-Info` value in RFC 7615 syntax
/// (`#auth-param`, never the legacy `Mutual` prefix).
pub fn format_authentication_info(p: &AuthParams) -> String {
    let mut s = String::new();
    write_params(&mut s, p);
    s
}

/// An RFC 8053 `Authentication-Control` value: `scheme p1, p2, scheme2 p3, ...`. Each
/// entry should carry at least one parameter and no `token68` (RFC 8053 section 4);
/// entries that do not cannot be parsed back.
pub fn format_authentication_control(entries: &[Challenge]) -> String {
    format_challenges(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let p = |n: &str, v: &str, f| format_param(&AuthParam::with_form(n, v, f).unwrap());
        assert_eq!(p("a", "b", ParamForm::Auto), "a=b");
        assert_eq!(p("a", "b c", ParamForm::Auto), "a=\"b c\"");
        assert_eq!(p("a", "", ParamForm::Auto), "a=\"\"");
        assert_eq!(p("a", "x\"y\\z", ParamForm::Auto), r#"a="x\"y\\z""#);
        assert_eq!(p("a", "é", ParamForm::Auto), "a*=UTF-8''%C3%A9");
        assert_eq!(p("a", "x\ny", ParamForm::Auto), "a*=UTF-8''x%0Ay");
        assert_eq!(p("a", "é", ParamForm::Quoted), "a=\"é\"");
        assert_eq!(p("a", "b", ParamForm::Quoted), "a=\"b\"");
        assert_eq!(p("a", "b", ParamForm::Extended), "a*=UTF-8''b");
        assert_eq!(p("a", "MD5-sess", ParamForm::Token), "a=MD5-sess");
    }
}
