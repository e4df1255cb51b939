//! Vehicle–cargo matching: route-expertise profiles, scoring, top-k and assignment.
//!
//! - [`assignment`]: optimal sparse, unbalanced assignment (shortest augmenting paths).
//! - [`greedy`]: best-weight-first and first-come-first-served baselines.

pub mod assignment;
pub mod greedy;

pub use assignment::{max_weight_matching, BipartiteGraph, Matching};
pub use greedy::{greedy_matching, sequential_matching};
