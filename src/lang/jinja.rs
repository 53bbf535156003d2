//! Jinja2 templates (`*.sh.j2`, `*.cfg.j2`): template syntax is replaced by
//! same-width placeholders so that every byte offset stays true to the file.

use crate::source::Span;

use std::collections::HashMap;

/// Template variables with a known string value (role defaults, `group_vars`, …).
pub type Vars = HashMap<String, String>;

/// A masked `{{ expr }}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub span: Span,
    /// The expression inside the braces, trimmed (`kubectl`, `item.path`, …).
    pub expr: String,
}

/// What a front-end knows about the template syntax in the text it parses.
#[derive(Debug, Clone, Copy)]
pub struct Templating<'a> {
    pub placeholders: &'a [Placeholder],
    pub vars: &'a Vars,
}

impl Templating<'_> {
    /// No template syntax.
    pub fn none() -> Templating<'static> {
        static EMPTY: std::sync::OnceLock<Vars> = std::sync::OnceLock::new();
        Templating {
            placeholders: &[],
            vars: EMPTY.get_or_init(Vars::new),
        }
    }

    /// The value of the placeholder that occupies exactly `span`, when its
    /// expression is a plain variable with a known value, or a string built
    /// from literals and such variables (see [`evaluate`]).
    pub fn value_at(&self, span: Span) -> Option<std::borrow::Cow<'_, str>> {
        let p = self.placeholders.iter().find(|p| p.span == span)?;
        let is_name = !p.expr.is_empty()
            && p.expr
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_name {
            return evaluate(&p.expr, self.vars).map(std::borrow::Cow::Owned);
        }
        self.vars.get(&p.expr).map(|v| std::borrow::Cow::Borrowed(v.as_str()))
    }
}

/// The string a Jinja expression builds, when it is made only of string
/// literals, variables with a known value, lists of those, `~`
/// concatenation, and the filters `join` (`['kubectl', 'get'] | join(' ')`),
/// `format` (`'%s get nodes' | format(kubectl)`, `%s` only) and `string`.
/// `None` for anything else: a value that is not known is never guessed.
pub fn evaluate(expr: &str, vars: &Vars) -> Option<String> {
    let tokens = tokens(expr)?;
    let mut at = 0;
    let value = concat(&tokens, &mut at, vars, 0)?;
    if at != tokens.len() {
        return None;
    }
    match value {
        Value::Str(s) => Some(s),
        Value::List(_) => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Str(String),
    Name(String),
    Sym(char),
}

#[derive(Debug, Clone)]
enum Value {
    Str(String),
    List(Vec<String>),
}

fn tokens(expr: &str) -> Option<Vec<Token>> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            q @ (b'\'' | b'"') => {
                let close = i + 1 + b[i + 1..].iter().position(|&c| c == q)?;
                let text = &expr[i + 1..close];
                // Escapes in Jinja strings are Python's: not followed here.
                if text.contains('\\') {
                    return None;
                }
                out.push(Token::Str(text.to_string()));
                i = close + 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                // A dotted name (`result.stdout`) is one variable.
                let end = i + b[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.'))
                    .unwrap_or(b.len() - i);
                out.push(Token::Name(expr[i..end].to_string()));
                i = end;
            }
            c @ (b'~' | b'|' | b'(' | b')' | b'[' | b']' | b',') => {
                out.push(Token::Sym(c as char));
                i += 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

fn concat(t: &[Token], at: &mut usize, vars: &Vars, depth: usize) -> Option<Value> {
    if depth > 16 {
        return None;
    }
    let mut value = filtered(t, at, vars, depth)?;
    while t.get(*at) == Some(&Token::Sym('~')) {
        *at += 1;
        let (Value::Str(left), Value::Str(right)) = (value, filtered(t, at, vars, depth)?) else {
            return None;
        };
        value = Value::Str(left + &right);
    }
    Some(value)
}

fn filtered(t: &[Token], at: &mut usize, vars: &Vars, depth: usize) -> Option<Value> {
    let mut value = primary(t, at, vars, depth)?;
    while t.get(*at) == Some(&Token::Sym('|')) {
        *at += 1;
        let Some(Token::Name(filter)) = t.get(*at) else { return None };
        *at += 1;
        let mut args = Vec::new();
        if t.get(*at) == Some(&Token::Sym('(')) {
            *at += 1;
            while t.get(*at) != Some(&Token::Sym(')')) {
                args.push(concat(t, at, vars, depth + 1)?);
                match t.get(*at) {
                    Some(Token::Sym(',')) => *at += 1,
                    Some(Token::Sym(')')) => {}
                    _ => return None,
                }
            }
            *at += 1;
        }
        value = match (filter.as_str(), value) {
            ("join", Value::List(items)) => {
                let sep = match args.as_slice() {
                    [] => String::new(),
                    [Value::Str(s)] => s.clone(),
                    _ => return None,
                };
                Value::Str(items.join(&sep))
            }
            ("format", Value::Str(fmt)) => {
                let mut out = String::new();
                let mut rest = fmt.as_str();
                let mut args = args.into_iter();
                while let Some(i) = rest.find('%') {
                    out.push_str(&rest[..i]);
                    match rest.as_bytes().get(i + 1) {
                        Some(b's') => match args.next()? {
                            Value::Str(s) => out.push_str(&s),
                            Value::List(_) => return None,
                        },
                        Some(b'%') => out.push('%'),
                        _ => return None,
                    }
                    rest = &rest[i + 2..];
                }
                if args.next().is_some() {
                    return None;
                }
                out.push_str(rest);
                Value::Str(out)
            }
            ("string", Value::Str(s)) if args.is_empty() => Value::Str(s),
            _ => return None,
        };
    }
    Some(value)
}

fn primary(t: &[Token], at: &mut usize, vars: &Vars, depth: usize) -> Option<Value> {
    let token = t.get(*at)?.clone();
    *at += 1;
    match token {
        Token::Str(s) => Some(Value::Str(s)),
        Token::Name(name) => vars.get(&name).map(|v| Value::Str(v.clone())),
        Token::Sym('(') => {
            let v = concat(t, at, vars, depth + 1)?;
            (t.get(*at) == Some(&Token::Sym(')'))).then(|| *at += 1)?;
            Some(v)
        }
        Token::Sym('[') => {
            let mut items = Vec::new();
            while t.get(*at) != Some(&Token::Sym(']')) {
                match concat(t, at, vars, depth + 1)? {
                    Value::Str(s) => items.push(s),
                    Value::List(_) => return None,
                }
                match t.get(*at) {
                    Some(Token::Sym(',')) => *at += 1,
                    Some(Token::Sym(']')) => {}
                    _ => return None,
                }
            }
            *at += 1;
            Some(Value::List(items))
        }
        Token::Sym(_) => None,
    }
}

/// The text to parse and the spans that hold template placeholders.
pub struct Masked {
    pub text: String,
    pub placeholders: Vec<Placeholder>,
}

/// `{{ expr }}` becomes a run of `_` (a word of the same width, so `--x={{ v }}`
/// stays one word); `{% stmt %}` and `{# comment #}` become spaces. Newlines inside
/// a tag are kept so line numbers do not move.
pub fn mask(text: &str) -> Masked {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut placeholders = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        let (close, fill) = match bytes[i + 1] {
            b'{' => (b"}}", b'_'),
            b'%' => (b"%}", b' '),
            b'#' => (b"#}", b' '),
            _ => {
                i += 1;
                continue;
            }
        };
        let Some(rel) = find_close(&bytes[i + 2..], close) else {
            break;
        };
        let end = i + 2 + rel + 2;
        for b in &mut out[i..end] {
            // Keep newlines (line numbers) and replace every other byte, including
            // the bytes of multi-byte characters, so the result stays valid UTF-8.
            if *b != b'\n' {
                *b = fill;
            }
        }
        if fill == b'_' {
            placeholders.push(Placeholder {
                span: Span::new(i, end),
                expr: text.get(i + 2..end - 2).unwrap_or("").trim().to_string(),
            });
        }
        i = end;
    }
    Masked {
        // Only ASCII bytes were written over whole tags, so this cannot fail.
        text: String::from_utf8(out).unwrap_or_else(|_| text.to_string()),
        placeholders,
    }
}

/// Offset of the closing delimiter, outside Jinja string literals
/// (`{{ '{{ .Image }}' }}` closes at the last `}}`).
fn find_close(haystack: &[u8], close: &[u8]) -> Option<usize> {
    let mut quote = None;
    let mut i = 0;
    while i < haystack.len() {
        let b = haystack[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if haystack[i..].starts_with(close) => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_expressions_are_evaluated_only_when_known() {
        let vars: Vars = [("kubectl".to_string(), "microk8s kubectl".to_string())].into();
        let e = |x: &str| evaluate(x, &vars);
        assert_eq!(e("['microk8s', 'kubectl', 'get', 'nodes'] | join(' ')").as_deref(), Some("microk8s kubectl get nodes"));
        assert_eq!(e("[kubectl, 'get', 'pods'] | join(\" \")").as_deref(), Some("microk8s kubectl get pods"));
        assert_eq!(e("kubectl ~ ' get nodes'").as_deref(), Some("microk8s kubectl get nodes"));
        assert_eq!(e("'%s get nodes -n %s' | format(kubectl, 'kube-system')").as_deref(), Some("microk8s kubectl get nodes -n kube-system"));
        assert_eq!(e("(kubectl ~ ' get') | string").as_deref(), Some("microk8s kubectl get"));
        assert_eq!(e("unknown ~ ' get nodes'"), None);
        assert_eq!(e("'%d nodes' | format(3)"), None);
        assert_eq!(e("['a', 'b'] | join(' ') | upper"), None);
        assert_eq!(e("['a', 'b']"), None);
        assert_eq!(e("cmd | join(' ')"), None, "a list variable is not known");
    }

    #[test]
    fn masks_with_same_width() {
        let src = "kubectl --request-timeout={{ t }} get {% if x %}pods{% endif %} {# c\n #}";
        let m = mask(src);
        assert_eq!(m.text.len(), src.len());
        assert_eq!(
            m.text,
            "kubectl --request-timeout=_______ get           pods                \n   "
        );
        assert_eq!(m.placeholders[0].span, Span::new(26, 33));
        assert_eq!(m.placeholders[0].expr, "t");
    }

    #[test]
    fn string_literals_inside_expressions_do_not_close_them() {
        let src = "docker ps --format='{{ '{{ .Image }}' }}' x";
        let m = mask(src);
        assert_eq!(m.text, "docker ps --format='____________________' x");
    }

    #[test]
    fn unterminated_tag_is_left_alone() {
        let m = mask("echo {{ oops");
        assert_eq!(m.text, "echo {{ oops");
    }
}
