//! The catalogue as Markdown, one table per guarantee group; `docs/properties.md` must contain it
//! verbatim (tested), so the docs cannot drift from the catalogue.

use super::catalogue::{Guarantee, JudgedOn, PropertyId};

/// Every property, grouped by whom it speaks for, with its column, anomaly code, what it is
/// judged on, its rule's file and its summary.
pub fn catalogue_markdown() -> String {
    let mut out = String::new();
    for group in Guarantee::ALL {
        out += &format!("### {}\n\n", capitalized(group.title()));
        out += "| property | column | anomaly | judged on | rule | what it says |\n";
        out += "|---|---|---|---|---|---|\n";
        for p in group.properties() {
            out += &format!(
                "| `{}` | {} | {} | {} | `{}`{} | {} |\n",
                p.name(),
                p.column(),
                anomaly_cell(p),
                match p.judged_on() {
                    JudgedOn::History => "history",
                    JudgedOn::State => "state",
                },
                p.rule_file(),
                judged_by_cell(p),
                p.summary()
            );
        }
        out += "\n";
    }
    out
}

/// An anomaly's code, or the codes of the anomalies a property's rule finds.
fn anomaly_cell(p: PropertyId) -> String {
    if let Some(code) = p.anomaly() {
        return code.to_string();
    }
    let found: Vec<&str> = PropertyId::ALL
        .iter()
        .filter(|a| **a != p && a.judged_by() == p)
        .filter_map(|a| a.anomaly())
        .collect();
    if found.is_empty() {
        "–".to_string()
    } else {
        format!("finds {}", found.join(", "))
    }
}

/// For an anomaly found by another property's rule, which one.
fn judged_by_cell(p: PropertyId) -> String {
    let by = p.judged_by();
    if by == p {
        String::new()
    } else {
        format!(", {by}'s rule")
    }
}

fn capitalized(title: &str) -> String {
    let mut chars = title.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_show_the_catalogue_as_it_is() {
        let table = catalogue_markdown();
        let docs = include_str!("../../../docs/properties.md");
        assert!(
            docs.contains(&table),
            "docs/properties.md is out of date; paste this catalogue:\n{table}"
        );
    }
}
