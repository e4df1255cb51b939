//! Vehicle–cargo matching: route-expertise profiles, scoring, top-k and assignment.
