//! The legal hierarchy applied to the articles a request satisfies.
//!
//! Cedar says, per article, whether it applies to a request. govchain then decides:
//! - default deny: nothing is allowed unless some permit applies;
//! - a forbid prevails over every permit of the same or a lower level;
//! - a permit of a higher level than every applicable forbid prevails — a lower law cannot take
//!   away what a higher law grants, and cannot grant what a higher law forbids.
//!
//! The decision names the article that decided it: the prevailing permit of the highest level, or
//! the forbid of the highest level.

use govchain_types::{Citation, Level};
use std::fmt;

/// The outcome of one authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The article that decided; `None` when no law permits the request (default deny).
    pub decided_by: Option<Citation>,
    /// Every applicable permit, sorted.
    pub permits: Vec<Citation>,
    /// Every applicable forbid, sorted.
    pub forbids: Vec<Citation>,
}

impl Decision {
    /// Applies the hierarchy to the applicable permits and forbids.
    pub fn from_applicable(permits: Vec<Citation>, forbids: Vec<Citation>) -> Self {
        Self::granted_from(Level::Department, permits, forbids)
    }

    /// Applies the hierarchy, counting only permits of level `lowest` or higher (the level that
    /// may grant the action, `crate::powers`); lower permits are listed but never prevail.
    pub fn granted_from(
        lowest: Level,
        mut permits: Vec<Citation>,
        mut forbids: Vec<Citation>,
    ) -> Self {
        permits.sort();
        permits.dedup();
        forbids.sort();
        forbids.dedup();
        let top_forbid = forbids
            .iter()
            .max_by(|a, b| a.level.cmp(&b.level).then(b.cmp(a)));
        let prevailing = permits
            .iter()
            .filter(|p| p.level >= lowest && top_forbid.is_none_or(|f| p.level > f.level))
            .max_by(|a, b| a.level.cmp(&b.level).then(b.cmp(a)));
        let (allowed, decided_by) = match (prevailing, top_forbid) {
            (Some(p), _) => (true, Some(p.clone())),
            (None, Some(f)) => (false, Some(f.clone())),
            (None, None) => (false, None),
        };
        Self {
            allowed,
            decided_by,
            permits,
            forbids,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.decided_by, self.allowed) {
            (Some(c), true) => write!(f, "allowed by {c}"),
            (Some(c), false) => write!(f, "denied by {c}"),
            (None, _) => f.write_str("denied: no law in force permits it"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use govchain_types::{Level, PrincipalId};

    fn c(law: &str, article: &str, level: Level) -> Citation {
        Citation {
            law: PrincipalId::new(law).unwrap(),
            version: 1,
            article: article.into(),
            level,
        }
    }

    /// (what, applicable permits, applicable forbids, allowed, decided by)
    type Case = (
        &'static str,
        Vec<Citation>,
        Vec<Citation>,
        bool,
        Option<Citation>,
    );

    #[test]
    fn the_hierarchy_table() {
        use Level::*;
        let cases: Vec<Case> = vec![
            ("nothing applies: default deny", vec![], vec![], false, None),
            (
                "a permit alone",
                vec![c("n", "1", National)],
                vec![],
                true,
                Some(c("n", "1", National)),
            ),
            (
                "a forbid alone",
                vec![],
                vec![c("d", "2", Department)],
                false,
                Some(c("d", "2", Department)),
            ),
            (
                "a forbid of the same level wins",
                vec![c("n", "1", National)],
                vec![c("m", "3", National)],
                false,
                Some(c("m", "3", National)),
            ),
            (
                "a higher forbid beats a lower permit",
                vec![c("r", "1", Regional)],
                vec![c("const", "5", Constitution)],
                false,
                Some(c("const", "5", Constitution)),
            ),
            (
                "a lower forbid cannot take away a higher permit",
                vec![c("n", "1", National)],
                vec![c("r", "9", Regional)],
                true,
                Some(c("n", "1", National)),
            ),
            (
                "the highest prevailing permit is cited",
                vec![
                    c("d", "1", Department),
                    c("n", "2", National),
                    c("const", "1", Constitution),
                ],
                vec![c("r", "4", Regional)],
                true,
                Some(c("const", "1", Constitution)),
            ),
        ];
        for (what, permits, forbids, allowed, by) in cases {
            let d = Decision::from_applicable(permits, forbids);
            assert_eq!(d.allowed, allowed, "{what}");
            assert_eq!(d.decided_by, by, "{what}");
        }
        let d = Decision::from_applicable(vec![], vec![c("x", "4", National)]);
        assert_eq!(d.to_string(), "denied by law `x` article `4`");
    }

    #[test]
    fn permits_below_the_granting_level_never_prevail() {
        use Level::*;
        // A department rule granting what only the constitution grants: listed, never decides.
        let d = Decision::granted_from(Constitution, vec![c("d", "1", Department)], vec![]);
        assert!(!d.allowed);
        assert_eq!(d.decided_by, None);
        assert_eq!(d.permits, vec![c("d", "1", Department)]);
        // With the constitution's permit beside it, the constitution decides.
        let d = Decision::granted_from(
            Constitution,
            vec![c("d", "1", Department), c("const", "4", Constitution)],
            vec![],
        );
        assert_eq!(d.decided_by, Some(c("const", "4", Constitution)));
        // A national permit counts where national law may grant; a regional one does not.
        let d = Decision::granted_from(National, vec![c("r", "2", Regional)], vec![]);
        assert!(!d.allowed);
        let d = Decision::granted_from(National, vec![c("n", "2", National)], vec![]);
        assert!(d.allowed);
    }
}
