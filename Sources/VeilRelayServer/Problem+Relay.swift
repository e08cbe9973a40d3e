import Hummingbird
import VeilServerKit
import VeilWire
import _VeilBytes

/// The relay's errors, reported as ``VeilWire/Problem``s with a type under `https://veil.dev/problems/relay/`.
/// Problems never carry message content: the relay never sees any.
extension Problem {
    /// No node in the pool advertises the request's key id, or several do: the client must refetch the bundle.
    static let keyConfigStale = Problem(
        .relay,
        .keyConfigStale,
        status: .unprocessableContent,
        title: "The key configuration is stale",
        detail: "No node behind this relay serves exactly this key id; fetch /.well-known/veil/attestation again."
    )

    /// The node serving the request's key id could not be reached: to the client, its key is stale.
    static let nodeUnreachable = Problem(
        .relay,
        .keyConfigStale,
        status: .unprocessableContent,
        title: "The key configuration is stale",
        detail: "The node serving this key id is unreachable; fetch /.well-known/veil/attestation again."
    )

    /// No node is healthy.
    static let noHealthyNode = Problem(
        .relay,
        .noHealthyNode,
        status: .serviceUnavailable,
        title: "No node is available",
        detail: "Every node behind this relay failed its health check; try again shortly."
    )

    /// The body exceeds the relay's bound.
    static func payloadTooLarge(_ limit: Int) -> Problem {
        Problem(
            .relay,
            .payloadTooLarge,
            status: .contentTooLarge,
            title: "The request is too large",
            detail: "This relay forwards requests of at most \(limit) bytes."
        )
    }

    /// The request's media type is not an OHTTP one.
    static let unsupportedMediaType = Problem(
        .relay,
        .unsupportedMediaType,
        status: .unsupportedMediaType,
        title: "The media type is not supported",
        detail: "POST /ohttp takes message/ohttp-req or message/ohttp-chunked-req."
    )

    /// A malformed request.
    static func badRequest(_ detail: String) -> Problem {
        Problem(.relay, .badRequest, status: .badRequest, title: "The request is not valid", detail: detail)
    }

    /// The node failed or could not be reached.
    static let upstreamFailed = Problem(
        .relay,
        .upstreamFailed,
        status: .badGateway,
        title: "The node could not be reached",
        detail: "The node chosen for this request did not answer; try again."
    )

    /// The node did not answer in time.
    static let upstreamTimeout = Problem(
        .relay,
        .upstreamTimeout,
        status: .gatewayTimeout,
        title: "The node did not answer in time",
        detail: "The node chosen for this request did not answer within the relay's time bound."
    )

    /// No such route.
    static let notFound = Problem(
        .relay,
        .notFound,
        status: .notFound,
        title: "Not found",
        detail: "The relay serves /.well-known/veil/attestation, /.well-known/ohttp-keys, /ohttp, /healthz, /metrics."
    )

    /// Anything else.
    static let internalError = Problem(
        .relay,
        .internalError,
        status: .internalServerError,
        title: "The relay could not complete the request",
        detail: nil
    )

    /// The relay's translation of errors that are not problems, for the ``ProblemMiddleware``: HTTP errors keep
    /// their status, everything else is a content-free 500 (logging only the error's type).
    @Sendable static func relay<Context: RequestContext>(_ error: any Error, context: Context) -> Problem {
        if let error = error as? any HTTPResponseError {
            if error.status == .notFound { return .notFound }
            if error.status == .contentTooLarge { return .payloadTooLarge(0) }
            return Problem(.relay, .http, status: error.status, title: error.status.reasonPhrase, detail: nil)
        }
        SafeLogger(wrapping: context.logger).error("relay request failed", ["error_type": .safe(ErrorTypeName(error))])
        return .internalError
    }
}
