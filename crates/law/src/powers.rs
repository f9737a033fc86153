//! Which level of law may grant which power: a kernel rule no law can change.
//!
//! The powers to make law (enact, amend or repeal, constitute bodies, interpret) and to decide
//! who validates come only from the constitution; the powers over principals and their keys and
//! over positions, only from national law or the constitution. A permit of a lower level for one
//! of these actions never counts, so a department's rule cannot make its board a legislature,
//! nor a regional law let a department take over citizens' keys.

use govchain_types::Level;

/// The lowest level whose permits count for `action`.
pub fn lowest_granting_level(action: &str) -> Level {
    match action {
        "enact" | "amend" | "constitute" | "interpret" | "change-validators" => Level::Constitution,
        "create-principal" | "manage-keys" | "appoint" | "set-position-status" => Level::National,
        _ => Level::Department,
    }
}

/// Whether region `code` lies within a jurisdiction (`CN` covers every code, a province its
/// prefectures and districts).
pub fn within(code: &str, jurisdiction: &[String]) -> bool {
    jurisdiction
        .iter()
        .any(|j| j == "CN" || (code != "CN" && crate::covers(j, code)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_powers_table() {
        use Level::*;
        let rows = [
            ("enact", Constitution),
            ("amend", Constitution),
            ("constitute", Constitution),
            ("interpret", Constitution),
            ("change-validators", Constitution),
            ("manage-keys", National),
            ("create-principal", National),
            ("appoint", National),
            ("set-position-status", National),
            ("insert", Department),
            ("transfer", Department),
            ("read", Department),
        ];
        for (action, level) in rows {
            assert_eq!(lowest_granting_level(action), level, "{action}");
        }
    }

    #[test]
    fn regions_within_a_jurisdiction() {
        let j = |c: &[&str]| c.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        let rows = [
            ("110101", j(&["110000"]), true),
            ("110000", j(&["110000"]), true),
            ("110000", j(&["110101"]), false),
            ("310101", j(&["110000"]), false),
            ("CN", j(&["110000"]), false),
            ("CN", j(&["CN"]), true),
            ("310101", j(&["110000", "CN"]), true),
            ("110101", j(&[]), false),
        ];
        for (code, juris, ok) in rows {
            assert_eq!(within(code, &juris), ok, "{code} in {juris:?}");
        }
    }
}
