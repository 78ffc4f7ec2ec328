//! One pattern for every enum the person picks from a `<select>` or a row of
//! buttons: its values, the `<option>` value and the label, in one table.

/// An enum shown as a list of choices.
pub(crate) trait Choice: Copy + PartialEq + 'static {
    /// Every choice, in the order shown: (choice, `<option>` value, label).
    const ALL: &'static [(Self, &'static str, &'static str)];

    /// The choice for an `<option>` value; `None` for a value it never wrote.
    fn from_value(value: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, v, _)| *v == value)
            .map(|(c, ..)| *c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ExportFormat, Mode, SortKey, ViaChoice};

    fn round_trips<C: Choice + std::fmt::Debug>() {
        for (choice, value, label) in C::ALL {
            assert_eq!(C::from_value(value), Some(*choice));
            assert!(!label.is_empty());
        }
        let values: std::collections::HashSet<_> = C::ALL.iter().map(|(_, v, _)| v).collect();
        assert_eq!(values.len(), C::ALL.len(), "values are unique");
        assert_eq!(C::from_value("no such value"), None);
    }

    #[test]
    fn every_choice_round_trips_through_its_option_value() {
        round_trips::<Mode>();
        round_trips::<ViaChoice>();
        round_trips::<SortKey>();
        round_trips::<ExportFormat>();
    }
}
