import Hummingbird
import VeilServerKit
import VeilWire
import _VeilBytes

/// The log API's errors, reported as ``VeilWire/Problem``s with a type under `https://veil.dev/problems/log/`.
extension Problem {
    /// Appends are closed: the server was started without a submitter key.
    static let closed = Problem(
        .log,
        .closed,
        status: .forbidden,
        title: "This log does not accept appends",
        detail: "The server was started without --submitter-key, so the log is closed to appends."
    )

    static func unauthorized(_ detail: String) -> Problem {
        Problem(.log, .unauthorized, status: .unauthorized, title: "The submission is not authorized", detail: detail)
    }

    /// The submitter may not append entries of this kind.
    static func forbidden(_ detail: String) -> Problem {
        Problem(
            .log,
            .kindNotAllowed,
            status: .forbidden,
            title: "The submitter may not append this kind of entry",
            detail: detail
        )
    }

    static func badRequest(_ detail: String) -> Problem {
        Problem(.log, .badRequest, status: .badRequest, title: "The request is not valid", detail: detail)
    }

    static func notFound(_ detail: String) -> Problem {
        Problem(.log, .notFound, status: .notFound, title: "Not in the log", detail: detail)
    }

    static let internalError = Problem(
        .log,
        .internalError,
        status: .internalServerError,
        title: "The log could not complete the request",
        detail: nil
    )

    /// The log's translation of errors that are not problems, for the ``ProblemMiddleware``: HTTP errors keep their
    /// status, everything else is a content-free 500 (logging only the error's type).
    @Sendable static func log<Context: RequestContext>(_ error: any Error, context: Context) -> Problem {
        .translating(error, issuer: .log, context: context, event: "log request failed", internalError: .internalError)
    }
}
