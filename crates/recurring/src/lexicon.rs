//! The bilingual support lexicon (`data/lexicon.tsv`): English and Indonesian phrases mapped to
//! shared concept names. Kept as data so support staff can read and extend it.

use std::collections::HashMap;

/// One concept with its phrases, as written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The concept's name; `~name` marks a circumstance (time, negation, judgement).
    pub concept: String,
    pub english: Vec<String>,
    pub indonesian: Vec<String>,
}

/// A line of the lexicon that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("lexicon line {line}: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

/// Parses `concept<TAB>english|phrases<TAB>indonesian|phrases` lines; `#` starts a comment.
pub fn parse(text: &str) -> Result<Vec<Entry>, ParseError> {
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let err = |reason: &str| ParseError {
            line: i + 1,
            reason: reason.to_owned(),
        };
        if cols.len() != 3 {
            return Err(err("expected 3 tab-separated columns"));
        }
        let concept = cols[0].trim();
        let name = concept
            .strip_prefix(crate::CIRCUMSTANCE_PREFIX)
            .unwrap_or(concept);
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(err("the concept must be snake_case"));
        }
        let phrases = |col: &str| -> Vec<String> {
            col.split('|')
                .map(|p| p.trim().to_lowercase())
                .filter(|p| !p.is_empty())
                .collect()
        };
        entries.push(Entry {
            concept: concept.to_owned(),
            english: phrases(cols[1]),
            indonesian: phrases(cols[2]),
        });
    }
    Ok(entries)
}

/// Parses `topic<TAB>concept|concept` lines (`data/topics.tsv`): concepts customers use
/// interchangeably for one failure share a topic. Returns concept -> topic.
pub fn parse_topics(text: &str) -> Result<HashMap<String, String>, ParseError> {
    let mut topics = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let err = |reason: &str| ParseError {
            line: i + 1,
            reason: reason.to_owned(),
        };
        let (topic, concepts) = line
            .split_once('\t')
            .ok_or_else(|| err("expected topic<TAB>concept|concept"))?;
        for c in concepts.split('|').map(str::trim).filter(|c| !c.is_empty()) {
            if topics
                .insert(c.to_owned(), topic.trim().to_owned())
                .is_some()
            {
                return Err(err("a concept may belong to one topic only"));
            }
        }
    }
    Ok(topics)
}

/// Phrases (as sequences of normalised words) to concept names, for longest-match lookup.
#[derive(Debug, Default)]
pub struct PhraseIndex {
    phrases: HashMap<Vec<String>, String>,
    longest: usize,
}

impl PhraseIndex {
    /// Adds a phrase; an earlier phrase with the same words keeps its concept.
    pub fn insert(&mut self, words: Vec<String>, concept: &str) {
        if words.is_empty() {
            return;
        }
        self.longest = self.longest.max(words.len());
        self.phrases
            .entry(words)
            .or_insert_with(|| concept.to_owned());
    }

    /// The longest phrase starting at `words[0]`: its concept and length in words.
    pub fn longest_match<S: AsRef<str>>(&self, words: &[S]) -> Option<(&str, usize)> {
        let max = self.longest.min(words.len());
        let mut key: Vec<String> = words[..max].iter().map(|w| w.as_ref().to_owned()).collect();
        for len in (1..=max).rev() {
            key.truncate(len);
            if let Some(c) = self.phrases.get(&key) {
                return Some((c.as_str(), len));
            }
        }
        None
    }

    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_concepts_and_skips_comments() {
        let text = "# comment\n\nrefund\trefund|Money Back\tdana kembali|refund\n";
        let e = parse(text).unwrap_or_default();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].concept, "refund");
        assert_eq!(e[0].english, vec!["refund", "money back"]);
        assert_eq!(e[0].indonesian, vec!["dana kembali", "refund"]);
    }

    #[test]
    fn refuses_a_line_without_three_columns() {
        let err = parse("refund\trefund\n").err();
        assert_eq!(err.map(|e| e.line), Some(1));
    }

    #[test]
    fn longest_phrase_wins() {
        let mut idx = PhraseIndex::default();
        idx.insert(vec!["money".into()], "money");
        idx.insert(vec!["money".into(), "back".into()], "refund");
        assert_eq!(
            idx.longest_match(&["money", "back", "now"]),
            Some(("refund", 2))
        );
        assert_eq!(idx.longest_match(&["money", "now"]), Some(("money", 1)));
        assert_eq!(idx.longest_match(&["now"]), None);
        let none: [&str; 0] = [];
        assert_eq!(idx.longest_match(&none), None);
    }
}
