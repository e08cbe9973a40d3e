extension VeilClient {
    /// A conversation with the attested node: the messages so far (an optional system message, then each
    /// question and answer) and the sampling options of every answer.
    public struct ChatSession: Sendable {
        /// The messages so far.
        public private(set) var history: [ChatMessage]
        /// The options of every answer.
        public let options: GenerationOptions

        /// A conversation that starts with `system` as its system message, when given.
        public init(system: String? = nil, options: GenerationOptions = .init()) {
            history = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
            self.options = options
        }

        /// Sends `prompt` as the next user message through `client` and streams the answer, calling `onDelta`
        /// with each piece as it arrives; returns the whole answer. The answer joins the history when
        /// `remember` (a prompt that fails stays in the history, without an answer).
        public mutating func ask(
            _ prompt: String,
            using client: VeilClient,
            remember: Bool = true,
            onDelta: (String) -> Void
        ) async throws -> String {
            history.append(ChatMessage(role: "user", content: prompt))
            var text = ""
            for try await delta in client.streamChatCompletion(history, options: options) {
                text += delta.text
                onDelta(delta.text)
            }
            if remember { history.append(ChatMessage(role: "assistant", content: text)) }
            return text
        }
    }
}
