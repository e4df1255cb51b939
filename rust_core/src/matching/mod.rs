//! Vehicle–cargo matching: route-expertise profiles, scoring, top-k and assignment.
//!
//! - [`grid`]: spatial hashing and point geometry shared by the other modules.
//! - [`expertise`]: route-expertise profiles (lanes with recency decay) and their indices.
//! - [`scoring`]: fleet and load data, hard filters and the explained score.
//! - [`recommend`]: candidate generation and top-k, load → vehicles and vehicle → loads.
//! - [`dispatch`]: candidate graph and batch assignment (optimal, greedy, nearest).
//! - [`assignment`]: optimal sparse, unbalanced assignment (shortest augmenting paths).
//! - [`greedy`]: best-weight-first and first-come-first-served baselines.

pub mod assignment;
pub mod dispatch;
pub mod expertise;
pub mod greedy;
pub mod grid;
pub mod recommend;
pub mod scoring;

pub use assignment::{max_weight_matching, BipartiteGraph, Matching};
pub use greedy::{greedy_matching, sequential_matching};
