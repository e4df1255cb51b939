//! One test per local-search operator (relocate, swap, or-opt, 2-opt*, SWAP*,
//! pickup–delivery pair relocate), PyVRP-style:
//!
//! - on small hand-checked routes, the move found and its exact cost delta;
//! - on random small cases (windows, pairs, time costs, fixed costs), agreement
//!   with a brute force that enumerates the operator's neighbourhood as its
//!   documentation defines it and prices every candidate with the stop-by-stop
//!   route walk: the operator returns exactly the first strictly improving
//!   feasible move (or none when there is none), and applying it changes the
//!   solution's cost by exactly the walk's delta.

mod common;

use common::{
    random_case, routes_of, solution, total_cost, units, walk_cost, Builder, CaseOptions,
};
use yunli_core::routing::insert::Stats;
use yunli_core::routing::ops::{
    self, Operator, OrOpt, PairRelocate, Relocate, Rewrite, Swap, SwapStar, TwoOptStar,
};
use yunli_core::routing::Problem;

type Routes = Vec<Vec<usize>>;

/// Position `(route, 0-based index)` of job `j`.
fn find(routes: &Routes, j: usize) -> Option<(usize, usize)> {
    routes
        .iter()
        .enumerate()
        .find_map(|(r, jobs)| jobs.iter().position(|&x| x == j).map(|i| (r, i)))
}

/// The rewrite if it is feasible and strictly lowers the walk cost.
fn if_improving(p: &Problem, routes: &Routes, rw: Rewrite) -> Option<Rewrite> {
    let mut before = 0;
    let mut after = 0;
    for (r, jobs) in &rw {
        before += walk_cost(p, &routes[*r]).expect("the current routes are feasible");
        after += walk_cost(p, jobs)?;
    }
    (after < before).then_some(rw)
}

/// Apply `rw` to a solution built from `routes`; check the cost change equals the
/// walk's, and return it (internal units).
fn applied_delta(p: &Problem, routes: &Routes, rw: Rewrite) -> i64 {
    let mut sol = solution(p, routes);
    let before = sol.objective(p).cost;
    let mut expected = routes.clone();
    for (r, jobs) in &rw {
        expected[*r] = jobs.clone();
    }
    ops::apply(p, &mut sol, rw);
    let after = sol.objective(p).cost;
    assert_eq!(
        after - before,
        total_cost(p, &expected).unwrap() - total_cost(p, routes).unwrap(),
        "the solution's cost change is the walk's"
    );
    let mut got = routes_of(&sol);
    let mut want: Routes = expected.into_iter().filter(|r| !r.is_empty()).collect();
    got.sort();
    want.sort();
    assert_eq!(
        got, want,
        "apply writes the rewrite and drops emptied routes"
    );
    after - before
}

/// The move `op` finds for `(u, v)`, checked to be `want`; its cost delta in cost units.
fn found(
    op: &dyn Operator,
    p: &Problem,
    routes: &Routes,
    uv: (usize, usize),
    want: Rewrite,
) -> i64 {
    let rw = run(op, p, routes, uv.0, uv.1).expect("an improving move");
    assert_eq!(rw, want);
    units(applied_delta(p, routes, rw))
}

fn run(op: &dyn Operator, p: &Problem, routes: &Routes, u: usize, v: usize) -> Option<Rewrite> {
    let sol = solution(p, routes);
    op.find(p, &sol, u, v, &mut Stats::default())
}

fn is_pair(p: &Problem, j: usize) -> bool {
    p.pair[j].is_some()
}

// ---- brute force, one neighbourhood per operator --------------------------------

fn brute_relocate(p: &Problem, routes: &Routes, u: usize, v: usize) -> Option<Rewrite> {
    if is_pair(p, u) {
        return None;
    }
    let (ru, iu) = find(routes, u)?;
    let (rv, iv) = find(routes, v)?;
    let (nu, nv) = (iu + 1, iv + 1);
    for after in [nv, nv - 1] {
        let rw = if ru == rv {
            if after == nu || after + 1 == nu {
                continue;
            }
            let mut a = routes[ru].clone();
            a.remove(iu);
            a.insert(if after < nu { after } else { after - 1 }, u);
            vec![(ru, a)]
        } else {
            let mut a = routes[ru].clone();
            a.remove(iu);
            let mut b = routes[rv].clone();
            b.insert(after, u);
            vec![(ru, a), (rv, b)]
        };
        if let Some(rw) = if_improving(p, routes, rw) {
            return Some(rw);
        }
    }
    None
}

fn brute_swap(p: &Problem, routes: &Routes, u: usize, v: usize) -> Option<Rewrite> {
    if is_pair(p, u) || is_pair(p, v) {
        return None;
    }
    let (ru, iu) = find(routes, u)?;
    let (rv, iv) = find(routes, v)?;
    let rw = if ru == rv {
        if u > v {
            return None;
        }
        let mut a = routes[ru].clone();
        a.swap(iu, iv);
        vec![(ru, a)]
    } else {
        let (mut a, mut b) = (routes[ru].clone(), routes[rv].clone());
        a[iu] = v;
        b[iv] = u;
        vec![(ru, a), (rv, b)]
    };
    if_improving(p, routes, rw)
}

fn brute_or_opt(p: &Problem, routes: &Routes, u: usize, v: usize) -> Option<Rewrite> {
    if is_pair(p, u) {
        return None;
    }
    let (ru, iu) = find(routes, u)?;
    let (rv, iv) = find(routes, v)?;
    let (nu, after) = (iu + 1, iv + 1);
    let a = &routes[ru];
    for len in 2..=3usize {
        let last = nu + len - 1;
        if last > a.len() {
            break;
        }
        let chunk = &a[nu - 1..last];
        if chunk.iter().any(|&j| is_pair(p, j)) {
            break;
        }
        let rw = if ru == rv {
            if after + 1 >= nu && after <= last {
                continue;
            }
            let new = if after < nu {
                [&a[..after], chunk, &a[after..nu - 1], &a[last..]].concat()
            } else {
                [&a[..nu - 1], &a[last..after], chunk, &a[after..]].concat()
            };
            vec![(ru, new)]
        } else {
            let b = &routes[rv];
            let new_a = [&a[..nu - 1], &a[last..]].concat();
            let new_b = [&b[..after], chunk, &b[after..]].concat();
            vec![(ru, new_a), (rv, new_b)]
        };
        if let Some(rw) = if_improving(p, routes, rw) {
            return Some(rw);
        }
    }
    None
}

/// A pickup–delivery pair straddles the cut after node `c` (jobs `..c` | `c..`).
fn straddles(p: &Problem, jobs: &[usize], c: usize) -> bool {
    jobs[..c]
        .iter()
        .any(|&j| p.inp.is_pickup[j] && p.pair[j].is_some_and(|q| jobs[c..].contains(&q)))
}

fn brute_two_opt_star(p: &Problem, routes: &Routes, u: usize, v: usize) -> Option<Rewrite> {
    let (ru, iu) = find(routes, u)?;
    let (rv, iv) = find(routes, v)?;
    if ru == rv {
        return None;
    }
    let (nu, nv) = (iu + 1, iv + 1);
    let (a, b) = (&routes[ru], &routes[rv]);
    for (ca, cb) in [(nu, nv - 1), (nu - 1, nv)] {
        if straddles(p, a, ca) || straddles(p, b, cb) {
            continue;
        }
        let new_a = [&a[..ca], &b[cb..]].concat();
        let new_b = [&b[..cb], &a[ca..]].concat();
        if let Some(rw) = if_improving(p, routes, vec![(ru, new_a), (rv, new_b)]) {
            return Some(rw);
        }
    }
    None
}

/// Route `r` without its node `skip` (1-based), `x` inserted right after original
/// node `after`.
fn reinsert(r: &[usize], skip: usize, after: usize, x: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(r.len());
    if after == 0 {
        out.push(x);
    }
    for (i, &j) in r.iter().enumerate() {
        let node = i + 1;
        if node != skip {
            out.push(j);
        }
        if node == after {
            out.push(x);
        }
    }
    out
}

/// Distance-cheapest place for `x` in `r` with node `skip` removed: the first
/// original node after which it costs least (as SWAP* chooses).
fn cheapest_after(p: &Problem, r: &[usize], skip: usize, x: usize) -> usize {
    let mut best = (usize::MAX, i64::MAX);
    for after in 0..=r.len() {
        if after == skip {
            continue;
        }
        let w = yunli_core::routing::route::walk(p, 0, &reinsert(r, skip, after, x));
        if w.dist < best.1 {
            best = (after, w.dist);
        }
    }
    best.0
}

fn brute_swap_star(p: &Problem, routes: &Routes, u: usize, v: usize) -> Option<Rewrite> {
    if is_pair(p, u) || is_pair(p, v) || p.inp.type_cost_per_hour[0] != 0 {
        return None;
    }
    let (ru, iu) = find(routes, u)?;
    let (rv, iv) = find(routes, v)?;
    if ru == rv {
        return None;
    }
    let (nu, nv) = (iu + 1, iv + 1);
    let (a, b) = (&routes[ru], &routes[rv]);
    let va = cheapest_after(p, a, nu, v);
    let ub = cheapest_after(p, b, nv, u);
    if va + 1 == nu && ub + 1 == nv {
        return None; // the plain swap is the swap operator's
    }
    let rw = vec![(ru, reinsert(a, nu, va, v)), (rv, reinsert(b, nv, ub, u))];
    if_improving(p, routes, rw)
}

fn brute_pair_relocate(p: &Problem, routes: &Routes, u: usize, v: usize) -> Option<Rewrite> {
    let q = p.pair[u]?;
    if v == q || v == u {
        return None;
    }
    let (pk, dl) = if p.inp.is_pickup[u] { (u, q) } else { (q, u) };
    let (ra, _) = find(routes, pk)?;
    let (rb, _) = find(routes, v)?;
    let same = ra == rb;
    let reduced: Vec<usize> = routes[rb]
        .iter()
        .copied()
        .filter(|&j| j != pk && j != dl)
        .collect();
    let a_rest: Vec<usize> = routes[ra]
        .iter()
        .copied()
        .filter(|&j| j != pk && j != dl)
        .collect();
    let rv = reduced.iter().position(|&j| j == v)? + 1;
    let m = reduced.len();
    let old = walk_cost(p, &routes[ra]).unwrap()
        + if same {
            0
        } else {
            walk_cost(p, &routes[rb]).unwrap()
        };
    let rest = if same { 0 } else { walk_cost(p, &a_rest)? };
    for x in [rv, rv - 1] {
        // Partner positions in the operator's scan order (delivery: ascending
        // from u's place; pickup: descending to the route's start).
        let ys: Vec<usize> = if u == pk {
            (x..=m).collect()
        } else {
            (0..=x).rev().collect()
        };
        let mut best: Option<(Vec<usize>, i64)> = None;
        for y in ys {
            let (y1, y2) = if u == pk { (x, y) } else { (y, x) };
            let new = [
                &reduced[..y1],
                &[pk][..],
                &reduced[y1..y2],
                &[dl][..],
                &reduced[y2..],
            ]
            .concat();
            if let Some(c) = walk_cost(p, &new) {
                if c + rest < old && best.as_ref().is_none_or(|b| c < b.1) {
                    best = Some((new, c));
                }
            }
        }
        if let Some((new, _)) = best {
            return Some(if same {
                vec![(ra, new)]
            } else {
                vec![(ra, a_rest), (rb, new)]
            });
        }
    }
    None
}

// ---- hand-checked moves ----------------------------------------------------------

#[test]
fn relocate_within_a_route_hand_checked() {
    // On a line from the depot at 0: 0→30→10→20→0 is 80; 0→10→20→30→0 is 60.
    let p = Builder::new((0, 0))
        .jobs(&[(30, 0), (10, 0), (20, 0)])
        .build();
    let routes = vec![vec![0, 1, 2]];
    let want = vec![(0, vec![1, 2, 0])];
    assert_eq!(found(&Relocate, &p, &routes, (0, 2), want), -20);
    // Already in order: nothing improves.
    assert!(run(&Relocate, &p, &vec![vec![1, 2, 0]], 0, 2).is_none());
}

#[test]
fn relocate_between_routes_saves_the_route_and_its_fixed_cost() {
    // A: 0→100→0 (200), B: 0→90→0 (180); B: 0→90→100→0 (200), A empty: -180 - 7.
    let p = Builder::new((0, 0))
        .jobs(&[(100, 0), (90, 0)])
        .fixed_cost(7)
        .build();
    let routes = vec![vec![0], vec![1]];
    let want = vec![(0, vec![]), (1, vec![1, 0])];
    assert_eq!(found(&Relocate, &p, &routes, (0, 1), want), -187);
}

#[test]
fn swap_hand_checked() {
    // B=(10,10), A=(0,10), C=(10,0): 0→B→A→C→0 is 60, 0→A→B→C→0 is 40.
    let p = Builder::new((0, 0))
        .jobs(&[(10, 10), (0, 10), (10, 0)])
        .build();
    let routes = vec![vec![0, 1, 2]];
    let want = vec![(0, vec![1, 0, 2])];
    assert_eq!(found(&Swap, &p, &routes, (0, 1), want), -20);
    assert!(
        run(&Swap, &p, &routes, 1, 0).is_none(),
        "each unordered pair once"
    );
    // Between routes: A 0→(10,0)→(0,100)→0 = 220, B 0→(0,90)→(10,10)→0 = 200;
    // swapping (0,100) and (10,10): A = 40, B = 200.
    let p = Builder::new((0, 0))
        .jobs(&[(10, 0), (0, 100), (0, 90), (10, 10)])
        .build();
    let routes = vec![vec![0, 1], vec![2, 3]];
    let want = vec![(0, vec![0, 3]), (1, vec![2, 1])];
    assert_eq!(found(&Swap, &p, &routes, (1, 3), want), -180);
}

#[test]
fn or_opt_hand_checked() {
    // 0→10→50→60→20→30→0 is 140; the string (50, 60) after 30: 0→10→20→30→50→60→0 is 120.
    let p = Builder::new((0, 0))
        .jobs(&[(10, 0), (50, 0), (60, 0), (20, 0), (30, 0)])
        .build();
    let routes = vec![vec![0, 1, 2, 3, 4]];
    let want = vec![(0, vec![0, 3, 4, 1, 2])];
    assert_eq!(found(&OrOpt, &p, &routes, (1, 4), want), -20);
    // Between routes: A 0→(0,100)→(0,110)→0 = 220, B 0→(0,90)→0 = 180; the string
    // after (0,90): B = 220, A empty.
    let p = Builder::new((0, 0))
        .jobs(&[(0, 100), (0, 110), (0, 90)])
        .build();
    let routes = vec![vec![0, 1], vec![2]];
    let want = vec![(0, vec![]), (1, vec![2, 0, 1])];
    assert_eq!(found(&OrOpt, &p, &routes, (0, 2), want), -180);
}

#[test]
fn two_opt_star_hand_checked() {
    // A: x1=(0,50) then y2=(60,0); B: y1=(50,0) then x2=(0,60): 220 each.
    // Exchanging the tails after x1 and y1: A = x1,x2 (120), B = y1,y2 (120).
    let p = Builder::new((0, 0))
        .jobs(&[(0, 50), (60, 0), (50, 0), (0, 60)])
        .build();
    let routes = vec![vec![0, 1], vec![2, 3]];
    let want = vec![(0, vec![0, 3]), (1, vec![2, 1])];
    assert_eq!(found(&TwoOptStar, &p, &routes, (0, 3), want), -200);
    assert!(
        run(&TwoOptStar, &p, &vec![vec![0, 3, 1, 2]], 0, 3).is_none(),
        "one route"
    );
}

#[test]
fn swap_star_hand_checked() {
    // A: a1=(0,10), u=(100,0) (220); B: v=(0,20), b1=(100,10) (240). SWAP* puts v at
    // its cheapest place in A (before a1, the first of two equal places) and u at its
    // cheapest in B (in v's place): A = v,a1 (40), B = u,b1 (220).
    let p = Builder::new((0, 0))
        .jobs(&[(0, 10), (100, 0), (0, 20), (100, 10)])
        .build();
    let routes = vec![vec![0, 1], vec![2, 3]];
    let want = vec![(0, vec![2, 0]), (1, vec![1, 3])];
    assert_eq!(found(&SwapStar, &p, &routes, (1, 2), want), -200);
    // Within one route SWAP* does nothing.
    assert!(run(&SwapStar, &p, &vec![vec![0, 1, 2, 3]], 1, 2).is_none());
}

#[test]
fn pair_relocate_hand_checked() {
    // A: pickup (0,100), delivery (0,110) (220); B: (0,90) (180). The pair after
    // (0,90): B = 0→90→100→110→0 (220), A empty.
    let p = Builder::new((0, 0))
        .pair((0, 100), (0, 110), 3)
        .job((0, 90), 1)
        .build();
    let routes = vec![vec![0, 1], vec![2]];
    let want = vec![(0, vec![]), (1, vec![2, 0, 1])];
    assert_eq!(found(&PairRelocate, &p, &routes, (0, 2), want), -180);
    // The other operators leave pair members in place.
    for op in [&Relocate as &dyn Operator, &Swap, &OrOpt, &SwapStar] {
        assert!(
            run(op, &p, &routes, 0, 2).is_none(),
            "{} moved a pair member",
            op.name()
        );
    }
}

// ---- agreement with brute force on random cases ----------------------------------

type Brute = fn(&Problem, &Routes, usize, usize) -> Option<Rewrite>;

/// For every ordered pair of jobs of `cases` random cases: the operator's move is
/// the brute force's, and applying it changes the cost by the walk's delta.
fn agree(op: &dyn Operator, brute: Brute, opt: CaseOptions, cases: u64) -> (usize, usize) {
    let (mut found, mut checked) = (0, 0);
    for seed in 0..cases {
        let (p, routes) = random_case(seed, opt);
        for u in 0..p.n_jobs {
            for v in 0..p.n_jobs {
                if u == v {
                    continue;
                }
                checked += 1;
                let got = run(op, &p, &routes, u, v);
                let want = brute(&p, &routes, u, v);
                assert_eq!(
                    got,
                    want,
                    "{}: seed {seed}, u {u}, v {v}, routes {routes:?}",
                    op.name()
                );
                if let Some(rw) = got {
                    found += 1;
                    assert!(applied_delta(&p, &routes, rw) < 0);
                }
            }
        }
    }
    assert!(
        found > 0,
        "{}: no improving move in {checked} tries",
        op.name()
    );
    (found, checked)
}

const CASES: u64 = 60;

/// [`agree`] on each kind of case.
fn agree_on(op: &dyn Operator, brute: Brute, kinds: &[CaseOptions], cases: u64) {
    for &o in kinds {
        agree(op, brute, o, cases);
    }
}

fn options() -> [CaseOptions; 4] {
    let o = CaseOptions::default();
    [
        o,
        CaseOptions { windows: true, ..o },
        CaseOptions {
            pairs: true,
            windows: true,
            ..o
        },
        CaseOptions {
            windows: true,
            time_cost: true,
            ..o
        },
    ]
}

#[test]
fn relocate_agrees_with_brute_force() {
    agree_on(&Relocate, brute_relocate, &options(), CASES);
}

#[test]
fn swap_agrees_with_brute_force() {
    agree_on(&Swap, brute_swap, &options(), CASES);
}

#[test]
fn or_opt_agrees_with_brute_force() {
    agree_on(&OrOpt, brute_or_opt, &options(), CASES);
}

#[test]
fn two_opt_star_agrees_with_brute_force() {
    agree_on(&TwoOptStar, brute_two_opt_star, &options(), CASES);
}

#[test]
fn swap_star_agrees_with_brute_force() {
    // SWAP* chooses places by distance, so only distance-only cases.
    let o = CaseOptions::default();
    let cases = [
        o,
        CaseOptions { windows: true, ..o },
        CaseOptions { pairs: true, ..o },
    ];
    agree_on(&SwapStar, brute_swap_star, &cases, CASES);
}

#[test]
fn pair_relocate_agrees_with_brute_force() {
    let o = CaseOptions {
        pairs: true,
        ..CaseOptions::default()
    };
    let timed = CaseOptions {
        time_cost: true,
        windows: true,
        ..o
    };
    let cases = [o, CaseOptions { windows: true, ..o }, timed];
    agree_on(&PairRelocate, brute_pair_relocate, &cases, CASES * 2);
}
