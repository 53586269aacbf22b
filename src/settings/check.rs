//! Config errors with their full key paths (`phases.loopBudget.maxToolCallsPerRun`), collected
//! by every phase's `validate` through [`CheckAt`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// One reason a config was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigError {
    /// Full dotted key path, e.g. `phases.loopBudget.maxToolCallsPerRun` (`""` for the root).
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Collects every range/value error of a config, each under its full key path.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<ConfigError>,
}

/// A [`Check`] scoped to a key prefix such as `phases.loopBudget`.
#[derive(Debug)]
pub struct CheckAt<'a> {
    errors: &'a mut Vec<ConfigError>,
    prefix: String,
}

impl Check {
    /// Scopes further checks under `prefix`.
    pub fn at(&mut self, prefix: &str) -> CheckAt<'_> {
        CheckAt {
            errors: &mut self.errors,
            prefix: prefix.to_string(),
        }
    }

    /// Records an error at an absolute path.
    pub fn fail(&mut self, path: &str, message: String) {
        self.errors.push(ConfigError {
            path: path.to_string(),
            message,
        });
    }

    /// `Ok(value)` when nothing failed, else every error.
    pub fn into_result<T>(self, value: T) -> Result<T, Vec<ConfigError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

impl CheckAt<'_> {
    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else if key.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// Scopes further checks under `<prefix>.<sub>`.
    pub fn at(&mut self, sub: &str) -> CheckAt<'_> {
        let prefix = self.path(sub);
        CheckAt {
            errors: self.errors,
            prefix,
        }
    }

    /// Records an error at `<prefix>.<key>`.
    pub fn fail(&mut self, key: &str, message: String) {
        let path = self.path(key);
        self.errors.push(ConfigError { path, message });
    }

    /// Requires `min <= v <= max`.
    pub fn range(&mut self, key: &str, v: u64, min: u64, max: u64) {
        if v < min || v > max {
            self.fail(
                key,
                format!("must be an integer from {min} to {max}, got {v}"),
            );
        }
    }

    /// Requires a positive integer when set.
    pub fn positive(&mut self, key: &str, v: Option<u64>) {
        if v == Some(0) {
            self.fail(key, "must be a positive integer or null, got 0".into());
        }
    }

    /// Requires `0 < v <= max`.
    pub fn fraction(&mut self, key: &str, v: f64, max: f64) {
        if !(v > 0.0 && v <= max && v.is_finite()) {
            self.fail(
                key,
                format!("must be greater than 0 and at most {max}, got {v}"),
            );
        }
    }
}
