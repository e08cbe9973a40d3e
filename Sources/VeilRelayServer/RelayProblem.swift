import Foundation
public import Hummingbird
import _VeilBytes

/// An error of the relay, reported as RFC 9457 problem details (`application/problem+json`) with a type under
/// `https://veil.dev/problems/relay/`. Problems never carry message content: the relay never sees any.
public struct RelayProblem: HTTPResponseError, Sendable, Equatable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// The stable slug after ``typeBase``.
    public let slug: String
    /// A short, fixed summary.
    public let title: String
    /// What went wrong and what to do.
    public let detail: String?

    /// The common prefix of every relay problem type.
    public static let typeBase = "https://veil.dev/problems/relay/"

    /// A problem.
    public init(status: HTTPResponse.Status, slug: String, title: String, detail: String?) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
    }

    /// The full problem type URI.
    public var type: String { Self.typeBase + slug }

    /// No node in the pool advertises the request's key id, or several do: the client must refetch the bundle.
    public static let keyConfigStale = RelayProblem(
        status: .unprocessableContent,
        slug: "key-config-stale",
        title: "The key configuration is stale",
        detail: "No node behind this relay serves exactly this key id; fetch /.well-known/veil/attestation again."
    )

    /// The node serving the request's key id could not be reached: to the client, its key is stale.
    public static let nodeUnreachable = RelayProblem(
        status: .unprocessableContent,
        slug: "key-config-stale",
        title: "The key configuration is stale",
        detail: "The node serving this key id is unreachable; fetch /.well-known/veil/attestation again."
    )

    /// No node is healthy.
    public static let noHealthyNode = RelayProblem(
        status: .serviceUnavailable,
        slug: "no-healthy-node",
        title: "No node is available",
        detail: "Every node behind this relay failed its health check; try again shortly."
    )

    /// The body exceeds the relay's bound.
    public static func payloadTooLarge(_ limit: Int) -> RelayProblem {
        RelayProblem(
            status: .contentTooLarge,
            slug: "payload-too-large",
            title: "The request is too large",
            detail: "This relay forwards requests of at most \(limit) bytes."
        )
    }

    /// The request's media type is not an OHTTP one.
    public static let unsupportedMediaType = RelayProblem(
        status: .unsupportedMediaType,
        slug: "unsupported-media-type",
        title: "The media type is not supported",
        detail: "POST /ohttp takes message/ohttp-req or message/ohttp-chunked-req."
    )

    /// A malformed request.
    public static func badRequest(_ detail: String) -> RelayProblem {
        RelayProblem(status: .badRequest, slug: "bad-request", title: "The request is not valid", detail: detail)
    }

    /// The node failed or could not be reached.
    public static let upstreamFailed = RelayProblem(
        status: .badGateway,
        slug: "upstream-failed",
        title: "The node could not be reached",
        detail: "The node chosen for this request did not answer; try again."
    )

    /// The node did not answer in time.
    public static let upstreamTimeout = RelayProblem(
        status: .gatewayTimeout,
        slug: "upstream-timeout",
        title: "The node did not answer in time",
        detail: "The node chosen for this request did not answer within the relay's time bound."
    )

    /// No such route.
    public static let notFound = RelayProblem(
        status: .notFound,
        slug: "not-found",
        title: "Not found",
        detail: "The relay serves /.well-known/veil/attestation, /.well-known/ohttp-keys, /ohttp, /healthz, /metrics."
    )

    /// Anything else.
    public static let internalError = RelayProblem(
        status: .internalServerError,
        slug: "internal",
        title: "The relay could not complete the request",
        detail: nil
    )

    /// The problem JSON body.
    public var body: [UInt8] {
        var object: [String: Any] = ["type": type, "title": title, "status": Int(status.code)]
        if let detail { object["detail"] = detail }
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data ?? Data())
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

/// The name of an error's type: never its message.
struct RelayErrorTypeName: LogSafe {
    let logValue: String
}

/// Turns every error that is not already a problem into a content-free problem (and logs only its type).
struct RelayProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as RelayProblem {
            throw problem
        } catch let error as any HTTPResponseError {
            if error.status == .notFound { throw RelayProblem.notFound }
            if error.status == .contentTooLarge { throw RelayProblem.payloadTooLarge(0) }
            throw RelayProblem(status: error.status, slug: "http", title: error.status.reasonPhrase, detail: nil)
        } catch {
            SafeLogger(wrapping: context.logger).error(
                "relay request failed",
                ["error_type": .safe(RelayErrorTypeName(logValue: String(describing: type(of: error))))]
            )
            throw RelayProblem.internalError
        }
    }
}
