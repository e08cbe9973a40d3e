import Foundation

/// BERT's tokenizer as Hugging Face `tokenizers` runs it for `BertTokenizer` models: the BERT normaliser (clean
/// control characters, space out CJK ideographs, strip accents, lowercase), splitting on whitespace and
/// punctuation, then greedy longest-match-first WordPiece with `##` continuations and `[UNK]` for words it cannot
/// cover (or longer than 100 characters). ``encode(_:maxLength:)`` adds `[CLS]`/`[SEP]` and truncates.
public struct WordPieceTokenizer: Sendable {
    /// The vocabulary (`vocab.txt`, one token per line; the line number is the id).
    public let vocabulary: [String]
    /// Whether text is lowercased and accents are stripped (uncased models).
    public let lowercase: Bool
    /// The id of `[CLS]`, which starts every sequence.
    public let clsToken: Int
    /// The id of `[SEP]`, which ends every sequence.
    public let sepToken: Int
    /// The id of `[UNK]`, for words the vocabulary cannot cover.
    public let unknownToken: Int
    /// The id of `[PAD]` (0 when the vocabulary has none).
    public let padToken: Int

    private let ids: [String: Int]
    private let maxCharactersPerWord = 100

    /// Builds a tokenizer from the lines of `vocab.txt`.
    public init(vocabulary: [String], lowercase: Bool = true) throws(TokenizerError) {
        var ids: [String: Int] = [:]
        for (id, token) in vocabulary.enumerated() where ids[token] == nil { ids[token] = id }
        guard let cls = ids["[CLS]"], let sep = ids["[SEP]"], let unknown = ids["[UNK]"] else {
            throw TokenizerError("vocab.txt lacks [CLS], [SEP] or [UNK]")
        }
        self.vocabulary = vocabulary
        self.lowercase = lowercase
        self.ids = ids
        clsToken = cls
        sepToken = sep
        unknownToken = unknown
        padToken = ids["[PAD]"] ?? 0
    }

    /// Parses `vocab.txt` text.
    public init(vocabText: String, lowercase: Bool = true) throws(TokenizerError) {
        var lines = vocabText.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines, lowercase: lowercase)
    }

    /// `[CLS]` + word pieces + `[SEP]`, truncated to `maxLength` ids in all.
    public func encode(_ text: String, maxLength: Int = 512) -> [Int] {
        var pieces = tokenize(text)
        let room = max(0, maxLength - 2)
        if pieces.count > room { pieces.removeLast(pieces.count - room) }
        return [clsToken] + pieces + [sepToken]
    }

    /// The word-piece ids of `text`, without special tokens.
    public func tokenize(_ text: String) -> [Int] {
        var output: [Int] = []
        for word in words(normalize(text)) { wordPiece(word, into: &output) }
        return output
    }

    /// The BERT normaliser.
    func normalize(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isBertWhitespace(scalar) {
                cleaned.append(" ")
            } else if isChinese(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var result = String(cleaned)
        if lowercase {
            var stripped = String.UnicodeScalarView()
            for scalar in result.decomposedStringWithCanonicalMapping.unicodeScalars
            where scalar.properties.generalCategory != .nonspacingMark {
                stripped.append(scalar)
            }
            result = String(stripped).lowercased()
        }
        return result
    }

    /// Whitespace split, then every punctuation character becomes its own word.
    func words(_ text: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !current.isEmpty { words.append(current) }
                current = []
            } else if isPunctuation(scalar) {
                if !current.isEmpty { words.append(current) }
                words.append([scalar])
                current = []
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private func wordPiece(_ word: [Unicode.Scalar], into output: inout [Int]) {
        guard word.count <= maxCharactersPerWord else {
            output.append(unknownToken)
            return
        }
        var pieces: [Int] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int?
            while start < end {
                var candidate = String(String.UnicodeScalarView(word[start..<end]))
                if start > 0 { candidate = "##" + candidate }
                if let id = ids[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else {
                output.append(unknownToken)
                return
            }
            pieces.append(found)
            start = end
        }
        output.append(contentsOf: pieces)
    }

    private func isBertWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
            || scalar.properties.generalCategory == .spaceSeparator
    }

    private func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned: return true
        default: return false
        }
    }

    private func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
            || (123...126).contains(value)
        {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    private func isChinese(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}
