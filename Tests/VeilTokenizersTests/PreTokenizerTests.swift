import Testing
import VeilTokenizers

/// The pre-tokenizer families against splits that follow from their regular expressions.
@Suite("PreTokenizer")
struct PreTokenizerTests {
    func split(_ family: PreTokenizer, _ text: String) -> [String] {
        family.split(text).map { String(String.UnicodeScalarView($0)) }
    }

    @Test("GPT-2: contractions, optional leading space, whitespace before a word stays apart")
    func gpt2() {
        #expect(
            split(.gpt2, "Hello world's 123  foo!!\n") == ["Hello", " world", "'s", " 123", " ", " foo", "!!", "\n"]
        )
        #expect(split(.gpt2, "I'LL go") == ["I", "'", "LL", " go"])
    }

    @Test("SmolLM: every digit alone, then GPT-2")
    func smollm() {
        #expect(split(.smollm, "ab 12c") == ["ab", " ", "1", "2", "c"])
        #expect(split(.smollm, "x=3.14") == ["x", "=", "3", ".", "1", "4"])
    }

    @Test("Llama 3: digits in threes, case-insensitive contractions, newlines grouped")
    func llama3() {
        #expect(split(.llama3, "Hello 12345") == ["Hello", " ", "123", "45"])
        #expect(split(.llama3, "I'LL go\n\nnow") == ["I", "'LL", " go", "\n\n", "now"])
    }

    @Test("GGUF names map to families")
    func names() {
        #expect(PreTokenizer(ggufName: "smollm") == .smollm)
        #expect(PreTokenizer(ggufName: "llama-bpe") == .llama3)
        #expect(PreTokenizer(ggufName: "gpt-2") == .gpt2)
        #expect(PreTokenizer(ggufName: "no-such-family") == nil)
    }
}

/// Byte-level BPE on a tiny vocabulary.
@Suite("BPETokenizer")
struct BPETokenizerTests {
    static func tokenizer() throws -> BPETokenizer {
        var tokens = (0..<256).map { String(Character(Unicode.Scalar(UInt32(byteScalar($0)))!)) }
        tokens += ["Ġt", "he", "Ġthe", "Ġhe", "<|ctl|>"]
        var kinds = [BPETokenizer.TokenKind](repeating: .normal, count: tokens.count)
        kinds[kinds.count - 1] = .control
        return try BPETokenizer(
            tokens: tokens,
            kinds: kinds,
            merges: ["Ġ t", "h e", "Ġt he", "Ġ he"],
            preTokenizer: .gpt2,
            bosToken: 260,
            eosToken: 260,
            addsBOS: false
        )
    }

    static func byteScalar(_ byte: Int) -> Int {
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        if printable.contains(byte) { return byte }
        return 256 + (0..<byte).filter { !printable.contains($0) }.count
    }

    @Test("merges apply lowest rank first and unknown words fall back to byte tokens")
    func merges() throws {
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.encode("the the") == [Int(UInt8(ascii: "t")), 257, 258])
        #expect(tokenizer.decode(tokenizer.encode("the the")) == "the the")
        let emoji = tokenizer.encode("🚀")
        #expect(emoji.count == 4)
        #expect(tokenizer.decode(emoji) == "🚀")
    }

    @Test("control tokens are parsed only with parseSpecial; they decode only with special")
    func special() throws {
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.encode("a<|ctl|>b", parseSpecial: true) == [97, 260, 98])
        #expect(tokenizer.encode("a<|ctl|>b", parseSpecial: false).count == 9)
        #expect(tokenizer.decode([97, 260, 98]) == "ab")
        #expect(tokenizer.decode([97, 260, 98], special: true) == "a<|ctl|>b")
        #expect(tokenizer.endOfGenerationTokens.contains(260))
    }

    @Test("a vocabulary with mismatched types is refused")
    func mismatched() {
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(
                tokens: ["a"],
                kinds: [],
                merges: [],
                preTokenizer: .gpt2,
                bosToken: nil,
                eosToken: nil,
                addsBOS: false
            )
        }
    }
}

/// Chat templates chosen from the Jinja source.
@Suite("ChatTemplate")
struct ChatTemplateTests {
    static let smolTemplate =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

    @Test("ChatML with a default system prompt inserts it only when none is given")
    func chatML() {
        let template = ChatTemplate(jinja: Self.smolTemplate)
        #expect(
            template == .chatML(defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        )
        #expect(
            template.render([ChatMessage(role: "user", content: "Hi")])
                == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        )
        #expect(
            template.render([ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "Hi")])
                == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        )
    }

    @Test("Llama 3, Gemma and Mistral are recognised by their markers")
    func others() {
        let llama3 = ChatTemplate(jinja: "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}")
        #expect(llama3 == .llama3)
        #expect(
            llama3.render([ChatMessage(role: "user", content: "Hi")])
                == "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        )
        #expect(ChatTemplate(jinja: "<start_of_turn>") == .gemma)
        #expect(ChatTemplate(jinja: "[INST] {{ content }} [/INST]") == .mistral)
        #expect(ChatTemplate(jinja: nil) == .chatML(defaultSystem: nil))
    }
}
