//! Routing search core: route segments, local search and the metaheuristic.
