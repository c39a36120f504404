//! Customer-experience survey answers (CSAT 1–5, CES 1–7, NPS 0–10).

use serde::{Deserialize, Serialize};

/// One ticket's survey answer. Every score is optional; at least one must be given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyAnswer {
    pub csat: Option<i16>,
    pub ces: Option<i16>,
    pub nps: Option<i16>,
    #[serde(default)]
    pub comment: Option<String>,
}

pub const MAX_COMMENT_CHARS: usize = 4000;

impl SurveyAnswer {
    /// Field-by-field problems; empty when the answer is valid.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (field, value, lo, hi) in [
            ("csat", self.csat, 1, 5),
            ("ces", self.ces, 1, 7),
            ("nps", self.nps, 0, 10),
        ] {
            if let Some(v) = value
                && !(lo..=hi).contains(&v)
            {
                out.push((field, format!("must be a whole number from {lo} to {hi}")));
            }
        }
        if self.csat.is_none()
            && self.ces.is_none()
            && self.nps.is_none()
            && self.comment.as_deref().is_none_or(|c| c.trim().is_empty())
        {
            out.push(("csat", "give at least one score or a comment".to_string()));
        }
        if self
            .comment
            .as_deref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
        {
            out.push((
                "comment",
                format!("must be at most {MAX_COMMENT_CHARS} characters"),
            ));
        }
        out
    }

    /// CSAT counts as satisfied at 4 or 5.
    pub fn satisfied(&self) -> Option<bool> {
        self.csat.map(|c| c >= 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_outside_their_scales_are_named() {
        let a = SurveyAnswer {
            csat: Some(6),
            ces: Some(0),
            nps: Some(11),
            comment: None,
        };
        let fields: Vec<_> = a.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec!["csat", "ces", "nps"]);
        let ok = SurveyAnswer {
            csat: Some(5),
            ces: Some(1),
            nps: Some(0),
            comment: None,
        };
        assert!(ok.problems().is_empty());
        assert!(
            !SurveyAnswer::default().problems().is_empty(),
            "an empty answer is refused"
        );
    }
}
