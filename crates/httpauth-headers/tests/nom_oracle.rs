//! Differential test against an independent oracle: a direct `nom` translation of the
//! ABNF (RFC 7235 section 2.1, RFC 7230 sections 3.2.6 and 7), with backtracking where the
//! grammar is ambiguous, compared with the hand-written single-pass parser on random
//! inputs built from the grammar's own pieces. They must agree on accept/reject and on the
//! structure, except that the crate also refuses duplicate parameter names (checked
//! separately). RFC 8187 `name*` parameters are left out of the alphabet: the oracle
//! does not decode them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use httpauth_core::{AuthData, syntax::is_tchar};
use nom::branch::alt;
use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::{char, satisfy};
use nom::combinator::{eof, map, opt, peek, recognize};
use nom::multi::{many0, many1};
use nom::sequence::{delimited, pair, preceded, terminated};
use nom::{IResult, Parser};
use proptest::prelude::*;

/// `(scheme, token68, [(name, unescaped value)])`
type Item = (String, Option<String>, Vec<(String, String)>);

fn ows(i: &str) -> IResult<&str, &str> {
    take_while(|c| c == ' ' || c == '\t').parse(i)
}

/// `token = 1*tchar`
fn token(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii() && is_tchar(c as u8)).parse(i)
}

/// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn token68(i: &str) -> IResult<&str, &str> {
    recognize(pair(
        take_while1(|c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c)),
        take_while(|c| c == '='),
    ))
    .parse(i)
}

/// `qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text`
fn qdtext(c: char) -> bool {
    matches!(c, '\t' | ' ' | '\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e') || c as u32 >= 0x80
}

/// `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE`,
/// `quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )`
fn quoted_string(i: &str) -> IResult<&str, String> {
    delimited(
        char('"'),
        many0(alt((
            satisfy(qdtext),
            preceded(
                char('\\'),
                satisfy(|c| matches!(c, '\t' | ' ' | '\x21'..='\x7e') || c as u32 >= 0x80),
            ),
        )))
        .map(|v| v.into_iter().collect()),
        char('"'),
    )
    .parse(i)
}

/// `auth-param = token BWS "=" BWS ( token / quoted-string )`
fn auth_param(i: &str) -> IResult<&str, (String, String)> {
    let (i, name) = token(i)?;
    let (i, _) = (ows, char('='), ows).parse(i)?;
    let (i, v) = alt((map(token, str::to_owned), quoted_string)).parse(i)?;
    Ok((i, (name.to_owned(), v)))
}

/// `#auth-param = [ auth-param ] *( OWS "," OWS [ auth-param ] )` (the recipient's list
/// rule of RFC 9110 section 5.6.1.2, which restates RFC 7230 section 7 consistently),
/// written so that a comma is only consumed together with the parameter after it; commas
/// before something that is not a parameter are left to the enclosing list.
fn auth_params(i: &str) -> IResult<&str, Vec<(String, String)>> {
    let (i, first) = opt(auth_param).parse(i)?;
    let (i, rest) = many0(preceded(
        many1(pair(ows, char(','))),
        preceded(ows, auth_param),
    ))
    .parse(i)?;
    Ok((i, first.into_iter().chain(rest).collect()))
}

/// `OWS ( "," / end )`, not consumed.
fn element_end(i: &str) -> IResult<&str, ()> {
    peek(preceded(
        ows,
        alt((map(char(','), |_| ()), map(eof, |_| ()))),
    ))
    .parse(i)
}

/// `challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`
fn challenge(i: &str) -> IResult<&str, Item> {
    let (i, scheme) = token(i)?;
    let data = preceded(
        many1(char(' ')),
        alt((
            map(terminated(token68, element_end), |t| {
                (Some(t.to_owned()), Vec::new())
            }),
            map(auth_params, |ps| (None, ps)),
        )),
    )
    .parse(i);
    match data {
        Ok((i, (t, ps))) => Ok((i, (scheme.to_owned(), t, ps))),
        Err(nom::Err::Error(_)) => Ok((i, (scheme.to_owned(), None, Vec::new()))),
        Err(e) => Err(e),
    }
}

/// `1#challenge = *( "," OWS ) challenge *( OWS "," [ OWS challenge ] )` (RFC 7230
/// section 7; RFC 9110 section 5.6.1.2 accepts the same), with the surrounding whitespace
/// a field value may have.
fn challenges(i: &str) -> Option<Vec<Item>> {
    let r = (
        ows,
        many0(pair(char(','), ows)),
        challenge,
        many0(preceded(
            pair(ows, char(',')),
            opt(preceded(ows, challenge)),
        )),
        ows,
        eof,
    )
        .parse(i);
    let (_, (_, _, first, rest, _, _)) = r.ok()?;
    Some(
        std::iter::once(first)
            .chain(rest.into_iter().flatten())
            .collect(),
    )
}

/// `credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`. Trailing empty list
/// elements belong to the `#auth-param`, so they need the `1*SP` and no `token68`.
fn credentials(i: &str) -> Option<Item> {
    let params = map(terminated(auth_params, many0(pair(ows, char(',')))), |ps| {
        (None, ps)
    });
    let t68 = map(token68, |t| (Some(t.to_owned()), Vec::new()));
    let data = opt(preceded(
        many1(char(' ')),
        alt((terminated(t68, peek((ows, eof))), params)),
    ));
    let r = (ows, token, data, ows, eof).parse(i);
    r.ok().map(|(_, (_, scheme, data, _, _))| {
        let (t, ps) = data.unwrap_or_default();
        (scheme.to_owned(), t, ps)
    })
}

/// `Authentication-Info = #auth-param`
fn auth_info(i: &str) -> Option<Vec<(String, String)>> {
    let r = (
        ows,
        many0(pair(char(','), ows)),
        auth_params,
        many0(pair(ows, char(','))),
        ows,
        eof,
    )
        .parse(i);
    r.ok().map(|(_, (_, _, ps, _, _, _))| ps)
}

fn item(scheme: &str, data: &AuthData) -> Item {
    match data {
        AuthData::Token68(t) => (scheme.to_owned(), Some(t.clone()), Vec::new()),
        AuthData::Params(ps) => (
            scheme.to_owned(),
            None,
            ps.iter()
                .map(|p| (p.name().to_owned(), p.value().to_owned()))
                .collect(),
        ),
    }
}

fn has_duplicates(ps: &[(String, String)]) -> bool {
    ps.iter()
        .enumerate()
        .any(|(i, (a, _))| ps[..i].iter().any(|(b, _)| a.eq_ignore_ascii_case(b)))
}

fn is_duplicate_error(e: &httpauth_headers::ParseError) -> bool {
    matches!(
        e.kind(),
        httpauth_headers::ParseErrorKind::DuplicateParameter(_)
    )
}

/// Inputs assembled from grammar pieces, so that many of them are valid.
fn input() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("Basic"),
            Just("Digest"),
            Just("realm"),
            Just("a"),
            Just("B1"),
            Just("="),
            Just("=="),
            Just(","),
            Just(", "),
            Just(" "),
            Just("  "),
            Just("\t"),
            Just("\""),
            Just("\"x, y\""),
            Just("\"q\\\"\""),
            Just("\\"),
            Just("/"),
            Just("+"),
            Just("!"),
            Just("\u{e9}"),
            Just("\u{1}"),
            Just("\n"),
            Just("x=y"),
            Just("abc="),
            Just("#"),
        ],
        0..14,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    #[test]
    fn challenges_agree_with_the_abnf(s in input()) {
        let oracle = challenges(&s);
        let ours = httpauth_headers::parse_challenges(&s);
        match (oracle, ours) {
            (Some(want), Ok(got)) => {
                let got: Vec<Item> = got.iter().map(|c| item(c.scheme(), c.data())).collect();
                prop_assert_eq!(got, want, "{:?}", s);
            }
            (Some(want), Err(e)) => prop_assert!(
                is_duplicate_error(&e) && want.iter().any(|(_, _, ps)| has_duplicates(ps)),
                "{:?}: oracle accepts {:?}, we say {}", s, want, e
            ),
            (None, Ok(got)) => prop_assert!(false, "{:?}: oracle rejects, we accept {:?}", s, got),
            (None, Err(_)) => {}
        }
    }

    #[test]
    fn credentials_agree_with_the_abnf(s in input()) {
        let oracle = credentials(&s);
        let ours = httpauth_headers::parse_credentials(&s);
        match (oracle, ours) {
            (Some(want), Ok(got)) => prop_assert_eq!(item(got.scheme(), got.data()), want, "{:?}", s),
            (Some(want), Err(e)) => prop_assert!(
                is_duplicate_error(&e) && has_duplicates(&want.2),
                "{:?}: oracle accepts {:?}, we say {}", s, want, e
            ),
            (None, Ok(got)) => prop_assert!(false, "{:?}: oracle rejects, we accept {:?}", s, got),
            (None, Err(_)) => {}
        }
    }

    #[test]
    fn authentication_info_agrees_with_the_abnf(s in input()) {
        let oracle = auth_info(&s);
        let ours = httpauth_headers::parse_authentication_info(&s);
        match (oracle, ours) {
            (Some(want), Ok(got)) => {
                let got: Vec<(String, String)> =
                    got.iter().map(|p| (p.name().to_owned(), p.value().to_owned())).collect();
                prop_assert_eq!(got, want, "{:?}", s);
            }
            (Some(want), Err(e)) => prop_assert!(
                is_duplicate_error(&e) && has_duplicates(&want),
                "{:?}: oracle accepts {:?}, we say {}", s, want, e
            ),
            (None, Ok(got)) => prop_assert!(false, "{:?}: oracle rejects, we accept {:?}", s, got),
            (None, Err(_)) => {}
        }
    }
}

#[test]
fn oracle_sanity() {
    assert_eq!(challenges("Basic realm=\"a, b\", Digest").unwrap().len(), 2);
    assert_eq!(
        challenges("Negotiate abc==").unwrap()[0].1.as_deref(),
        Some("abc==")
    );
    assert!(challenges("").is_none());
    assert!(challenges("Basic realm=\"x").is_none());
    assert_eq!(credentials("Digest a=b, c=\"d\",").unwrap().2.len(), 2);
    assert!(credentials("Basic a, Digest").is_none());
    assert!(credentials("Basic a,").is_none());
    assert!(credentials("Basic,").is_none());
    assert_eq!(credentials("Basic ,").unwrap().2.len(), 0);
    assert_eq!(auth_info(" , a=b,, c=d ,").unwrap().len(), 2);
}

/// Hand-picked inputs through both parsers: they must agree exactly (none has duplicates).
#[test]
fn hand_picked_inputs_agree() {
    let inputs = [
        "Basic realm=\"a\", Digest realm=\"b\"",
        "Basic, Digest",
        "A b=c, d, e f",
        "Basic realm=\"a,b\", Digest realm=\"c, d=e\"",
        "Basic realm=\"a\\\"b\\\\c\"",
        "Negotiate YII=, Basic realm=x",
        "Newauth abc==",
        "Newauth abc=def",
        "Newauth abc= def",
        "Newauth abc=, realm=x",
        ", ,Basic realm=x,, ,",
        "Basic realm=x, , nonce=y",
        "Basic , realm=x",
        "Basic,realm=x",
        "Basic, realm=x",
        "Basic\t, realm=x",
        "Basic  , , realm=x, Digest",
        "Basic\trealm=x",
        "Basic realm=",
        "Basic realm=\"x",
        "realm=x",
        "Basic realm=\"Z\u{fc}rich\"",
        "Basic realm=x y",
    ];
    let mut accepted = 0;
    for s in inputs {
        let oracle = challenges(s);
        let ours = httpauth_headers::parse_challenges(s).ok().map(|cs| {
            cs.iter()
                .map(|c| item(c.scheme(), c.data()))
                .collect::<Vec<_>>()
        });
        assert_eq!(ours, oracle, "{s:?}");
        accepted += usize::from(oracle.is_some());
    }
    assert!(accepted > inputs.len() / 2);
}
