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
