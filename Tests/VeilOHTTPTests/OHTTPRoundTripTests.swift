import Testing
import VeilOHTTP
import VeilTestSupport
import _VeilBytes

@Suite("OHTTP round trips and attacks")
struct OHTTPRoundTripTests {
    static let suites: [(OHTTP.KEM, OHTTP.SymmetricAlgorithm)] = [
        (.x25519, .aes128GCM), (.x25519, .aes256GCM), (.x25519, .chaCha20Poly1305),
        (.xWing, .aes256GCM), (.xWing, .chaCha20Poly1305),
    ]

    @Test("request and response round-trip for every supported suite", arguments: 0..<suites.count)
    func roundTrip(index: Int) throws {
        let (kem, algorithm) = Self.suites[index]
        let key = try OHTTP.GatewayKey.generate(keyID: 7, kem: kem, algorithms: [algorithm])
        let gateway = OHTTP.Gateway(keys: [key])
        let configs = try OHTTP.KeyConfig.parseList(gateway.keyConfigList)
        let client = try OHTTP.Client.choose(from: configs)
        #expect(client.algorithm == algorithm)

        let prompt = Array("tell me about my blood test: CANARY-4711".utf8)
        let encapsulated = try client.encapsulateRequest(prompt)
        #expect(encapsulated.message.count == 7 + kem.encapsulatedKeyLength + prompt.count + 16)
        let opened = try gateway.decapsulateRequest(encapsulated.message)
        #expect(Array(opened.request) == prompt)

        let answer = Array("all values within range".utf8)
        let response = try opened.responder.encapsulate(answer)
        #expect(Array(try encapsulated.response.decapsulate(response)) == answer)
        // A response to another request does not open.
        let other = try client.encapsulateRequest(prompt)
        #expect(throws: OHTTPError.self) { try other.response.decapsulate(response) }
    }

    @Test("clients prefer X-Wing when a gateway offers both KEMs")
    func prefersPostQuantum() throws {
        let classic = try OHTTP.GatewayKey.generate(keyID: 1, kem: .x25519)
        let hybrid = try OHTTP.GatewayKey.generate(keyID: 2, kem: .xWing)
        let list = OHTTP.Gateway(keys: [classic, hybrid]).keyConfigList
        let client = try OHTTP.Client.choose(from: OHTTP.KeyConfig.parseList(list))
        #expect(client.keyConfig.kem == .xWing)
        #expect(client.algorithm == .aes256GCM)
    }

    @Test("a request for a rotated-out key names the problem so the client can refetch")
    func rotatedKey() throws {
        let old = try OHTTP.GatewayKey.generate(keyID: 1, kem: .x25519)
        let new = try OHTTP.GatewayKey.generate(keyID: 2, kem: .x25519)
        let request = try OHTTP.Client(keyConfig: old.config).encapsulateRequest([1, 2, 3])
        let error = #expect(throws: OHTTPError.self) {
            try OHTTP.Gateway(keys: [new]).decapsulateRequest(request.message)
        }
        #expect(error?.code == .unknownKeyID)
    }

    @Test("chunked streams round-trip, trickled byte by byte, for both KEMs", arguments: [OHTTP.KEM.x25519, .xWing])
    func chunkedRoundTrip(kem: OHTTP.KEM) throws {
        let gateway = OHTTP.Gateway(keys: [try OHTTP.GatewayKey.generate(keyID: 3, kem: kem)])
        var sender = try OHTTP.ChunkedRequestSender(client: OHTTP.Client(keyConfig: gateway.keys[0].config))
        var stream = sender.header
        let pieces = ["{\"model\":", "\"smollm2\",", "\"stream\":true}"].map { Array($0.utf8) }
        for (index, piece) in pieces.enumerated() {
            stream += try sender.seal(piece, isFinal: index == pieces.count - 1)
        }
        var receiver = OHTTP.ChunkedRequestReceiver(gateway: gateway)
        var received: [UInt8] = []
        for byte in stream { received += try receiver.receive([byte]).flatMap { Array($0) } }
        received += Array(try receiver.finish())
        #expect(received == pieces.flatMap { $0 })

        var responder = try #require(receiver.responseSender)
        var responseStream: [UInt8] = []
        let tokens = ["Hello", ",", " world", ""]
        for (index, token) in tokens.enumerated() {
            responseStream += try responder.seal(Array(token.utf8), isFinal: index == tokens.count - 1)
        }
        var opener = sender.responseReceiver()
        var text: [UInt8] = []
        for byte in responseStream { text += try opener.receive([byte]).flatMap { Array($0) } }
        text += Array(try opener.finish())
        #expect(String(decoding: text, as: UTF8.self) == "Hello, world")
    }

    @Test("chunked responses: truncation, reordering and splicing are detected")
    func chunkedAttacks() throws {
        let gateway = OHTTP.Gateway(keys: [try OHTTP.GatewayKey.generate(keyID: 3, kem: .x25519)])
        var sender = try OHTTP.ChunkedRequestSender(client: OHTTP.Client(keyConfig: gateway.keys[0].config))
        var receiver = OHTTP.ChunkedRequestReceiver(gateway: gateway)
        _ = try receiver.receive(sender.header + sender.seal([1], isFinal: true))
        _ = try receiver.finish()
        var responder = try #require(receiver.responseSender)
        let first = try responder.seal(Array("aaaa".utf8), isFinal: false)  // nonce ‖ chunk 0
        let second = try responder.seal(Array("bbbb".utf8), isFinal: false)
        let last = try responder.seal([], isFinal: true)

        // Truncated: the final chunk never arrives.
        var truncated = sender.responseReceiver()
        _ = try truncated.receive(first + second)
        #expect(throws: OHTTPError(.truncated, "the stream ended before its final chunk")) { try truncated.finish() }

        // Reordered: chunk 1 where chunk 0 belongs.
        let nonceLength = 32
        var reordered = sender.responseReceiver()
        let swapped = Array(first[..<nonceLength]) + second + Array(first[nonceLength...]) + last
        #expect(throws: OHTTPError.self) {
            _ = try reordered.receive(swapped)
            _ = try reordered.finish()
        }

        // A non-final chunk presented as the final one (a cut stream dressed as complete).
        var dressed = sender.responseReceiver()
        _ = try dressed.receive(first)
        let promoted = [UInt8(0)] + Array(second.dropFirst())
        _ = try dressed.receive(promoted)
        #expect(throws: OHTTPError.self) { try dressed.finish() }
    }

    @Test("hostile chunk lengths are bounded before any buffering")
    func chunkLimits() throws {
        let gateway = OHTTP.Gateway(keys: [try OHTTP.GatewayKey.generate(keyID: 3, kem: .x25519)])
        let sender = try OHTTP.ChunkedRequestSender(client: OHTTP.Client(keyConfig: gateway.keys[0].config))
        var receiver = OHTTP.ChunkedRequestReceiver(gateway: gateway, maximumChunkSize: 1024)
        let error = #expect(throws: OHTTPError.self) {
            _ = try receiver.receive(sender.header + [0xBF, 0xFF, 0xFF, 0xFF])  // a 1 GiB chunk announced
        }
        #expect(error?.code == .tooLarge)
    }

    @Test("seeded random bytes never open and never crash the gateway")
    func randomInput() throws {
        let gateway = OHTTP.Gateway(keys: [try OHTTP.GatewayKey.generate(keyID: 1, kem: .x25519)])
        var generator = SeededGenerator(seed: 9458)
        for _ in 0..<2000 {
            var bytes = generator.bytes(count: Int.random(in: 0...120, using: &generator))
            if !bytes.isEmpty && Bool.random(using: &generator) { bytes[0] = 1 }
            #expect(throws: OHTTPError.self) { try gateway.decapsulateRequest(bytes) }
            var receiver = OHTTP.ChunkedRequestReceiver(gateway: gateway)
            #expect(throws: OHTTPError.self) {
                _ = try receiver.receive(bytes)
                _ = try receiver.finish()
            }
        }
    }
}
