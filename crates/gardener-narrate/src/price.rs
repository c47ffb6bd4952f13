//! Money as integer micro-dollars, and the price table.
//!
//! No floating-point sums: a call's cost is computed exactly from integer token counts and a
//! price in micro-dollars per million tokens, rounded half up to a whole micro-dollar once per
//! part (input, output), and every total is the integer sum of those parts. Printed with six
//! decimals, the printed parts therefore add up to the printed total.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

/// An amount of US dollars in whole micro-dollars (1e-6 USD).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd(u64);

impl Usd {
    /// Zero dollars.
    pub const ZERO: Self = Self(0);

    /// From whole micro-dollars.
    #[must_use]
    pub const fn from_micros(micros: u64) -> Self {
        Self(micros)
    }

    /// Whole micro-dollars.
    #[must_use]
    pub const fn micros(self) -> u64 {
        self.0
    }

    /// Parses a plain decimal amount (`0.05`, `2`, `.5`, `$1.25`) exactly; more than six
    /// decimals are refused rather than rounded.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix('$').unwrap_or(text);
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        if (whole.is_empty() && frac.is_empty())
            || frac.len() > 6
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut frac_micros: u64 = 0;
        for (i, digit) in frac.bytes().enumerate() {
            let place = 10u64.pow(5 - u32::try_from(i).ok()?);
            frac_micros += u64::from(digit - b'0') * place;
        }
        whole
            .checked_mul(1_000_000)
            .and_then(|w| w.checked_add(frac_micros))
            .map(Self)
    }

    /// From a float read from TOML, rounded to the nearest micro-dollar (prices and budgets
    /// are inputs; they are rounded once, here, and never summed as floats).
    #[must_use]
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked to be finite, non-negative and below 1e12 first"
    )]
    pub fn from_f64(value: f64) -> Option<Self> {
        (value.is_finite() && (0.0..1e12).contains(&value))
            .then(|| Self((value * 1e6).round() as u64))
    }

    /// The sum, saturating (a ledger never comes near `u64::MAX` micro-dollars).
    #[must_use]
    pub const fn plus(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Usd {
    /// Six decimals, no currency sign: `0.000150`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

impl Serialize for Usd {
    /// As the exact decimal string, `"0.000150"`, so JSON readers never see a float.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A model's price: USD per million input (prompt) and output (completion) tokens, kept as
/// micro-dollars per million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Price {
    /// Per million prompt tokens.
    pub input_per_mtok: Usd,
    /// Per million completion tokens.
    pub output_per_mtok: Usd,
}

impl Price {
    /// The cost of `tokens` input tokens, rounded half up to a micro-dollar.
    #[must_use]
    pub fn input_cost(self, tokens: u64) -> Usd {
        cost(tokens, self.input_per_mtok)
    }

    /// The cost of `tokens` output tokens, rounded half up to a micro-dollar.
    #[must_use]
    pub fn output_cost(self, tokens: u64) -> Usd {
        cost(tokens, self.output_per_mtok)
    }
}

/// `tokens × price / 1e6`, exact in pico-dollars, then rounded half up to micro-dollars.
fn cost(tokens: u64, per_mtok: Usd) -> Usd {
    let pico = u128::from(tokens) * u128::from(per_mtok.micros());
    let micros = (pico + 500_000) / 1_000_000;
    Usd(u64::try_from(micros).unwrap_or(u64::MAX))
}

/// The date the default table was taken from the providers' pricing pages.
pub const DEFAULT_PRICES_DATE: &str = "2025-06-01";

/// Default prices (USD per million tokens: input, output) as published by OpenAI and Anthropic
/// on [`DEFAULT_PRICES_DATE`]. A default only: prices change, and `gardener.toml` overrides any
/// of them with `[llm.prices."MODEL"]`.
const DEFAULT_PRICES: [(&str, u64, u64); 10] = [
    ("gpt-4o-mini", 150_000, 600_000),
    ("gpt-4o", 2_500_000, 10_000_000),
    ("gpt-4.1-nano", 100_000, 400_000),
    ("gpt-4.1-mini", 400_000, 1_600_000),
    ("gpt-4.1", 2_000_000, 8_000_000),
    ("claude-3-haiku", 250_000, 1_250_000),
    ("claude-3-5-haiku", 800_000, 4_000_000),
    ("claude-3-7-sonnet", 3_000_000, 15_000_000),
    ("claude-sonnet-4", 3_000_000, 15_000_000),
    ("claude-opus-4", 15_000_000, 75_000_000),
];

/// Where a price came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    /// The built-in default table of [`DEFAULT_PRICES_DATE`].
    Default,
    /// `gardener.toml`.
    Config,
}

/// The price table: defaults plus overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceTable {
    entries: BTreeMap<String, (Price, PriceSource)>,
}

impl Default for PriceTable {
    fn default() -> Self {
        let entries = DEFAULT_PRICES
            .iter()
            .map(|&(model, input, output)| {
                let price = Price {
                    input_per_mtok: Usd(input),
                    output_per_mtok: Usd(output),
                };
                (model.to_owned(), (price, PriceSource::Default))
            })
            .collect();
        Self { entries }
    }
}

impl PriceTable {
    /// Sets (or overrides) a model's price.
    pub fn set(&mut self, model: &str, price: Price) {
        self.entries
            .insert(model.to_owned(), (price, PriceSource::Config));
    }

    /// The price of a model: an exact entry, else the longest entry that is a prefix of the
    /// name followed by `-` (so `gpt-4o-mini-2024-07-18` is priced as `gpt-4o-mini`, and
    /// `claude-3-5-haiku-latest` as `claude-3-5-haiku`). `None`: unknown.
    #[must_use]
    pub fn lookup(&self, model: &str) -> Option<(&str, Price, &PriceSource)> {
        if let Some((key, (price, source))) = self.entries.get_key_value(model) {
            return Some((key, *price, source));
        }
        self.entries
            .iter()
            .filter(|(key, _)| {
                model
                    .strip_prefix(key.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
            })
            .max_by_key(|(key, _)| key.len())
            .map(|(key, (price, source))| (key.as_str(), *price, source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_dollars_exactly_and_refuses_more_than_six_decimals() {
        assert_eq!(Usd::parse("0.05"), Some(Usd(50_000)));
        assert_eq!(Usd::parse("$1.25"), Some(Usd(1_250_000)));
        assert_eq!(Usd::parse(".000001"), Some(Usd(1)));
        assert_eq!(Usd::parse("3"), Some(Usd(3_000_000)));
        assert_eq!(Usd::parse("0.0000001"), None);
        assert_eq!(Usd::parse("-1"), None);
        assert_eq!(Usd::parse("1e3"), None);
        assert_eq!(Usd::parse(""), None);
    }

    #[test]
    fn prints_six_decimals() {
        assert_eq!(Usd(150).to_string(), "0.000150");
        assert_eq!(Usd(12_345_678).to_string(), "12.345678");
    }

    #[test]
    fn cost_is_exact_then_rounded_half_up_per_part() {
        let mini = Price {
            input_per_mtok: Usd(150_000),
            output_per_mtok: Usd(600_000),
        };
        // 1234 tokens at $0.15/Mtok = $0.0001851 -> 185 micro-dollars.
        assert_eq!(mini.input_cost(1234), Usd(185));
        // 10 tokens at $0.60/Mtok = $0.000006 exactly.
        assert_eq!(mini.output_cost(10), Usd(6));
        // 5 tokens at $0.10/Mtok = 0.5 micro-dollars: half rounds up.
        let nano = Price {
            input_per_mtok: Usd(100_000),
            output_per_mtok: Usd(0),
        };
        assert_eq!(nano.input_cost(5), Usd(1));
        assert_eq!(nano.input_cost(4), Usd(0));
    }

    #[test]
    fn dated_model_names_take_the_price_of_their_family() {
        let table = PriceTable::default();
        let (key, price, source) = table.lookup("gpt-4o-mini-2024-07-18").unwrap();
        assert_eq!(key, "gpt-4o-mini");
        assert_eq!(price.input_per_mtok, Usd(150_000));
        assert_eq!(*source, PriceSource::Default);
        assert_eq!(table.lookup("gpt-4o").unwrap().0, "gpt-4o");
        assert!(table.lookup("llama3.1:8b").is_none());
        assert!(table.lookup("gpt-4omini").is_none());
    }

    #[test]
    fn configured_prices_override_defaults() {
        let mut table = PriceTable::default();
        let free = Price {
            input_per_mtok: Usd::ZERO,
            output_per_mtok: Usd::ZERO,
        };
        table.set("gpt-4o", free);
        table.set("llama3.1", free);
        assert_eq!(table.lookup("gpt-4o").unwrap().1, free);
        assert_eq!(*table.lookup("llama3.1").unwrap().2, PriceSource::Config);
    }
}
