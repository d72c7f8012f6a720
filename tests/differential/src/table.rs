//! The scenario table.
use skyr_test_program::Op;

use crate::scenario::{Builder, Scenario};

/// Every scenario.
pub fn all() -> Vec<Scenario> {
    vec![
        Builder::new("test actor: empty program")
            .run(0, vec![])
            .build(),
        Builder::new("test actor: burn")
            .run(0, vec![Op::Burn(100)])
            .build(),
    ]
}
