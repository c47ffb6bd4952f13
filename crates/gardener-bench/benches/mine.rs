//! Criterion benchmarks of the miner on each loghub-2k system: `observe` every line, then
//! `finish`. Groups are named `mine/loghub/<system>`; throughput is in lines.
//!
//! `cargo bench -p gardener-bench --bench mine`

#![allow(clippy::print_stderr)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gardener_bench::loghub;
use gardener_mine::{Miner, MinerConfig};

fn bench(c: &mut Criterion) {
    let dir = gardener_test::shared_dir().join("loghub-2k");
    let Ok(sets) = loghub::datasets(&dir) else {
        eprintln!(
            "no loghub-2k data at {}: nothing to benchmark",
            dir.display()
        );
        return;
    };
    for set in sets {
        let Ok(rows) = loghub::load(&set.path) else {
            continue;
        };
        let lines: Vec<&str> = rows.iter().map(|r| r.content.as_str()).collect();
        let mut group = c.benchmark_group(format!("mine/loghub/{}", set.name));
        group.throughput(Throughput::Elements(lines.len() as u64));
        group.bench_function("observe+finish", |b| {
            b.iter(|| {
                let mut miner = Miner::new(MinerConfig::default());
                for line in &lines {
                    std::hint::black_box(miner.observe(line));
                }
                std::hint::black_box(miner.finish().len())
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
