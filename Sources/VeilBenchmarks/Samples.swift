import _VeilBytes

/// The measured values of one quantity (latencies, rates), sorted once, with the statistics every `veil bench …`
/// reports: percentiles, median, mean, minimum and maximum.
///
/// Percentiles use the **nearest-rank** definition: the p-th percentile (0 < p ≤ 1) of n sorted values is the
/// value of rank ⌈p·n⌉ (1-based), so it is always one of the measured values and the 100th percentile is the
/// maximum. The median is the 50th percentile under the same rule (for an even count, the lower of the two middle
/// values). Every benchmark uses this one definition; before it, four functions disagreed (the upper middle value,
/// the mean of the two middle values, the value at index ⌊(n−1)·p⌋, and at index ⌊n·p⌋).
public struct Samples: Sendable, Equatable {
    /// The values in ascending order.
    public let sorted: [Double]

    /// Samples of `values`, in any order.
    public init(_ values: some Sequence<Double>) {
        sorted = values.sorted()
    }

    /// How many values were measured.
    public var count: Int { sorted.count }

    /// Whether nothing was measured.
    public var isEmpty: Bool { sorted.isEmpty }

    /// The nearest-rank `p`-th percentile (`p` in 0...1, e.g. 0.99): the value of rank ⌈p·n⌉; the minimum for
    /// `p` = 0 and 0 when there are no values.
    public func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        // A tolerance so that a product such as 0.99 × 100 does not round up past the rank it names.
        let rank = Int((p * Double(sorted.count) - 1e-9).rounded(.up))
        return sorted[Swift.min(sorted.count, Swift.max(1, rank)) - 1]
    }

    /// The median (the nearest-rank 50th percentile).
    public var median: Double { percentile(0.5) }

    /// The 50th percentile (the median).
    public var p50: Double { percentile(0.5) }

    /// The 90th percentile.
    public var p90: Double { percentile(0.9) }

    /// The 99th percentile.
    public var p99: Double { percentile(0.99) }

    /// The 99.9th percentile.
    public var p999: Double { percentile(0.999) }

    /// The arithmetic mean; 0 when there are no values.
    public var mean: Double { sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count) }

    /// The smallest value; 0 when there are no values.
    public var min: Double { sorted.first ?? 0 }

    /// The largest value; 0 when there are no values.
    public var max: Double { sorted.last ?? 0 }
}
