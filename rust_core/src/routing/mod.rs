//! Routing search core: route segments, local search and the metaheuristic.
//!
//! - [`problem`]: the flattened problem of `docs/routing_contract.md`, validated.
//! - [`coords`]: matrix-free arcs from coordinates and k-d tree neighbour lists.
//! - [`segment`]: O(1)-concatenable route segments (distance, duration, time
//!   warp, load per dimension).
//! - [`route`], [`solution`]: routes with cached prefix/suffix segments, and
//!   the exact stop-by-stop route walk used as reference and final check.
//! - [`insert`], [`ruin`]: cheapest insertion (single jobs and pickup–delivery
//!   pairs) and SISR string removal.
//! - [`ops`]: local-search operators (relocate, swap, 2-opt*, or-opt, SWAP*,
//!   pickup–delivery pair relocate).
//! - [`search`]: construction, fleet minimisation and the annealed
//!   ruin-and-recreate loop with restarts after stagnation; warm start and
//!   fixed route prefixes.
//! - [`parallel`]: several cooperating searches on as many cores, exchanging
//!   their best solutions at fixed iteration counts (deterministic per seed,
//!   thread count and iteration budget).

pub mod coords;
pub mod insert;
pub mod lateness;
pub mod nearest;
pub mod ops;
pub mod parallel;
pub mod problem;
pub mod rng;
pub mod route;
pub mod ruin;
pub mod savings;
pub mod search;
pub mod segment;
pub mod solution;

pub use problem::{BreakRule, Problem, ProblemInput, COST_SCALE};
pub use search::{solve, InitialRoute, SearchParams, SearchResult};
