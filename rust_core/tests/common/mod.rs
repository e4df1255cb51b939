//! The one builder of small routing test problems shared by the integration
//! tests: jobs on an integer grid with Manhattan distances (a metric, so the
//! operators' triangle-inequality bounds hold exactly), travel time equal to
//! distance, one vehicle type, one capacity dimension, and costs in whole
//! distance units (`cost_per_km = 1000` makes one unit of distance cost
//! exactly [`COST_SCALE`] internal units), plus the reference evaluation (the
//! stop-by-stop route walk) the tests compare the search's arithmetic with.

#![allow(dead_code)]

use yunli_core::routing::route::walk;
use yunli_core::routing::solution::{Solution, UNASSIGNED};
use yunli_core::routing::{Problem, ProblemInput, COST_SCALE};

/// Horizon of every window and of the vehicles' shift.
pub const HORIZON: i64 = 1_000_000;

/// A small problem under construction: the depot, jobs and one vehicle type.
#[derive(Clone, Debug)]
pub struct Builder {
    depot: (i64, i64),
    at: Vec<(i64, i64)>,
    delivery: Vec<i64>,
    pickup: Vec<i64>,
    service: Vec<i64>,
    tw: Vec<(i64, i64)>,
    pair_of: Vec<i64>,
    is_pickup: Vec<bool>,
    vehicles: usize,
    capacity: i64,
    fixed_cost: i64,
    cost_per_hour: i64,
}

impl Builder {
    /// A depot at `depot`, no jobs, ten vehicles of capacity 1,000, no fixed or time cost.
    pub fn new(depot: (i64, i64)) -> Builder {
        Builder {
            depot,
            at: Vec::new(),
            delivery: Vec::new(),
            pickup: Vec::new(),
            service: Vec::new(),
            tw: Vec::new(),
            pair_of: Vec::new(),
            is_pickup: Vec::new(),
            vehicles: 10,
            capacity: 1_000,
            fixed_cost: 0,
            cost_per_hour: 0,
        }
    }

    fn push(&mut self, at: (i64, i64), delivery: i64, pickup: i64, tw: (i64, i64)) -> usize {
        self.at.push(at);
        self.delivery.push(delivery);
        self.pickup.push(pickup);
        self.service.push(0);
        self.tw.push(tw);
        self.pair_of.push(-1);
        self.is_pickup.push(false);
        self.at.len() - 1
    }

    /// A delivery of `amount` at `at`, any time.
    pub fn job(mut self, at: (i64, i64), amount: i64) -> Builder {
        self.push(at, amount, 0, (0, HORIZON));
        self
    }

    /// Deliveries of 1 at each point of `at`, in order.
    pub fn jobs(self, at: &[(i64, i64)]) -> Builder {
        at.iter().fold(self, |b, &p| b.job(p, 1))
    }

    /// A job at `at` delivering `delivery` and picking up `pickup`, served within `tw`
    /// after `service` time units.
    pub fn job_full(
        mut self,
        at: (i64, i64),
        delivery: i64,
        pickup: i64,
        service: i64,
        tw: (i64, i64),
    ) -> Builder {
        let j = self.push(at, delivery, pickup, tw);
        self.service[j] = service;
        self
    }

    /// A pickup–delivery pair carrying `amount` from `from` to `to` (two jobs,
    /// the pickup first).
    pub fn pair(self, from: (i64, i64), to: (i64, i64), amount: i64) -> Builder {
        self.pair_full(from, to, amount, 0, (0, HORIZON), (0, HORIZON))
    }

    /// A pair with service time and windows for its pickup and its delivery.
    pub fn pair_full(
        mut self,
        from: (i64, i64),
        to: (i64, i64),
        amount: i64,
        service: i64,
        pickup_tw: (i64, i64),
        delivery_tw: (i64, i64),
    ) -> Builder {
        let pk = self.push(from, 0, amount, pickup_tw);
        let dl = self.push(to, amount, 0, delivery_tw);
        self.service[pk] = service;
        self.service[dl] = service;
        self.pair_of[pk] = dl as i64;
        self.pair_of[dl] = pk as i64;
        self.is_pickup[pk] = true;
        self
    }

    /// `vehicles` vehicles of capacity `capacity`.
    pub fn fleet(mut self, vehicles: usize, capacity: i64) -> Builder {
        self.vehicles = vehicles;
        self.capacity = capacity;
        self
    }

    /// A fixed cost per route used, in cost units.
    pub fn fixed_cost(mut self, cost: i64) -> Builder {
        self.fixed_cost = cost;
        self
    }

    /// A cost per hour of route duration (0: distance-only costs).
    pub fn cost_per_hour(mut self, cost: i64) -> Builder {
        self.cost_per_hour = cost;
        self
    }

    /// Number of jobs so far.
    pub fn n_jobs(&self) -> usize {
        self.at.len()
    }

    /// Location of job `j`.
    pub fn at(&self, j: usize) -> (i64, i64) {
        self.at[j]
    }

    /// Service time of job `j`.
    pub fn service(&self, j: usize) -> i64 {
        self.service[j]
    }

    /// The validated problem (location 0 is the depot, job `j` is at location `j + 1`).
    pub fn build(&self) -> Problem {
        let n = self.at.len();
        let pts: Vec<(i64, i64)> = std::iter::once(self.depot)
            .chain(self.at.iter().copied())
            .collect();
        let l = pts.len();
        let mut distance = vec![0; l * l];
        for a in 0..l {
            for b in 0..l {
                distance[a * l + b] = manhattan(pts[a], pts[b]);
            }
        }
        let inp = ProblemInput {
            durations: distance.clone(),
            distance,
            n_locations: l,
            n_dims: 1,
            job_location: (1..=n).collect(),
            job_delivery: self.delivery.clone(),
            job_pickup: self.pickup.clone(),
            job_service: self.service.clone(),
            job_tw: self.tw.iter().map(|&w| vec![w]).collect(),
            job_skills: vec![0; n],
            job_required: vec![true; n],
            job_penalty: vec![0; n],
            job_priority: vec![0; n],
            pair_of: self.pair_of.clone(),
            is_pickup: self.is_pickup.clone(),
            type_count: vec![self.vehicles],
            type_capacity: vec![self.capacity],
            type_start: vec![0],
            type_end: vec![0],
            type_fixed_cost: vec![self.fixed_cost],
            type_cost_per_km: vec![1000],
            type_cost_per_hour: vec![self.cost_per_hour],
            type_tw: vec![(0, HORIZON)],
            type_max_duration: vec![i64::MAX / 4],
            type_max_distance: vec![i64::MAX / 4],
            type_skills: vec![0],
            type_profile: vec![0],
            type_breaks: vec![Vec::new()],
            ..Default::default()
        };
        Problem::new(inp).expect("a valid test problem")
    }
}

pub fn manhattan(a: (i64, i64), b: (i64, i64)) -> i64 {
    (a.0 - b.0).abs() + (a.1 - b.1).abs()
}

/// Internal cost units → cost units (exact: every test cost is a whole number).
pub fn units(internal: i64) -> i64 {
    assert_eq!(internal % COST_SCALE, 0, "{internal} is not a whole cost");
    internal / COST_SCALE
}

/// A solution with one route of type 0 per job list; the other jobs unassigned.
pub fn solution(p: &Problem, routes: &[Vec<usize>]) -> Solution {
    let mut sol = Solution::empty(p);
    for jobs in routes {
        sol.add_route(p, 0, jobs.clone());
    }
    sol.unassigned.retain(|&j| sol.pos[j] == UNASSIGNED);
    sol
}

/// Cost of a route of type 0 serving `jobs`, by the stop-by-stop walk (None when
/// infeasible; an empty route costs nothing).
pub fn walk_cost(p: &Problem, jobs: &[usize]) -> Option<i64> {
    if jobs.is_empty() {
        return Some(0);
    }
    let w = walk(p, 0, jobs);
    w.feasible()
        .then(|| p.route_cost_dd(0, w.dist, w.dur) + w.late_cost)
}

/// Job lists of a solution's routes.
pub fn routes_of(sol: &Solution) -> Vec<Vec<usize>> {
    sol.routes.iter().map(|r| r.jobs.clone()).collect()
}

/// Total cost of route lists by the walk (None if one is infeasible).
pub fn total_cost(p: &Problem, routes: &[Vec<usize>]) -> Option<i64> {
    routes.iter().map(|r| walk_cost(p, r)).sum()
}

/// A small deterministic generator (tests need no crate for randomness).
pub struct Lcg(pub u64);

impl Lcg {
    /// Uniform in `0..m`.
    pub fn below(&mut self, m: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % m
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

/// Options of [`random_case`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CaseOptions {
    /// Some pickup–delivery pairs among the jobs.
    pub pairs: bool,
    /// Time windows tight around the first solution's schedule.
    pub windows: bool,
    /// A cost per hour besides distance.
    pub time_cost: bool,
}

/// A random feasible case: a problem with 2–3 routes of 2–5 jobs each on a
/// 0..60 grid, and those routes (a feasible, usually poor, solution). Windows
/// are placed around the routes' own schedule (so moves can break them), the
/// capacity is the routes' highest load plus a little.
pub fn random_case(seed: u64, opt: CaseOptions) -> (Problem, Vec<Vec<usize>>) {
    let mut g = Lcg(seed.wrapping_mul(7919).wrapping_add(17));
    loop {
        let n_routes = g.range(2, 3) as usize;
        let mut b = Builder::new((g.range(0, 60), g.range(0, 60)));
        let mut routes: Vec<Vec<usize>> = Vec::new();
        for _ in 0..n_routes {
            let len = g.range(2, 5) as usize;
            let mut r = Vec::new();
            while r.len() < len {
                let at = (g.range(0, 60), g.range(0, 60));
                if opt.pairs && r.len() + 2 <= len && g.below(2) == 0 {
                    let to = (g.range(0, 60), g.range(0, 60));
                    b = b.pair(at, to, g.range(1, 6));
                    let (pk, dl) = (b.n_jobs() - 2, b.n_jobs() - 1);
                    // pickup somewhere before the delivery
                    let i = g.below(r.len() as u64 + 1) as usize;
                    r.insert(i, pk);
                    let k = i + 1 + g.below((r.len() - i) as u64) as usize;
                    r.insert(k, dl);
                } else {
                    let (d, q) = match g.below(3) {
                        0 => (0, g.range(1, 6)),
                        _ => (g.range(1, 6), 0),
                    };
                    b = b.job_full(at, d, q, g.range(0, 5), (0, HORIZON));
                    r.push(b.n_jobs() - 1);
                }
            }
            routes.push(r);
        }
        if opt.windows {
            // Each job's window holds its start on its route, with a little slack.
            for r in &routes {
                let mut t = 0;
                let mut loc = b.depot;
                for &j in r {
                    t += manhattan(loc, b.at[j]);
                    let lo = (t - g.range(0, 40)).max(0);
                    b.tw[j] = (lo, t + g.range(0, 40));
                    t += b.service[j];
                    loc = b.at[j];
                }
            }
        }
        if opt.time_cost {
            b = b.cost_per_hour(g.range(1, 3) * 1800);
        }
        b = b.fixed_cost(g.range(0, 30));
        // Smallest capacity that keeps every route feasible, plus 0..4.
        let lo = routes.iter().map(|r| max_load(&b, r)).max().unwrap_or(0);
        b = b.fleet(routes.len() + 2, lo + g.range(0, 4));
        let p = b.build();
        if routes.iter().all(|r| walk_cost(&p, r).is_some()) {
            return (p, routes);
        }
    }
}

/// Highest load on board along route `r` (simple deliveries loaded at the depot).
fn max_load(b: &Builder, r: &[usize]) -> i64 {
    let mut load: i64 = r
        .iter()
        .filter(|&&j| b.pair_of[j] < 0)
        .map(|&j| b.delivery[j])
        .sum();
    let mut top = load;
    for &j in r {
        if b.pair_of[j] >= 0 {
            load += if b.is_pickup[j] {
                b.pickup[j]
            } else {
                -b.delivery[j]
            };
        } else {
            load += b.pickup[j] - b.delivery[j];
        }
        top = top.max(load);
    }
    top
}
