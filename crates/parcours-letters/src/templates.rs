//! Letter texts: minijinja templates under `templates/letters/`, editable
//! without rebuilding, with the repository's versions embedded as defaults.
//!
//! A rendered template is plain text read as follows (see
//! `templates/letters/README.md`):
//! - the first line `Objet : …` is the subject, printed in bold;
//! - paragraphs are separated by a blank line; the lines of a paragraph are
//!   joined and re-wrapped to the page;
//! - a line starting with `- ` is a bullet item;
//! - a line starting with `> ` is printed large, bold and framed (the
//!   activation code).

use std::path::Path;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use crate::LetterError;

/// The registered letter's text.
pub const REGISTERED_LETTER: &str = "registered_letter.j2";
/// The complement request's text.
pub const COMPLEMENT_LETTER: &str = "complement_letter.j2";
/// The rejection letter's text.
pub const REJECTION_LETTER: &str = "rejection_letter.j2";
/// The signature printed under every letter.
pub const SIGNATURE: &str = "signature.j2";

/// Every template a [`Templates`] holds, with its embedded default.
const DEFAULTS: [(&str, &str); 4] = [
    (
        REGISTERED_LETTER,
        include_str!("../../../templates/letters/registered_letter.j2"),
    ),
    (
        COMPLEMENT_LETTER,
        include_str!("../../../templates/letters/complement_letter.j2"),
    ),
    (
        REJECTION_LETTER,
        include_str!("../../../templates/letters/rejection_letter.j2"),
    ),
    (
        SIGNATURE,
        include_str!("../../../templates/letters/signature.j2"),
    ),
];

/// The letter texts, parsed and ready to render.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // A misspelt variable is an error rather than a silent blank in a letter.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env
}

fn template_error(name: &str, e: &minijinja::Error) -> LetterError {
    LetterError::Template {
        name: name.to_string(),
        message: e.to_string(),
    }
}

impl Templates {
    /// The texts built into the binary (the repository's `templates/letters/`).
    pub fn embedded() -> Templates {
        let mut env = environment();
        for (name, source) in DEFAULTS {
            env.add_template(name, source)
                .expect("the embedded templates parse (tested)");
        }
        Templates { env }
    }

    /// The texts of `dir`: each of the files named by the constants of this
    /// module that exists there replaces the embedded default; other files
    /// are ignored. A template with a syntax error is refused here, before
    /// any letter is printed.
    pub fn from_dir(dir: &Path) -> Result<Templates, LetterError> {
        let mut env = environment();
        for (name, default) in DEFAULTS {
            let path = dir.join(name);
            let source = match std::fs::read_to_string(&path) {
                Ok(s) => s,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => default.to_string(),
                Err(e) => {
                    return Err(LetterError::Io {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })
                }
            };
            env.add_template_owned(name, source)
                .map_err(|e| template_error(name, &e))?;
        }
        Ok(Templates { env })
    }

    /// Renders template `name` with `ctx` and reads its structure.
    pub(crate) fn render(&self, name: &str, ctx: Value) -> Result<Text, LetterError> {
        let out = self
            .env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| template_error(name, &e))?;
        Ok(Text::parse(&out))
    }

    /// Renders template `name` as plain lines (the signature).
    pub(crate) fn render_lines(&self, name: &str, ctx: Value) -> Result<Vec<String>, LetterError> {
        let out = self
            .env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| template_error(name, &e))?;
        Ok(out
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect())
    }
}

impl Default for Templates {
    fn default() -> Templates {
        Templates::embedded()
    }
}

/// One block of a letter's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A paragraph, re-wrapped to the page.
    Paragraph(String),
    /// A bullet item.
    Bullet(String),
    /// A line printed large, bold and framed.
    Highlight(String),
}

/// A rendered letter text: its subject and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    pub subject: Option<String>,
    pub blocks: Vec<Block>,
}

impl Text {
    pub(crate) fn parse(s: &str) -> Text {
        let mut subject = None;
        let mut blocks = Vec::new();
        let mut para: Vec<&str> = Vec::new();
        let flush = |para: &mut Vec<&str>, blocks: &mut Vec<Block>| {
            if !para.is_empty() {
                blocks.push(Block::Paragraph(para.join(" ")));
                para.clear();
            }
        };
        for line in s.lines() {
            let line = line.trim();
            if subject.is_none() && blocks.is_empty() && para.is_empty() {
                if let Some(rest) = line.strip_prefix("Objet :").or(line.strip_prefix("Objet:")) {
                    subject = Some(rest.trim().to_string());
                    continue;
                }
            }
            if line.is_empty() {
                flush(&mut para, &mut blocks);
            } else if let Some(item) = line.strip_prefix("- ") {
                flush(&mut para, &mut blocks);
                blocks.push(Block::Bullet(item.trim().to_string()));
            } else if let Some(h) = line.strip_prefix("> ") {
                flush(&mut para, &mut blocks);
                blocks.push(Block::Highlight(h.trim().to_string()));
            } else {
                para.push(line);
            }
        }
        flush(&mut para, &mut blocks);
        Text { subject, blocks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_subject_paragraphs_bullets_and_highlight() {
        let t = Text::parse(
            "Objet : Essai\n\nMadame,\n\nUne ligne\nqui continue.\n- un\n- deux\n\n> AB-CD\n\nFin.\n",
        );
        assert_eq!(t.subject.as_deref(), Some("Essai"));
        assert_eq!(
            t.blocks,
            vec![
                Block::Paragraph("Madame,".into()),
                Block::Paragraph("Une ligne qui continue.".into()),
                Block::Bullet("un".into()),
                Block::Bullet("deux".into()),
                Block::Highlight("AB-CD".into()),
                Block::Paragraph("Fin.".into()),
            ]
        );
    }

    #[test]
    fn directory_overrides_and_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SIGNATURE), "Le chef\n{{ place }}").unwrap();
        let t = Templates::from_dir(dir.path()).unwrap();
        let lines = t
            .render_lines(SIGNATURE, minijinja::context! { place => "Lille" })
            .unwrap();
        assert_eq!(
            lines,
            vec!["Le chef", "Lille"],
            "the file replaces the default"
        );
        assert!(
            t.env.get_template(REGISTERED_LETTER).is_ok(),
            "missing files fall back to the embedded text"
        );
    }

    #[test]
    fn syntax_error_is_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(REJECTION_LETTER), "{% if %}").unwrap();
        let err = Templates::from_dir(dir.path()).unwrap_err();
        assert!(
            matches!(&err, LetterError::Template { name, .. } if name == REJECTION_LETTER),
            "{err}"
        );
    }

    #[test]
    fn unknown_variable_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SIGNATURE), "{{ nom_du_chef }}").unwrap();
        let t = Templates::from_dir(dir.path()).unwrap();
        assert!(t.render_lines(SIGNATURE, minijinja::context! {}).is_err());
    }
}
