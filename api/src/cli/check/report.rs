//! What `strongroom config check` found, and how it is printed: aligned
//! lines for people, one JSON object for programs. Nothing here holds a
//! secret: paths, addresses and names of buckets and tables only.

use serde::Serialize;

use crate::cli::AdminError;

/// One thing to act on (or to know), with the configuration key it is about.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The key in config-file spelling, when one key is to blame; the
    /// message names it as well.
    pub key: Option<&'static str>,
    pub message: String,
}

impl Finding {
    pub fn about(key: &'static str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            key: Some(key),
            message: format!("`{key}`: {message}"),
        }
    }

    /// A message that names its key already (the configuration's own errors).
    pub fn named(message: impl Into<String>) -> Self {
        Self {
            key: None,
            message: message.into(),
        }
    }
}

/// The whole answer. `error` is the first thing that would stop the server;
/// checking stops there, so what follows it is not looked at.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub ok: bool,
    pub error: Option<Finding>,
    /// What the server would serve, in the order printed.
    #[serde(serialize_with = "as_object")]
    pub serves: Vec<(&'static str, String)>,
    /// Worth fixing before the server faces the internet; `--strict` fails on them.
    pub warnings: Vec<Finding>,
    /// Facts about the first start and the like; never a failure.
    pub notes: Vec<Finding>,
}

impl Report {
    pub fn serves(&mut self, what: &'static str, value: impl Into<String>) {
        self.serves.push((what, value.into()));
    }

    pub fn warn(&mut self, finding: Finding) {
        self.warnings.push(finding);
    }

    pub fn note(&mut self, finding: Finding) {
        self.notes.push(finding);
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        if !self.serves.is_empty() {
            out.push_str("Strongroom would serve:\n");
            let width = self.serves.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (what, value) in &self.serves {
                out.push_str(&format!("  {what:<width$}  {value}\n"));
            }
        }
        for (title, findings) in [("Warnings", &self.warnings), ("Notes", &self.notes)] {
            if !findings.is_empty() {
                out.push_str(&format!("{title}:\n"));
                for finding in findings {
                    out.push_str(&format!("  - {}\n", finding.message));
                }
            }
        }
        let verdict = match (&self.error, self.warnings.len()) {
            (Some(_), _) => {
                "Not OK: the server would not start (the error is on stderr).".to_owned()
            }
            (None, 0) => "OK: no errors, no warnings.".to_owned(),
            (None, 1) => "OK: no errors, 1 warning.".to_owned(),
            (None, n) => format!("OK: no errors, {n} warnings."),
        };
        out.push_str(&verdict);
        out
    }

    pub fn json(&self) -> Result<String, AdminError> {
        Ok(serde_json::to_string_pretty(self)?)
    }
}

fn as_object<S: serde::Serializer>(
    lines: &[(&'static str, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(lines.iter().map(|(k, v)| (k, v)))
}
