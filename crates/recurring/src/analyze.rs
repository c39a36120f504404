//! From a complaint's text to its terms.

use std::collections::{BTreeSet, HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer as Snowball};
use sastrawi::{Dictionary, Stemmer as Sastrawi};
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use crate::lexicon::{self, ParseError, PhraseIndex};
use crate::{CIRCUMSTANCE_PREFIX, CONCEPT_PREFIX, SUBJECT_PREFIX, TOPIC_PREFIX};

/// Complaints say what is wrong early; reading further only adds noise (and time on a 64 KiB
/// body). Characters of subject and body taken together.
pub const MAX_CHARS: usize = 2_000;
/// What a stop phrase maps to in the phrase index: no concept name is empty.
const STOP_PHRASE: &str = "";
/// Words longer than this are not words (hashes, tracking codes, keyboard mashing).
const MAX_WORD_CHARS: usize = 30;

/// The language a text is mostly written in, by its function words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Id,
    Unknown,
}

/// The terms of one text: concept terms (`=refund`), topic terms (`^not_received`), the
/// concept and topic terms of the subject once more (`@=refund`), circumstances (`~week`) and
/// stems, sorted and unique.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Analysis {
    pub lang: Option<Lang>,
    pub terms: Vec<String>,
}

/// Turns complaint text into terms. Build it once ([`Analyzer::bundled`]) and share it: it
/// holds the lexicon and the stemmers.
pub struct Analyzer {
    slang: HashMap<String, Vec<String>>,
    stop_en: HashSet<String>,
    stop_id: HashSet<String>,
    /// The lexicon's phrases as written (after slang normalisation), and stemmed each way, so
    /// "refunds", "refunded" and "pengembaliannya" find their concept too.
    raw: PhraseIndex,
    stemmed_en: PhraseIndex,
    stemmed_id: PhraseIndex,
    concepts: usize,
    /// Concept to broader topic, for concepts that customers use interchangeably.
    topics: HashMap<String, String>,
    snowball: Snowball,
    sastrawi: Sastrawi<'static>,
}

static DICTIONARY: std::sync::LazyLock<Dictionary> = std::sync::LazyLock::new(Dictionary::new);

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("concepts", &self.concepts)
            .field("phrases", &self.raw.len())
            .field("slang", &self.slang.len())
            .finish_non_exhaustive()
    }
}

impl Analyzer {
    /// The analyzer with the data kept in this crate's `data/` folder.
    pub fn bundled() -> Result<Analyzer, ParseError> {
        Analyzer::new(
            include_str!("../data/lexicon.tsv"),
            include_str!("../data/topics.tsv"),
            include_str!("../data/slang_id.tsv"),
            include_str!("../data/stopwords_en.txt"),
            include_str!("../data/stopwords_id.txt"),
        )
    }

    pub fn new(
        lexicon: &str,
        topics: &str,
        slang: &str,
        stopwords_en: &str,
        stopwords_id: &str,
    ) -> Result<Analyzer, ParseError> {
        let word_list = |text: &str| -> HashSet<String> {
            text.lines()
                .map(|l| l.trim().to_lowercase())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect()
        };
        // A stop-word list may hold phrases too ("terima kasih", thank you): words that mean
        // something else on their own ("terima", receive) and nothing together.
        let (stop_en, stop_en_phrases): (HashSet<String>, HashSet<String>) =
            word_list(stopwords_en)
                .into_iter()
                .partition(|w| !w.contains(' '));
        let (stop_id, stop_id_phrases): (HashSet<String>, HashSet<String>) =
            word_list(stopwords_id)
                .into_iter()
                .partition(|w| !w.contains(' '));
        let slang = slang
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .filter_map(|l| {
                let (from, to) = l.split_once('\t')?;
                let to: Vec<String> = to.split_whitespace().map(str::to_lowercase).collect();
                (!to.is_empty()).then(|| (from.trim().to_lowercase(), to))
            })
            .collect();
        let mut a = Analyzer {
            slang,
            stop_en,
            stop_id,
            raw: PhraseIndex::default(),
            stemmed_en: PhraseIndex::default(),
            stemmed_id: PhraseIndex::default(),
            concepts: 0,
            topics: lexicon::parse_topics(topics)?,
            snowball: Snowball::create(Algorithm::English),
            sastrawi: Sastrawi::new(&DICTIONARY),
        };
        for phrase in stop_en_phrases.iter().chain(&stop_id_phrases) {
            let words = a.expand_slang(words(phrase));
            a.raw.insert(words, STOP_PHRASE);
        }
        let entries = lexicon::parse(lexicon)?;
        a.concepts = entries.len();
        for e in &entries {
            // A phrase with a number ("2 days", "2x") would lose it here, as complaint text
            // does, and leave a bare "days" or "kali" standing for the whole phrase.
            for phrase in e
                .english
                .iter()
                .chain(&e.indonesian)
                .filter(|p| !p.chars().any(|c| c.is_numeric()))
            {
                let words = a.expand_slang(words(phrase));
                let en = words.iter().map(|w| a.stem(w, Lang::En)).collect();
                let id = words.iter().map(|w| a.stem(w, Lang::Id)).collect();
                a.raw.insert(words, &e.concept);
                a.stemmed_en.insert(en, &e.concept);
                a.stemmed_id.insert(id, &e.concept);
            }
        }
        Ok(a)
    }

    /// How many concepts the lexicon has.
    pub fn concepts(&self) -> usize {
        self.concepts
    }

    /// The terms of a complaint (subject and body read as one text).
    pub fn analyze(&self, subject: &str, body: &str) -> Analysis {
        let text: String = subject
            .chars()
            .chain(std::iter::once('\n'))
            .chain(body.chars())
            .take(MAX_CHARS)
            .collect();
        // The subject names the problem in a few words; the body adds circumstances and
        // detail. Concepts found in the subject are also kept as subject terms (`@=refund`),
        // so they count twice when complaints are compared.
        let subject_text: String = text.chars().take(subject.chars().count()).collect();
        let subject_words = self.expand_slang(words(&subject_text)).len();
        let words = self.expand_slang(words(&text));
        if words.is_empty() {
            return Analysis::default();
        }
        let lang = self.language(&words);
        let en: Vec<String> = words.iter().map(|w| self.stem(w, Lang::En)).collect();
        let id: Vec<String> = words.iter().map(|w| self.stem(w, Lang::Id)).collect();
        let mut terms = BTreeSet::new();
        let mut i = 0;
        while i < words.len() {
            // A stemmed match counts only if stemming changed a word: a root written as is
            // ("baru" new, "fine" okay) would already have matched a phrase written that way,
            // so a stem-only match of it is a derived word with another meaning ("pembaruan"
            // update, "fined").
            let derived = |stems: &[String], len: usize| {
                words[i..i + len]
                    .iter()
                    .zip(&stems[i..i + len])
                    .any(|(w, s)| w != s)
            };
            let found = self
                .raw
                .longest_match(&words[i..])
                .or_else(|| {
                    self.stemmed_id
                        .longest_match(&id[i..])
                        .filter(|(_, len)| derived(&id, *len))
                })
                .or_else(|| {
                    self.stemmed_en
                        .longest_match(&en[i..])
                        .filter(|(_, len)| derived(&en, *len))
                });
            if let Some((concept, len)) = found {
                if concept == STOP_PHRASE {
                    i += len;
                    continue;
                }
                let in_subject = i < subject_words;
                if let Some(topic) = self.topics.get(concept) {
                    terms.insert(format!("{TOPIC_PREFIX}{topic}"));
                    if in_subject {
                        terms.insert(format!("{SUBJECT_PREFIX}{TOPIC_PREFIX}{topic}"));
                    }
                }
                if concept.starts_with(CIRCUMSTANCE_PREFIX) {
                    terms.insert(concept.to_owned());
                } else {
                    terms.insert(format!("{CONCEPT_PREFIX}{concept}"));
                    if in_subject {
                        terms.insert(format!("{SUBJECT_PREFIX}{CONCEPT_PREFIX}{concept}"));
                    }
                }
                i += len;
                continue;
            }
            let w = &words[i];
            i += 1;
            if self.stop_en.contains(w) || self.stop_id.contains(w) {
                continue;
            }
            let stem = match lang {
                Lang::En => &en[i - 1],
                Lang::Id => &id[i - 1],
                Lang::Unknown => w,
            };
            if stem.chars().count() >= 2 {
                terms.insert(stem.clone());
            }
        }
        Analysis {
            lang: Some(lang),
            terms: terms.into_iter().collect(),
        }
    }

    fn expand_slang(&self, words: Vec<String>) -> Vec<String> {
        let mut out = Vec::with_capacity(words.len());
        for w in words {
            let w = self.strip_clitic(w);
            match self.slang.get(&w) {
                Some(to) => out.extend(to.iter().cloned()),
                None => out.push(w),
            }
        }
        out
    }

    /// A word without the Indonesian clitic "-nya" (its, the) when the stemmer does not know
    /// the word: Sastrawi strips it from dictionary words ("barangnya") but not from loanwords
    /// and informal spellings ("invoicenya", "linknya", "restonya").
    fn strip_clitic(&self, w: String) -> String {
        match w.strip_suffix("nya") {
            Some(base)
                if base.chars().count() >= 3
                    && !self.slang.contains_key(&w)
                    && self.sastrawi.stem_word(&w) == w =>
            {
                base.to_owned()
            }
            _ => w,
        }
    }

    /// The language with more of its function words in the text; a tie is `Unknown`.
    fn language(&self, words: &[String]) -> Lang {
        let en = words.iter().filter(|w| self.stop_en.contains(*w)).count();
        let id = words.iter().filter(|w| self.stop_id.contains(*w)).count();
        match en.cmp(&id) {
            std::cmp::Ordering::Greater => Lang::En,
            std::cmp::Ordering::Less => Lang::Id,
            std::cmp::Ordering::Equal => Lang::Unknown,
        }
    }

    fn stem(&self, word: &str, lang: Lang) -> String {
        match lang {
            Lang::En => self.snowball.stem(word).into_owned(),
            // Sastrawi only strips affixes that leave a dictionary root, so loanwords survive.
            Lang::Id => self.sastrawi.stem_word(word).into_owned(),
            Lang::Unknown => word.to_owned(),
        }
    }
}

/// The words of a text, normalised: NFKC, lower case, HTML tags and entities, links, e-mail
/// addresses and anything with a digit (order numbers, amounts, dates) left out.
pub fn words(text: &str) -> Vec<String> {
    let text = strip_markup(text);
    let text: String = text
        .nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| {
            if matches!(c, '\u{2018}' | '\u{2019}') {
                '\''
            } else {
                c
            }
        })
        .collect();
    let mut out = Vec::new();
    for chunk in text.split_whitespace() {
        if chunk.contains("://") || chunk.starts_with("www.") || chunk.contains('@') {
            continue;
        }
        for w in chunk.unicode_words() {
            let w = w.trim_matches('\'');
            // Indonesian writes reduplication with a 2: "masuk2" is "masuk-masuk", and
            // "ilang2an" (on and off) is read as its root.
            let w = match w.split_once('2') {
                Some((stem, rest))
                    if stem.chars().count() >= 2
                        && stem.chars().all(char::is_alphabetic)
                        && rest.chars().all(char::is_alphabetic) =>
                {
                    stem
                }
                _ => w,
            };
            if w.is_empty()
                || w.chars().any(|c| c.is_numeric())
                || w.chars().count() > MAX_WORD_CHARS
            {
                continue;
            }
            out.push(w.to_owned());
        }
    }
    out
}

/// Text with HTML tags removed and the common entities decoded. Customers paste HTML from
/// e-mails; a `<` not followed by a tag-like character is kept as text.
fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let tag_like = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(end) if tag_like => {
                out.push(' ');
                rest = &after[end + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    for (entity, c) in [
        ("&nbsp;", " "),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&amp;", "&"),
    ] {
        if out.contains(entity) {
            out = out.replace(entity, c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    static BUNDLED: std::sync::LazyLock<Result<Analyzer, ParseError>> =
        std::sync::LazyLock::new(Analyzer::bundled);

    fn analyzer() -> &'static Analyzer {
        match &*BUNDLED {
            Ok(a) => a,
            Err(e) => panic!("bundled data does not parse: {e}"),
        }
    }

    #[test]
    fn words_drop_markup_links_and_numbers() {
        let w = words(
            "<p>Order #12345 <b>NOT</b> received!</p> see https://x.test/a?b=1 or mail me@x.id &amp; 50rb",
        );
        assert_eq!(w, vec!["order", "not", "received", "see", "or", "mail"]);
    }

    #[test]
    fn words_normalise_unicode_and_apostrophes() {
        assert_eq!(words("ＲＥＦＵＮＤ didn’t"), vec!["refund", "didn't"]);
        assert_eq!(words("barang2 masuk2 a2 b12"), vec!["barang", "masuk"]);
        assert_eq!(words("ilang2an 2an x2y"), vec!["ilang"]);
        assert_eq!(words("a < b"), vec!["a", "b"]);
    }

    #[test]
    fn the_bundled_data_parses_and_is_substantial() {
        let a = analyzer();
        assert!(a.concepts() >= 150, "{} concepts", a.concepts());
    }

    #[test]
    fn informal_indonesian_and_english_meet_on_concepts() {
        let a = analyzer();
        let en = a.analyze("Refund not received", "I still have not received my refund");
        let id = a.analyze("dana blm balik", "refund sy gak masuk2 udh seminggu");
        assert_eq!(en.lang, Some(Lang::En));
        assert_eq!(id.lang, Some(Lang::Id));
        let shared: Vec<_> = en.terms.iter().filter(|t| id.terms.contains(t)).collect();
        assert!(
            shared.iter().any(|t| t.as_str() == "=refund")
                && shared.iter().any(|t| t.as_str() == "^not_received"),
            "en {:?} id {:?}",
            en.terms,
            id.terms
        );
    }

    #[test]
    fn topics_join_words_told_of_one_failure() {
        let a = analyzer();
        let has = |subject: &str, body: &str, term: &str| {
            a.analyze(subject, body).terms.iter().any(|t| t == term)
        };
        // Logged out and cannot log in; speed dropped and slow; says delivered and not received.
        assert!(has("", "the app keeps logging me out", "^login_access"));
        assert!(has("", "gak bisa login dari kemarin", "^login_access"));
        assert!(has("", "my speed drops every evening", "^app_slow"));
        assert!(has(
            "",
            "status says delivered but I have nothing",
            "^not_received"
        ));
        // A wish for speed is not a complaint about it.
        assert!(!has("", "please speed up my refund", "^app_slow"));
    }

    #[test]
    fn a_root_word_does_not_take_the_concept_of_its_derived_forms() {
        let a = analyzer();
        // "pembaruan" (update) stems to "baru" (new); "fined" to "fine" (okay).
        let t = a.analyze("", "saya baru pindah rumah").terms;
        assert!(!t.iter().any(|t| t == "=update"), "{t:?}");
        let t = a.analyze("", "it worked fine yesterday").terms;
        assert!(!t.iter().any(|t| t == "=late_fee"), "{t:?}");
        // Derived forms that are not in the lexicon still find their concept.
        let t = a
            .analyze("", "aplikasinya sudah saya perbaharui kemarin")
            .terms;
        assert!(t.iter().any(|t| t == "=app"), "{t:?}");
        let t = a.analyze("", "I was fined twice").terms;
        assert!(t.iter().any(|t| t == "=late_fee"), "{t:?}");
    }

    #[test]
    fn stop_phrases_hide_the_meaning_their_words_have_alone() {
        let a = analyzer();
        // "terima" is receive, "terima kasih" is thank you; "tiba-tiba" is suddenly.
        let t = a
            .analyze("", "terima kasih, aplikasinya tiba-tiba keluar")
            .terms;
        assert!(
            !t.iter().any(|t| t == "=receive" || t == "=arrive"),
            "{t:?}"
        );
        let t = a.analyze("", "paket belum saya terima").terms;
        assert!(t.iter().any(|t| t == "=receive"), "{t:?}");
    }

    #[test]
    fn the_clitic_nya_is_stripped_from_words_the_stemmer_does_not_know() {
        let a = analyzer();
        let t = a.analyze("", "invoicenya belum dikirim").terms;
        assert!(t.iter().any(|t| t == "=invoice"), "{t:?}");
        // Dictionary words keep Sastrawi's own analysis; short words are left alone.
        let t = a.analyze("", "barangnya rusak, hanya itu").terms;
        assert!(t.iter().any(|t| t == "=item"), "{t:?}");
        assert!(!t.iter().any(|t| t == "ha"), "{t:?}");
    }

    #[test]
    fn lexicon_phrases_with_numbers_do_not_leave_bare_words() {
        let a = analyzer();
        // "2 times" and "2 kali" lose the number like any text; "times" alone is not "twice".
        let t = a.analyze("", "I tried three times").terms;
        assert!(!t.iter().any(|t| t == "=twice"), "{t:?}");
        let t = a.analyze("", "it happened two times").terms;
        assert!(t.iter().any(|t| t == "=twice"), "{t:?}");
    }

    #[test]
    fn concepts_of_the_subject_are_kept_twice() {
        let a = analyzer();
        let t = a.analyze("Refund not received", "it has been a week").terms;
        for term in [
            "=refund",
            "@=refund",
            "^not_received",
            "@^not_received",
            "~week",
        ] {
            assert!(t.iter().any(|t| t == term), "{term} in {t:?}");
        }
        assert!(!t.iter().any(|t| t == "@~week"), "{t:?}");
        let t = a.analyze("Hello", "my refund was not received").terms;
        assert!(t.iter().any(|t| t == "=refund"), "{t:?}");
        assert!(!t.iter().any(|t| t.starts_with('@')), "{t:?}");
        assert_eq!(crate::display_term("@=not_received"), "not received");
    }

    #[test]
    fn empty_emoji_and_number_only_texts_have_no_terms() {
        let a = analyzer();
        for (s, b) in [
            ("", ""),
            ("   ", "\n\t "),
            ("😡😡😡", "🙏"),
            ("12345", "08123456789 100.000"),
        ] {
            assert_eq!(a.analyze(s, b).terms, Vec::<String>::new(), "{s:?} {b:?}");
        }
    }

    #[test]
    fn a_huge_body_is_read_only_up_to_the_cap() {
        let a = analyzer();
        let body = "paket rusak ".repeat(64 * 1024 / 12);
        let t = a.analyze("Paket", &body);
        assert!(!t.terms.is_empty());
    }

    #[test]
    fn mixed_scripts_do_not_panic() {
        let a = analyzer();
        let t = a.analyze(
            "退款 refund ریفاند",
            "Привет, dana saya belum kembali ñandú café",
        );
        assert!(t.terms.iter().any(|t| t == "=refund"), "{:?}", t.terms);
    }

    proptest::proptest! {
        #[test]
        fn analysis_never_panics_and_terms_are_sorted_unique(s in "\\PC{0,200}", b in "\\PC{0,400}") {
            let a = analyzer();
            let t = a.analyze(&s, &b);
            let mut sorted = t.terms.clone();
            sorted.sort();
            sorted.dedup();
            proptest::prop_assert_eq!(sorted, t.terms);
        }
    }
}
