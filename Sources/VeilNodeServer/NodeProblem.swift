import Foundation
public import Hummingbird
import _VeilBytes

/// An outer (unencrypted) error of the node, reported as RFC 9457 problem details (`application/problem+json`)
/// with a type under `https://veil.dev/problems/node/`. It never carries request content: the node cannot tell
/// anyone more than that the envelope was refused.
public struct NodeProblem: HTTPResponseError, Sendable, Equatable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// The stable slug after ``typeBase`` (`key-config-stale`, `decryption-failed` ...).
    public let slug: String
    /// A short, fixed summary.
    public let title: String
    /// What went wrong and what to do.
    public let detail: String?

    /// The common prefix of every node problem type.
    public static let typeBase = "https://veil.dev/problems/node/"

    public init(status: HTTPResponse.Status, slug: String, title: String, detail: String?) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
    }

    /// The full problem type URI.
    public var type: String { Self.typeBase + slug }

    /// The request names a key id this node does not (or no longer) serve: refetch the attestation bundle.
    public static let keyConfigStale = NodeProblem(
        status: .unprocessableContent,
        slug: "key-config-stale",
        title: "The key configuration is stale",
        detail: "The request is encrypted to a key this node does not serve; fetch /.well-known/veil/attestation again."
    )

    /// The encapsulated request does not authenticate.
    public static let decryptionFailed = NodeProblem(
        status: .badRequest,
        slug: "decryption-failed",
        title: "The request could not be decrypted",
        detail: "The encapsulated request does not authenticate under this node's key."
    )

    /// The body exceeds the node's limit.
    public static func payloadTooLarge(_ limit: Int) -> NodeProblem {
        NodeProblem(
            status: .contentTooLarge,
            slug: "payload-too-large",
            title: "The request is too large",
            detail: "Encapsulated requests are at most \(limit) bytes."
        )
    }

    /// The outer content type is not an OHTTP request type.
    public static let unsupportedMediaType = NodeProblem(
        status: .unsupportedMediaType,
        slug: "unsupported-media-type",
        title: "Unsupported media type",
        detail: "POST /ohttp accepts message/ohttp-req and message/ohttp-chunked-req."
    )

    /// The envelope is malformed.
    public static func badRequest(_ detail: String) -> NodeProblem {
        NodeProblem(status: .badRequest, slug: "bad-request", title: "The request is not valid", detail: detail)
    }

    /// Something failed inside the node (never with details that could carry content).
    public static let internalError = NodeProblem(
        status: .internalServerError,
        slug: "internal",
        title: "The node could not complete the request",
        detail: nil
    )

    /// The node is not ready yet (no attestation bundle).
    public static let unavailable = NodeProblem(
        status: .serviceUnavailable,
        slug: "unavailable",
        title: "The node is not ready",
        detail: "The node has not finished attesting; try again shortly."
    )

    /// `?nonce=` is not base64url of 16 to 64 bytes (or appears more than once).
    public static let invalidNonce = NodeProblem(
        status: .badRequest,
        slug: "invalid-nonce",
        title: "The nonce is not valid",
        detail: "?nonce= must be unpadded base64url of 16 to 64 random bytes, given once."
    )

    /// Too many fresh-evidence requests are in progress (each costs the TEE an attestation).
    public static let attestationBusy = NodeProblem(
        status: .serviceUnavailable,
        slug: "attestation-busy",
        title: "The node is busy attesting",
        detail: "Too many attestations over client nonces are in progress; retry in a second."
    )

    /// The node's attestor cannot attest over a client's nonce.
    public static let nonceUnsupported = NodeProblem(
        status: .notImplemented,
        slug: "nonce-unsupported",
        title: "Fresh evidence is not supported",
        detail: "This node cannot attest over a client's nonce; fetch the bundle without ?nonce=."
    )

    /// The TEE (or the log) failed while producing fresh evidence.
    public static let attestationFailed = NodeProblem(
        status: .serviceUnavailable,
        slug: "attestation-failed",
        title: "The node could not attest",
        detail: "Producing evidence over the nonce failed; try again shortly."
    )

    /// The JSON body (RFC 9457).
    public var body: [UInt8] {
        var object: [String: Any] = ["type": type, "title": title, "status": Int(status.code)]
        if let detail { object["detail"] = detail }
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data ?? Data())
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        if self == .attestationBusy { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The name of an error's type: never its message, which could carry request content.
struct ErrorTypeName: LogSafe {
    let logValue: String
    init(_ error: any Error) { logValue = String(describing: type(of: error)) }
}

/// Turns every error that is not already a node problem into a content-free problem (and logs only its type).
struct NodeProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as NodeProblem {
            throw problem
        } catch let error as any HTTPResponseError {
            throw NodeProblem(
                status: error.status,
                slug: error.status == .notFound ? "not-found" : "http",
                title: error.status.reasonPhrase,
                detail: error.status == .notFound ? "no such route" : nil
            )
        } catch {
            SafeLogger(wrapping: context.logger).error(
                "node request failed",
                ["error_type": .safe(ErrorTypeName(error))]
            )
            throw NodeProblem.internalError
        }
    }
}
