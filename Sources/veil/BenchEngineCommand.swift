import ArgumentParser
import Foundation
import VeilInference

/// `veil bench engine`: decode and prefill tokens/s of SmolLM2, sentences/s of MiniLM.
struct BenchEngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Decode (tg) and prefill (pp) tokens/s of a GGUF model and sentences/s of an embedding model.",
        discussion: "Threads: VEIL_THREADS (default: one per core). Reports the median of --repetitions runs."
    )

    @Option(name: .long, help: "The language model (GGUF path or name).")
    var model = "smollm2-135m-instruct"

    @Option(name: .long, help: "The embedding model (directory or name); empty to skip.")
    var embedModel = "all-minilm-l6-v2"

    @Option(name: .long, help: "Prompt length for the prefill measurement.")
    var prefill = 128

    @Option(name: .long, help: "Tokens generated for the decode measurement.")
    var decode = 128

    @Option(name: .long, help: "Repetitions (the median is reported).")
    var repetitions = 3

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Output: Encodable {
        let threads: Int
        let prefillTokens: Int
        let prefillTokensPerSecond: Double
        let decodeTokens: Int
        let decodeTokensPerSecond: Double
        let sentencesPerSecond: Double?
        let peakResidentBytes: Int
        /// Process CPU time (all threads) per decoded token: a figure that a busy machine distorts less.
        let decodeCPUMillisecondsPerToken: Double
        let loadAverage: String
    }

    func run() async throws {
        let languageModel = try ModelResolution.languageModel(model)
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
            prefillRates.append(Double(prefill) / (ContinuousClock.now - start).secondsValue)
            var parameters = SamplingParameters(maxTokens: decode + 1)
            parameters.temperature = 0
            // Decode from a one-token prompt, never stopping early at an end-of-generation token.
            let cpuStart = clock()
            let summary = try await languageModel.complete([prompt[0]], parameters: parameters)
            decodeCPU.append(Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC) / Double(max(1, decode)) * 1000)
            decodeRates.append(summary.tokensPerSecond)
        }
        var sentenceRate: Double?
        if !embedModel.isEmpty {
            let embedder = try ModelResolution.embedder(embedModel)
            let sentences = (0..<32).map { Self.benchmarkSentences[$0 % Self.benchmarkSentences.count] }
            _ = await embedder.embed(sentences)
            var rates: [Double] = []
            for _ in 0..<max(1, repetitions) {
                let start = ContinuousClock.now
                _ = await embedder.embed(sentences, batchSize: 32)
                rates.append(Double(sentences.count) / (ContinuousClock.now - start).secondsValue)
            }
            sentenceRate = median(rates)
        }
        let output = Output(
            threads: Int(ProcessInfo.processInfo.environment["VEIL_THREADS"] ?? "")
                ?? ProcessInfo.processInfo.activeProcessorCount,
            prefillTokens: prefill,
            prefillTokensPerSecond: median(prefillRates),
            decodeTokens: decode,
            decodeTokensPerSecond: median(decodeRates),
            sentencesPerSecond: sentenceRate,
            peakResidentBytes: Self.peakResidentBytes(),
            decodeCPUMillisecondsPerToken: median(decodeCPU),
            loadAverage: (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
                .split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
        )
        switch format {
        case .json: try JSONOutput.print(output)
        case .text:
            print(String(format: "threads            %d", output.threads))
            print(String(format: "prefill pp%-5d    %.1f tokens/s", prefill, output.prefillTokensPerSecond))
            print(String(format: "decode  tg%-5d    %.1f tokens/s", decode, output.decodeTokensPerSecond))
            if let sentenceRate { print(String(format: "embed (batch 32)   %.1f sentences/s", sentenceRate)) }
            print(String(format: "peak RSS           %.1f MiB", Double(output.peakResidentBytes) / 1_048_576))
            print(
                String(
                    format: "decode CPU time    %.2f ms/token (all threads)",
                    output.decodeCPUMillisecondsPerToken
                )
            )
            print("load average       \(output.loadAverage) (other work on the machine lowers these figures)")
        }
    }

    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// VmHWM from /proc/self/status (Linux), in bytes.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return digits * 1024
        }
        return 0
    }

    static let benchmarkSentences = [
        "The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.",
        "A man is playing a guitar.", "The cat sits on the warm windowsill.", "Stocks fell sharply on Monday.",
        "She finished the marathon in under four hours.", "Quantum computers use qubits instead of bits.",
    ]
}

extension Duration {
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
