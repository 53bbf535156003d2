//! "Did you mean …?" for misspelt names.

/// The candidate nearest to `name` by edit distance, if it is near enough: at
/// most 3 edits, or a fifth of the candidate's length for long names. Ties go to
/// the candidate that sorts first.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut unlimited = usize::MAX;
    closest_within(name, candidates, &mut unlimited)
}

/// [`closest`], spending at most `budget` character comparisons (taken from
/// it as they are made): a caller suggesting for many names among many
/// candidates bounds the whole search, and gets `None` once it is spent.
pub fn closest_within<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
    budget: &mut usize,
) -> Option<&'a str> {
    let name: Vec<char> = name.chars().collect();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        // A later candidate wins only with a smaller distance, or the same
        // distance and a name that sorts first.
        let mut limit = 3.max(candidate.len() / 5);
        if let Some((d, _)) = best {
            limit = limit.min(d);
        }
        let Some(d) = distance_within(&name, candidate, limit, budget) else {
            if *budget == 0 {
                return None;
            }
            continue;
        };
        if best.is_none_or(|b| (d, candidate) < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The edit distance between `a` and `b` if it is at most `limit`. Rows stop
/// once every entry exceeds `limit`; the cells computed are taken from `budget`
/// (`None` when it runs out).
fn distance_within(a: &[char], b: &str, limit: usize, budget: &mut usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let Some(left) = budget.checked_sub(b.len() + 1) else {
            *budget = 0;
            return None;
        };
        *budget = left;
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        if cur.iter().all(|&d| d > limit) {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

/// Levenshtein distance over Unicode scalar values.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let mut unlimited = usize::MAX;
    distance_within(&a, b, usize::MAX, &mut unlimited).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let names = ["kubectl-request-timeout", "invalid-suppression"];
        assert_eq!(
            closest("kubectl-request-timout", names.into_iter()),
            Some("kubectl-request-timeout")
        );
        assert_eq!(closest("something-else-entirely", names.into_iter()), None);
    }

    /// The bounded search picks what the plain one would: the nearest, ties to
    /// the name that sorts first, nothing beyond the limit.
    #[test]
    fn bounded_search_agrees_with_the_full_distance() {
        let words = [
            "restart k8s-dqlite",
            "restart kubelite",
            "Restart k8s-dqlite",
            "restart k8s dqlite",
            "reload",
            "restart containerd",
            "réstart k8s-dqlite",
            "",
        ];
        for name in [
            "restart k8s-dqlte",
            "Restart kubelite",
            "reloaded",
            "x",
            "",
            "restart containerd!",
            "réstart kubelite",
        ] {
            let plain = words
                .iter()
                .map(|c| (edit_distance(name, c), *c))
                .filter(|(d, c)| *d <= 3.max(c.len() / 5))
                .min()
                .map(|(_, c)| c);
            assert_eq!(closest(name, words.into_iter()), plain, "{name:?}");
        }
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ü", "u"), 1);
    }

    #[test]
    fn a_spent_budget_suggests_nothing() {
        let mut budget = 5;
        assert_eq!(
            closest_within(
                "restart kubelte",
                ["restart kubelite"].into_iter(),
                &mut budget
            ),
            None
        );
        assert_eq!(budget, 0);
        let mut budget = 10_000;
        assert_eq!(
            closest_within(
                "restart kubelte",
                ["restart kubelite"].into_iter(),
                &mut budget
            ),
            Some("restart kubelite")
        );
    }
}
