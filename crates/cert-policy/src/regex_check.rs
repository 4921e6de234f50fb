//! Regular expressions: Apache uses PCRE on bytes (no UTF mode) with `$` matching only at
//! the very end (`AP_REG_DOLLAR_ENDONLY`, the httpd 2.4 default). This crate compiles the
//! pattern with the `regex` crate in byte mode with Unicode off, which agrees with PCRE on
//! the patterns people write (literals, `.`, classes, `\d \w \s \b`, anchors, alternation,
//! counted repetition, lazy quantifiers, non-capturing groups, `i`), and refuses with a clear
//! error the PCRE features it does not have. The list is in `docs/cert-policy.md`.

use crate::Error;
use crate::expr::Re;

/// Upper bound for the compiled size of one regex.
pub const MAX_REGEX_SIZE: usize = 1 << 20;

fn refuse(position: usize, reason: impl Into<String>) -> Error {
    Error::Regex {
        position,
        reason: reason.into(),
    }
}

/// Scans `pat` for PCRE constructs with no (or a different) meaning in the `regex` crate.
fn check(pat: &str, position: usize) -> Result<(), Error> {
    let b = pat.as_bytes();
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' {
            let Some(&n) = b.get(i + 1) else {
                return Err(refuse(position, "pattern ends with a backslash"));
            };
            match n {
                b'1'..=b'9' => {
                    return Err(refuse(
                        position,
                        "backreferences (\\1 ... \\9) are not supported",
                    ));
                }
                b'g' | b'k' => {
                    return Err(refuse(
                        position,
                        "backreferences (\\g, \\k) are not supported",
                    ));
                }
                b'G' | b'K' | b'R' | b'X' | b'C' => {
                    return Err(refuse(
                        position,
                        format!("PCRE escape \\{} is not supported", n as char),
                    ));
                }
                b'Q' | b'E' => return Err(refuse(position, "\\Q...\\E quoting is not supported")),
                b'p' | b'P' => {
                    return Err(refuse(
                        position,
                        "Unicode properties (\\p, \\P) are not supported: Apache matches bytes",
                    ));
                }
                b'Z' | b'z' | b'A' if in_class => {}
                b'Z' => {
                    return Err(refuse(
                        position,
                        "\\Z is not supported; use $ (end of subject)",
                    ));
                }
                b'c' | b'o' | b'N' | b'h' | b'H' | b'v' | b'V' => {
                    return Err(refuse(
                        position,
                        format!("PCRE escape \\{} is not supported", n as char),
                    ));
                }
                _ => {}
            }
            i += 2;
            continue;
        }
        if in_class {
            if c == b'[' && b.get(i + 1) == Some(&b':') {
                // POSIX class [:alpha:] is supported by both.
                if let Some(end) = pat[i + 2..].find(":]") {
                    i += end + 4;
                    continue;
                }
            }
            if c == b']' {
                in_class = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'[' => {
                in_class = true;
                i += 1;
                // A leading `]` or `^]` is a literal in PCRE.
                if b.get(i) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i) == Some(&b']') {
                    i += 1;
                }
                continue;
            }
            b'(' if b.get(i + 1) == Some(&b'?') => {
                let rest = &b[i + 2..];
                let ok = rest.first().is_some_and(|&x| x == b':')
                    || rest
                        .first()
                        .is_some_and(|&x| matches!(x, b'i' | b'm' | b's' | b'x' | b'-' | b'U'))
                        && rest
                            .iter()
                            .take_while(|&&x| x != b')' && x != b':')
                            .all(|&x| matches!(x, b'i' | b'm' | b's' | b'x' | b'-' | b'U'));
                if !ok {
                    let what = match rest.first() {
                        Some(b'=') | Some(b'!') => "lookahead assertions",
                        Some(b'<') if matches!(rest.get(1), Some(b'=') | Some(b'!')) => {
                            "lookbehind assertions"
                        }
                        Some(b'<') | Some(b'P') | Some(b'\'') => "named groups",
                        Some(b'>') => "atomic groups",
                        Some(b'|') => "branch reset groups",
                        Some(b'(') => "conditional groups",
                        Some(b'R') | Some(b'0'..=b'9') | Some(b'&') => "recursion",
                        Some(b'#') => "comments",
                        _ => "this group syntax",
                    };
                    return Err(refuse(
                        position,
                        format!("{what} `(?...)` are not supported"),
                    ));
                }
            }
            b'*' | b'+' | b'?' | b'}' if b.get(i + 1) == Some(&b'+') => {
                return Err(refuse(
                    position,
                    "possessive quantifiers (*+ ++ ?+ {n}+) are not supported",
                ));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Compiles an `ap_expr` regex.
pub(crate) fn compile(source: &str, icase: bool, position: usize) -> Result<Re, Error> {
    check(source, position)?;
    let regex = regex::bytes::RegexBuilder::new(source)
        .unicode(false)
        .case_insensitive(icase)
        .size_limit(MAX_REGEX_SIZE)
        .dfa_size_limit(MAX_REGEX_SIZE)
        .nest_limit(64)
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            let last = msg
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid pattern");
            refuse(
                position,
                last.trim().trim_start_matches("error: ").to_owned(),
            )
        })?;
    let groups = regex.captures_len() - 1;
    Ok(Re {
        source: source.to_owned(),
        icase,
        regex,
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_pcre_only_features() {
        for p in [
            r"(a)\1",
            r"(?=a)",
            r"(?!a)",
            r"(?<=a)b",
            r"(?<!a)b",
            r"(?>a)",
            r"a*+",
            r"a++",
            r"(?<n>a)",
            r"(?P<n>a)",
            r"\Qa\E",
            r"\p{L}",
            r"(?R)",
            r"\G",
            r"\Ka",
            r"(?(1)a|b)",
        ] {
            assert!(compile(p, false, 0).is_err(), "{p} should be refused");
        }
    }

    #[test]
    fn accepts_common_patterns() {
        for p in [
            r"^CN=[A-Za-z .]+$",
            r"(?i)abc",
            r"a|b|c",
            r"^(Fun|Sales) dept\.$",
            r"[]a]",
            r"[^]a]",
            r"\d{2,4}-\w+\s*",
            r"[[:alpha:]]+",
            r"(?:x)+?",
            r"a\/b",
            r"\bword\b",
        ] {
            assert!(compile(p, false, 0).is_ok(), "{p} should compile");
        }
    }

    #[test]
    fn matches_bytes_like_pcre() {
        // A UTF-8 "ö" is two bytes: two `.`.
        let re = compile("^J..rgen$", false, 0).unwrap();
        assert!(re.regex.is_match("Jörgen".as_bytes()));
        // `$` matches only at the very end (DOLLAR_ENDONLY).
        let re = compile("abc$", false, 0).unwrap();
        assert!(!re.regex.is_match(b"abc\n"));
        let re = compile("ABC", true, 0).unwrap();
        assert!(re.regex.is_match(b"xabcx"));
    }
}
