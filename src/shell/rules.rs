//! TEMPORARY until the parser lands.
/// Parses a rule.
pub fn parse_rule(rule: &str) -> Result<Vec<String>, String> {
    Ok(rule.split_whitespace().map(str::to_string).collect())
}
