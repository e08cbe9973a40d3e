import ArgumentParser
import Foundation
import VeilInference

/// `veil generate`: run a language model on a prompt or a chat message, streaming the completion.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with the built-in engine (GGUF, Llama family), streaming to the terminal.",
        discussion: """
            --prompt is tokenized as is (control tokens only with --parse-special); --chat renders one user \
            message with the model's chat template. Temperature 0 (the default) is greedy decoding.
            """
    )

    @Option(name: .long, help: "A GGUF file, or a model name from `veil model pull` (smollm2-135m-instruct).")
    var model: String

    @Option(name: .long, help: "The raw prompt.")
    var prompt: String?

    @Flag(name: .long, help: "Turn control tokens written in --prompt (<|im_start|>) into single tokens.")
    var parseSpecial = false

    @Option(name: .long, help: "A user message, rendered with the model's chat template.")
    var chat: String?

    @Option(name: .long, help: "Sampling temperature; 0 is greedy.")
    var temp: Float = 0

    @Option(name: .long, help: "Nucleus sampling threshold.")
    var topP: Float = 0.95

    @Option(name: .long, help: "Keep only the K most likely tokens (0: off).")
    var topK: Int = 40

    @Option(name: .long, help: "Drop tokens below this fraction of the top probability.")
    var minP: Float = 0.05

    @Option(name: .long, help: "Penalty for recently generated tokens (1: off).")
    var repeatPenalty: Float = 1

    @Option(name: .long, help: "The most tokens to generate.")
    var maxTokens: Int = 128

    @Option(name: .long, help: "Seed of the sampler's random generator.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Stop before this string (repeatable).")
    var stop: [String] = []

    @Option(name: .long, help: "With --format json: include the K largest logits at the last prompt position.")
    var topLogits: Int = 0

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard (prompt == nil) != (chat == nil) else {
            throw ValidationError("Pass exactly one of --prompt or --chat.")
        }
        guard maxTokens >= 0, topLogits >= 0 else {
            throw ValidationError("--max-tokens and --top-logits must be ≥ 0.")
        }
    }

    struct Output: Encodable {
        let promptTokens: [Int]
        let tokens: [Int]
        let text: String
        let stopReason: String
        let promptTokensPerSecond: Double
        let tokensPerSecond: Double
        let promptTopLogits: [[Double]]?
    }

    func run() async throws {
        let languageModel = try ModelResolution.languageModel(model)
        let ids = languageModel.promptTokens(prompt: prompt, chat: chat, parseSpecial: parseSpecial)
        guard !ids.isEmpty else {
            throw CLIError("The prompt is empty.", remedy: "Pass some text to --prompt or --chat.")
        }
        var parameters = SamplingParameters(maxTokens: maxTokens)
        parameters.temperature = temp
        parameters.topP = topP
        parameters.topK = topK
        parameters.minP = minP
        parameters.repetitionPenalty = repeatPenalty
        parameters.seed = seed
        parameters.stopStrings = stop
        let summary: GenerationSummary?
        do {
            summary = try await languageModel.complete(ids, parameters: parameters, topLogits: topLogits) { text in
                if format == .text { FileHandle.standardOutput.write(Data(text.utf8)) }
            }
        } catch {
            throw CLIError("Generation failed: \(error).", remedy: "Shorten the prompt or lower --max-tokens.")
        }
        guard let summary else { return }
        switch format {
        case .text:
            print("")
            FileHandle.standardError.write(
                Data(
                    String(
                        format: "[%d prompt tokens, %.1f t/s prefill; %d generated, %.1f t/s decode; stop: %@]\n",
                        summary.promptTokens.count,
                        summary.promptTokensPerSecond,
                        summary.tokens.count,
                        summary.tokensPerSecond,
                        summary.stopReason.rawValue
                    ).utf8
                )
            )
        case .json:
            try JSONOutput.print(
                Output(
                    promptTokens: summary.promptTokens,
                    tokens: summary.tokens,
                    text: summary.text,
                    stopReason: summary.stopReason.rawValue,
                    promptTokensPerSecond: summary.promptTokensPerSecond,
                    tokensPerSecond: summary.tokensPerSecond,
                    promptTopLogits: topLogits > 0
                        ? summary.promptTopLogits.map { [Double($0.id), Double($0.logit)] } : nil
                )
            )
        }
    }
}
