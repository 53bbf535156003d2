//! Applying fixes: one shared engine. Edits are applied from the end of the file
//! backwards; identical edits (several findings fixed at one place, e.g. a wrapper
//! function) are applied once, and an edit overlapping one already taken is skipped.

use crate::diagnostic::{Applicability, Edit, Fix};

/// Outcome of applying a set of fixes to one text.
#[derive(Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// Fixes skipped because they overlapped another fix.
    pub skipped: usize,
    /// The positions (in the order given) of the fixes applied in full.
    pub accepted: Vec<usize>,
}

impl Applied {
    /// How many fixes were applied in full.
    pub fn applied(&self) -> usize {
        self.accepted.len()
    }
}

/// Applies every fix whose applicability is allowed. A fix is all-or-nothing: if
/// any of its edits does not fit the text (past its end, inside a character,
/// ending before it starts), overlaps another of its edits or an edit already
/// accepted, the whole fix is skipped.
pub fn apply<'a>(text: &str, fixes: impl IntoIterator<Item = &'a Fix>, unsafe_ok: bool) -> Applied {
    let mut accepted: Vec<&Edit> = Vec::new();
    let mut skipped = 0;
    let mut taken = Vec::new();
    for (i, fix) in fixes.into_iter().enumerate() {
        if fix.applicability == Applicability::Unsafe && !unsafe_ok {
            continue;
        }
        let new: Vec<&Edit> = fix.edits.iter().filter(|e| !accepted.contains(e)).collect();
        let clashes = new.iter().enumerate().any(|(j, e)| {
            e.span.start > e.span.end
                || e.span.end > text.len()
                || !text.is_char_boundary(e.span.start)
                || !text.is_char_boundary(e.span.end)
                || accepted.iter().any(|a| overlaps(a, e))
                || new[j + 1..].iter().any(|b| b.span.overlaps(e.span))
        });
        if clashes {
            skipped += 1;
            continue;
        }
        accepted.extend(new);
        taken.push(i);
    }
    accepted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in accepted {
        out.push_str(&text[pos..e.span.start]);
        out.push_str(&e.content);
        pos = e.span.end;
    }
    out.push_str(&text[pos..]);
    Applied {
        text: out,
        skipped,
        accepted: taken,
    }
}

/// Two edits clash when their ranges overlap, or when both insert at one point
/// (their order would be arbitrary).
fn overlaps(a: &Edit, b: &Edit) -> bool {
    a.span.overlaps(b.span)
        || (a.span.start == b.span.start && (a.span.is_empty() || b.span.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            description: "".into(),
            edits,
        }
    }

    #[test]
    fn applies_dedups_and_refuses_overlaps() {
        let text = "kubectl get nodes";
        let a = fix(vec![Edit::insertion(7, " --request-timeout=10s")]);
        let same = a.clone();
        let clash = fix(vec![Edit::replacement(Span::new(0, 11), "x")]);
        let result = apply(text, [&a, &same, &clash], false);
        assert_eq!(result.text, "kubectl --request-timeout=10s get nodes");
        assert_eq!((result.applied(), result.skipped), (2, 1));
    }

    /// A fix whose own edits overlap, or an edit that ends before it
    /// starts, is skipped whole (not spliced into garbage or a panic).
    #[test]
    fn refuses_a_fix_that_does_not_fit() {
        let text = "kubectl get nodes";
        let overlapping = fix(vec![Edit::replacement(Span::new(0, 7), "a"), Edit::replacement(Span::new(4, 11), "b")]);
        let backwards = fix(vec![Edit { span: Span { start: 11, end: 8 }, content: "c".into() }]);
        let result = apply(text, [&overlapping, &backwards], true);
        assert_eq!(result.text, text);
        assert_eq!((result.applied(), result.skipped), (0, 2));
    }

    #[test]
    fn unsafe_fixes_need_consent() {
        let mut f = fix(vec![Edit::replacement(Span::new(0, 1), "y")]);
        f.applicability = Applicability::Unsafe;
        assert_eq!(apply("x", [&f], false).text, "x");
        assert_eq!(apply("x", [&f], true).text, "y");
    }
}
