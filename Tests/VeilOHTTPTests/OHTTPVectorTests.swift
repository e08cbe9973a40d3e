import Testing
import VeilOHTTP
import _VeilBytes

/// RFC 9458 Appendix A ("Complete Example of a Request and Response"), verbatim.
private enum RFC9458 {
    static let skR = "3c168975674b2fa8e465970b79c8dcf09f1c741626480bd4c6162fc5b6a98e1a"
    static let keyConfig = "01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003"
    static let publicKey = "31e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e798155"
    static let request = "00034745540568747470730b6578616d706c652e636f6d012f"
    static let pkE = "4b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b472"
    static let encapsulatedRequest =
        "010020000100014b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b4726374e469135906992e1268c594d2a1"
        + "0c695d858c40a026e7965e7d86b83dd440b2c0185204b4d63525"
    static let response = "0140c8"
    static let secret = "62d87a6ba569ee81014c2641f52bea36"
    static let responseNonce = "c789e7151fcba46158ca84b04464910d"
    static let encapsulatedResponse = "c789e7151fcba46158ca84b04464910d86f9013e404feea014e7be4a441f234f857fbd"
}

/// draft-ietf-ohai-chunked-ohttp-05 Appendix A, verbatim.
private enum ChunkedDraft {
    static let skR = "1c190d72acdbe4dbc69e680503bb781a932c70a12c8f3754434c67d8640d8698"
    static let encapsulatedRequest =
        "01002000010001" + "8811eb457e100811c40a0aa71340a1b81d804bb986f736f2f566a7199761a032"
        + "1c2ad24942d4d692563012f2980c8fef437a336b9b2fc938ef77a5834f"
        + "1d2e33d8fd25577afe31bd1c79d094f76b6250ae6549b473ecd950501311" + "001c6c1395d0ef7c1022297966307b8a7f"
    static let request = "00034745540568747470730b6578616d706c652e636f6d012f"
    static let responseNonce = "bcce7f4cb921309ba5d62edf1769ef09"
    static let responseChunks: [(plaintext: String, final: Bool, encoded: String)] = [
        ("01", false, "bcce7f4cb921309ba5d62edf1769ef091179bf1cc87fa0e2c02de4546945aa3d1e48"),
        ("40c8", false, "12b348b5bd4c594c16b6170b07b475845d1f32"),
        ("", true, "00ed9d8a796617a5b27265f4d73247f639"),
    ]
}

private func hex(_ text: String) throws -> [UInt8] { try [UInt8](hex: text) }

private func rfcGateway() throws -> OHTTP.Gateway {
    let key = try OHTTP.GatewayKey(
        keyID: 1,
        x25519PrivateKey: try hex(RFC9458.skR),
        algorithms: [.aes128GCM, .chaCha20Poly1305]
    )
    return OHTTP.Gateway(keys: [key])
}

@Suite("OHTTP known answers (RFC 9458 Appendix A, chunked OHTTP draft Appendix A)")
struct OHTTPVectorTests {
    @Test("the key configuration parses, re-encodes byte for byte, and lists as application/ohttp-keys")
    func keyConfig() throws {
        let config = try OHTTP.KeyConfig(parsing: try hex(RFC9458.keyConfig))
        #expect(config.keyID == 1)
        #expect(config.kem == .x25519)
        #expect(config.publicKey.hexString == RFC9458.publicKey)
        #expect(config.symmetricAlgorithms == [.aes128GCM, .chaCha20Poly1305])
        #expect(config.encoded.hexString == RFC9458.keyConfig)
        let list = OHTTP.KeyConfig.encodeList([config, config])
        #expect(list.hexString == "002d" + RFC9458.keyConfig + "002d" + RFC9458.keyConfig)
        #expect(try OHTTP.KeyConfig.parseList(list) == [config, config])
    }

    @Test("the gateway key derived from skR publishes the RFC's configuration")
    func gatewayConfig() throws {
        #expect(try rfcGateway().keys[0].config.encoded.hexString == RFC9458.keyConfig)
    }

    @Test("the gateway opens the published request and seals the published response")
    func requestAndResponse() throws {
        let opened = try rfcGateway().decapsulateRequest(try hex(RFC9458.encapsulatedRequest))
        #expect(Array(opened.request).hexString == RFC9458.request)
        let response = try opened.responder.encapsulate(
            try hex(RFC9458.response),
            responseNonce: try hex(RFC9458.responseNonce)
        )
        #expect(response.hexString == RFC9458.encapsulatedResponse)
    }

    @Test("a client holding the published secret opens the published response")
    func clientOpensResponse() throws {
        let opener = OHTTP.ResponseDecapsulator(
            secretBytes: try hex(RFC9458.secret),
            encapsulatedKey: try hex(RFC9458.pkE),
            algorithm: .aes128GCM
        )
        #expect(Array(try opener.decapsulate(try hex(RFC9458.encapsulatedResponse))).hexString == RFC9458.response)
    }

    @Test("every single-byte change to the published request is refused, never opened")
    func everyByteOfTheRequest() throws {
        let gateway = try rfcGateway()
        let original = try hex(RFC9458.encapsulatedRequest)
        for index in original.indices {
            var tampered = original
            tampered[index] ^= 0x01
            #expect(throws: OHTTPError.self, "byte \(index)") { try gateway.decapsulateRequest(tampered) }
        }
        for length in 0..<original.count {
            #expect(throws: OHTTPError.self) { try gateway.decapsulateRequest(original.prefix(length)) }
        }
    }

    @Test("unknown key ids and unoffered suites get their own errors")
    func headerErrors() throws {
        let gateway = try rfcGateway()
        var request = try hex(RFC9458.encapsulatedRequest)
        request[0] = 9
        let unknown = #expect(throws: OHTTPError.self) { try gateway.decapsulateRequest(request) }
        #expect(unknown?.code == .unknownKeyID)
        request = try hex(RFC9458.encapsulatedRequest)
        request[6] = 2  // AES-256-GCM, which this key does not offer
        let unoffered = #expect(throws: OHTTPError.self) { try gateway.decapsulateRequest(request) }
        #expect(unoffered?.code == .unsupportedSuite)
    }

    @Test("chunked: the draft's request opens into its three chunks, whole or byte by byte")
    func chunkedRequest() throws {
        let key = try OHTTP.GatewayKey(keyID: 1, x25519PrivateKey: try hex(ChunkedDraft.skR), algorithms: [.aes128GCM])
        let gateway = OHTTP.Gateway(keys: [key])
        let stream = try hex(ChunkedDraft.encapsulatedRequest)

        var whole = OHTTP.ChunkedRequestReceiver(gateway: gateway)
        var chunks = try whole.receive(stream)
        chunks.append(try whole.finish())
        #expect(chunks.count == 3)
        #expect(chunks.flatMap { Array($0) }.hexString == ChunkedDraft.request)

        var trickle = OHTTP.ChunkedRequestReceiver(gateway: gateway)
        var trickled: [SecureBytes] = []
        for byte in stream { trickled += try trickle.receive([byte]) }
        trickled.append(try trickle.finish())
        #expect(trickled.flatMap { Array($0) }.hexString == ChunkedDraft.request)
    }

    @Test("chunked: the gateway seals the draft's response chunks byte for byte")
    func chunkedResponse() throws {
        let key = try OHTTP.GatewayKey(keyID: 1, x25519PrivateKey: try hex(ChunkedDraft.skR), algorithms: [.aes128GCM])
        var receiver = OHTTP.ChunkedRequestReceiver(gateway: OHTTP.Gateway(keys: [key]))
        _ = try receiver.receive(try hex(ChunkedDraft.encapsulatedRequest))
        _ = try receiver.finish()
        var sender = try #require(receiver.responseSender)
        for (index, chunk) in ChunkedDraft.responseChunks.enumerated() {
            let encoded = try sender.seal(
                try hex(chunk.plaintext),
                isFinal: chunk.final,
                responseNonce: index == 0 ? try hex(ChunkedDraft.responseNonce) : nil
            )
            #expect(encoded.hexString == chunk.encoded)
        }
        #expect(throws: OHTTPError.self) { try sender.seal([1], isFinal: true) }
    }

    @Test("chunked: a stream cut before its final chunk is truncated; a cut final chunk does not open")
    func chunkedTruncation() throws {
        let key = try OHTTP.GatewayKey(keyID: 1, x25519PrivateKey: try hex(ChunkedDraft.skR), algorithms: [.aes128GCM])
        let gateway = OHTTP.Gateway(keys: [key])
        let stream = try hex(ChunkedDraft.encapsulatedRequest)
        let finalIndicator = stream.count - 17

        var cut = OHTTP.ChunkedRequestReceiver(gateway: gateway)
        _ = try cut.receive(stream[..<finalIndicator])
        let truncated = #expect(throws: OHTTPError.self) { try cut.finish() }
        #expect(truncated?.code == .truncated)

        var shortened = OHTTP.ChunkedRequestReceiver(gateway: gateway)
        _ = try shortened.receive(stream.dropLast())
        let failed = #expect(throws: OHTTPError.self) { try shortened.finish() }
        #expect(failed?.code == .decryptionFailed)
        #expect(throws: OHTTPError.self) { try shortened.receive([0]) }
    }
}
