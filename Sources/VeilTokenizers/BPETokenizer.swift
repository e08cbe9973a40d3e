/// A byte-level BPE tokenizer (GPT-2 style) built from a GGUF vocabulary (`tokenizer.ggml.tokens`, `merges`,
/// `token_type`), behaving as llama.cpp's `llm_tokenizer_bpe`: control tokens are matched in the text only when
/// `parseSpecial` is set, words come from the family's ``PreTokenizer``, and merges are applied lowest rank first
/// (leftmost on ties).
public struct BPETokenizer: Sendable {
    /// A vocabulary entry's kind (`tokenizer.ggml.token_type`, llama.cpp's `llama_token_type`).
    public enum TokenKind: Int32, Sendable {
        case undefined = 0
        case normal = 1
        case unknown = 2
        case control = 3
        case userDefined = 4
        case unused = 5
        case byte = 6
    }

    /// The vocabulary, in the byte-level encoding.
    public let tokens: [String]
    /// Each token's kind.
    public let kinds: [TokenKind]
    /// The pre-tokenizer family.
    public let preTokenizer: PreTokenizer
    /// The beginning-of-sequence token, if any.
    public let bosToken: Int?
    /// The end-of-sequence token, if any.
    public let eosToken: Int?
    /// Whether ``encode(_:addSpecial:parseSpecial:)`` prepends the BOS token when `addSpecial` is set.
    public let addsBOS: Bool
    /// Tokens that end generation (EOS, `<|im_end|>`, `<|eot_id|>`, `<|endoftext|>`, … when present).
    public let endOfGenerationTokens: Set<Int>

    private let ids: [String: Int]
    private let ranks: [String: Int]
    /// Tokens matched literally in the text when parsing specials, longest first.
    private let specials: [(text: [Unicode.Scalar], id: Int)]

    /// Builds a tokenizer from the vocabulary arrays.
    public init(
        tokens: [String],
        kinds: [TokenKind],
        merges: [String],
        preTokenizer: PreTokenizer,
        bosToken: Int?,
        eosToken: Int?,
        addsBOS: Bool,
        extraEndOfGeneration: [Int] = []
    ) throws(TokenizerError) {
        guard kinds.count == tokens.count else {
            throw TokenizerError("\(kinds.count) token types for \(tokens.count) tokens")
        }
        for id in [bosToken, eosToken].compactMap({ $0 }) where id < 0 || id >= tokens.count {
            throw TokenizerError("special token id \(id) is outside the vocabulary")
        }
        self.tokens = tokens
        self.kinds = kinds
        self.preTokenizer = preTokenizer
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.addsBOS = addsBOS
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where ids[token] == nil { ids[token] = id }
        self.ids = ids
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() where ranks[merge] == nil { ranks[merge] = rank }
        self.ranks = ranks
        specials = tokens.indices
            .filter { kinds[$0] == .control || kinds[$0] == .userDefined }
            .filter { !tokens[$0].isEmpty }
            .map { (Array(tokens[$0].unicodeScalars), $0) }
            .sorted { $0.text.count > $1.text.count || ($0.text.count == $1.text.count && $0.id < $1.id) }
        var endOfGeneration = Set(extraEndOfGeneration)
        if let eosToken { endOfGeneration.insert(eosToken) }
        for name in ["<|im_end|>", "<|eot_id|>", "<|endoftext|>", "<|end|>", "<end_of_turn>", "<|eom_id|>"] {
            if let id = ids[name], kinds[id] == .control { endOfGeneration.insert(id) }
        }
        endOfGenerationTokens = endOfGeneration
    }

    /// The id of a token given in the vocabulary's encoding.
    public func id(of token: String) -> Int? { ids[token] }

    /// Tokenizes `text`. With `addSpecial`, a BOS token is prepended when the model asks for one; with
    /// `parseSpecial`, control tokens written in the text (`<|im_start|>`) become single tokens.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = false) -> [Int] {
        var output: [Int] = []
        if addSpecial, addsBOS, let bosToken { output.append(bosToken) }
        for fragment in partition(text, parseSpecial: parseSpecial) {
            switch fragment {
            case .special(let id):
                output.append(id)
            case .text(let scalars):
                var string = String.UnicodeScalarView()
                string.append(contentsOf: scalars)
                for word in preTokenizer.split(String(string)) { encodeWord(word, into: &output) }
            }
        }
        return output
    }

    private enum Fragment {
        case text([Unicode.Scalar])
        case special(Int)
    }

    private func partition(_ text: String, parseSpecial: Bool) -> [Fragment] {
        let scalars = Array(text.unicodeScalars)
        let candidates = specials.filter { parseSpecial || kinds[$0.id] == .userDefined }
        guard !candidates.isEmpty else { return [.text(scalars)] }
        var fragments: [Fragment] = []
        var textStart = 0
        var position = 0
        outer: while position < scalars.count {
            for special in candidates where scalars[position] == special.text[0] {
                let end = position + special.text.count
                if end <= scalars.count, scalars[position..<end].elementsEqual(special.text) {
                    if textStart < position { fragments.append(.text(Array(scalars[textStart..<position]))) }
                    fragments.append(.special(special.id))
                    position = end
                    textStart = end
                    continue outer
                }
            }
            position += 1
        }
        if textStart < scalars.count { fragments.append(.text(Array(scalars[textStart...]))) }
        return fragments
    }

    private func encodeWord(_ word: [Unicode.Scalar], into output: inout [Int]) {
        var bytes: [UInt8] = []
        for scalar in word { bytes.append(contentsOf: Array(String(scalar).utf8)) }
        var symbols = ByteLevel.encode(bytes).map { String($0) }
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for index in 0..<(symbols.count - 1) {
                if let rank = ranks[symbols[index] + " " + symbols[index + 1]], rank < (best?.rank ?? .max) {
                    best = (rank, index)
                }
            }
            guard let best else { break }
            symbols[best.index] += symbols[best.index + 1]
            symbols.remove(at: best.index + 1)
        }
        for symbol in symbols {
            if let id = ids[symbol] {
                output.append(id)
            } else {
                for scalar in symbol.unicodeScalars {
                    if let id = ids[String(scalar)] { output.append(id) }
                }
            }
        }
    }

    /// The bytes a token stands for: its byte-level text decoded, or a control token's text when `special`.
    public func piece(_ id: Int, special: Bool = false) -> [UInt8] {
        guard id >= 0, id < tokens.count else { return [] }
        switch kinds[id] {
        case .control: return special ? Array(tokens[id].utf8) : []
        case .userDefined: return Array(tokens[id].utf8)
        default: return ByteLevel.decode(tokens[id])
        }
    }

    /// The text of a sequence of tokens (invalid UTF-8 replaced by U+FFFD).
    public func decode(_ ids: [Int], special: Bool = false) -> String {
        String(decoding: ids.flatMap { piece($0, special: special) }, as: UTF8.self)
    }
}

/// A vocabulary or tokenizer configuration is inconsistent.
public struct TokenizerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
