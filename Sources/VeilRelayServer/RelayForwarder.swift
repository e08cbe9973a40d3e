import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import VeilOHTTP
import VeilServerKit
import VeilWire
import _VeilBytes

/// Forwards requests to nodes. Builds every outbound request from scratch with only the media type, so nothing
/// that identifies the client (address, cookies, credentials, user agent, `Forwarded`/`X-Forwarded-*`, `Via`)
/// reaches a node; bodies are streamed both ways and never inspected beyond the key id byte.
struct RelayForwarder: Sendable {
    let pool: NodePool
    let configuration: RelayConfiguration
    let httpClient: HTTPClient
    let metrics: RelayMetrics
    let logger: SafeLogger
    /// Runs one round of health checks (when no node is healthy, before giving up).
    let recheck: @Sendable () async -> Void

    /// Request headers that identify a client and are never forwarded (the relay forwards no request header
    /// except `Content-Type`; the list documents the intent and is checked by tests).
    static let strippedRequestHeaders = [
        "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "via", "cookie",
        "authorization", "proxy-authorization", "user-agent", "referer", "origin", "true-client-ip",
        "cf-connecting-ip", "x-client-ip",
    ]

    static func url(_ base: URL, _ path: String) -> String {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text + path
    }

    /// A client's `?nonce=` for the attestation bundle: nil when absent; passed on only when it is one unpadded
    /// base64url string of 16 to 64 bytes' length (the node checks it again), else a `bad-request` problem.
    static func nonceQuery(_ values: [String]) throws -> String? {
        guard let text = values.first else { return nil }
        let alphabet = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8))
        guard values.count == 1, (22...86).contains(text.utf8.count), text.utf8.count % 4 != 1,
            text.utf8.allSatisfy({ alphabet.contains($0) })
        else {
            throw Problem.badRequest("?nonce= must be one unpadded base64url string of 16 to 64 bytes")
        }
        return text
    }

    /// `GET /.well-known/veil/attestation` (with a client's `?nonce=` when given) and `GET /.well-known/ohttp-keys`:
    /// from a node chosen by the balancing policy; a node that fails is marked unhealthy and another is tried once.
    /// A node's refusal of a nonce request (a 4xx, or 503 while it is busy attesting) goes back to the client as is:
    /// a client's nonces cannot make the relay take nodes out of the pool.
    func publicDocument(path: String, mediaType: String) async throws -> Response {
        let withNonce = path.contains("?nonce=")
        var rechecked = false
        for _ in 0..<3 {
            var chosen = await pool.choose()
            if chosen == nil, !rechecked {
                // Every node looks unhealthy: check them all now rather than wait for the next round.
                rechecked = true
                await recheck()
                chosen = await pool.choose()
            }
            guard let node = chosen else { break }
            do {
                let response = try await httpClient.execute(
                    HTTPClientRequest(url: Self.url(node.url, path)),
                    deadline: .now() + .seconds(Int64(configuration.healthTimeout.components.seconds) + 2)
                )
                let body = try await response.body.collect(upTo: configuration.maximumBundleBytes)
                await pool.finish(index: node.index)
                if withNonce, (400..<500).contains(response.status.code) || response.status == .serviceUnavailable {
                    var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
                    if let retry = response.headers.first(name: "Retry-After") { headers[.retryAfter] = retry }
                    return Response(
                        status: HTTPResponse.Status(code: Int(response.status.code)),
                        headers: headers,
                        body: .init(byteBuffer: body)
                    )
                }
                guard response.status == .ok else {
                    await pool.markUnhealthy(index: node.index)
                    continue
                }
                if path.hasPrefix(RelayRoutes.attestation),
                    let advertisement = NodeAdvertisement(bundleJSON: Array(buffer: body))
                {
                    await pool.update(
                        index: node.index,
                        healthy: true,
                        nodeID: advertisement.nodeID,
                        keyIDs: advertisement.keyIDs
                    )
                }
                await metrics.count(.document)
                return Response(
                    status: .ok,
                    headers: [.contentType: mediaType, .cacheControl: "no-store"],
                    body: .init(byteBuffer: body)
                )
            } catch {
                await pool.finish(index: node.index)
                await pool.markUnhealthy(index: node.index)
                logger.warning("node failed a document request", ["node": .count(node.index)])
            }
        }
        await metrics.count(.noHealthyNode)
        throw Problem.noHealthyNode
    }

    /// `POST /ohttp`: routed by the key id (the first byte of the encapsulated request) to the one node that
    /// serves it, streamed both ways within the size and time bounds.
    func forward(_ request: Request) async throws -> Response {
        let started = ContinuousClock.now
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard let mediaType, mediaType == OHTTP.requestMediaType || mediaType == OHTTP.chunkedRequestMediaType else {
            await metrics.count(.rejected)
            throw Problem.unsupportedMediaType
        }
        var length: Int?
        if let text = request.headers[.contentLength] {
            guard let value = Int(text), value >= 0 else {
                throw Problem.badRequest("Content-Length is not valid")
            }
            guard value <= configuration.maximumRequestBytes else {
                await metrics.count(.rejected)
                throw Problem.payloadTooLarge(configuration.maximumRequestBytes)
            }
            length = value
        }
        let body = ForwardedBody(request.body, limit: configuration.maximumRequestBytes)
        guard let keyID = try await body.firstByte() else {
            await metrics.count(.rejected)
            throw Problem.badRequest("the encapsulated request is empty")
        }
        guard let node = await pool.route(keyID: keyID) else {
            await metrics.count(.stale)
            throw Problem.keyConfigStale
        }
        var outbound = HTTPClientRequest(url: Self.url(node.url, RelayRoutes.ohttp))
        outbound.method = .POST
        outbound.headers.add(name: "Content-Type", value: mediaType)
        outbound.body = .stream(body, length: length.map { .known(Int64($0)) } ?? .unknown)
        let deadline =
            NIODeadline.now() + TimeAmount(configuration.requestTimeout)
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(outbound, deadline: deadline)
        } catch {
            await pool.finish(index: node.index)
            if body.exceededLimit {
                await metrics.count(.rejected)
                throw Problem.payloadTooLarge(configuration.maximumRequestBytes)
            }
            await metrics.count(.upstreamFailed)
            if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
                throw Problem.upstreamTimeout
            }
            // The node that serves this key is gone: to the client its key is stale. It refetches the bundle (from
            // a healthy node) and sends a fresh encapsulation; the old ciphertext is never replayed.
            await pool.markUnhealthy(index: node.index)
            logger.warning("node unreachable", ["node": .count(node.index)])
            throw Problem.nodeUnreachable
        }
        var headers = HTTPFields()
        if let type = response.headers.first(name: "content-type") { headers[.contentType] = type }
        headers[.cacheControl] = "no-store"
        let status = HTTPResponse.Status(code: Int(response.status.code))
        let limit = configuration.maximumResponseBytes
        let pool = self.pool
        let metrics = self.metrics
        let logger = self.logger
        let requestBytes = body
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody { writer in
                var sent = 0
                var outcome = RelayMetrics.Outcome.forwarded
                do {
                    for try await buffer in response.body {
                        sent += buffer.readableBytes
                        guard sent <= limit else {
                            outcome = .responseTooLarge
                            break
                        }
                        guard NIODeadline.now() < deadline else {
                            outcome = .upstreamTimeout
                            break
                        }
                        try await writer.write(buffer)
                    }
                } catch {
                    outcome = .upstreamFailed
                }
                await pool.finish(index: node.index)
                await metrics.count(outcome, requestBytes: requestBytes.received, responseBytes: sent)
                logger.info(
                    "ohttp forwarded",
                    [
                        "node": .count(node.index), "status": .count(Int(status.code)),
                        "request_bytes": .bytes(requestBytes.received), "response_bytes": .bytes(sent),
                        "outcome": .safe(outcome), "duration": .duration(ContinuousClock.now - started),
                    ]
                )
                // A cut stream is left unterminated on purpose: chunked OHTTP clients detect it as truncation.
                guard outcome == .forwarded else { throw Problem.upstreamFailed }
                try await writer.finish(nil)
            }
        )
    }
}

/// A request body forwarded as it arrives: the first buffer is read early (for the key id) and replayed; the
/// byte count is bounded. One consumer only (the outbound request), which AsyncHTTPClient guarantees.
final class ForwardedBody: AsyncSequence, @unchecked Sendable {
    typealias Element = ByteBuffer

    private var iterator: RequestBody.AsyncIterator
    private var pending: ByteBuffer?
    private let limit: Int
    private let lock = NSLock()
    private var count = 0
    private var overLimit = false

    init(_ body: RequestBody, limit: Int) {
        iterator = body.makeAsyncIterator()
        self.limit = limit
    }

    /// Bytes received from the client so far.
    var received: Int { lock.withLock { count } }
    /// Whether the client sent more than the limit.
    var exceededLimit: Bool { lock.withLock { overLimit } }

    /// Reads up to the first non-empty buffer and returns its first byte (nil for an empty body).
    func firstByte() async throws -> UInt8? {
        while true {
            guard let buffer = try await nextBuffer() else { return nil }
            if buffer.readableBytes > 0 {
                pending = buffer
                return buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)
            }
        }
    }

    private func nextBuffer() async throws -> ByteBuffer? {
        guard let buffer = try await iterator.next() else { return nil }
        let total = lock.withLock {
            count += buffer.readableBytes
            if count > limit { overLimit = true }
            return count
        }
        guard total <= limit else { throw Problem.payloadTooLarge(limit) }
        return buffer
    }

    func pop() async throws -> ByteBuffer? {
        if let buffer = pending {
            pending = nil
            return buffer
        }
        return try await nextBuffer()
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: ForwardedBody
        func next() async throws -> ByteBuffer? { try await body.pop() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
}
