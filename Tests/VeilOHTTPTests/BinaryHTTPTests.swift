import Testing
import VeilOHTTP
import VeilTestSupport
import _VeilBytes

/// RFC 9292 §5 examples, verbatim.
private enum RFC9292 {
    /// Figure 8: known-length encoding of the request in Figure 7.
    static let figure8 =
        "0003474554056874747073000a2f68656c6c6f2e747874406c0a757365722d6167656e74346375726c2f372e31362e33206c69626375"
        + "726c2f372e31362e33204f70656e53534c2f302e392e376c207a6c69622f312e322e3304686f73740f7777772e6578616d706c652e"
        + "636f6d0f6163636570742d6c616e677561676506656e2c206d690000"
    /// Figure 9: the same request, indeterminate-length, with 10 bytes of padding.
    static let figure9 =
        "0203474554056874747073000a2f68656c6c6f2e7478740a757365722d6167656e74346375726c2f372e31362e33206c69626375726c"
        + "2f372e31362e33204f70656e53534c2f302e392e376c207a6c69622f312e322e3304686f73740f7777772e6578616d706c652e636f"
        + "6d0f6163636570742d6c616e677561676506656e2c206d6900000000000000000000000000"
    /// Figure 11: indeterminate-length response with informational responses 102 and 103.
    static let figure11 =
        "0340660772756e6e696e670a22736c65657020313522004067046c696e6b233c2f7374796c652e6373733e3b2072656c3d7072656c"
        + "6f61643b2061733d7374796c65046c696e6b243c2f7363726970742e6a733e3b2072656c3d7072656c6f61643b2061733d736372"
        + "6970740040c804646174651d4d6f6e2c203237204a756c20323030392031323a32383a353320474d540673657276657206417061"
        + "6368650d6c6173742d6d6f6469666965641d5765642c203232204a756c20323030392031393a31353a353620474d540465746167"
        + "1422333461613338372d642d3135363865623030220d6163636570742d72616e6765730562797465730e636f6e74656e742d6c65"
        + "6e67746802353104766172790f4163636570742d456e636f64696e670c636f6e74656e742d747970650a746578742f706c61696e"
        + "003348656c6c6f20576f726c6421204d7920636f6e74656e7420696e636c75646573206120747261696c696e672043524c462e0d"
        + "0a0000"
    /// Figure 13: known-length response with a trailer.
    static let figure13 =
        "0140c8001d5468697320636f6e74656e7420636f6e7461696e732043524c462e0d0a0d07747261696c65720474657874"

    static let helloHeaders = [
        BinaryHTTP.Field("user-agent", "curl/7.16.3 libcurl/7.16.3 OpenSSL/0.9.7l zlib/1.2.3"),
        BinaryHTTP.Field("host", "www.example.com"),
        BinaryHTTP.Field("accept-language", "en, mi"),
    ]
}

private func hex(_ text: String) throws -> [UInt8] { try [UInt8](hex: text) }

private func text(_ bytes: SecureBytes) -> String { String(decoding: Array(bytes), as: UTF8.self) }

@Suite("Binary HTTP (RFC 9292)")
struct BinaryHTTPTests {
    @Test("Figure 8 decodes and re-encodes byte for byte")
    func figure8() throws {
        let request = try BinaryHTTP.Request(decoding: try hex(RFC9292.figure8))
        #expect(request.method == "GET")
        #expect(request.scheme == "https")
        #expect(request.authority == "")
        #expect(request.path == "/hello.txt")
        #expect(request.headers == RFC9292.helloHeaders)
        #expect(request.content.isEmpty && request.trailers.isEmpty)
        let rebuilt = BinaryHTTP.Request(path: "/hello.txt", headers: RFC9292.helloHeaders)
        #expect(Array(try rebuilt.encoded()).hexString == RFC9292.figure8)
    }

    @Test("Figure 9 (indeterminate length, padded) means the same request; truncated tails read as empty")
    func figure9AndTruncation() throws {
        let reference = try BinaryHTTP.Request(decoding: try hex(RFC9292.figure8))
        let padded = try hex(RFC9292.figure9)
        for cut in [0, 1, 5, 12] {
            let request = try BinaryHTTP.Request(decoding: Array(padded.dropLast(cut)))
            #expect(request.headers == reference.headers && request.path == reference.path)
        }
        let known = try hex(RFC9292.figure8)
        for cut in [1, 2] {
            #expect(try BinaryHTTP.Request(decoding: Array(known.dropLast(cut))).headers == RFC9292.helloHeaders)
        }
    }

    @Test("Figure 11: informational responses, then the final response and its content")
    func figure11() throws {
        let response = try BinaryHTTP.Response(decoding: try hex(RFC9292.figure11))
        #expect(response.informational.map(\.status) == [102, 103])
        #expect(response.informational[0].headers == [BinaryHTTP.Field("running", "\"sleep 15\"")])
        #expect(
            response.informational[1].headers == [
                BinaryHTTP.Field("link", "</style.css>; rel=preload; as=style"),
                BinaryHTTP.Field("link", "</script.js>; rel=preload; as=script"),
            ]
        )
        #expect(response.status == 200)
        #expect(response.header("content-type") == "text/plain")
        #expect(response.header("etag") == "\"34aa387-d-1568eb00\"")
        #expect(text(response.content) == "Hello World! My content includes a trailing CRLF.\r\n")
    }

    @Test("Figure 13 (known length, trailer) round-trips; RFC 9458's minimal response decodes")
    func figure13() throws {
        let response = try BinaryHTTP.Response(decoding: try hex(RFC9292.figure13))
        #expect(response.status == 200 && response.headers.isEmpty)
        #expect(text(response.content) == "This content contains CRLF.\r\n")
        #expect(response.trailers == [BinaryHTTP.Field("trailer", "text")])
        #expect(Array(try response.encoded()).hexString == RFC9292.figure13)
        #expect(try BinaryHTTP.Response(decoding: try hex("0140c8")).status == 200)
        #expect(Array(try BinaryHTTP.Response(status: 200).encoded()).hexString == "0140c8000000")
    }

    @Test(
        "invalid messages are refused with their own codes",
        arguments: [
            ("01" + String(RFC9292.figure8.dropFirst(2)), false, BinaryHTTP.Error.Code.invalidFraming),
            ("00" + String(RFC9292.figure13.dropFirst(2)), true, .invalidFraming),
            ("05", false, .invalidFraming),
            ("", false, .truncated),
            (String(RFC9292.figure8.prefix(16)), false, .truncated),
            (String(RFC9292.figure8.prefix(80)), false, .truncated),
            (RFC9292.figure8 + "01", false, .invalidPadding),
            ("014063", true, .invalidStatus),
            ("01432c", true, .invalidStatus),
            ("000347455405687474707300012f" + "3fffffff", false, .truncated),
        ]
    )
    func invalid(message: String, isResponse: Bool, code: BinaryHTTP.Error.Code) throws {
        let bytes = try hex(message)
        let error = #expect(throws: BinaryHTTP.Error.self) {
            if isResponse {
                _ = try BinaryHTTP.Response(decoding: bytes)
            } else {
                _ = try BinaryHTTP.Request(decoding: bytes)
            }
        }
        #expect(error?.code == code, "\(String(describing: error))")
    }

    @Test("fields that would smuggle or malform a request are refused on decode and on encode")
    func fieldValidation() throws {
        for field in [
            BinaryHTTP.Field(":method", "POST"), BinaryHTTP.Field("Accept", "*/*"), BinaryHTTP.Field("bad name", "x"),
            BinaryHTTP.Field("x", "a\r\nb: c"), BinaryHTTP.Field("x", "a\u{0}b"), BinaryHTTP.Field("x", " a"),
            BinaryHTTP.Field("x", "a "),
        ] {
            let request = BinaryHTTP.Request(path: "/x", headers: [field])
            let error = #expect(throws: BinaryHTTP.Error.self) { try request.encoded() }
            #expect(error?.code == .invalidField)
            // The same field, written by hand, is refused by the decoder.
            var writer = ByteWriter()
            writer.write(contentsOf: try hex("000347455405687474707300022f78"))
            var section = ByteWriter()
            try section.writeVarIntPrefixed(Array(field.name.utf8))
            try section.writeVarIntPrefixed(Array(field.value.utf8))
            try writer.writeVarIntPrefixed(section.bytes)
            writer.write(contentsOf: [0, 0])
            #expect(throws: BinaryHTTP.Error.self) { try BinaryHTTP.Request(decoding: writer.bytes) }
        }
        for (method, path) in [("GE T", "/x"), ("GET", "/a b"), ("GET", "")] {
            #expect(throws: BinaryHTTP.Error.self) { try BinaryHTTP.Request(method: method, path: path).encoded() }
        }
    }

    @Test("limits bound the number of fields and the size of content")
    func limits() throws {
        let many = (0..<300).map { BinaryHTTP.Field("x-\($0)", "v") }
        let encoded = try BinaryHTTP.Request(path: "/x", headers: many).encoded()
        let error = #expect(throws: BinaryHTTP.Error.self) { try BinaryHTTP.Request(decoding: encoded) }
        #expect(error?.code == .tooLarge)
        let big = try BinaryHTTP.Request(path: "/x", content: SecureBytes(count: 2048)).encoded()
        let small = BinaryHTTP.Limits(maximumContentBytes: 1024)
        #expect(throws: BinaryHTTP.Error.self) { try BinaryHTTP.Request(decoding: big, limits: small) }
    }

    @Test("streamed responses decode whole and piece by piece, with the same events")
    func streaming() throws {
        var stream = try BinaryHTTP.ResponseStreamEncoder.head(
            status: 200,
            headers: [BinaryHTTP.Field("content-type", "text/event-stream")]
        )
        let pieces = ["data: {\"content\":\"Hel\"}\n\n", "data: {\"content\":\"lo\"}\n\n", "data: [DONE]\n\n"]
        for piece in pieces {
            stream.append(contentsOf: try BinaryHTTP.ResponseStreamEncoder.content(SecureBytes(Array(piece.utf8))))
        }
        stream.append(contentsOf: try BinaryHTTP.ResponseStreamEncoder.end())

        let whole = try BinaryHTTP.Response(decoding: stream)
        #expect(whole.status == 200)
        #expect(text(whole.content) == pieces.joined())

        var decoder = BinaryHTTP.ResponseStreamDecoder()
        var content = ""
        var sawHead = false
        var sawEnd = false
        for byte in stream {
            for event in try decoder.receive(SecureBytes([byte])) {
                switch event {
                case .head(let status, let headers):
                    sawHead = status == 200 && headers.first?.value == "text/event-stream"
                case .content(let piece): content += text(piece)
                case .end(let trailers): sawEnd = trailers.isEmpty
                case .informational: Issue.record("no informational response was sent")
                }
            }
        }
        _ = try decoder.finish()
        #expect(sawHead && sawEnd && decoder.isComplete)
        #expect(content == pieces.joined())
    }

    @Test("the stream decoder reads Figure 11 byte by byte and refuses a cut stream")
    func streamDecoderFigure11() throws {
        let bytes = try hex(RFC9292.figure11)
        var decoder = BinaryHTTP.ResponseStreamDecoder()
        var statuses: [Int] = []
        for byte in bytes {
            for event in try decoder.receive(SecureBytes([byte])) {
                if case .informational(let info) = event { statuses.append(info.status) }
                if case .head(let status, _) = event { statuses.append(status) }
            }
        }
        _ = try decoder.finish()
        #expect(statuses == [102, 103, 200])

        var cut = BinaryHTTP.ResponseStreamDecoder()
        _ = try cut.receive(SecureBytes(bytes.dropLast(30)))
        let error = #expect(throws: BinaryHTTP.Error.self) { try cut.finish() }
        #expect(error?.code == .truncated)
    }

    @Test("seeded random and mutated messages decode or fail with BinaryHTTP.Error, never crash")
    func robustness() throws {
        var generator = SeededGenerator(seed: 9292)
        let seeds = try [RFC9292.figure8, RFC9292.figure9, RFC9292.figure11, RFC9292.figure13].map(hex)
        for round in 0..<3000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + round % 4) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
            _ = try? BinaryHTTP.Request(decoding: bytes)
            _ = try? BinaryHTTP.Response(decoding: bytes)
            var decoder = BinaryHTTP.ResponseStreamDecoder()
            _ = try? decoder.receive(SecureBytes(bytes))
            _ = try? decoder.finish()
        }
    }
}
