import ArgumentParser
import Foundation
import VeilBenchmarks
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

    func run() async throws {
        let output = try await EngineBenchmark(
            languageModel: try ModelResolution.languageModel(model),
            embedder: embedModel.isEmpty ? nil : try ModelResolution.embedder(embedModel),
            prefill: prefill,
            decode: decode,
            repetitions: repetitions
        ).run()
        try format.print(output)
    }
}
