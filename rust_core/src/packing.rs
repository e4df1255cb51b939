//! Knapsack pricing for load planning at any capacity.
//!
//! Column generation for bin packing prices patterns with a bounded knapsack. A table over
//! every load grows with the capacity (a 100,000 kg trailer has 100,001 loads); this module
//! works on Pareto-optimal `(load, value)` states instead, pruned by the Dantzig bound, so its
//! cost follows the number of useful partial patterns, not the capacity.

use crate::error::{CoreError, CoreResult};

/// The best pattern and up to `max_extra` other patterns met on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    /// Value of the best pattern found (exact when it exceeds `floor`).
    pub value: f64,
    /// Indices of the 0-1 items in the best pattern.
    pub best: Vec<usize>,
    /// Other distinct patterns worth more than `floor`, best first.
    pub extra: Vec<Vec<usize>>,
}

#[derive(Clone, Copy)]
struct State {
    load: i64,
    value: f64,
    /// Node in the trace arena (`u32::MAX`: the empty pattern).
    node: u32,
}

const EMPTY: u32 = u32::MAX;
const EPS: f64 = 1e-12;

/// Maximise `sum(values[j])` over a subset of 0-1 items with `sum(sizes[j]) <= capacity`.
///
/// Items must come in non-increasing order of `values[j] / sizes[j]` (the Dantzig bound
/// relies on it); sizes must be positive and values non-negative. States that cannot beat
/// `max(best so far, floor)` are pruned, so the answer is exact whenever the optimum exceeds
/// `floor`, and otherwise some pattern of value at most `floor`.
pub fn knapsack_pareto(
    sizes: &[i64],
    values: &[f64],
    capacity: i64,
    floor: f64,
    max_extra: usize,
) -> CoreResult<Priced> {
    let n = sizes.len();
    if values.len() != n {
        return Err(CoreError::invalid("values", "must have one value per size"));
    }
    if capacity < 0 {
        return Err(CoreError::invalid("capacity", "must be non-negative"));
    }
    if sizes.iter().any(|&w| w <= 0) {
        return Err(CoreError::invalid("sizes", "must be positive"));
    }
    if values.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(CoreError::invalid(
            "values",
            "must be finite and non-negative",
        ));
    }
    if values
        .windows(2)
        .zip(sizes.windows(2))
        .any(|(v, w)| v[1] * w[0] as f64 > v[0] * w[1] as f64 * (1.0 + 1e-9) + EPS)
    {
        return Err(CoreError::invalid(
            "values",
            "items must be ordered by value per unit of size, largest first",
        ));
    }
    let mut cw = vec![0i64; n + 1];
    let mut cv = vec![0f64; n + 1];
    for j in 0..n {
        cw[j + 1] = cw[j].saturating_add(sizes[j]);
        cv[j + 1] = cv[j] + values[j];
    }
    // Dantzig bound on what items j.. add to a state of this load.
    let bound = |j: usize, load: i64| -> f64 {
        let top = cw[j].saturating_add(capacity - load);
        let m = cw.partition_point(|&c| c <= top) - 1;
        let frac = if m < n {
            (top - cw[m]) as f64 * values[m] / sizes[m] as f64
        } else {
            0.0
        };
        cv[m] - cv[j] + frac
    };
    // Greedy by ratio: the first incumbent.
    let (mut room, mut greedy_value, mut greedy) = (capacity, 0.0, Vec::new());
    for j in 0..n {
        if sizes[j] <= room {
            room -= sizes[j];
            greedy_value += values[j];
            greedy.push(j);
        }
    }
    let mut best_value = greedy_value;
    let mut best_node: Option<u32> = None;
    // With extra patterns wanted, keep the states that can reach halfway between floor
    // and the best so far: they are the near-best patterns column generation adds.
    let slack = if max_extra > 0 { 0.5 } else { 0.0 };
    let aim = |best: f64| {
        if best > floor {
            best - slack * (best - floor)
        } else {
            floor
        }
    };
    let mut target = aim(best_value) - EPS;
    let mut arena: Vec<(u32, u32)> = Vec::new();
    let mut found: Vec<(f64, u32)> = Vec::new();
    let mut states = vec![State {
        load: 0,
        value: 0.0,
        node: EMPTY,
    }];
    let mut next: Vec<State> = Vec::with_capacity(64);
    for j in 0..n {
        let (w, v) = (sizes[j], values[j]);
        next.clear();
        let (mut a, mut b) = (0usize, 0usize);
        let mut run_max = f64::NEG_INFINITY;
        let fits = states.partition_point(|s| s.load <= capacity - w);
        while a < states.len() || b < fits {
            // Merge the old states with the shifted ones, both sorted by load.
            let take_b = b < fits
                && (a >= states.len()
                    || states[b].load + w < states[a].load
                    || (states[b].load + w == states[a].load
                        && states[b].value + v > states[a].value));
            let (cand, fresh, parent) = if take_b {
                let s = states[b];
                b += 1;
                (
                    State {
                        load: s.load + w,
                        value: s.value + v,
                        node: EMPTY,
                    },
                    true,
                    s.node,
                )
            } else {
                let s = states[a];
                a += 1;
                (s, false, EMPTY)
            };
            if cand.value <= run_max + EPS {
                continue; // a lighter state is worth as much
            }
            run_max = cand.value;
            let mut cand = cand;
            if fresh {
                arena.push((parent, j as u32));
                cand.node = (arena.len() - 1) as u32;
                if max_extra > 0 && cand.value > floor + 1e-9 {
                    found.push((cand.value, cand.node));
                }
                if cand.value > best_value + EPS {
                    best_value = cand.value;
                    best_node = Some(cand.node);
                    target = aim(best_value) - EPS;
                }
            }
            if cand.value + bound(j + 1, cand.load) >= target {
                next.push(cand);
            }
        }
        std::mem::swap(&mut states, &mut next);
        if found.len() > 4 * max_extra.max(1) {
            found.sort_by(|x, y| y.0.total_cmp(&x.0));
            found.truncate(max_extra.max(1));
        }
        if states.is_empty() {
            break;
        }
    }
    let trace = |mut node: u32| -> Vec<usize> {
        let mut items = Vec::new();
        while node != EMPTY {
            let (parent, j) = arena[node as usize];
            items.push(j as usize);
            node = parent;
        }
        items.reverse();
        items
    };
    let best = best_node.map_or(greedy, trace);
    found.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut extra: Vec<Vec<usize>> = Vec::new();
    for &(_, node) in &found {
        if extra.len() >= max_extra {
            break;
        }
        let p = trace(node);
        if p != best && !extra.contains(&p) {
            extra.push(p);
        }
    }
    Ok(Priced {
        value: best_value,
        best,
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(sizes: &[i64], values: &[f64], cap: i64) -> f64 {
        let n = sizes.len();
        (0u32..1 << n)
            .filter_map(|mask| {
                let (mut w, mut v) = (0, 0.0);
                for j in 0..n {
                    if mask >> j & 1 == 1 {
                        w += sizes[j];
                        v += values[j];
                    }
                }
                (w <= cap).then_some(v)
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn matches_brute_force_on_small_instances() {
        let mut seed = 7u64;
        let mut rnd = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for _ in 0..300 {
            let n = 1 + rnd(12) as usize;
            let cap = 1 + rnd(200) as i64;
            let mut items: Vec<(i64, f64)> = (0..n)
                .map(|_| (1 + rnd(120) as i64, rnd(1000) as f64 / 500.0))
                .collect();
            items.sort_by(|a, b| (b.1 / b.0 as f64).total_cmp(&(a.1 / a.0 as f64)));
            let (s, v): (Vec<i64>, Vec<f64>) = items.into_iter().unzip();
            let got = knapsack_pareto(&s, &v, cap, 0.0, 5).unwrap();
            let want = brute(&s, &v, cap);
            assert!((got.value - want).abs() < 1e-9, "{} vs {}", got.value, want);
            let load: i64 = got.best.iter().map(|&j| s[j]).sum();
            let value: f64 = got.best.iter().map(|&j| v[j]).sum();
            assert!(load <= cap && (value - got.value).abs() < 1e-9);
            for p in &got.extra {
                assert!(p.iter().map(|&j| s[j]).sum::<i64>() <= cap);
            }
        }
    }

    #[test]
    fn refuses_unordered_items() {
        let e = knapsack_pareto(&[10, 10], &[1.0, 2.0], 20, 0.0, 0).unwrap_err();
        assert!(e.to_string().contains("values"));
    }
}
