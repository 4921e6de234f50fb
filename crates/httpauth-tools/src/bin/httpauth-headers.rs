//! `httpauth-headers FIELD-NAME [--combine]`: parse authentication header field values
//! read from standard input, one per line, and print one JSON object per line.
//!
//! Exit status: 0 if every line parsed, 1 if any did not, 2 on a usage or I/O error.

#![forbid(unsafe_code)]

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use httpauth_core::{AuthData, AuthParam, Challenge};
use httpauth_headers::{FieldKind, FieldName, ParseError, ParsedField, parse_field};
use serde_json::Value;

const USAGE: &str = "usage: httpauth-headers FIELD-NAME [--combine] < values\n\
FIELD-NAME: www-authenticate, proxy-authenticate, authorization, proxy-authorization,\n\
authentication-info, proxy-authentication-info, optional-www-authenticate,\n\
authentication-control\n\
--combine: parse all lines as the field lines of one message";

/// Longest input line read, so a line without a newline cannot exhaust memory. Longer
/// lines are reported as too long.
const MAX_LINE: usize = httpauth_headers::MAX_FIELD_LEN + 2;

/// A JSON string literal (serde_json does the escaping).
fn js(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

// The objects are written by hand so the keys come in the documented order (serde_json's
// default map sorts them); every string goes through `js`.

fn param_json(p: &AuthParam) -> String {
    format!(
        r#"{{"name":{},"value":{},"ext":{}}}"#,
        js(p.name()),
        js(p.value()),
        p.is_extended()
    )
}

fn params_json<'a>(ps: impl IntoIterator<Item = &'a AuthParam>) -> String {
    let v: Vec<String> = ps.into_iter().map(param_json).collect();
    format!("[{}]", v.join(","))
}

fn item_json(scheme: &str, data: &AuthData) -> String {
    let (token68, params) = match data {
        AuthData::Token68(t) => (js(t), "[]".to_owned()),
        AuthData::Params(ps) => ("null".to_owned(), params_json(ps)),
    };
    format!(
        r#"{{"scheme":{},"token68":{token68},"params":{params}}}"#,
        js(scheme)
    )
}

fn items_json(cs: &[Challenge]) -> String {
    let v: Vec<String> = cs.iter().map(|c| item_json(c.scheme(), c.data())).collect();
    format!("[{}]", v.join(","))
}

/// What went wrong on a line: message, byte offset, line index (for `--combine`).
struct Failure {
    message: String,
    offset: usize,
    line: usize,
}

impl From<ParseError> for Failure {
    fn from(e: ParseError) -> Self {
        Failure {
            message: e.to_string(),
            offset: e.offset(),
            line: e.line(),
        }
    }
}

/// The JSON line for one result.
fn result_line(r: Result<ParsedField, Failure>, combine: bool) -> String {
    match r {
        Ok(ParsedField::Challenges(cs)) => {
            format!(r#"{{"ok":true,"challenges":{}}}"#, items_json(&cs))
        }
        Ok(ParsedField::AuthControl(cs)) => {
            format!(r#"{{"ok":true,"entries":{}}}"#, items_json(&cs))
        }
        Ok(ParsedField::Credentials(c)) => {
            format!(
                r#"{{"ok":true,"credentials":{}}}"#,
                item_json(c.scheme(), c.data())
            )
        }
        Ok(ParsedField::AuthInfo(ps)) => format!(r#"{{"ok":true,"params":{}}}"#, params_json(&ps)),
        // `ParsedField` is non-exhaustive; a kind added later prints as its wire form.
        Ok(other) => format!(r#"{{"ok":true,"value":{}}}"#, js(&other.format())),
        Err(f) if combine => format!(
            r#"{{"ok":false,"error":{},"offset":{},"line":{}}}"#,
            js(&f.message),
            f.offset,
            f.line
        ),
        Err(f) => format!(
            r#"{{"ok":false,"error":{},"offset":{}}}"#,
            js(&f.message),
            f.offset
        ),
    }
}

fn parse_combined(name: FieldName, lines: &[String]) -> Result<ParsedField, Failure> {
    let it = lines.iter().map(String::as_str);
    Ok(match name.kind() {
        FieldKind::Challenges => {
            ParsedField::Challenges(httpauth_headers::parse_challenges_lines(it)?)
        }
        FieldKind::AuthInfo => {
            ParsedField::AuthInfo(httpauth_headers::parse_authentication_info_lines(it)?)
        }
        FieldKind::AuthControl => {
            ParsedField::AuthControl(httpauth_headers::parse_authentication_control_lines(it)?)
        }
        // Credentials are not a list, so they cannot be split over field lines
        // (RFC 7230 section 3.2.2).
        _ => match lines {
            [one] => parse_field(name, one)?,
            _ => {
                return Err(Failure {
                    message: format!("{name} is not a list field and takes one line"),
                    offset: 0,
                    line: lines.len().min(1),
                });
            }
        },
    })
}

/// Reads one line of at most [`MAX_LINE`] bytes; `Ok(None)` at end of input. A longer
/// line is consumed and replaced by a string just over the limit, so the parser reports
/// it as too long.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Option<String>> {
    buf.clear();
    let mut too_long = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            if buf.is_empty() && !too_long {
                return Ok(None);
            }
            break;
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        if take > room {
            too_long = true;
        }
        buf.extend_from_slice(&chunk[..take.min(room)]);
        r.consume(take);
        if done {
            break;
        }
    }
    if too_long {
        return Ok(Some("x".repeat(MAX_LINE + 1)));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(buf).into_owned()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let combine = args.iter().any(|a| a == "--combine");
    let names: Vec<&String> = args.iter().filter(|a| a.as_str() != "--combine").collect();
    let name = match names.as_slice() {
        [n] => FieldName::from_name(n),
        _ => None,
    };
    let Some(name) = name else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut all_ok = true;
    let mut buf = Vec::new();
    let mut lines = Vec::new();
    loop {
        let line = match read_line(&mut input, &mut buf) {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                eprintln!("httpauth-headers: reading standard input: {e}");
                return ExitCode::from(2);
            }
        };
        if combine {
            // One line past the limit is kept so the parser reports `TooManyLines`.
            if lines.len() <= httpauth_headers::MAX_LINES {
                lines.push(line);
            }
            continue;
        }
        let r = parse_field(name, &line).map_err(Failure::from);
        all_ok &= r.is_ok();
        if writeln!(out, "{}", result_line(r, false)).is_err() {
            return ExitCode::from(2);
        }
    }
    if combine {
        let r = parse_combined(name, &lines);
        all_ok &= r.is_ok();
        if writeln!(out, "{}", result_line(r, true)).is_err() {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
