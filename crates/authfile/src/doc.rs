//! The generic line-preserving document every file type is built on.

use crate::Error;
use crate::text::{
    LineClass, LineEnding, RawLine, classify, join_lines, split_lines, terminate_last,
};

/// How strictly a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParseMode {
    /// The first malformed line or duplicate record is an error (the default).
    #[default]
    Strict,
    /// Malformed lines are kept verbatim but not used, duplicates resolve to the first
    /// record (as Apache does); each problem is reported beside the result.
    Lenient,
}

/// Lines as read, each with its parsed record if it is one.
#[derive(Debug, Clone)]
pub(crate) struct Lines<R> {
    pub(crate) raw: Vec<RawLine>,
    pub(crate) recs: Vec<Option<R>>,
}

impl<R> Default for Lines<R> {
    fn default() -> Self {
        Self {
            raw: Vec::new(),
            recs: Vec::new(),
        }
    }
}

impl<R> Lines<R> {
    /// Splits and parses `input`; `parse` gets each record line's trimmed text and its
    /// 1-based number.
    pub(crate) fn parse(
        input: &[u8],
        mode: ParseMode,
        mut parse: impl FnMut(&str, usize) -> Result<R, Error>,
    ) -> Result<(Self, Vec<Error>), Error> {
        let raw = split_lines(input)?;
        let mut recs = Vec::with_capacity(raw.len());
        let mut problems = Vec::new();
        for (i, line) in raw.iter().enumerate() {
            let lineno = i + 1;
            let parsed = classify(line, lineno).and_then(|c| match c {
                LineClass::Skip => Ok(None),
                LineClass::Record(t) => parse(t, lineno).map(Some),
            });
            match parsed {
                Ok(r) => recs.push(r),
                Err(e) if mode == ParseMode::Lenient => {
                    problems.push(e);
                    recs.push(None);
                }
                Err(e) => return Err(e),
            }
        }
        Ok((Self { raw, recs }, problems))
    }

    /// Appends a record line.
    pub(crate) fn push(&mut self, text: String, rec: R) -> usize {
        terminate_last(&mut self.raw);
        let ending = crate::text::dominant_ending(&self.raw);
        self.raw.push(RawLine {
            text: text.into_bytes(),
            ending,
        });
        self.recs.push(Some(rec));
        self.raw.len() - 1
    }

    /// Replaces line `i` (keeping its terminator).
    pub(crate) fn replace(&mut self, i: usize, text: String, rec: R) {
        if let (Some(raw), Some(slot)) = (self.raw.get_mut(i), self.recs.get_mut(i)) {
            raw.text = text.into_bytes();
            *slot = Some(rec);
        }
    }

    /// Removes line `i`. The new last line keeps the terminator it had, unless the removed
    /// line was the unterminated last line: then the file still ends without a newline.
    pub(crate) fn remove(&mut self, i: usize) {
        if i >= self.raw.len() {
            return;
        }
        let removed = self.raw.remove(i);
        self.recs.remove(i);
        if removed.ending == LineEnding::None
            && let Some(last) = self.raw.last_mut()
        {
            last.ending = LineEnding::None;
        }
    }

    /// The file's bytes.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        join_lines(&self.raw)
    }

    /// Records with their 0-based line index.
    pub(crate) fn records(&self) -> impl Iterator<Item = (usize, &R)> {
        self.recs
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (i, r)))
    }
}
