import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import Testing
import VeilOHTTP
import VeilRelayServer
import VeilServerTestSupport
import VeilTestSupport
import _VeilBytes

@Suite("Relay")
struct RelayTests {
    static func post(
        _ url: URL,
        _ body: [UInt8],
        mediaType: String = OHTTP.requestMediaType,
        headers: [(String, String)] = [],
        stream: Bool = false
    ) async throws -> (HTTPResponse.Status, [UInt8], String?) {
        var request = HTTPClientRequest(url: url.absoluteString + "/ohttp")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: mediaType)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if stream {
            let pieces = stride(from: 0, to: body.count, by: 512).map {
                ByteBuffer(bytes: body[$0..<min($0 + 512, body.count)])
            }
            let stream = AsyncStream<ByteBuffer> { continuation in
                for piece in pieces { continuation.yield(piece) }
                continuation.finish()
            }
            request.body = .stream(stream, length: .unknown)
        } else {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        return (
            HTTPResponse.Status(code: Int(response.status.code)), Array(buffer: data),
            response.headers.first(name: "content-type")
        )
    }

    static func problemType(_ body: [UInt8]) -> String? {
        ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any])?["type"] as? String
    }

    static func bundleNodeID(_ url: URL) async throws -> String? {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: url.absoluteString + "/.well-known/veil/attestation"),
            timeout: .seconds(30)
        )
        let body = try await response.body.collect(upTo: 1 << 22)
        return ((try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any])?["node_id"] as? String
    }

    /// `GET /.well-known/veil/attestation` + `query` through the relay: status and body.
    static func getBundle(_ url: URL, query: String) async throws -> (UInt, [UInt8]) {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: url.absoluteString + "/.well-known/veil/attestation" + query),
            timeout: .seconds(30)
        )
        return (response.status.code, Array(buffer: try await response.body.collect(upTo: 1 << 22)))
    }

    @Test("a well-formed ?nonce= passes through to the node, nothing else does; a malformed one is refused")
    func noncePassThrough() async throws {
        let node = try await TestNode(keyIDs: [5], rootDirectory: try TestRoot.make())
        let (port, stop) = try await LiveServer.start(node.router)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(port)])
        let nonce = Base64URL.encode(SymmetricKey.randomNonSecretBytes(count: 32))
        let (status, body) = try await Self.getBundle(relay.url, query: "?nonce=\(nonce)")
        #expect(status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let runtime = try Base64URL.decode(try #require(object["runtime_data"] as? String))
        let members = try #require(try JSONSerialization.jsonObject(with: Data(runtime)) as? [String: Any])
        #expect(members["nonce"] as? String == nonce)
        #expect(node.nonceRequests == 1)
        for bad in ["?nonce=short", "?nonce=\(nonce)%3D", "?nonce=\(nonce)&nonce=\(nonce)", "?nonce=a%22b\(nonce)"] {
            let (refused, problem) = try await Self.getBundle(relay.url, query: bad)
            #expect(refused == 400, "\(bad)")
            #expect(Self.problemType(problem) == "https://veil.dev/problems/relay/bad-request", "\(bad)")
        }
        // Other query members are not forwarded: the node serves its current bundle.
        let (other, _) = try await Self.getBundle(relay.url, query: "?fresh=1&x=\(nonce)")
        #expect(other == 200)
        #expect(node.nonceRequests == 1)
        // The health check (no nonce) keeps the node in the pool.
        await relay.pool.markUnhealthy(index: 0)
        await relay.healthChecker.checkAll()
        #expect(await relay.pool.snapshot.first?.healthy == true)
        await relay.stop()
        await stop()
    }

    @Test("POST /ohttp goes to the node advertising the key id; an unknown key id is key-config-stale")
    func routesByKeyID() async throws {
        let root = try TestRoot.make()
        let a = try await TestNode(keyIDs: [1, 2], rootDirectory: root)
        let b = try await TestNode(keyIDs: [3, 4], rootDirectory: root)
        let (portA, stopA) = try await LiveServer.start(a.router)
        let (portB, stopB) = try await LiveServer.start(b.router)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(portA), LiveServer.url(portB)])
        let (status, body, _) = try await Self.post(relay.url, [4] + [UInt8](repeating: 0xAB, count: 100))
        #expect(b.requests == 1)
        #expect(a.requests == 0)
        #expect(status == .badRequest)
        #expect(Self.problemType(body) == "https://veil.dev/problems/node/decryption-failed")
        let (stale, staleBody, type) = try await Self.post(relay.url, [9, 0, 0])
        #expect(stale == .unprocessableContent)
        #expect(type == "application/problem+json")
        #expect(Self.problemType(staleBody) == "https://veil.dev/problems/relay/key-config-stale")
        #expect(a.requests + b.requests == 1)
        await relay.stop()
        await stopA()
        await stopB()
    }

    @Test("the node sees none of the client's identifying headers")
    func stripsClientHeaders() async throws {
        let node = try await TestNode(keyIDs: [5], rootDirectory: try TestRoot.make())
        let (port, stop) = try await LiveServer.start(node.router)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(port)])
        let identifying = [
            ("Cookie", "session=alice"), ("Authorization", "Bearer alice-token"), ("User-Agent", "alice-laptop/1.0"),
            ("X-Forwarded-For", "203.0.113.7"), ("Forwarded", "for=203.0.113.7"), ("Via", "1.1 alice-proxy"),
            ("X-Real-IP", "203.0.113.7"), ("Referer", "https://alice.example/"), ("X-Client-Trace", "alice-42"),
        ]
        _ = try await Self.post(
            relay.url,
            [5, 1, 2, 3],
            mediaType: OHTTP.chunkedRequestMediaType,
            headers: identifying
        )
        let seen = try #require(node.seenHeaders.last)
        for (name, value) in identifying {
            #expect(seen[name.lowercased()] == nil, "\(name) reached the node")
            #expect(!seen.values.contains { $0.contains(value) }, "the value of \(name) reached the node")
        }
        #expect(seen["content-type"] == OHTTP.chunkedRequestMediaType)
        await relay.stop()
        await stop()
    }

    @Test("round-robin alternates the attestation bundle between healthy nodes")
    func roundRobin() async throws {
        let root = try TestRoot.make()
        let a = try await TestNode(keyIDs: [1], rootDirectory: root)
        let b = try await TestNode(keyIDs: [2], rootDirectory: root)
        let (portA, stopA) = try await LiveServer.start(a.router)
        let (portB, stopB) = try await LiveServer.start(b.router)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(portA), LiveServer.url(portB)])
        var ids: [String] = []
        for _ in 0..<4 { ids.append(try #require(try await Self.bundleNodeID(relay.url))) }
        #expect(ids == [a.nodeID, b.nodeID, a.nodeID, b.nodeID])
        await relay.stop()
        await stopA()
        await stopB()
    }

    @Test("least-outstanding picks the node with the fewest requests in flight")
    func leastOutstanding() async throws {
        let pool = NodePool(
            urls: [URL(string: "http://127.0.0.1:1")!, URL(string: "http://127.0.0.1:2")!],
            balance: .leastOutstanding
        )
        await pool.update(index: 0, healthy: true, nodeID: "a", keyIDs: [1])
        await pool.update(index: 1, healthy: true, nodeID: "b", keyIDs: [2])
        let first = try #require(await pool.choose())
        let second = try #require(await pool.choose())
        #expect(first.index != second.index)
        await pool.finish(index: second.index)
        let third = try #require(await pool.choose())
        #expect(third.index == second.index)
        let routed = try #require(await pool.route(keyID: 1))
        #expect(routed.index == 0)
        #expect(await pool.snapshot[0].outstanding == 2)
        #expect(await pool.route(keyID: 3) == nil)
    }

    @Test("a node that fails its health check gets no bundle requests and no routed requests")
    func unhealthyNodeSkipped() async throws {
        let root = try TestRoot.make()
        let good = try await TestNode(keyIDs: [1], rootDirectory: root)
        let sick = try await TestNode(keyIDs: [2], rootDirectory: root)
        let sickRouter = Router()
        sickRouter.get("/healthz") { _, _ -> Response in Response(status: .serviceUnavailable) }
        sickRouter.get("/.well-known/veil/attestation") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: try await sick.bundle(for: nil))))
        }
        sickRouter.post("/ohttp") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            Issue.record("an unhealthy node received a request")
            return Response(status: .ok)
        }
        let (goodPort, stopGood) = try await LiveServer.start(good.router)
        let (sickPort, stopSick) = try await LiveServer.start(sickRouter)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(sickPort), LiveServer.url(goodPort)])
        for _ in 0..<3 { #expect(try await Self.bundleNodeID(relay.url) == good.nodeID) }
        let (status, body, _) = try await Self.post(relay.url, [2, 0, 0, 0])
        #expect(status == .unprocessableContent)
        #expect(Self.problemType(body) == "https://veil.dev/problems/relay/key-config-stale")
        let metrics = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: relay.url.absoluteString + "/metrics"),
            timeout: .seconds(10)
        )
        let text = String(buffer: try await metrics.body.collect(upTo: 1 << 20))
        #expect(text.contains("veil_relay_node_healthy{node=\"0\"} 0"))
        #expect(text.contains("veil_relay_node_healthy{node=\"1\"} 1"))
        await relay.stop()
        await stopGood()
        await stopSick()
    }

    @Test("size bounds (declared and streamed), time bound, media type")
    func bounds() async throws {
        let node = try await TestNode(keyIDs: [1], rootDirectory: try TestRoot.make())
        let bundle = try await node.bundle(for: nil)
        let slowRouter = Router()
        slowRouter.get("/healthz") { _, _ in "ok" }
        slowRouter.get("/.well-known/veil/attestation") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bundle)))
        }
        slowRouter.post("/ohttp") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            try await Task.sleep(for: .seconds(12))
            return Response(status: .ok)
        }
        let (port, stop) = try await LiveServer.start(node.router)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(port)], maximumRequestBytes: 1024)
        let big = [UInt8(1)] + [UInt8](repeating: 0, count: 4096)
        let (declared, declaredBody, _) = try await Self.post(relay.url, big)
        #expect(declared == .contentTooLarge)
        #expect(Self.problemType(declaredBody) == "https://veil.dev/problems/relay/payload-too-large")
        let (media, mediaBody, _) = try await Self.post(relay.url, [1, 2], mediaType: "application/json")
        #expect(media == .unsupportedMediaType)
        #expect(Self.problemType(mediaBody) == "https://veil.dev/problems/relay/unsupported-media-type")
        #expect(node.requests == 0)
        let (streamed, _, _) = try await Self.post(relay.url, big, stream: true)
        #expect(streamed == .contentTooLarge)
        await relay.stop()
        await stop()

        let (slowPort, stopSlow) = try await LiveServer.start(slowRouter)
        let slowRelay = try await RelayHarness.start(nodes: [LiveServer.url(slowPort)], requestTimeout: .seconds(1))
        let started = ContinuousClock.now
        let (timedOut, timeoutBody, _) = try await Self.post(slowRelay.url, [1, 2, 3])
        #expect(timedOut == .gatewayTimeout)
        #expect(Self.problemType(timeoutBody) == "https://veil.dev/problems/relay/upstream-timeout")
        // The node answers only after 12 s; the relay's 1 s bound cut it off well before (with room for a loaded CI).
        #expect(ContinuousClock.now - started < .seconds(10))
        await slowRelay.stop()
        await stopSlow()
    }

    @Test("responses stream through the relay as the node writes them, not after it finishes")
    func streamsResponses() async throws {
        let node = try await TestNode(keyIDs: [1], rootDirectory: try TestRoot.make())
        let bundle = try await node.bundle(for: nil)
        let (gate, open) = AsyncStream<Void>.makeStream()
        let streaming = Router()
        streaming.get("/healthz") { _, _ in "ok" }
        streaming.get("/.well-known/veil/attestation") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bundle)))
        }
        streaming.post("/ohttp") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(
                status: .ok,
                headers: [.contentType: OHTTP.chunkedResponseMediaType],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "first piece"))
                    var iterator = gate.makeAsyncIterator()
                    _ = await iterator.next()
                    try await writer.write(ByteBuffer(string: "second piece"))
                    try await writer.finish(nil)
                }
            )
        }
        let (port, stop) = try await LiveServer.start(streaming)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(port)])
        var request = HTTPClientRequest(url: relay.url.absoluteString + "/ohttp")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: OHTTP.chunkedRequestMediaType)
        request.body = .bytes(ByteBuffer(bytes: [1, 2, 3]))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.headers.first(name: "content-type") == OHTTP.chunkedResponseMediaType)
        var received = ""
        var iterator = response.body.makeAsyncIterator()
        // The node holds its second piece until the first has reached the client through the relay.
        while !received.contains("first piece"), let buffer = try await iterator.next() {
            received += String(buffer: buffer)
        }
        #expect(received == "first piece")
        open.yield()
        while let buffer = try await iterator.next() { received += String(buffer: buffer) }
        #expect(received == "first piecesecond piece")
        open.finish()
        await relay.stop()
        await stop()
    }
}
