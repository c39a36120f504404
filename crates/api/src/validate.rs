//! Field validation that collects every problem of a request, so a form can show all of them
//! next to their fields at once.

use email_address::EmailAddress;

use crate::error::{ApiError, FieldError};

pub const MAX_BODY_BYTES: usize = 64 * 1024;
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_CATEGORY_CHARS: usize = 64;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 40;

#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Problems {
        Problems::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// A required, trimmed, non-empty text of at most `max` characters.
    pub fn text(&mut self, field: &str, value: Option<&str>, max: usize) -> String {
        match value.map(str::trim) {
            None => {
                self.add(field, "is required");
                String::new()
            }
            Some("") => {
                self.add(field, "must not be empty");
                String::new()
            }
            Some(v) if v.chars().count() > max => {
                self.add(field, format!("must be at most {max} characters"));
                String::new()
            }
            Some(v) => v.to_owned(),
        }
    }

    /// An optional text; empty counts as absent.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let v = value.map(str::trim).filter(|v| !v.is_empty())?;
        if v.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
            return None;
        }
        Some(v.to_owned())
    }

    /// A message body: required, non-blank, at most 64 KiB of UTF-8. Kept as written
    /// (leading/trailing blank lines trimmed only).
    pub fn body(&mut self, field: &str, value: Option<&str>) -> String {
        match value {
            None => {
                self.add(field, "is required");
                String::new()
            }
            Some(v) if v.trim().is_empty() => {
                self.add(field, "must not be empty");
                String::new()
            }
            Some(v) if v.len() > MAX_BODY_BYTES => {
                self.add(field, "must be at most 64 KiB");
                String::new()
            }
            Some(v) => v.trim_matches(|c| c == '\n' || c == '\r').to_owned(),
        }
    }

    /// An e-mail address, lower-cased.
    pub fn email(&mut self, field: &str, value: Option<&str>) -> String {
        let v = self.text(field, value, 254);
        if v.is_empty() {
            return v;
        }
        // `email_address` accepts the RFC 5322 forms people really use; a dot in the domain is
        // required on top, because a customer typing `name@gmail` has made a typo.
        let valid = EmailAddress::parse_with_options(
            &v,
            email_address::Options::default().without_display_text(),
        )
        .map(|e| e.domain().contains('.') && !e.domain().ends_with('.'))
        .unwrap_or(false);
        if !valid {
            self.add(field, "must be a valid e-mail address");
            return String::new();
        }
        v.to_lowercase()
    }

    /// Parses an enum value, naming the choices when it is unknown.
    pub fn choice<T: std::str::FromStr>(&mut self, field: &str, value: Option<&str>) -> Option<T>
    where
        T::Err: std::fmt::Display,
    {
        let v = value?;
        match v.parse::<T>() {
            Ok(t) => Some(t),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// Tags: trimmed, lower-cased, de-duplicated, each short.
    pub fn tags(&mut self, field: &str, tags: &[String]) -> Vec<String> {
        if tags.len() > MAX_TAGS {
            self.add(field, format!("at most {MAX_TAGS} tags"));
        }
        let mut out: Vec<String> = Vec::new();
        for (i, t) in tags.iter().enumerate() {
            let t = t.trim().to_lowercase();
            if t.is_empty() || t.chars().count() > MAX_TAG_CHARS {
                self.add(
                    format!("{field}[{i}]"),
                    format!("must be 1 to {MAX_TAG_CHARS} characters"),
                );
            } else if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Unprocessable(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_lower_cased() {
        let mut p = Problems::new();
        assert_eq!(
            p.email("email", Some(" Ayu@Example.COM ")),
            "ayu@example.com"
        );
        for bad in [
            "bad",
            "a@b",
            "a b@example.com",
            "@example.com",
            "Ayu <ayu@example.com>",
        ] {
            p.email("email", Some(bad));
        }
        assert_eq!(p.0.len(), 5);
    }

    #[test]
    fn bodies_are_limited_to_64_kib_of_utf8() {
        let mut p = Problems::new();
        assert_eq!(
            p.body("body", Some(&"a".repeat(MAX_BODY_BYTES))).len(),
            MAX_BODY_BYTES
        );
        assert!(p.0.is_empty());
        p.body("body", Some(&"é".repeat(MAX_BODY_BYTES / 2 + 1)));
        p.body("body", Some("  \n "));
        assert_eq!(
            p.0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
            vec!["must be at most 64 KiB", "must not be empty"]
        );
    }
}
