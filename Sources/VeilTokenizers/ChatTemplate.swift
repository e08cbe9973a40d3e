/// A chat message.
public struct ChatMessage: Sendable, Hashable {
    /// `system`, `user` or `assistant`.
    public let role: String
    /// The text.
    public let content: String

    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The chat formats Veil renders, chosen from a model's `tokenizer.chat_template` the way llama.cpp's
/// `llm_chat_detect_template` does: by the markers the Jinja source contains. The template itself is not
/// executed; each format is written out here, including a default system prompt when the template inserts one.
public enum ChatTemplate: Sendable, Hashable {
    /// ChatML (`<|im_start|>role\n…<|im_end|>\n`); `defaultSystem` is inserted when the conversation has none.
    case chatML(defaultSystem: String?)
    /// Llama 3 (`<|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>`).
    case llama3
    /// Mistral / Llama 2 (`[INST] … [/INST]`).
    case mistral
    /// Gemma (`<start_of_turn>user\n…<end_of_turn>\n`).
    case gemma
    /// Phi-3 (`<|user|>\n…<|end|>\n`).
    case phi3

    /// Detects the format from a Jinja chat template; ChatML when nothing matches.
    public init(jinja: String?) {
        guard let jinja else {
            self = .chatML(defaultSystem: nil)
            return
        }
        if jinja.contains("<|im_start|>") {
            self = .chatML(defaultSystem: Self.defaultSystemPrompt(in: jinja))
        } else if jinja.contains("<|start_header_id|>") {
            self = .llama3
        } else if jinja.contains("<start_of_turn>") {
            self = .gemma
        } else if jinja.contains("<|user|>") && jinja.contains("<|end|>") {
            self = .phi3
        } else if jinja.contains("[INST]") {
            self = .mistral
        } else {
            self = .chatML(defaultSystem: nil)
        }
    }

    /// The system prompt a ChatML template inserts when the first message is not a system message (SmolLM2's
    /// "You are a helpful AI assistant named SmolLM, trained by Hugging Face"), read from the literal
    /// `'<|im_start|>system\n…<|im_end|>` in the template.
    static func defaultSystemPrompt(in jinja: String) -> String? {
        guard jinja.contains("!= 'system'") || jinja.contains("!= \"system\"") else { return nil }
        // The newline after the role is written `\\n` inside the Jinja string literal, or is a raw newline.
        guard let start = jinja.range(of: "<|im_start|>system\\n") ?? jinja.range(of: "<|im_start|>system\n") else {
            return nil
        }
        let rest = jinja[start.upperBound...]
        guard let end = rest.range(of: "<|im_end|>") else { return nil }
        let body = String(rest[..<end.lowerBound])
        guard !body.contains("{{"), !body.contains("'"), !body.contains("+") else { return nil }
        return body.replacingOccurrences(of: "\\n", with: "\n")
    }

    /// Renders `messages`; with `addGenerationPrompt`, ends with the header of an assistant turn.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var text = ""
        switch self {
        case .chatML(let defaultSystem):
            if let defaultSystem, messages.first?.role != "system" {
                text += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
            }
            for message in messages { text += "<|im_start|>\(message.role)\n\(message.content)<|im_end|>\n" }
            if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        case .llama3:
            text += "<|begin_of_text|>"
            for message in messages {
                text += "<|start_header_id|>\(message.role)<|end_header_id|>\n\n\(message.content)<|eot_id|>"
            }
            if addGenerationPrompt { text += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .mistral:
            var system = ""
            for message in messages {
                switch message.role {
                case "system": system = message.content + "\n\n"
                case "user":
                    text += "[INST] \(system)\(message.content) [/INST]"
                    system = ""
                default: text += " \(message.content)</s>"
                }
            }
        case .gemma:
            var system = ""
            for message in messages {
                if message.role == "system" {
                    system = message.content + "\n\n"
                    continue
                }
                let role = message.role == "assistant" ? "model" : message.role
                text += "<start_of_turn>\(role)\n\(system)\(message.content)<end_of_turn>\n"
                system = ""
            }
            if addGenerationPrompt { text += "<start_of_turn>model\n" }
        case .phi3:
            for message in messages { text += "<|\(message.role)|>\n\(message.content)<|end|>\n" }
            if addGenerationPrompt { text += "<|assistant|>\n" }
        }
        return text
    }
}
