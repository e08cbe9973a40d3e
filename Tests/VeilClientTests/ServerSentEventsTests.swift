import Testing
import VeilClient
import _VeilBytes

@Suite("Server-sent events")
struct ServerSentEventsTests {
    static let stream = "data: {\"a\":1}\n\n: comment\ndata: two\r\n\r\ndata: x\ndata: y\n\ndata: [DONE]\n\n"

    @Test("events are the same however the stream is split")
    func splitAnywhere() {
        let bytes = Array(Self.stream.utf8)
        for cut in 0...bytes.count {
            var parser = ServerSentEvents.Parser()
            let events =
                parser.receive(SecureBytes(bytes[..<cut])) + parser.receive(SecureBytes(bytes[cut...]))
            #expect(events == ["{\"a\":1}", "two", "x\ny", "[DONE]"], "cut at \(cut)")
        }
    }

    @Test("an unfinished event is held back")
    func partial() {
        var parser = ServerSentEvents.Parser()
        #expect(parser.receive(SecureBytes(Array("data: half".utf8))).isEmpty)
        #expect(parser.receive(SecureBytes(Array("\n\n".utf8))) == ["half"])
    }
}
