import Testing
import VeilInference

/// Text pieces of byte-level tokens can end inside a character; the decoder holds such bytes back.
@Suite("UTF8StreamDecoder")
struct UTF8StreamDecoderTests {
    @Test("a character split across pieces appears once it is complete, never as U+FFFD")
    func split() {
        let text = "Café 東京 🚀✨"
        var decoder = UTF8StreamDecoder()
        var output = ""
        for byte in Array(text.utf8) {
            let piece = decoder.append([byte])
            #expect(!piece.contains("\u{FFFD}"))
            output += piece
        }
        output += decoder.finish()
        #expect(output == text)
    }

    @Test("bytes that can never complete are replaced when the stream ends")
    func invalid() {
        var decoder = UTF8StreamDecoder()
        #expect(decoder.append([0x61, 0xF0, 0x9F]) == "a")
        #expect(decoder.finish() == "\u{FFFD}")
        #expect(decoder.append([0xFF, 0x62]) == "\u{FFFD}b")
    }
}
