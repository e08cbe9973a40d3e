import Foundation
import Testing
import VeilInference
import VeilTokenizers

/// SmolLM2-135M-Instruct (GGUF Q4_1) against llama.cpp's outputs in ../shared/reference, with the tolerances
/// its README gives. Needs the model in the cache and a release build.
@Suite("SmolLM2 against llama.cpp", .serialized)
struct SmolLM2Tests {
    static let model: LanguageModel? = try? LanguageModel.load(path: ModelLocations.smolLM2)
    static let reference = try? ModelLocations.reference("smollm2-reference.json", as: SmolLM2Reference.self)

    func loaded() throws -> (LanguageModel, SmolLM2Reference) {
        let model = try #require(Self.model, "run `veil model pull smollm2-135m-instruct` first")
        let reference = try #require(Self.reference)
        return (model, reference)
    }

    @Test("token ids equal llama.cpp's for every prompt, with and without BOS")
    func tokenIds() throws {
        let (model, reference) = try loaded()
        #expect(reference.prompts.count == 8)
        for prompt in reference.prompts {
            let ids = model.tokenize(prompt.prompt, parseSpecial: prompt.parseSpecial)
            #expect(ids == prompt.tokens, "\(prompt.id)")
            let bos = try #require(model.tokenizer.bosToken)
            #expect([bos] + ids == prompt.tokensWithBos, "\(prompt.id)")
        }
    }

    @Test("decoding the ids gives back each prompt's text")
    func roundTrip() throws {
        let (model, reference) = try loaded()
        for prompt in reference.prompts {
            #expect(model.tokenizer.decode(prompt.tokens, special: true) == prompt.prompt, "\(prompt.id)")
        }
    }

    @Test("chat prompts rendered by the model's template give the reference ids")
    func chatTemplate() throws {
        let (model, reference) = try loaded()
        guard case .chatML(let defaultSystem) = model.chatTemplate else {
            Issue.record("SmolLM2's template should be detected as ChatML")
            return
        }
        #expect(defaultSystem == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let chats = reference.prompts.filter { $0.kind == "chat" }
        #expect(chats.count == 2)
        for prompt in chats {
            // Recover the conversation from the rendered prompt, leaving out a system message that is the
            // template's default (the template must insert it by itself).
            var messages: [ChatMessage] = []
            for turn in prompt.prompt.components(separatedBy: "<|im_start|>").dropFirst() {
                guard let newline = turn.firstIndex(of: "\n"), let end = turn.range(of: "<|im_end|>") else { continue }
                let role = String(turn[..<newline])
                let content = String(turn[turn.index(after: newline)..<end.lowerBound])
                if role == "system" && content == defaultSystem { continue }
                messages.append(ChatMessage(role: role, content: content))
            }
            #expect(model.chatTemplate.render(messages) == prompt.prompt, "\(prompt.id)")
            #expect(model.tokenize(chat: messages) == prompt.tokens, "\(prompt.id)")
        }
    }

    @Test("last-position logits: top-1 where the margin is clear, top-10 and logsumexp within 1.5")
    func lastPositionLogits() async throws {
        let (model, reference) = try loaded()
        for prompt in reference.prompts {
            let logits = await model.lastLogits(prompt.tokens)
            let expected = prompt.lastPositionLogits.top10
            let margin = expected[0].logit - expected[1].logit
            let top1 = logits.indices.max { logits[$0] < logits[$1] }
            if margin > 1.5 { #expect(top1 == expected[0].id, "\(prompt.id): top-1") }
            var worst: Float = 0
            for entry in expected { worst = max(worst, abs(logits[entry.id] - entry.logit)) }
            #expect(worst <= 1.5, "\(prompt.id): max |Δlogit| over the top-10 is \(worst)")
            let maximum = logits.max()!
            let logSumExp = Double(maximum) + log(logits.reduce(0.0) { $0 + exp(Double($1 - maximum)) })
            #expect(abs(logSumExp - prompt.lastPositionLogits.stats.logsumexp) <= 1.5, "\(prompt.id): logsumexp")
        }
    }

    @Test("greedy continuations agree with llama.cpp up to the stable prefix")
    func greedy() async throws {
        let (model, reference) = try loaded()
        for prompt in reference.prompts {
            let expected = prompt.greedy.tokenIds
            let summary = try await model.complete(
                prompt.tokens,
                parameters: SamplingParameters(maxTokens: expected.count)
            )
            let stable = try #require(prompt.greedy.stablePrefixLen["0.5"])
            #expect(Array(summary.tokens.prefix(stable)) == Array(expected.prefix(stable)), "\(prompt.id)")
        }
    }
}
