import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import VeilNodeServer
import VeilOHTTP
import VeilWire
import _VeilBytes

@Suite("Node server: streaming over a real connection")
struct NodeLiveStreamingTests {
    /// Whether the client has seen the first event, and whether the backend held the rest back until it had.
    final class Gate: Sendable {
        let clientSawFirstEvent = Mutex(false)
        let releasedByClient = Mutex(false)
    }

    /// A backend that emits its first SSE event, then holds the rest back until the client has received that one
    /// (or 60 s pass): if the node buffered its response, the client could not see the first event in time and the
    /// gate would open by timeout instead. No wall-clock threshold is involved.
    struct GatedBackend: InferenceBackend {
        let gate: Gate

        func respond(to request: BinaryHTTP.Request) async -> StreamedResponse {
            let gate = gate
            let body = AsyncThrowingStream<SecureBytes, any Error> { continuation in
                let task = Task {
                    for index in 0..<4 {
                        continuation.yield(SecureBytes(Array("data: {\"n\":\(index)}\n\n".utf8)))
                        guard index == 0 else { continue }
                        let deadline = ContinuousClock.now + .seconds(60)
                        while !gate.clientSawFirstEvent.withLock({ $0 }), ContinuousClock.now < deadline {
                            try? await Task.sleep(for: .milliseconds(10))
                        }
                        gate.releasedByClient.withLock { $0 = gate.clientSawFirstEvent.withLock { $0 } }
                    }
                    continuation.yield(SecureBytes(Array("data: [DONE]\n\n".utf8)))
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
            return StreamedResponse(
                status: 200,
                headers: [BinaryHTTP.Field("content-type", "text/event-stream")],
                body: body
            )
        }
    }

    @Test("each event is flushed as its own encrypted chunk as soon as it is produced")
    func flushedPerEvent() async throws {
        let keyring = try await NodeHarness.keyring()
        let gate = Gate()
        let app = Application(
            router: NodeServer.buildRouter(keyring: keyring, backend: GatedBackend(gate: gate)),
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
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            #expect(response.status == .ok)
            var receiver = sender.responseReceiver()
            var decoder = BinaryHTTP.ResponseStreamDecoder()
            var arrivals: [String] = []
            for try await buffer in response.body {
                for chunk in try receiver.receive(buffer.readableBytesView) {
                    for case .content(let piece) in try decoder.receive(chunk) {
                        arrivals.append(String(decoding: Array(piece), as: UTF8.self))
                        gate.clientSawFirstEvent.withLock { $0 = true }
                    }
                }
            }
            _ = try decoder.receive(try receiver.finish())
            #expect(arrivals == (0..<4).map { "data: {\"n\":\($0)}\n\n" } + ["data: [DONE]\n\n"])
            // The client decrypted the first event while the backend still held the others back.
            #expect(gate.releasedByClient.withLock { $0 }, "the first event reached the client only after the rest")
        }
    }
}
