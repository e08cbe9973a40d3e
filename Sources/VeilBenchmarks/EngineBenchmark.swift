import _VeilBytes
import Foundation
public import VeilInference

/// `veil bench engine`: decode and prefill tokens/s of a GGUF language model and sentences/s of an embedding
/// model. Threads: `VEIL_THREADS` (default: one per core). Reports the median (nearest-rank, ``Samples``; before
/// it, the upper of the two middle values for an even count) of `repetitions` runs.
public struct EngineBenchmark: Sendable {
    /// The language model, loaded.
    public var languageModel: LanguageModel
    /// The embedding model, loaded; nil to skip the embedding measurement.
    public var embedder: SentenceEmbedder?
    /// Prompt length for the prefill measurement.
    public var prefill: Int
    /// Tokens generated for the decode measurement.
    public var decode: Int
    /// Repetitions of each measurement.
    public var repetitions: Int

    /// A benchmark of these models with these settings.
    public init(
        languageModel: LanguageModel,
        embedder: SentenceEmbedder?,
        prefill: Int,
        decode: Int,
        repetitions: Int
    ) {
        self.languageModel = languageModel
        self.embedder = embedder
        self.prefill = prefill
        self.decode = decode
        self.repetitions = repetitions
    }

    /// What the benchmark measured (medians of the repetitions).
    public struct Output: Encodable, Sendable {
        /// Compute threads.
        public let threads: Int
        /// Prompt length of the prefill measurement.
        public let prefillTokens: Int
        /// Prefill tokens per second.
        public let prefillTokensPerSecond: Double
        /// Tokens of the decode measurement.
        public let decodeTokens: Int
        /// Decode tokens per second.
        public let decodeTokensPerSecond: Double
        /// Embedded sentences per second (batch 32), when measured.
        public let sentencesPerSecond: Double?
        /// Peak resident memory (VmHWM), bytes.
        public let peakResidentBytes: Int
        /// Process CPU time (all threads) per decoded token: a figure that a busy machine distorts less.
        public let decodeCPUMillisecondsPerToken: Double
        /// The 1, 5 and 15 minute load averages.
        public let loadAverage: String
    }

    /// Runs the measurements.
    public func run() async throws -> Output {
        let vocabulary = languageModel.configuration.vocabularySize
        var generator = SystemRandomNumberGenerator()
        // A prompt of ordinary tokens (ids 200..<vocabulary, as llama-bench uses random tokens).
        let prompt = (0..<prefill).map { _ in Int.random(in: 200..<vocabulary, using: &generator) }
        var prefillRates: [Double] = []
        var decodeRates: [Double] = []
        var decodeCPU: [Double] = []
        _ = await languageModel.lastLogits(Array(prompt.prefix(8)))
        for _ in 0..<max(1, repetitions) {
            let start = ContinuousClock.now
            _ = await languageModel.lastLogits(prompt)
            prefillRates.append(Double(prefill) / (ContinuousClock.now - start).seconds)
            var parameters = SamplingParameters(maxTokens: decode + 1)
            parameters.temperature = 0
            // Decode from a one-token prompt, never stopping early at an end-of-generation token.
            let cpuStart = clock()
            let summary = try await languageModel.complete([prompt[0]], parameters: parameters)
            decodeCPU.append(Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC) / Double(max(1, decode)) * 1000)
            decodeRates.append(summary.tokensPerSecond)
        }
        var sentenceRate: Double?
        if let embedder {
            let sentences = (0..<32).map { Self.benchmarkSentences[$0 % Self.benchmarkSentences.count] }
            _ = await embedder.embed(sentences)
            var rates: [Double] = []
            for _ in 0..<max(1, repetitions) {
                let start = ContinuousClock.now
                _ = await embedder.embed(sentences, batchSize: 32)
                rates.append(Double(sentences.count) / (ContinuousClock.now - start).seconds)
            }
            sentenceRate = Samples(rates).median
        }
        let output = Output(
            threads: Int(ProcessInfo.processInfo.environment["VEIL_THREADS"] ?? "")
                ?? ProcessInfo.processInfo.activeProcessorCount,
            prefillTokens: prefill,
            prefillTokensPerSecond: Samples(prefillRates).median,
            decodeTokens: decode,
            decodeTokensPerSecond: Samples(decodeRates).median,
            sentencesPerSecond: sentenceRate,
            peakResidentBytes: Self.peakResidentBytes(),
            decodeCPUMillisecondsPerToken: Samples(decodeCPU).median,
            loadAverage: (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
                .split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
        )
        return output
    }

    /// The peak resident memory of this process: VmHWM from /proc/self/status (Linux), in bytes.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return digits * 1024
        }
        return 0
    }

    /// The sentences embedded.
    static let benchmarkSentences = [
        "The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.",
        "A man is playing a guitar.", "The cat sits on the warm windowsill.", "Stocks fell sharply on Monday.",
        "She finished the marathon in under four hours.", "Quantum computers use qubits instead of bits.",
    ]
}

extension EngineBenchmark.Output: BenchmarkReport {
    public var text: String {
        var lines = [
            String(format: "threads            %d", threads),
            String(format: "prefill pp%-5d    %.1f tokens/s", prefillTokens, prefillTokensPerSecond),
            String(format: "decode  tg%-5d    %.1f tokens/s", decodeTokens, decodeTokensPerSecond),
        ]
        if let sentencesPerSecond {
            lines.append(String(format: "embed (batch 32)   %.1f sentences/s", sentencesPerSecond))
        }
        lines += [
            String(format: "peak RSS           %.1f MiB", Double(peakResidentBytes) / 1_048_576),
            String(format: "decode CPU time    %.2f ms/token (all threads)", decodeCPUMillisecondsPerToken),
            "load average       \(loadAverage) (other work on the machine lowers these figures)",
        ]
        return lines.joined(separator: "\n")
    }
}
