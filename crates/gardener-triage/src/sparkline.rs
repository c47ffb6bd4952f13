//! Per-minute sparklines (`▁▂▃▅▇`).

use std::collections::BTreeMap;

const BARS: [char; 5] = ['▁', '▂', '▃', '▅', '▇'];

/// A sparkline of counts per minute from `first` to `last` (inclusive), squeezed into at most
/// `width` cells: each cell shows the largest count of the minutes it covers. A cell with no
/// event is a space, so quiet stretches stay visible; a non-zero cell is at least `▁`.
#[must_use]
pub fn sparkline(per_minute: &BTreeMap<i64, u64>, first: i64, last: i64, width: usize) -> String {
    if last < first || width == 0 {
        return String::new();
    }
    let span = usize::try_from(last - first + 1).unwrap_or(usize::MAX);
    let cells = span.min(width);
    let mut maxima = vec![0u64; cells];
    for (&minute, &count) in per_minute.range(first..=last) {
        let offset = usize::try_from(minute - first).unwrap_or(0);
        let cell = offset * cells / span;
        maxima[cell] = maxima[cell].max(count);
    }
    let top = maxima.iter().copied().max().unwrap_or(0);
    maxima
        .iter()
        .map(|&count| {
            if count == 0 {
                ' '
            } else {
                // Scale 1..=top onto the five bars.
                let level =
                    ((count - 1) * (BARS.len() as u64 - 1)) / top.max(1).saturating_sub(1).max(1);
                BARS[usize::try_from(level).unwrap_or(0).min(BARS.len() - 1)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cell_per_minute_when_it_fits() {
        let counts = BTreeMap::from([(0, 1), (2, 5), (3, 3)]);
        assert_eq!(sparkline(&counts, 0, 4, 60), "▁ ▇▃ ");
    }

    #[test]
    fn long_windows_are_squeezed_keeping_peaks() {
        let counts: BTreeMap<i64, u64> = (0..120)
            .map(|m| (m, if m == 100 { 9 } else { 1 }))
            .collect();
        let line = sparkline(&counts, 0, 119, 12);
        assert_eq!(line.chars().count(), 12);
        assert_eq!(line.chars().nth(10), Some('▇'));
        assert_eq!(line.chars().next(), Some('▁'));
    }

    #[test]
    fn empty_input_is_blank() {
        assert_eq!(sparkline(&BTreeMap::new(), 0, 2, 10), "   ");
        assert_eq!(sparkline(&BTreeMap::new(), 3, 2, 10), "");
    }
}
