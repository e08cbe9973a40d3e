import Testing
import VeilBenchmarks

/// ``Samples``: the nearest-rank percentiles every `veil bench …` reports.
@Suite struct SamplesTests {
    @Test func percentilesAreNearestRank() {
        let samples = Samples((1...100).map(Double.init).shuffled())
        #expect(samples.count == 100)
        #expect(samples.sorted.first == 1)
        #expect(samples.p50 == 50)
        #expect(samples.p90 == 90)
        #expect(samples.p99 == 99)
        #expect(samples.p999 == 100)
        #expect(samples.percentile(1) == 100)
        #expect(samples.percentile(0) == 1)
        #expect(samples.min == 1)
        #expect(samples.max == 100)
        #expect(samples.mean == 50.5)
    }

    @Test func medianOfAnEvenCountIsTheLowerMiddleValue() {
        #expect(Samples([4, 1, 3, 2]).median == 2)
        #expect(Samples([3, 1, 2]).median == 2)
        #expect(Samples([7]).median == 7)
    }

    @Test func aPercentileIsAlwaysAMeasuredValue() {
        let values: [Double] = [0.5, 9, 2.25, 7, 3]
        let samples = Samples(values)
        for p in stride(from: 0.0, through: 1.0, by: 0.01) {
            #expect(values.contains(samples.percentile(p)))
        }
    }

    @Test func noValuesGiveZero() {
        let samples = Samples([Double]())
        #expect(samples.isEmpty)
        #expect(samples.p50 == 0)
        #expect(samples.p99 == 0)
        #expect(samples.mean == 0)
        #expect(samples.min == 0)
        #expect(samples.max == 0)
    }
}
