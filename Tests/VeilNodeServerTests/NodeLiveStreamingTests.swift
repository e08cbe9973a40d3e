import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VeilNodeServer
import VeilOHTTP
import _VeilBytes

@Suite("Node server: streaming over a real connection")
struct NodeLiveStreamingTests {
    /// A backend that emits one SSE event every 300 ms.
    struct SlowBackend: InferenceBackend {
        func respond(to request: BinaryHTTP.Request) async -> InnerResponse {
            let body = AsyncThrowingStream<SecureBytes, any Error> { continuation in
                let task = Task {
                    for index in 0..<4 {
                        continuation.yield(SecureBytes(Array("data: {\"n\":\(index)}\n\n".utf8)))
                        try? await Task.sleep(for: .milliseconds(300))
                    }
                    continuation.yield(SecureBytes(Array("data: [DONE]\n\n".utf8)))
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
            return .stream(status: 200, headers: [BinaryHTTP.Field("content-type", "text/event-stream")], body: body)
        }
    }

    @Test("each event is flushed as its own encrypted chunk as soon as it is produced")
    func flushedPerEvent() async throws {
        let keyring = try await NodeHarness.keyring()
        let app = Application(
            router: NodeServer.buildRouter(keyring: keyring, backend: SlowBackend()),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.live) { live in
            let port = try #require(live.port)
            let config = try OHTTP.KeyConfig.parseList(await keyring.keyConfigList())[0]
            var sender = try OHTTP.ChunkedRequestSender(client: OHTTP.Client(keyConfig: config))
            let inner = NodeHarness.inner("/v1/chat/completions", json: #"{"stream":true}"#)
            let message = sender.header + (try sender.seal(Data(try inner.encoded()), isFinal: true))
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/ohttp")
            request.method = .POST
            request.headers.add(name: "content-type", value: OHTTP.chunkedRequestMediaType)
            request.body = .bytes(ByteBuffer(bytes: message))
            let start = ContinuousClock.now
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status == .ok)
            var receiver = sender.responseReceiver()
            var decoder = BinaryHTTP.ResponseStreamDecoder()
            var arrivals: [(Duration, String)] = []
            for try await buffer in response.body {
                for chunk in try receiver.receive(buffer.readableBytesView) {
                    for case .content(let piece) in try decoder.receive(chunk) {
                        arrivals.append((ContinuousClock.now - start, String(decoding: Array(piece), as: UTF8.self)))
                    }
                }
            }
            _ = try decoder.receive(try receiver.finish())
            #expect(arrivals.map(\.1) == (0..<4).map { "data: {\"n\":\($0)}\n\n" } + ["data: [DONE]\n\n"])
            // The first event arrives long before the last one is produced (~1.2 s later).
            let first = try #require(arrivals.first?.0)
            let last = try #require(arrivals.last?.0)
            #expect(last - first >= .milliseconds(800))
            #expect(first < .milliseconds(800))
        }
    }
}
