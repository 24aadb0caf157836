//! `rename_all` rules: from a Rust field or variant name to a column or label.

use syn::LitStr;

/// A `rename_all` rule.
#[derive(Clone, Copy)]
pub enum RenameRule {
    /// `snake_case`
    Snake,
    /// `lowercase`: the whole name in lower case, nothing else changed.
    Lower,
    /// `UPPERCASE`: the whole name in upper case, nothing else changed.
    Upper,
    /// `camelCase`
    Camel,
    /// `PascalCase`
    Pascal,
    /// `SCREAMING_SNAKE_CASE`
    ScreamingSnake,
    /// `kebab-case`
    Kebab,
}

impl RenameRule {
    /// The rule a string literal names.
    pub fn parse(lit: &LitStr) -> syn::Result<Self> {
        Ok(match lit.value().as_str() {
            "snake_case" => Self::Snake,
            "lowercase" => Self::Lower,
            "UPPERCASE" => Self::Upper,
            "camelCase" => Self::Camel,
            "PascalCase" => Self::Pascal,
            "SCREAMING_SNAKE_CASE" => Self::ScreamingSnake,
            "kebab-case" => Self::Kebab,
            _ => {
                return Err(syn::Error::new(
                    lit.span(),
                    "unknown rename_all rule (expected \"snake_case\", \"lowercase\", \
                     \"UPPERCASE\", \"camelCase\", \"PascalCase\", \"SCREAMING_SNAKE_CASE\" or \
                     \"kebab-case\")",
                ));
            }
        })
    }

    /// `name` under this rule.
    pub fn apply(self, name: &str) -> String {
        let words = words(name);
        let capitalized = |w: &String| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        };
        match self {
            Self::Lower => name.to_lowercase(),
            Self::Upper => name.to_uppercase(),
            Self::Snake => words.join("_"),
            Self::Kebab => words.join("-"),
            Self::ScreamingSnake => words.join("_").to_uppercase(),
            Self::Pascal => words.iter().map(capitalized).collect(),
            Self::Camel => {
                let mut out = String::new();
                for (i, w) in words.iter().enumerate() {
                    out.push_str(&if i == 0 { w.clone() } else { capitalized(w) });
                }
                out
            }
        }
    }
}

/// The lower-case words of a snake_case, camelCase or PascalCase name (`HTTPServer` gives
/// `http`, `server`).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && !word.is_empty()
            && (prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(char::is_uppercase) && next.is_some_and(char::is_lowercase)));
        if boundary {
            out.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::RenameRule::*;

    #[test]
    fn rules() {
        for (rule, field, variant) in [
            (Snake, "user_id", "in_progress"),
            (Lower, "user_id", "inprogress"),
            (Upper, "USER_ID", "INPROGRESS"),
            (Camel, "userId", "inProgress"),
            (Pascal, "UserId", "InProgress"),
            (ScreamingSnake, "USER_ID", "IN_PROGRESS"),
            (Kebab, "user-id", "in-progress"),
        ] {
            assert_eq!(rule.apply("user_id"), field);
            assert_eq!(rule.apply("InProgress"), variant);
        }
        assert_eq!(Snake.apply("HTTPServer2Go"), "http_server2_go");
        assert_eq!(Snake.apply("a"), "a");
    }
}
