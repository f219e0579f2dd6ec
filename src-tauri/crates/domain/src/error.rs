use serde::Serialize;

/// A value a manager (or a script) gave that cannot be used, with the field it
/// came from and what to do instead. The message is written for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    /// The message's quoted values (`'…'`) longer than a line are cut short:
    /// a 100 KB value given by mistake is not echoed back whole.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: shorten_quoted(&message.into()),
        }
    }
}

/// Quoted values longer than this are cut to it.
const QUOTED_KEEP: usize = 60;

/// `message` with every quoted value (`'value'`, the quote opening after a
/// space, a bracket or the start, and closing before one or punctuation)
/// longer than [`QUOTED_KEEP`] characters cut short, saying how long it was.
/// Apostrophes inside words (`the vendor's`) are not quotes.
pub fn shorten_quoted(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let opens = |i: usize| {
        i == 0 || chars[i - 1].is_whitespace() || matches!(chars[i - 1], '(' | '[' | ':' | '"')
    };
    let closes = |j: usize| {
        j + 1 == chars.len()
            || chars[j + 1].is_whitespace()
            || matches!(chars[j + 1], ',' | ';' | ':' | '.' | ')' | ']' | '"')
    };
    let mut out = String::with_capacity(message.len().min(4_096));
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\''
            && opens(i)
            && let Some(j) = (i + 1..chars.len()).find(|&j| chars[j] == '\'' && closes(j))
        {
            let inner = j - i - 1;
            out.push('\'');
            if inner > QUOTED_KEEP {
                out.extend(&chars[i + 1..i + 1 + QUOTED_KEEP]);
                out.push_str(&format!("… ({inner} characters)"));
            } else {
                out.extend(&chars[i + 1..j]);
            }
            out.push('\'');
            i = j + 1;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quoted_values_are_cut_and_apostrophes_are_left_alone() {
        let long = "x".repeat(5_000);
        let e = ValidationError::new(
            "base_url",
            format!("'{long}' is not a URL; write it as https://host/path"),
        );
        assert_eq!(
            e.message,
            format!(
                "'{}… (5000 characters)' is not a URL; write it as https://host/path",
                "x".repeat(60)
            )
        );
        let words = format!(
            "copy it from HelpCrunch's settings and paste it; the {} isn't it",
            "y".repeat(200)
        );
        assert_eq!(ValidationError::new("secret", words.clone()).message, words);
        assert_eq!(
            ValidationError::new("f", "'short' is fine").message,
            "'short' is fine"
        );
        assert_eq!(shorten_quoted("''"), "''");
        assert_eq!(shorten_quoted("'"), "'");
    }
}
