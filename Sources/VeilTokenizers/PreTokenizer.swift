/// The regular expressions that split text into words before byte-level BPE, as llama.cpp implements them for
/// each `tokenizer.ggml.pre` family (llama-vocab.cpp, unicode.cpp `unicode_regex_split_custom_*`).
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// SmolLM, StarCoder, Refact, Command-R, CodeShell, EXAONE: every digit alone (`\p{N}`), then GPT-2.
    case smollm
    /// Llama 3: case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`, digits in runs of at most three,
    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
    case llama3

    /// The family for a GGUF `tokenizer.ggml.pre` value; `nil` when Veil does not implement it.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt-2", "gpt2", "default", "mpt", "olmo", "jais": self = .gpt2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b": self = .smollm
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "tekken": self = .llama3
        default: return nil
        }
    }

    /// Splits `text` into the words BPE encodes separately.
    public func split(_ text: String) -> [[Unicode.Scalar]] {
        let scalars = Array(text.unicodeScalars)
        switch self {
        case .gpt2:
            return Self.gpt2(scalars[...])
        case .smollm:
            var words: [[Unicode.Scalar]] = []
            var start = 0
            for (index, scalar) in scalars.enumerated() where scalar.isNumber {
                if start < index { words += Self.gpt2(scalars[start..<index]) }
                words.append([scalar])
                start = index + 1
            }
            if start < scalars.count { words += Self.gpt2(scalars[start...]) }
            return words
        case .llama3:
            return Self.llama3(scalars[...])
        }
    }

    /// llama.cpp's `unicode_regex_split_custom_gpt2`.
    static func gpt2(_ text: ArraySlice<Unicode.Scalar>) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        let start = text.startIndex
        let end = text.endIndex
        func at(_ position: Int) -> Unicode.Scalar? { position < end ? text[position] : nil }
        var position = start
        while position < end {
            let scalar = text[position]
            let wordStart = position
            defer { if position > wordStart { words.append(Array(text[wordStart..<position])) } }
            if scalar == "'", let next = at(position + 1) {
                if next == "s" || next == "t" || next == "m" || next == "d" {
                    position += 2
                    continue
                }
                if let third = at(position + 2),
                    (next == "r" && third == "e") || (next == "v" && third == "e") || (next == "l" && third == "l")
                {
                    position += 3
                    continue
                }
            }
            let lead = scalar == " " ? at(position + 1) : scalar
            if let lead, lead.isLetter {
                if scalar == " " { position += 1 }
                while let next = at(position), next.isLetter { position += 1 }
                continue
            }
            if let lead, lead.isNumber {
                if scalar == " " { position += 1 }
                while let next = at(position), next.isNumber { position += 1 }
                continue
            }
            if let lead, lead.isOther {
                if scalar == " " { position += 1 }
                while let next = at(position), next.isOther { position += 1 }
                continue
            }
            var spaces = 0
            while let next = at(position + spaces), next.isSpace { spaces += 1 }
            if spaces > 1, at(position + spaces) != nil {
                position += spaces - 1
                continue
            }
            if spaces > 0 {
                position += spaces
                continue
            }
            position += 1
        }
        return words
    }

    /// llama.cpp's `unicode_regex_split_custom_llama3`.
    static func llama3(_ text: ArraySlice<Unicode.Scalar>) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        let end = text.endIndex
        func at(_ position: Int) -> Unicode.Scalar? { position < end ? text[position] : nil }
        func lower(_ scalar: Unicode.Scalar?) -> Unicode.Scalar? {
            guard let scalar, scalar.value < 128 else { return scalar }
            return Unicode.Scalar(UInt8(scalar.value)).properties.lowercaseMapping.unicodeScalars.first
        }
        var position = text.startIndex
        while position < end {
            let scalar = text[position]
            let wordStart = position
            defer { if position > wordStart { words.append(Array(text[wordStart..<position])) } }
            if scalar == "'", let next = lower(at(position + 1)) {
                if next == "s" || next == "t" || next == "m" || next == "d" {
                    position += 2
                    continue
                }
                if let third = lower(at(position + 2)),
                    (next == "r" && third == "e") || (next == "v" && third == "e") || (next == "l" && third == "l")
                {
                    position += 3
                    continue
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(scalar == "\r" || scalar == "\n" || scalar.isNumber) {
                if scalar.isLetter || (at(position + 1)?.isLetter ?? false) {
                    position += 1
                    while let next = at(position), next.isLetter { position += 1 }
                    continue
                }
            }
            // \p{N}{1,3}
            if scalar.isNumber {
                var length = 0
                while length < 3, let next = at(position), next.isNumber {
                    position += 1
                    length += 1
                }
                continue
            }
            // <space>?[^\s\p{L}\p{N}]+[\r\n]*
            let lead = scalar == " " ? at(position + 1) : scalar
            if let lead, lead.isOther {
                if scalar == " " { position += 1 }
                while let next = at(position), next.isOther { position += 1 }
                while let next = at(position), next == "\r" || next == "\n" { position += 1 }
                continue
            }
            // \s*[\r\n]+ , \s+(?!\S) , \s+
            var spaces = 0
            var lastNewlineEnd = 0
            while let next = at(position + spaces), next.isSpace {
                spaces += 1
                if next == "\r" || next == "\n" { lastNewlineEnd = spaces }
            }
            if lastNewlineEnd > 0 {
                position += lastNewlineEnd
                continue
            }
            if spaces > 1, at(position + spaces) != nil {
                position += spaces - 1
                continue
            }
            if spaces > 0 {
                position += spaces
                continue
            }
            position += 1
        }
        return words
    }
}

extension Unicode.Scalar {
    /// `\p{L}`: a letter of any general category L*.
    var isLetter: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: a number of any general category N*.
    var isNumber: Bool {
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\s`: Unicode White_Space.
    var isSpace: Bool { properties.isWhitespace }

    /// `[^\s\p{L}\p{N}]`.
    var isOther: Bool { !isSpace && !isLetter && !isNumber }
}
