import Foundation
public import Hummingbird
public import VeilTransparency
import _VeilBytes

/// An error the log API reports as RFC 9457 problem details (`application/problem+json`).
public struct LogProblem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let type: String
    public let title: String
    public let detail: String?

    public init(status: HTTPResponse.Status, type: String, title: String, detail: String?) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
    }

    static let typeBase = "https://veil.dev/problems/log/"

    /// Appends are closed: the server was started without a submitter key.
    static let closed = LogProblem(
        status: .forbidden,
        type: typeBase + "closed",
        title: "This log does not accept appends",
        detail: "The server was started without --submitter-key, so the log is closed to appends."
    )

    static func unauthorized(_ detail: String) -> LogProblem {
        LogProblem(
            status: .unauthorized,
            type: typeBase + "unauthorized",
            title: "The submission is not authorized",
            detail: detail
        )
    }

    /// The submitter may not append entries of this kind.
    static func forbidden(_ detail: String) -> LogProblem {
        LogProblem(
            status: .forbidden,
            type: typeBase + "kind-not-allowed",
            title: "The submitter may not append this kind of entry",
            detail: detail
        )
    }

    static func badRequest(_ detail: String) -> LogProblem {
        LogProblem(
            status: .badRequest,
            type: typeBase + "bad-request",
            title: "The request is not valid",
            detail: detail
        )
    }

    static func notFound(_ detail: String) -> LogProblem {
        LogProblem(status: .notFound, type: typeBase + "not-found", title: "Not in the log", detail: detail)
    }

    static let internalError = LogProblem(
        status: .internalServerError,
        type: typeBase + "internal",
        title: "The log could not complete the request",
        detail: nil
    )

    public var problem: LogAPI.Problem {
        LogAPI.Problem(type: type, title: title, status: Int(status.code), detail: detail)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(problem)
        return Response(
            status: status,
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

/// The name of an error's type: never its message, which could carry request content.
struct ErrorTypeName: LogSafe {
    let logValue: String
}

/// Turns every error that is not already a problem into a content-free 500 problem (and logs only its type).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as LogProblem {
            throw problem
        } catch let error as any HTTPResponseError {
            let detail: String? = error.status == .notFound ? "no such route" : nil
            throw LogProblem(
                status: error.status,
                type: LogProblem.typeBase + (error.status == .notFound ? "not-found" : "http"),
                title: error.status.reasonPhrase,
                detail: detail
            )
        } catch {
            SafeLogger(wrapping: context.logger).error(
                "log request failed",
                ["error_type": .safe(ErrorTypeName(logValue: String(describing: type(of: error))))]
            )
            throw LogProblem.internalError
        }
    }
}
