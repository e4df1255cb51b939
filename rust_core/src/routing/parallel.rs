//! The search on several cores: cooperating searches that share their best
//! solutions at fixed iteration counts.
//!
//! `T` searches ([`Searcher`]) run side by side, each with its own random
//! stream: search `0` uses the call's seed, so it is the single-thread search
//! itself, and search `i > 0` a seed derived from `(seed, i)`. They run in
//! epochs of [`SearchParams::exchange_every`] iterations each (counted, not
//! timed) and meet at a barrier after every epoch, where, in a fixed order:
//!
//! 1. the best solution over all searches is found (ties: lowest index);
//! 2. the worst of the searches `1..T` still running (by best objective, ties:
//!    highest index) adopts it as its current and best solution, if it is
//!    strictly better than its own best.
//!
//! Search `0` never adopts: it follows exactly the trajectory of the
//! single-thread search with the same seed, so under an iteration budget the
//! answer with `T` threads is never worse than with one (the others only add
//! candidates). The answer is the best over all searches (ties: lowest index).
//!
//! Determinism: with an iteration budget ([`SearchParams::max_iterations`],
//! per search) and a time limit long enough not to cut it, the result depends
//! only on `(seed, threads, budget)`: the exchanges happen at fixed iteration
//! counts and in a fixed order, whatever the thread scheduling. With only a
//! time limit, as for one thread, the result depends on the machine's speed
//! and load. The time limit and the cancel flag are watched by every search.

use std::time::Instant;

use crate::error::{CoreError, CoreResult};

use super::problem::Problem;
use super::rng::Rng;
use super::search::{SearchParams, SearchResult, Searcher};

/// Most searches one call may run side by side.
pub const MAX_THREADS: usize = 1024;

/// The number of searches for a requested `threads`: `0` means one per
/// available core.
///
/// # Errors
/// [`CoreError::InvalidInput`] (field `threads`) above [`MAX_THREADS`].
pub fn resolve_threads(threads: usize) -> CoreResult<usize> {
    if threads > MAX_THREADS {
        return Err(CoreError::invalid(
            "threads",
            format!("at most {MAX_THREADS} (0: one per core), got {threads}"),
        ));
    }
    if threads == 0 {
        return Ok(std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS)));
    }
    Ok(threads)
}

/// Seed of search `i` of a call with `seed`: the seed itself for search `0`.
pub fn thread_seed(seed: u64, i: usize) -> u64 {
    if i == 0 {
        return seed;
    }
    Rng::new(seed ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

/// Join the scoped threads in order, re-raising a panic of any of them in
/// the caller (where the Python binding turns it into `InternalError`).
fn join_all<T>(handles: Vec<std::thread::ScopedJoinHandle<'_, T>>) -> Vec<T> {
    handles
        .into_iter()
        .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        .collect()
}

/// Run `threads` (≥ 2) cooperating searches on `p` (see the module docs).
///
/// `SearchResult::iterations`, `evaluations` and `restarts` are totals over
/// the searches; `threads` and `exchanges` say how many searches ran and how
/// many solutions they passed on.
///
/// # Errors
/// [`CoreError::InvalidInput`] for an invalid warm start.
pub fn solve_parallel(p: &Problem, prm: &SearchParams, threads: usize) -> CoreResult<SearchResult> {
    let start = Instant::now();
    let epoch = prm.exchange_every.max(1);
    let built = std::thread::scope(|sc| {
        let hs = (0..threads)
            .map(|i| sc.spawn(move || Searcher::new(p, prm, thread_seed(prm.seed, i), start)))
            .collect();
        join_all(hs)
    });
    let mut ss = built.into_iter().collect::<CoreResult<Vec<_>>>()?;
    let mut exchanges = 0u64;
    loop {
        let ran = std::thread::scope(|sc| {
            let hs = ss
                .iter_mut()
                .map(|s| {
                    let until = s.iterations() + epoch;
                    sc.spawn(move || s.run(Some(until)))
                })
                .collect();
            join_all(hs)
        });
        ran.into_iter().collect::<CoreResult<Vec<()>>>()?;
        if ss.iter().all(Searcher::done) {
            break;
        }
        exchanges += u64::from(exchange(&mut ss));
    }
    let iterations = ss.iter().map(Searcher::iterations).sum();
    let evaluations = ss.iter().map(Searcher::evaluations).sum();
    let restarts = ss.iter().map(Searcher::restarts).sum();
    let interrupted = ss.iter().any(Searcher::cancelled);
    let win = best_index(&ss);
    let mut res = ss.swap_remove(win).into_result();
    res.iterations = iterations;
    res.evaluations = evaluations;
    res.restarts = restarts;
    res.interrupted = interrupted;
    res.runtime = start.elapsed();
    res.threads = threads;
    res.exchanges = exchanges;
    Ok(res)
}

/// Index of the search with the best solution (ties: lowest index).
fn best_index(ss: &[Searcher<'_>]) -> usize {
    (0..ss.len())
        .min_by_key(|&i| (ss[i].best_objective(), i))
        .unwrap_or(0)
}

/// The barrier's exchange: the worst running search among `1..` adopts the
/// overall best if that is strictly better than its own. Returns whether a
/// solution was passed on.
fn exchange(ss: &mut [Searcher<'_>]) -> bool {
    let g = best_index(ss);
    let gobj = ss[g].best_objective();
    let worst = (1..ss.len())
        .filter(|&i| !ss[i].done())
        .max_by_key(|&i| (ss[i].best_objective(), i));
    match worst {
        Some(w) if ss[w].best_objective() > gobj => {
            let sol = ss[g].best().clone();
            ss[w].adopt(&sol, gobj);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::{resolve_threads, thread_seed, MAX_THREADS};
    use crate::error::CoreError;
    use crate::routing::lateness::tests::mixed;
    use crate::routing::problem::Problem;
    use crate::routing::search::{solve, SearchParams};

    fn budget(seed: u64, threads: usize, iterations: u64) -> SearchParams {
        SearchParams {
            time_limit: Duration::from_secs(600),
            seed,
            max_iterations: Some(iterations),
            threads,
            exchange_every: 200,
            ..Default::default()
        }
    }

    /// Same seed, thread count and budget: the same routes, however the threads
    /// were scheduled; solutions were actually exchanged.
    #[test]
    fn deterministic_for_seed_threads_and_budget() {
        let p = Problem::new(mixed(80, 4)).unwrap();
        let prm = budget(5, 3, 3000);
        let a = solve(&p, &prm).unwrap();
        let b = solve(&p, &prm).unwrap();
        assert_eq!(a.routes, b.routes);
        assert_eq!(a.cost_internal, b.cost_internal);
        assert_eq!(a.exchanges, b.exchanges);
        assert_eq!(a.threads, 3);
        assert!(a.exchanges > 0);
        assert!(a.iterations >= 3 * 3000);
        assert!(a.feasible);
    }

    /// Search 0 follows the single search's trajectory, so at the same budget per
    /// thread more threads never give a worse answer.
    #[test]
    fn never_worse_than_one_thread_at_equal_budget() {
        let p = Problem::new(mixed(70, 9)).unwrap();
        for seed in 1..4 {
            let one = solve(&p, &budget(seed, 1, 2000)).unwrap();
            for t in [2, 4] {
                let many = solve(&p, &budget(seed, t, 2000)).unwrap();
                assert!(many.feasible);
                assert!(
                    many.cost_internal <= one.cost_internal,
                    "seed {seed}, {t} threads: {} > {}",
                    many.cost_internal,
                    one.cost_internal
                );
            }
        }
    }

    /// One thread through `solve` is the single search: the same routes with
    /// `threads: 1` as with the default parameters, no exchanges.
    #[test]
    fn one_thread_is_the_single_search() {
        let p = Problem::new(mixed(60, 2)).unwrap();
        let base = SearchParams {
            time_limit: Duration::from_secs(600),
            seed: 3,
            max_iterations: Some(1500),
            ..Default::default()
        };
        let one = SearchParams {
            threads: 1,
            exchange_every: 7,
            ..base.clone()
        };
        let (a, b) = (solve(&p, &base).unwrap(), solve(&p, &one).unwrap());
        assert_eq!(a.routes, b.routes);
        assert_eq!(a.iterations, 1500);
        assert_eq!((b.threads, b.exchanges), (1, 0));
        assert_eq!(thread_seed(42, 0), 42);
        assert_ne!(thread_seed(42, 1), thread_seed(42, 2));
    }

    /// A cancel set from another thread stops every search within milliseconds.
    #[test]
    fn cancel_stops_every_thread() {
        let p = Problem::new(mixed(120, 5)).unwrap();
        let cancel = Arc::new(AtomicBool::new(false));
        let prm = SearchParams {
            time_limit: Duration::from_secs(60),
            seed: 1,
            threads: 3,
            cancel: Some(Arc::clone(&cancel)),
            ..Default::default()
        };
        let setter = {
            let c = Arc::clone(&cancel);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(200));
                c.store(true, Ordering::SeqCst);
                Instant::now()
            })
        };
        let r = solve(&p, &prm).unwrap();
        let stopped_after = setter.join().unwrap().elapsed();
        assert!(r.interrupted);
        assert_eq!(r.threads, 3);
        assert!(!r.routes.is_empty());
        assert!(stopped_after < Duration::from_secs(2), "{stopped_after:?}");
    }

    /// The time limit holds with several threads.
    #[test]
    fn time_limit_holds() {
        let p = Problem::new(mixed(100, 6)).unwrap();
        let prm = SearchParams {
            time_limit: Duration::from_millis(300),
            seed: 2,
            threads: 2,
            ..Default::default()
        };
        let t = Instant::now();
        let r = solve(&p, &prm).unwrap();
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        assert!(!r.interrupted && r.feasible);
    }

    /// `0` is one search per core; more than `MAX_THREADS` is an error naming `threads`.
    #[test]
    fn thread_counts() {
        assert!(resolve_threads(0).unwrap() >= 1);
        assert_eq!(resolve_threads(7).unwrap(), 7);
        assert_eq!(resolve_threads(MAX_THREADS).unwrap(), MAX_THREADS);
        let p = Problem::new(mixed(30, 1)).unwrap();
        match solve(&p, &budget(1, MAX_THREADS + 1, 10)) {
            Err(CoreError::InvalidInput { field, .. }) => assert_eq!(field, "threads"),
            other => panic!("expected InvalidInput(threads), got {other:?}"),
        }
    }
}
