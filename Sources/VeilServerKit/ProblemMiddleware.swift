public import Hummingbird
public import VeilWire
public import _VeilBytes

extension Problem: HTTPResponseError {
    /// The HTTP status.
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    /// A problem of `issuer` with an HTTP status.
    public init(
        _ issuer: Issuer,
        _ type: ProblemType,
        status: HTTPResponse.Status,
        title: String,
        detail: String?,
        retryAfter: Int? = nil
    ) {
        self.init(issuer, type, status: status.code, title: title, detail: detail, retryAfter: retryAfter)
    }

    /// The problem as `application/problem+json`, never cached, with `Retry-After` when the problem says when.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json())))
    }
}

/// The one problem middleware of every Veil server: a ``VeilWire/Problem`` thrown by a handler is rendered as
/// RFC 9457 problem details; every other error becomes the problem the server's `translate` makes of it (which
/// must carry no request content: log only the error's type, see ``ErrorTypeName``).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let translate: @Sendable (any Error, Context) -> Problem

    /// A middleware that turns errors that are not problems into problems with `translate`.
    public init(translate: @escaping @Sendable (_ error: any Error, _ context: Context) -> Problem) {
        self.translate = translate
    }

    /// Runs the rest of the chain, turning its errors into problems.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw translate(error, context)
        }
    }
}

/// The name of an error's type: never its message, which could carry request content.
public struct ErrorTypeName: LogSafe {
    /// The type's name.
    public let logValue: String

    /// The name of `error`'s type.
    public init(_ error: any Error) { logValue = String(describing: type(of: error)) }
}

extension Problem {
    /// The translation of an error that is not already a problem, for a ``ProblemMiddleware``: an HTTP error keeps
    /// its status (`not-found` with "no such route" for a 404, `http` otherwise); anything else is `internalError`,
    /// logging `event` with only the error's type (never its text, which could carry content).
    public static func translating<Context: RequestContext>(
        _ error: any Error,
        issuer: Issuer,
        context: Context,
        event: StaticString,
        internalError: Problem
    ) -> Problem {
        if let error = error as? any HTTPResponseError {
            return Problem(
                issuer,
                error.status == .notFound ? .notFound : .http,
                status: error.status,
                title: error.status.reasonPhrase,
                detail: error.status == .notFound ? "no such route" : nil
            )
        }
        SafeLogger(wrapping: context.logger).error(event, ["error_type": .safe(ErrorTypeName(error))])
        return internalError
    }
}
