//! "Did you mean …?" for misspelt names.

/// The candidate nearest to `name` by edit distance, if it is near enough.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 3.max(c.len() / 5))
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over Unicode scalar values.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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
}
