import Foundation

/// How the next token is chosen. `temperature` 0 is greedy (argmax, ties to the lowest id); otherwise the
/// filters run in llama.cpp's default order: repetition penalty → top-k → top-p → min-p → temperature → draw.
public struct SamplingParameters: Sendable, Hashable {
    /// Softmax temperature; 0 or less selects greedy decoding.
    public var temperature: Float = 0
    /// Keep only the `topK` most likely tokens (0: off).
    public var topK: Int = 40
    /// Keep the smallest set whose probability reaches `topP` (1: off).
    public var topP: Float = 0.95
    /// Drop tokens less likely than `minP` × the most likely one (0: off).
    public var minP: Float = 0.05
    /// Divide positive logits (multiply negative ones) of recently seen tokens by this (1: off).
    public var repetitionPenalty: Float = 1
    /// How many recent tokens the penalty looks at.
    public var repetitionWindow: Int = 64
    /// The seed of the random generator, so that a sampled completion can be reproduced.
    public var seed: UInt64 = 0
    /// The most tokens to generate.
    public var maxTokens: Int = 128
    /// Generation stops before any of these strings (they are not included in the text).
    public var stopStrings: [String] = []

    /// Greedy decoding of at most `maxTokens` tokens.
    public init(maxTokens: Int = 128) { self.maxTokens = maxTokens }
}

/// A seeded pseudo-random generator (xoshiro256**), so that sampling is reproducible from its seed.
struct Xoshiro256: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var splitmix = seed
        func next() -> UInt64 {
            splitmix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitmix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }
}

/// Chooses tokens from logits according to ``SamplingParameters``.
struct Sampler {
    let parameters: SamplingParameters
    private var generator: Xoshiro256

    init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        generator = Xoshiro256(seed: parameters.seed)
    }

    static func argmax(_ logits: [Float]) -> Int {
        var best = 0
        for index in logits.indices where logits[index] > logits[best] { best = index }
        return best
    }

    mutating func sample(_ input: [Float], history: [Int]) -> Int {
        var logits = input
        if parameters.repetitionPenalty != 1 {
            for token in Set(history.suffix(parameters.repetitionWindow)) where token < logits.count {
                logits[token] =
                    logits[token] > 0
                    ? logits[token] / parameters.repetitionPenalty : logits[token] * parameters.repetitionPenalty
            }
        }
        if parameters.temperature <= 0 { return Self.argmax(logits) }
        var candidates = Self.top(parameters.topK > 0 ? parameters.topK : logits.count, of: logits)
        var probabilities = Self.softmax(candidates.map(\.logit), temperature: 1)
        if parameters.topP < 1 {
            var cumulative: Float = 0
            var keep = candidates.count
            for (index, probability) in probabilities.enumerated() {
                cumulative += probability
                if cumulative >= parameters.topP {
                    keep = index + 1
                    break
                }
            }
            candidates.removeLast(candidates.count - keep)
            probabilities.removeLast(probabilities.count - keep)
        }
        if parameters.minP > 0, let top = probabilities.first {
            let keep = max(1, probabilities.prefix { $0 >= parameters.minP * top }.count)
            candidates.removeLast(candidates.count - keep)
        }
        probabilities = Self.softmax(candidates.map(\.logit), temperature: parameters.temperature)
        let draw = Float(Double(generator.next() >> 11) * 0x1.0p-53)
        var cumulative: Float = 0
        for (index, probability) in probabilities.enumerated() {
            cumulative += probability
            if draw < cumulative { return candidates[index].id }
        }
        return candidates[candidates.count - 1].id
    }

    /// The `k` largest logits, largest first (ties to the lower id), found in one pass when `k` is small instead
    /// of sorting the whole vocabulary for every token.
    static func top(_ k: Int, of logits: [Float]) -> [(id: Int, logit: Float)] {
        func before(_ a: (id: Int, logit: Float), _ b: (id: Int, logit: Float)) -> Bool {
            a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
        }
        guard k < logits.count / 8 else {
            return logits.indices.map { (id: $0, logit: logits[$0]) }.sorted(by: before).prefix(k).map { $0 }
        }
        var kept: [(id: Int, logit: Float)] = []
        kept.reserveCapacity(k + 1)
        for (id, logit) in logits.enumerated() {
            let candidate = (id: id, logit: logit)
            if kept.count == k, let last = kept.last, !before(candidate, last) { continue }
            var index = kept.count
            while index > 0, before(candidate, kept[index - 1]) { index -= 1 }
            kept.insert(candidate, at: index)
            if kept.count > k { kept.removeLast() }
        }
        return kept
    }

    static func softmax(_ logits: [Float], temperature: Float) -> [Float] {
        guard let maximum = logits.max() else { return [] }
        let exponentials = logits.map { Foundation.exp(($0 - maximum) / temperature) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }
}
