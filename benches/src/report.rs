//! Medians, spreads, ratios and the Markdown table.

use std::fmt::Write as _;

use crate::harness::{Case, Sample};

/// Median and range of some repetitions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    /// The median (the mean of the middle two for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Stat {
    /// The statistics of `values` (NaN for none).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Stat {
        let mut v: Vec<f64> = values.into_iter().collect();
        if v.is_empty() {
            return Stat { median: f64::NAN, min: f64::NAN, max: f64::NAN };
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        Stat { median, min: v[0], max: v[n - 1] }
    }

    /// `median (min–max)` with `decimals` digits after the point.
    pub fn show(&self, decimals: usize) -> String {
        format!("{:.d$} ({:.d$}–{:.d$})", self.median, self.min, self.max, d = decimals)
    }
}

/// The repetitions of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The driver's name.
    pub driver: &'static str,
    /// What one operation is.
    pub unit: &'static str,
    /// One sample per repetition, in the order they ran.
    pub samples: Vec<Sample>,
}

impl CaseResult {
    /// Pairs cases with their samples.
    pub fn collect(cases: &[Case], samples: Vec<Vec<Sample>>) -> Vec<CaseResult> {
        cases
            .iter()
            .zip(samples)
            .map(|(c, samples)| CaseResult { driver: c.driver, unit: c.unit, samples })
            .collect()
    }

    /// True when every repetition measured the server backend's CPU.
    pub fn has_server(&self) -> bool {
        self.samples.iter().all(|s| s.server_cpu.is_some())
    }

    /// Statistics of `f` over the repetitions.
    pub fn stat(&self, f: impl Fn(&Sample) -> f64) -> Stat {
        Stat::of(self.samples.iter().map(f))
    }

    /// Statistics of `f(self) / f(reference)` over repetitions paired by round (the runs
    /// were interleaved, so round `i` of both ran at about the same time).
    pub fn ratio(&self, reference: &CaseResult, f: impl Fn(&Sample) -> f64) -> Stat {
        Stat::of(self.samples.iter().zip(&reference.samples).map(|(a, b)| f(a) / f(b)))
    }
}

/// The Markdown table of one workload: throughput, CPU per operation (total, user, sys), peak
/// RSS, and each driver's CPU ratios to `reference` (a driver name).
pub fn table(results: &[CaseResult], reference: &str) -> String {
    let unit = results.first().map_or("op", |r| r.unit);
    let reference = results.iter().find(|r| r.driver == reference);
    let mut out = String::new();
    let ref_name = reference.map_or("-", |r| r.driver);
    let _ = writeln!(
        out,
        "| driver | {unit}/s | client CPU µs/{unit} (user+sys) | user µs/{unit} | sys µs/{unit} | peak RSS MiB | CPU ÷ {ref_name} | user CPU ÷ {ref_name} |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for r in results {
        let (cpu_ratio, user_ratio) = match reference {
            Some(reference) => (
                r.ratio(reference, Sample::cpu_us_per_op).show(2),
                r.ratio(reference, Sample::user_us_per_op).show(2),
            ),
            None => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | **{}** | {} | {} | {} | {} | {} |",
            r.driver,
            r.stat(|s| s.throughput() / 1000.0).show(1).replacen(' ', " k ", 1),
            r.stat(Sample::cpu_us_per_op).show(2),
            r.stat(Sample::user_us_per_op).show(2),
            r.stat(Sample::sys_us_per_op).show(2),
            r.stat(|s| s.max_rss_kib as f64 / 1024.0).show(1),
            cpu_ratio,
            user_ratio,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Stat;

    #[test]
    fn medians() {
        let s = Stat::of([3.0, 1.0, 2.0]);
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(Stat::of([4.0, 1.0, 2.0, 3.0]).median, 2.5);
        assert!(Stat::of([]).median.is_nan());
        assert_eq!(Stat::of([1.0, 2.0, 3.0]).show(1), "2.0 (1.0–3.0)");
    }
}
