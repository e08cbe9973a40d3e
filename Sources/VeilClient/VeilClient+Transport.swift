import AsyncHTTPClient
import Foundation
import NIOCore
public import VeilOHTTP
public import VeilWire
import _VeilBytes

extension VeilClient {
    /// How a request travels.
    public enum Framing: Sendable {
        /// One `message/ohttp-req`, one `message/ohttp-res` (RFC 9458).
        case single
        /// `message/ohttp-chunked-req` / `message/ohttp-chunked-res`: the response streams as the node produces it.
        case chunked
    }

    /// The node's decrypted answer: status and headers first, then the content as it arrives.
    public typealias InnerResponse = StreamedResponse

    /// Sends a Binary HTTP request to the verified node through the relay and returns its answer. Verifies (or
    /// reuses the verified, unexpired) bundle first; when the node or relay answers `key-config-stale`, refetches
    /// the bundle once and retries.
    public func send(_ request: BinaryHTTP.Request, framing: Framing = .chunked) async throws -> InnerResponse {
        let encoded: SecureBytes
        do {
            encoded = try request.encoded()
        } catch {
            throw VeilClientError(.configuration, "the request cannot be encoded: \(error.detail)")
        }
        var retried = false
        while true {
            let bundle = try await verifiedBundle()
            let client: OHTTP.Client
            do {
                client = try OHTTP.Client.choose(from: bundle.keyConfigs)
            } catch {
                throw VeilClientError(.encryption, "the node offers no usable key configuration: \(error.detail)")
            }
            do {
                switch framing {
                case .single: return try await exchangeSingle(encoded, client: client)
                case .chunked: return try await exchangeChunked(encoded, client: client)
                }
            } catch let error as VeilClientError where error.code == .keyConfigStale && !retried {
                retried = true
                await store.invalidate(bundle.keyConfigs)
            }
        }
    }

    private func post(_ body: [UInt8], mediaType: String) async throws -> HTTPClientResponse {
        var outbound = HTTPClientRequest(url: url("/ohttp"))
        outbound.method = .POST
        outbound.headers.add(name: "Content-Type", value: mediaType)
        outbound.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(
                outbound,
                timeout: .seconds(Int64(configuration.requestTimeout.components.seconds))
            )
        } catch {
            throw VeilClientError(.transport, "POST \(url("/ohttp")) failed: \(error)")
        }
        guard response.status == .ok else {
            let body = Array(buffer: (try? await response.body.collect(upTo: Problem.maximumSize)) ?? ByteBuffer())
            let problem = Problem(decoding: body)
            let summary = problem?.summary ?? ""
            if response.status.code == 422, let problem {
                switch problem.type {
                case .keyConfigStale:
                    throw VeilClientError(.keyConfigStale, "the node no longer serves this key\(summary)", status: 422)
                default:
                    break
                }
            }
            throw VeilClientError(
                .rejected,
                "the relay or node refused the request with \(response.status.code)\(summary)",
                status: Int(response.status.code)
            )
        }
        return response
    }

    private func exchangeSingle(_ encoded: SecureBytes, client: OHTTP.Client) async throws -> InnerResponse {
        var plaintext = Array(encoded)
        defer { SecureMemory.wipe(&plaintext) }
        let encapsulated = try client.encapsulateRequest(plaintext)
        let response = try await post(encapsulated.message, mediaType: OHTTP.requestMediaType)
        let body = try await response.body.collect(upTo: configuration.maximumResponseBytes + 64)
        let inner = try encapsulated.response.decapsulate(Array(buffer: body))
        let decoded: BinaryHTTP.Response
        do {
            decoded = try BinaryHTTP.Response(decoding: inner)
        } catch {
            throw VeilClientError(.encryption, "the node's answer is not Binary HTTP: \(error.detail)")
        }
        let content = decoded.content
        return InnerResponse(
            status: decoded.status,
            headers: decoded.headers,
            body: AsyncThrowingStream { continuation in
                if !content.isEmpty { continuation.yield(content) }
                continuation.finish()
            }
        )
    }

    private func exchangeChunked(_ encoded: SecureBytes, client: OHTTP.Client) async throws -> InnerResponse {
        var sender = try OHTTP.ChunkedRequestSender(client: client)
        var plaintext = Array(encoded)
        defer { SecureMemory.wipe(&plaintext) }
        let message = sender.header + (try sender.seal(plaintext, isFinal: true))
        let response = try await post(message, mediaType: OHTTP.chunkedRequestMediaType)
        let pump = ResponsePump(
            body: response.body,
            receiver: sender.responseReceiver(),
            limit: configuration.maximumResponseBytes
        )
        guard case .head(let status, let headers) = try await pump.head() else {
            throw VeilClientError(.encryption, "the node's answer has no status")
        }
        return InnerResponse(
            status: status,
            headers: headers,
            body: AsyncThrowingStream(unfolding: { try await pump.nextContent() })
        )
    }
}

/// Decrypts a chunked OHTTP response as it arrives and decodes the Binary HTTP inside it. One consumer only: the
/// caller reads the head, then the stream it hands out pulls the content.
final class ResponsePump: @unchecked Sendable {
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var receiver: OHTTP.ChunkedResponseReceiver
    private var decoder = BinaryHTTP.ResponseStreamDecoder()
    private var events: [BinaryHTTP.ResponseStreamDecoder.Event] = []
    private var ended = false
    private var received = 0
    private let limit: Int

    init(body: HTTPClientResponse.Body, receiver: OHTTP.ChunkedResponseReceiver, limit: Int) {
        iterator = body.makeAsyncIterator()
        self.receiver = receiver
        self.limit = limit
    }

    /// The head (after any informational responses).
    func head() async throws -> BinaryHTTP.ResponseStreamDecoder.Event {
        while let event = try await nextEvent() {
            if case .head = event { return event }
        }
        throw VeilClientError(.encryption, "the node's answer ended before its status")
    }

    /// The next piece of content, or nil at the (authenticated) end.
    func nextContent() async throws -> SecureBytes? {
        while let event = try await nextEvent() {
            switch event {
            case .content(let piece): return piece
            case .end: return nil
            case .head, .informational: continue
            }
        }
        return nil
    }

    private func nextEvent() async throws -> BinaryHTTP.ResponseStreamDecoder.Event? {
        while events.isEmpty {
            guard !ended else { return nil }
            try await pull()
        }
        return events.removeFirst()
    }

    private func pull() async throws {
        do {
            if let buffer = try await iterator.next() {
                received += buffer.readableBytes
                guard received <= limit else {
                    throw VeilClientError(.transport, "the response exceeds \(limit) bytes")
                }
                for plaintext in try receiver.receive(Array(buffer: buffer)) {
                    events += try decoder.receive(plaintext)
                }
            } else {
                ended = true
                let final = try receiver.finish()
                events += try decoder.receive(final)
                events += try decoder.finish()
            }
        } catch let error as OHTTPError {
            ended = true
            throw VeilClientError(.encryption, "the encrypted response failed: \(error.detail)")
        } catch let error as BinaryHTTP.Error {
            ended = true
            throw VeilClientError(.encryption, "the node's answer is not valid Binary HTTP: \(error.detail)")
        }
    }
}
