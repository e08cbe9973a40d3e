import ArgumentParser
import Foundation
import VeilBenchmarks
import VeilInference

/// `veil bench e2e`: the same streaming chat request encrypted end to end through the node (chunked OHTTP over
/// loopback HTTP, in this process) versus sent in plaintext straight to the engine; time to first token and
/// per-token latency, and the overhead of the encrypted path.
struct BenchE2ECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Overhead of end-to-end encryption through the node on time to first token and per-token latency.",
        discussion: """
            Runs the node in this process on 127.0.0.1 (SIMULATED TEE, self-attested) and alternates the two paths \
            --runs times each, greedy decoding of --tokens tokens for the same prompt. Reports medians.
            """
    )

    @Option(name: .long, help: "The language model (GGUF path or name).")
    var model = "smollm2-135m-instruct"

    @Option(name: .long, help: "The user message.")
    var prompt = "Explain in a few sentences why the sky is blue."

    @Option(name: .long, help: "Tokens generated per run.")
    var tokens = 64

    @Option(name: .long, help: "Runs per path (alternating; the median is reported).")
    var runs = 5

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let output = try await E2EBenchmark(
            model: try ModelResolution.languageModel(model),
            prompt: prompt,
            tokens: tokens,
            runs: runs
        ).run()
        try format.print(output)
    }
}
