import Foundation
import Hummingbird
import NIOCore
import VeilServerKit
public import VeilOHTTP
import VeilWire
import _VeilBytes

/// The node's outer HTTP routes: the attestation bundle, the key configuration list, the OHTTP gateway and the
/// health check (docs/protocols/node.md).
struct NodeController<Context: RequestContext>: Sendable {
    let keyring: NodeKeyring
    let backend: any InferenceBackend
    let limits: NodeLimits
    let attestations: AttestationLimiter

    func register(on router: Router<Context>) {
        router.get("/.well-known/veil/attestation", use: attestation)
        router.get("/.well-known/ohttp-keys", use: keys)
        router.post("/ohttp", use: ohttp)
        router.get("/healthz", use: health)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
    }

    /// `GET /.well-known/veil/attestation[?nonce=<base64url>]`: the current bundle, or — with a client's nonce —
    /// the current keys in new evidence over runtime data carrying exactly that nonce (at most
    /// ``NodeLimits/maximumConcurrentAttestations`` at once: one request costs one attestation, never more).
    @Sendable func attestation(_ request: Request, context: Context) async throws -> Response {
        var json = await keyring.currentBundleJSON()
        guard !json.isEmpty else { throw Problem.unavailable }
        var cacheControl = "no-cache"
        if let nonce = try Self.nonce(request.uri.queryParameters.getAll("nonce")) {
            guard await attestations.acquire() else { throw Problem.attestationBusy }
            let fresh: [UInt8]?
            do {
                fresh = try await keyring.freshBundleJSON(nonce: nonce)
            } catch {
                await attestations.release()
                if let problem = error as? Problem { throw problem }
                SafeLogger(wrapping: context.logger).error(
                    "attestation over a client nonce failed",
                    ["error_type": .safe(ErrorTypeName(error))]
                )
                throw Problem.attestationFailed
            }
            await attestations.release()
            guard let fresh else { throw Problem.unavailable }
            json = fresh
            cacheControl = "no-store"
        }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: cacheControl],
            body: .init(byteBuffer: ByteBuffer(bytes: json))
        )
    }

    /// The nonce of `?nonce=`: nil when absent; unpadded base64url of 16 to 64 bytes, given once, else
    /// ``Problem/invalidNonce``.
    static func nonce(_ values: [String]) throws(Problem) -> String? {
        guard let text = values.first else { return nil }
        guard values.count == 1, (22...86).contains(text.utf8.count),
            text.utf8.allSatisfy({ nonceAlphabet.contains($0) }),
            let bytes = try? Base64URL.decode(text), (16...64).contains(bytes.count),
            Base64URL.encode(bytes) == text
        else { throw Problem.invalidNonce }
        return text
    }

    @Sendable func keys(_ request: Request, context: Context) async throws -> Response {
        let list = await keyring.keyConfigList()
        guard !list.isEmpty else { throw Problem.unavailable }
        return Response(
            status: .ok,
            headers: [.contentType: OHTTP.keysMediaType, .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: list))
        )
    }

    @Sendable func ohttp(_ request: Request, context: Context) async throws -> Response {
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        let log = SafeLogger(wrapping: context.logger)
        let start = ContinuousClock.now
        switch mediaType {
        case OHTTP.requestMediaType:
            let response = try await whole(request)
            log.info("ohttp request", ["chunked": .flag(false), "duration": .duration(ContinuousClock.now - start)])
            return response
        case OHTTP.chunkedRequestMediaType:
            let response = try await chunked(request)
            log.info("ohttp request", ["chunked": .flag(true), "duration": .duration(ContinuousClock.now - start)])
            return response
        default:
            throw Problem.unsupportedMediaType
        }
    }

    /// `message/ohttp-req` → `message/ohttp-res`.
    func whole(_ request: Request) async throws -> Response {
        var request = request
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maximumRequestSize {
            throw Problem.payloadTooLarge(limits.maximumRequestSize)
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limits.maximumRequestSize)
        } catch {
            throw Problem.payloadTooLarge(limits.maximumRequestSize)
        }
        let gateway = await keyring.gateway()
        let decapsulated: OHTTP.DecapsulatedRequest
        do {
            decapsulated = try gateway.decapsulateRequest(body.readableBytesView)
        } catch {
            throw problem(error)
        }
        var plaintext = try await Self.collect(await answer(decapsulated.request))
        defer { plaintext.zeroize() }
        var data = Data(plaintext)
        defer { SecureMemory.wipe(&data) }
        let ciphertext: [UInt8]
        do {
            ciphertext = try decapsulated.responder.encapsulate(data)
        } catch {
            throw Problem.internalError
        }
        return Response(
            status: .ok,
            headers: [.contentType: OHTTP.responseMediaType, .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: ciphertext))
        )
    }

    /// `message/ohttp-chunked-req` → `message/ohttp-chunked-res`, one encrypted chunk per response piece (each SSE
    /// event of a streaming completion), flushed as it is produced.
    func chunked(_ request: Request) async throws -> Response {
        let gateway = await keyring.gateway()
        var receiver = OHTTP.ChunkedRequestReceiver(gateway: gateway, maximumChunkSize: limits.maximumRequestSize)
        var inner = SecureBytes(reservingCapacity: 0)
        var received = 0
        do {
            for try await buffer in request.body {
                received += buffer.readableBytes
                guard received <= limits.maximumRequestSize else {
                    inner.zeroize()
                    throw Problem.payloadTooLarge(limits.maximumRequestSize)
                }
                for piece in try receiver.receive(buffer.readableBytesView) { inner.append(contentsOf: piece) }
            }
            inner.append(contentsOf: try receiver.finish())
        } catch let error as OHTTPError {
            inner.zeroize()
            throw problem(error)
        }
        guard let sender = receiver.responseSender else { throw Problem.badRequest("no request header") }
        let answer = await answer(inner)
        inner.zeroize()
        return Response(
            status: .ok,
            headers: [.contentType: OHTTP.chunkedResponseMediaType, .cacheControl: "no-store"],
            body: ResponseBody { writer in
                var sender = sender
                func send(_ piece: SecureBytes, final: Bool) async throws {
                    var data = Data(piece)
                    defer { SecureMemory.wipe(&data) }
                    let chunk = try sender.seal(data, isFinal: final)
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await send(
                    try BinaryHTTP.ResponseStreamEncoder.head(status: answer.status, headers: answer.headers),
                    final: false
                )
                for try await var piece in answer.body {
                    try await send(try BinaryHTTP.ResponseStreamEncoder.content(piece), final: false)
                    piece.zeroize()
                }
                try await send(try BinaryHTTP.ResponseStreamEncoder.end(), final: true)
                try await writer.finish(nil)
            }
        )
    }

    /// Decodes the inner Binary HTTP request and asks the backend; a malformed inner request gets an encrypted 400.
    func answer(_ plaintext: SecureBytes) async -> StreamedResponse {
        var plaintext = plaintext
        defer { plaintext.zeroize() }
        let request: BinaryHTTP.Request
        do {
            request = try BinaryHTTP.Request(decoding: plaintext, limits: limits.innerLimits)
        } catch {
            return OpenAI.error(.invalid("the inner request is not a valid binary HTTP request"))
        }
        return await backend.respond(to: request)
    }

    /// The known-length Binary HTTP encoding of an answer (a stream is gathered first).
    static func collect(_ answer: StreamedResponse) async throws -> SecureBytes {
        var body = SecureBytes(reservingCapacity: 0)
        defer { body.zeroize() }
        for try await var piece in answer.body {
            body.append(contentsOf: piece)
            piece.zeroize()
        }
        return try BinaryHTTP.Response(status: answer.status, headers: answer.headers, content: body).encoded()
    }

    /// The outer problem for an OHTTP failure.
    func problem(_ error: OHTTPError) -> Problem {
        switch error.code {
        case .unknownKeyID: return .keyConfigStale
        case .decryptionFailed, .cryptoFailure: return .decryptionFailed
        case .tooLarge: return .payloadTooLarge(limits.maximumRequestSize)
        case .malformedMessage, .truncated, .invalidState, .unsupportedSuite, .malformedKeyConfig:
            return .badRequest(error.detail)
        }
    }
}

/// The base64url alphabet (RFC 4648 §5), the only bytes a nonce may hold.
private let nonceAlphabet = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8))

/// Bounds on what the node accepts.
public struct NodeLimits: Sendable {
    /// The largest encapsulated request body (both content types).
    public var maximumRequestSize: Int
    /// Bounds on the decrypted Binary HTTP request.
    public var innerLimits: BinaryHTTP.Limits
    /// The most attestations over client nonces in progress at once; more are refused with
    /// ``Problem/attestationBusy`` (503, `Retry-After: 1`).
    public var maximumConcurrentAttestations: Int

    public init(
        maximumRequestSize: Int = 8 << 20,
        innerLimits: BinaryHTTP.Limits = .default,
        maximumConcurrentAttestations: Int = 4
    ) {
        self.maximumRequestSize = maximumRequestSize
        self.innerLimits = innerLimits
        self.maximumConcurrentAttestations = max(1, maximumConcurrentAttestations)
    }
}

/// Counts the attestations over client nonces in progress.
actor AttestationLimiter {
    let limit: Int
    private var running = 0

    init(limit: Int) { self.limit = limit }

    /// Takes a slot, or returns false when all are taken.
    func acquire() -> Bool {
        guard running < limit else { return false }
        running += 1
        return true
    }

    func release() { running = max(0, running - 1) }
}
