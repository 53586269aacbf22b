//! Secret-named environment variables (issue 16 item 3, check 23): expanding one into output,
//! an argument, a heredoc body or a command substitution prints a credential. The spec has
//! no name list, so the rules are data: exact names, suffixes and infixes, with the
//! exceptions that look alike but hold no secret (`*_KEYBOARD`, `*_FILE` paths, `PWD`).

/// Names that are secrets whatever the rules below say.
const EXACT: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITLAB_TOKEN",
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "PYPI_TOKEN",
    "TWINE_PASSWORD",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "DATABASE_URL",
    "PGPASSWORD",
    "MYSQL_PWD",
    "REDIS_PASSWORD",
    "SLACK_WEBHOOK_URL",
    "DOCKER_AUTH_CONFIG",
    "KUBECONFIG_DATA",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "API_KEY",
    "APIKEY",
];

/// A name ending in one of these is a secret (`VAULT_TOKEN`, `STRIPE_SECRET`, `X_API_KEY`).
const SUFFIXES: &[&str] = &[
    "_TOKEN", "_KEY", "_SECRET", "_PAT", "_APIKEY", "_PWD", "_PASS", "_AUTH",
];

/// A name containing one of these is a secret (`DB_PASSWORD_PROD`, `CLIENT_SECRET_ID`).
const INFIXES: &[&str] = &[
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "CREDENTIAL",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "AUTH_TOKEN",
    "ACCESS_TOKEN",
    "REFRESH_TOKEN",
    "SESSION_TOKEN",
];

/// Names ending in one of these name a place or a setting, not the secret itself
/// (`SSH_PRIVATE_KEY_FILE`, `PASSWORD_STORE_DIR`, `TOKEN_LENGTH`).
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_NAME",
    "_LENGTH",
    "_LEN",
    "_TYPE",
    "_ENABLED",
    "_HEADER",
    "_KEYBOARD",
];

/// Names the suffix rules would catch that are ordinary settings.
const NOT_SECRET: &[&str] = &[
    "PWD",
    "OLDPWD",
    "SORT_KEY",
    "PRIMARY_KEY",
    "PARTITION_KEY",
    "CACHE_KEY",
    "HOTKEY",
    "GPG_TTY",
    "SSH_AUTH_SOCK",
    "XAUTHORITY",
];

/// Whether the environment variable `name` holds a secret. Only upper-case names count:
/// environment secrets are upper case by convention, and lower-case names are the script's
/// own variables (`for token in …`).
pub fn is_secret_name(name: &str) -> bool {
    if name.len() < 3
        || !name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    if crate::shell::tables::has(EXACT, name) {
        return true;
    }
    if crate::shell::tables::has(NOT_SECRET, name)
        || NOT_SECRET_SUFFIXES.iter().any(|s| name.ends_with(s))
    {
        return false;
    }
    SUFFIXES.iter().any(|s| name.ends_with(s)) || INFIXES.iter().any(|s| name.contains(s))
}

/// Variables whose value is the path of a credential file or directory (`KUBECONFIG`,
/// `AWS_SHARED_CREDENTIALS_FILE`, `SSH_PRIVATE_KEY_FILE`): printing the path is harmless,
/// but a reader given `"$KUBECONFIG"` opens the credentials (issue 16 item 3).
const POINTERS: &[&str] = &[
    "KUBECONFIG",
    "NETRC",
    "PGPASSFILE",
    "DOCKER_CONFIG",
    "AWS_CONFIG_FILE",
    "GNUPGHOME",
    "CLOUDSDK_CONFIG",
    "AZURE_CONFIG_DIR",
    "GH_CONFIG_DIR",
    "PASSWORD_STORE_DIR",
    "VAULT_CONFIG_PATH",
];

/// Whether `name` holds the path of a credential file or directory: a listed name, or a
/// secret-looking name whose `_FILE`/`_PATH`/`_DIR` ending makes it a place.
pub fn is_secret_pointer(name: &str) -> bool {
    if crate::shell::tables::has(POINTERS, name) {
        return true;
    }
    ["_FILE", "_PATH", "_DIR"].iter().any(|end| {
        name.strip_suffix(end).is_some_and(|stem| {
            stem.len() >= 3 && (is_secret_name(stem) || stem.ends_with("_CREDENTIALS"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{is_secret_name, is_secret_pointer};

    #[test]
    fn secret_pointers_name_credential_places() {
        for n in [
            "KUBECONFIG",
            "AWS_SHARED_CREDENTIALS_FILE",
            "SSH_PRIVATE_KEY_FILE",
            "GITHUB_TOKEN_FILE",
            "DB_PASSWORD_FILE",
            "NETRC",
        ] {
            assert!(is_secret_pointer(n), "{n}");
        }
        for n in [
            "HOME",
            "LOG_FILE",
            "CONFIG_PATH",
            "TOKEN_LENGTH",
            "PWD",
            "DATA_DIR",
        ] {
            assert!(!is_secret_pointer(n), "{n}");
        }
    }

    #[test]
    fn secret_names_follow_the_rules() {
        for n in [
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "GITHUB_TOKEN",
            "NPM_TOKEN",
            "OPENAI_API_KEY",
            "MY_SERVICE_KEY",
            "DB_PASSWORD",
            "ROOT_PASSWD",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "CLIENT_SECRET_VALUE",
            "VAULT_TOKEN",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "PATH",
            "HOME",
            "PWD",
            "OLDPWD",
            "SHELL",
            "USER",
            "LANG",
            "TERM",
            "EDITOR",
            "TMPDIR",
            "VIRTUAL_ENV",
            "XKB_KEYBOARD",
            "MY_KEYBOARD",
            "SSH_PRIVATE_KEY_FILE",
            "PASSWORD_STORE_DIR",
            "TOKENIZERS_PARALLELISM",
            "token",
            "SSH_AUTH_SOCK",
            "SORT_KEY",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }
}
