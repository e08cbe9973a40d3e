import Foundation
public import Hummingbird
public import Logging
import NIOCore
public import VeilClient
import VeilOHTTP
import VeilWire
import _VeilBytes

/// The local OpenAI-compatible endpoint behind `veil proxy` (docs/client.md): every `/v1/*` request is sent
/// through ``VeilClient`` — the node verified first, the request encrypted end to end through the relay — and the
/// answer (SSE streams included) is passed back as it arrives. It serves plaintext, so it binds to loopback.
public enum OpenAIProxy {
    /// The largest request body accepted from the local client.
    public static let maximumRequestBytes = 16 << 20

    /// Inner request headers passed to the node (everything else stays on this machine).
    static let forwardedHeaders: Set<String> = ["content-type", "accept"]

    /// The proxy's router.
    public static func buildRouter(client: VeilClient, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        let safeLogger = SafeLogger(wrapping: logger)
        router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok"))) }
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            try await forward(request, client: client, logger: safeLogger)
        }
        for method in [HTTPRequest.Method.get, .post, .delete] {
            router.on("/v1/**", method: method, use: handler)
        }
        return router
    }

    /// Builds the application listening on `host:port`.
    public static func buildApplication(
        client: VeilClient,
        host: String,
        port: Int,
        logger: Logger = Logger(label: "veil.proxy"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: buildRouter(client: client, logger: logger),
            configuration: .init(address: .hostname(host, port: port), serverName: "veil-proxy"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    static func forward(_ request: Request, client: VeilClient, logger: SafeLogger) async throws -> Response {
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumRequestBytes)
        } catch {
            return openAIError(413, "The request exceeds \(maximumRequestBytes) bytes.", type: "invalid_request_error")
        }
        var bytes = Array(buffer: body)
        body.clear()
        var headers: [BinaryHTTP.Field] = []
        for field in request.headers where forwardedHeaders.contains(field.name.canonicalName) {
            headers.append(BinaryHTTP.Field(field.name.canonicalName, field.value))
        }
        let inner = BinaryHTTP.Request(
            method: request.method.rawValue,
            scheme: "https",
            authority: "veil-node",
            path: request.uri.path + (request.uri.query.map { "?\($0)" } ?? ""),
            headers: headers,
            content: SecureBytes(wiping: &bytes)
        )
        let started = ContinuousClock.now
        let response: VeilClient.InnerResponse
        do {
            response = try await client.send(inner, framing: .chunked)
        } catch let error as VeilClientError {
            logger.warning("proxy request failed", ["code": .safe(ClientErrorCode(error.code))])
            return openAIError(502, "Veil: \(error.detail)", type: "veil_\(error.code.rawValue)")
        } catch {
            logger.warning("proxy request failed", [:])
            return openAIError(502, "Veil: the encrypted exchange failed.", type: "veil_transport")
        }
        var outHeaders = HTTPFields()
        if let type = response.header("content-type") { outHeaders[.contentType] = type }
        if let cache = response.header("cache-control") { outHeaders[.cacheControl] = cache }
        let status = HTTPResponse.Status(code: response.status)
        return Response(
            status: status,
            headers: outHeaders,
            body: ResponseBody { writer in
                var sent = 0
                for try await piece in response.body {
                    sent += piece.count
                    try await writer.write(ByteBuffer(bytes: piece))
                }
                logger.info(
                    "proxied",
                    [
                        "status": .count(response.status), "response_bytes": .bytes(sent),
                        "duration": .duration(ContinuousClock.now - started),
                    ]
                )
                try await writer.finish(nil)
            }
        )
    }

    /// An OpenAI-style error body, so OpenAI clients raise a readable error.
    static func openAIError(_ status: Int, _ message: String, type: String) -> Response {
        let body = OpenAI.ErrorBody(error: .init(message: message, type: type, param: nil, code: nil))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(body)) ?? Data()
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// A client error code, loggable.
struct ClientErrorCode: LogSafe {
    let code: VeilClientError.Code
    init(_ code: VeilClientError.Code) { self.code = code }
    var logValue: String { code.rawValue }
}
