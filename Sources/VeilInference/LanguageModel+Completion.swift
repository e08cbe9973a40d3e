import VeilTokenizers

extension LanguageModel {
    /// The tokens of a prompt: `chat` rendered as one user message with the model's chat template when given,
    /// else `prompt` tokenized as is (control tokens written in it become single tokens when `parseSpecial`).
    public nonisolated func promptTokens(prompt: String?, chat: String?, parseSpecial: Bool = false) -> [Int] {
        if let chat { return tokenize(chat: [ChatMessage(role: "user", content: chat)]) }
        return tokenize(prompt ?? "", parseSpecial: parseSpecial)
    }

    /// Streams a completion of `promptTokens` (``generate(_:parameters:topLogits:)``), calling `onText` with each
    /// generated token's text, and returns the summary (`nil` when the stream ended without one).
    public nonisolated func complete(
        _ promptTokens: [Int],
        parameters: SamplingParameters,
        topLogits: Int = 0,
        onText: (String) -> Void
    ) async throws -> GenerationSummary? {
        var summary: GenerationSummary?
        for try await event in generate(promptTokens, parameters: parameters, topLogits: topLogits) {
            switch event {
            case .token(_, let text): onText(text)
            case .finished(let result): summary = result
            }
        }
        return summary
    }
}
