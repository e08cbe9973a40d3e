import Foundation
public import Hummingbird
public import VeilKeyBroker
import _VeilBytes

/// An error the broker reports as RFC 9457 problem details (`application/problem+json`), with a stable type
/// `https://veil.dev/problems/kbs/<slug>`. Clients get the slug and a fixed title only: which policy rule denied
/// goes to the admin log and the audit trail, never to the client.
public struct KBSProblem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// The slug after the type base.
    public let slug: String
    public let title: String
    public let detail: String?

    /// The type URI prefix.
    public static let typeBase = "https://veil.dev/problems/kbs/"

    /// A problem.
    public init(status: HTTPResponse.Status, slug: String, title: String, detail: String?) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
    }

    /// The full type URI.
    public var type: String { Self.typeBase + slug }

    /// The problem for a broker error.
    public init(_ error: KeyBrokerError) {
        switch error.code {
        case .badRequest:
            self.init(status: .badRequest, slug: "bad-request", title: "The request is not valid", detail: error.detail)
        case .unauthorized, .tokenInvalid:
            self.init(
                status: .unauthorized,
                slug: "unauthorized",
                title: "Authentication is required",
                detail: error.detail
            )
        case .forbidden:
            self.init(
                status: .forbidden,
                slug: "forbidden",
                title: "Not allowed for this identity",
                detail: error.detail
            )
        case .sessionExpired:
            self.init(
                status: .unauthorized,
                slug: "session-expired",
                title: "The session expired",
                detail: error.detail
            )
        case .nonceReplayed:
            self.init(
                status: .unauthorized,
                slug: "nonce-replayed",
                title: "The nonce was already used or is not this session's",
                detail: nil
            )
        case .evidenceInvalid:
            self.init(
                status: .unauthorized,
                slug: "evidence-invalid",
                title: "The evidence did not verify",
                detail: nil
            )
        case .policyDenied:
            self.init(
                status: .forbidden,
                slug: "policy-denied",
                title: "The release policy denied this attestation",
                detail: nil
            )
        case .tokenExpired:
            self.init(status: .unauthorized, slug: "token-expired", title: "The token expired", detail: nil)
        case .notFound: self.init(status: .notFound, slug: "not-found", title: "No such resource", detail: nil)
        case .conflict:
            self.init(status: .conflict, slug: "conflict", title: "The resource already exists", detail: error.detail)
        case .invalidPolicy:
            self.init(
                status: .badRequest,
                slug: "invalid-policy",
                title: "The policy is not valid",
                detail: error.detail
            )
        case .tenantMismatch:
            self.init(
                status: .forbidden,
                slug: "tenant-mismatch",
                title: "The token is bound to another tenant",
                detail: nil
            )
        case .logUnavailable:
            self.init(
                status: .serviceUnavailable,
                slug: "log-unavailable",
                title: "The transparency log could not record the release; nothing was released",
                detail: nil
            )
        case .auditTampered:
            self.init(
                status: .internalServerError,
                slug: "audit-tampered",
                title: "The audit trail does not decode: it was edited outside the broker",
                detail: error.detail
            )
        case .keyEncryptionKey, .storage:
            self.init(
                status: .internalServerError,
                slug: "internal",
                title: "The broker could not complete the request",
                detail: nil
            )
        }
    }

    static let rateLimited = KBSProblem(
        status: .tooManyRequests,
        slug: "rate-limited",
        title: "Too many requests from this client",
        detail: nil
    )
    static func payloadTooLarge(_ limit: Int) -> KBSProblem {
        KBSProblem(
            status: .contentTooLarge,
            slug: "payload-too-large",
            title: "The request body is too large",
            detail: limit > 0 ? "at most \(limit) bytes" : nil
        )
    }
    static func badRequest(_ detail: String) -> KBSProblem {
        KBSProblem(status: .badRequest, slug: "bad-request", title: "The request is not valid", detail: detail)
    }
    static let internalError = KBSProblem(
        status: .internalServerError,
        slug: "internal",
        title: "The broker could not complete the request",
        detail: nil
    )

    /// The JSON body.
    public var json: [UInt8] {
        var object: [String: Any] = ["type": type, "title": title, "status": Int(status.code)]
        if let detail { object["detail"] = detail }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return Array(data)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        if status == .tooManyRequests { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}

/// The name of an error's type: never its message.
struct ErrorTypeName: LogSafe {
    let logValue: String
}

/// Maps broker errors to problems and every other error to a content-free 500 (logging only its type).
struct KBSProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: SafeLogger

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as KBSProblem {
            throw problem
        } catch let error as KeyBrokerError {
            throw KBSProblem(error)
        } catch let error as any HTTPResponseError {
            if error.status == .contentTooLarge { throw KBSProblem.payloadTooLarge(0) }
            throw KBSProblem(
                status: error.status,
                slug: error.status == .notFound ? "not-found" : "bad-request",
                title: error.status.reasonPhrase,
                detail: nil
            )
        } catch {
            log.error(
                "kbs request failed",
                ["error_type": .safe(ErrorTypeName(logValue: String(describing: type(of: error))))]
            )
            throw KBSProblem.internalError
        }
    }
}
