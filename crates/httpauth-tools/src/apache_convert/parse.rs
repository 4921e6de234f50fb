//! httpd configuration syntax: logical lines, sections and arguments, as httpd 2.4 reads
//! them (`server/util.c`: `ap_cfg_getline`, `ap_getword_conf`; `server/config.c`:
//! `ap_build_config`).
//!
//! Deliberate deviations, each refusing what httpd would take in a surprising way:
//! - an unterminated quoted argument is an error (httpd takes the rest of the line);
//! - a NUL byte is an error;
//! - sections nest at most [`MAX_SECTION_DEPTH`] deep.

use super::{Error, SyntaxError};

/// Deepest nesting of sections (`<VirtualHost>` / `<IfModule>` / `<Location>` /
/// `<RequireAll>` ...) accepted; the converter walks the tree recursively.
pub const MAX_SECTION_DEPTH: usize = 16;

/// One directive, or one section with its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// The name as written (`AuthType`, `Location`); compare case-insensitively.
    pub(crate) name: String,
    /// The arguments as written, trimmed (continuations joined).
    pub(crate) args: String,
    /// 1-based line where the directive or the section header starts.
    pub(crate) line: usize,
    /// `Some` for a section.
    pub(crate) body: Option<Vec<Node>>,
}

impl Node {
    /// True when this node is the directive or section `name` (case-insensitive).
    pub(crate) fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

fn syntax(line: usize, kind: SyntaxError) -> Error {
    Error::Syntax { line, kind }
}

/// The first white-space-delimited word and the trimmed rest.
fn split_first_word(s: &str) -> (&str, &str) {
    let s = s.trim();
    match s.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    }
}

/// Parses a configuration fragment into its tree of directives and sections.
///
/// Logical lines: a physical line ending in a backslash that is not itself escaped
/// (`[^\\]\\` before the newline, as `ap_cfg_getline`) continues on the next line; the
/// backslash is dropped and the next line appended as it is. A line whose first
/// non-blank character is `#` is a comment (httpd has no trailing comments). `<Name
/// args>` opens a section, `</Name>` closes it (names compare case-insensitively).
///
/// # Errors
/// [`Error::Syntax`] with the line: unbalanced or unclosed sections, a header without its
/// `>`, nesting beyond [`MAX_SECTION_DEPTH`], a NUL byte.
pub(crate) fn parse(text: &str) -> Result<Vec<Node>, Error> {
    let mut root: Vec<Node> = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut lines = text.split('\n').enumerate();
    while let Some((i, raw)) = lines.next() {
        let start = i + 1;
        let mut logical = raw.strip_suffix('\r').unwrap_or(raw).to_owned();
        while logical.ends_with('\\') && !logical.ends_with("\\\\") {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.strip_suffix('\r').unwrap_or(next)),
                None => break,
            }
        }
        if logical.contains('\0') {
            return Err(syntax(start, SyntaxError::Nul));
        }
        let t = logical.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(rest) = t.strip_prefix("</") {
            let name = rest
                .strip_suffix('>')
                .ok_or_else(|| syntax(start, SyntaxError::MissingBracket(rest.to_owned())))?
                .trim();
            let Some(open) = stack.pop() else {
                return Err(syntax(start, SyntaxError::StrayClose(name.to_owned())));
            };
            if !open.name.eq_ignore_ascii_case(name) {
                return Err(syntax(
                    start,
                    SyntaxError::MismatchedClose {
                        found: name.to_owned(),
                        open: open.name,
                        line: open.line,
                    },
                ));
            }
            match stack.last_mut().and_then(|s| s.body.as_mut()) {
                Some(body) => body.push(open),
                None => root.push(open),
            }
        } else if let Some(rest) = t.strip_prefix('<') {
            let inner = rest.strip_suffix('>').ok_or_else(|| {
                syntax(
                    start,
                    SyntaxError::MissingBracket(split_first_word(rest).0.to_owned()),
                )
            })?;
            let (name, args) = split_first_word(inner);
            if name.is_empty() {
                return Err(syntax(start, SyntaxError::EmptySection));
            }
            if stack.len() >= MAX_SECTION_DEPTH {
                return Err(syntax(start, SyntaxError::TooDeep));
            }
            stack.push(Node {
                name: name.to_owned(),
                args: args.to_owned(),
                line: start,
                body: Some(Vec::new()),
            });
        } else {
            let (name, args) = split_first_word(t);
            let node = Node {
                name: name.to_owned(),
                args: args.to_owned(),
                line: start,
                body: None,
            };
            match stack.last_mut().and_then(|s| s.body.as_mut()) {
                Some(body) => body.push(node),
                None => root.push(node),
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(syntax(open.line, SyntaxError::Unclosed(open.name)));
    }
    Ok(root)
}

/// Splits arguments as `ap_getword_conf` does: white space separates words; a word that
/// starts with `"` or `'` runs to the matching quote, and inside it a backslash before
/// that quote character stands for the quote (every other backslash is kept).
///
/// # Errors
/// [`SyntaxError::UnterminatedQuote`].
pub(crate) fn words(args: &str) -> Result<Vec<String>, SyntaxError> {
    let mut out = Vec::new();
    let mut chars = args.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            return Ok(out);
        };
        let mut word = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == '\\' && chars.peek() == Some(&first) {
                    word.push(first);
                    chars.next();
                } else if c == first {
                    closed = true;
                    break;
                } else {
                    word.push(c);
                }
            }
            if !closed {
                return Err(SyntaxError::UnterminatedQuote);
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_ascii_whitespace()) {
                word.push(c);
            }
        }
        out.push(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_comments_and_sections() {
        let text = "# comment\n  AuthType   Basic\nSSLRequire %{A} eq \"x\" \\\n   or %{B} eq \"y\"\n<Location \"/a\">\n  <IfModule mod_ssl.c>\n    Require valid-user\n  </ifmodule>\n</Location>\n";
        let tree = parse(text).unwrap();
        assert_eq!(tree.len(), 3);
        assert_eq!(
            (tree[0].name.as_str(), tree[0].args.as_str()),
            ("AuthType", "Basic")
        );
        assert_eq!(tree[0].line, 2);
        assert_eq!(tree[1].args, "%{A} eq \"x\"    or %{B} eq \"y\"");
        assert_eq!(tree[1].line, 3);
        assert_eq!(tree[2].args, "\"/a\"");
        assert_eq!(tree[2].line, 5);
        let body = tree[2].body.as_ref().unwrap();
        assert!(body[0].is("ifmodule"));
        assert_eq!(body[0].body.as_ref().unwrap()[0].line, 7);
    }

    #[test]
    fn escaped_backslash_does_not_continue() {
        let tree = parse("A x\\\\\nB y\n").unwrap();
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].args, "x\\\\");
    }

    #[test]
    fn crlf_lines() {
        let tree = parse("A \\\r\n x\r\nB y\r\n").unwrap();
        assert_eq!(tree[0].args, "x");
        assert_eq!(tree[1].args, "y");
    }

    #[test]
    fn ill_formed_sections_are_errors() {
        for (text, line, kind) in [
            (
                "<Location /a>\n</Directory>\n",
                2,
                SyntaxError::MismatchedClose {
                    found: "Directory".into(),
                    open: "Location".into(),
                    line: 1,
                },
            ),
            (
                "</Location>\n",
                1,
                SyntaxError::StrayClose("Location".into()),
            ),
            (
                "\n<Location /a>\nA b\n",
                2,
                SyntaxError::Unclosed("Location".into()),
            ),
            (
                "<Location /a\n",
                1,
                SyntaxError::MissingBracket("Location".into()),
            ),
            ("<>\n", 1, SyntaxError::EmptySection),
            ("A \0\n", 1, SyntaxError::Nul),
        ] {
            match parse(text) {
                Err(Error::Syntax { line: l, kind: k }) => {
                    assert_eq!((l, k), (line, kind), "{text:?}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "<IfModule a>\n".repeat(MAX_SECTION_DEPTH + 1);
        match parse(&deep) {
            Err(Error::Syntax { line, kind }) => {
                assert_eq!((line, kind), (MAX_SECTION_DEPTH + 1, SyntaxError::TooDeep));
            }
            other => panic!("{other:?}"),
        }
        let ok =
            "<IfModule a>\n".repeat(MAX_SECTION_DEPTH) + &"</IfModule>\n".repeat(MAX_SECTION_DEPTH);
        assert_eq!(parse(&ok).unwrap().len(), 1);
    }

    #[test]
    fn words_as_ap_getword_conf() {
        assert_eq!(
            words(r#"  "/a b" 'c\'d' e\"f "g\h" "#).unwrap(),
            vec!["/a b", "c'd", "e\\\"f", "g\\h"]
        );
        assert_eq!(words("").unwrap(), Vec::<String>::new());
        assert_eq!(words("\"abc").unwrap_err(), SyntaxError::UnterminatedQuote);
    }
}
