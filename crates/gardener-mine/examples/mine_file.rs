//! Mines a text file (one message per line) and prints each pattern with its count, most
//! frequent first: `cargo run --release -p gardener-mine --example mine_file -- FILE`.

#![allow(clippy::print_stdout)]

use gardener_mine::{Miner, MinerConfig};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).expect("usage: mine_file FILE");
    let text = std::fs::read_to_string(path)?;
    let mut miner = Miner::new(MinerConfig::default());
    for line in text.lines() {
        miner.observe(line);
    }
    let patterns = miner.finish();
    for index in patterns.iter() {
        println!("{:8} {}", patterns.count(index), patterns.template(index));
    }
    Ok(())
}
