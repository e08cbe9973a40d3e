public import AsyncHTTPClient
public import Foundation
public import VeilOHTTP
public import VeilWire
public import NIOCore
import NIOHTTP1
import _VeilBytes

/// Upstream mode: the decrypted inner request is forwarded to an OpenAI-compatible server on loopback inside the
/// same TEE (llama.cpp's server, vLLM ...); its answer, streamed chunk by chunk when it is `text/event-stream`,
/// goes back encrypted. Only the method, path, `content-type` and `accept` are forwarded.
public struct UpstreamBackend: InferenceBackend {
    /// The upstream's base URL (`http://127.0.0.1:PORT`).
    public let baseURL: URL
    /// The HTTP client.
    public let httpClient: HTTPClient
    /// The longest an upstream request may take.
    public let timeout: TimeAmount
    /// The largest non-streamed upstream response accepted.
    public let maximumResponseSize: Int

    /// Refuses a URL that is not `http(s)` on a loopback address: plaintext must not leave the TEE.
    public init(
        baseURL: URL,
        httpClient: HTTPClient = .shared,
        timeout: TimeAmount = .seconds(600),
        maximumResponseSize: Int = 64 << 20
    ) throws(UpstreamError) {
        guard let scheme = baseURL.scheme, scheme == "http" || scheme == "https", let host = baseURL.host,
            Self.isLoopback(host)
        else {
            throw UpstreamError("the upstream must be http(s) on a loopback address (127.0.0.1, ::1, localhost)")
        }
        self.baseURL = baseURL
        self.httpClient = httpClient
        self.timeout = timeout
        self.maximumResponseSize = maximumResponseSize
    }

    static func isLoopback(_ host: String) -> Bool {
        let trimmed = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return trimmed == "localhost" || trimmed == "::1" || trimmed.hasPrefix("127.")
    }

    public func respond(to request: BinaryHTTP.Request) async -> StreamedResponse {
        guard request.path.hasPrefix("/v1/"), !request.path.contains("..") else {
            return OpenAI.error(
                OpenAI.RequestError(
                    status: 404,
                    message: "only /v1/ routes are forwarded",
                    type: "invalid_request_error",
                    param: nil,
                    code: "unknown_url"
                )
            )
        }
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var outgoing = HTTPClientRequest(url: base + request.path)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for name in ["content-type", "accept"] {
            if let value = request.header(name) { outgoing.headers.add(name: name, value: value) }
        }
        if !request.content.isEmpty {
            outgoing.body = .bytes(ByteBuffer(bytes: request.content))
        }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(outgoing, timeout: timeout)
        } catch {
            return Self.upstreamFailure()
        }
        var headers: [BinaryHTTP.Field] = []
        for name in ["content-type", "cache-control"] {
            if let value = response.headers.first(name: name) { headers.append(BinaryHTTP.Field(name, value)) }
        }
        let status = Int(response.status.code)
        guard (200...599).contains(status) else { return Self.upstreamFailure() }
        let isEventStream = response.headers.first(name: "content-type")?.lowercased().hasPrefix("text/event-stream")
        if isEventStream == true {
            let body = response.body
            let stream = AsyncThrowingStream<SecureBytes, any Error>.producing { continuation in
                for try await buffer in body {
                    continuation.yield(SecureBytes(buffer.readableBytesView))
                }
            }
            return StreamedResponse(status: status, headers: headers, body: stream)
        }
        var content = SecureBytes(reservingCapacity: 0)
        do {
            for try await buffer in response.body {
                guard content.count + buffer.readableBytes <= maximumResponseSize else {
                    return Self.upstreamFailure()
                }
                content.append(contentsOf: buffer.readableBytesView)
            }
        } catch {
            return Self.upstreamFailure()
        }
        return StreamedResponse(status: status, headers: headers, content: content)
    }

    static func upstreamFailure() -> StreamedResponse {
        OpenAI.error(
            OpenAI.RequestError(
                status: 502,
                message: "the upstream inference server did not answer",
                type: "upstream_error",
                param: nil,
                code: "upstream_unavailable"
            )
        )
    }
}

/// An unusable upstream configuration.
public struct UpstreamError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    /// Always `invalidUpstream`.
    public var code: String { "invalidUpstream" }
    init(_ description: String) { self.description = description }
}
