//! Benchmarks of Log Gardener (not published): loghub data loading and the template-mining
//! metrics (GA, PA, FGA, FTA), ported from `loghub-2k/score.py`.

pub mod corpus;
pub mod loghub;
