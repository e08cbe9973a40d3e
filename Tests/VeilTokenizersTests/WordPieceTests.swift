import Testing
import VeilTokenizers

/// WordPiece with BERT's normaliser on a tiny vocabulary.
@Suite("WordPieceTokenizer")
struct WordPieceTests {
    static let vocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "##s", "un", "##aff", "##able", ",", "!", "cafe", "東",
        "京",
    ]

    @Test("lowercase, accents stripped, punctuation split, ## continuations, [UNK]")
    func basic() throws {
        let tokenizer = try WordPieceTokenizer(vocabulary: Self.vocabulary)
        #expect(tokenizer.encode("Hello, Worlds! unaffable Café xyz") == [2, 4, 10, 5, 6, 11, 7, 8, 9, 12, 1, 3])
    }

    @Test("CJK ideographs become words of their own; control characters vanish")
    func cjk() throws {
        let tokenizer = try WordPieceTokenizer(vocabulary: Self.vocabulary)
        #expect(tokenizer.tokenize("東京\u{0007}hello") == [13, 14, 4])
    }

    @Test("truncation keeps [CLS] and [SEP] within the maximum length")
    func truncation() throws {
        let tokenizer = try WordPieceTokenizer(vocabulary: Self.vocabulary)
        let ids = tokenizer.encode(String(repeating: "hello ", count: 20), maxLength: 6)
        #expect(ids == [2, 4, 4, 4, 4, 3])
    }

    @Test("vocab.txt text parses; a vocabulary without special tokens is refused")
    func parsing() throws {
        let tokenizer = try WordPieceTokenizer(vocabText: Self.vocabulary.joined(separator: "\n") + "\n")
        #expect(tokenizer.vocabulary.count == Self.vocabulary.count)
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(vocabulary: ["a", "b"]) }
    }
}
