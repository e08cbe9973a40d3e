import Hummingbird
import VeilKeyBroker
import VeilServerKit
import VeilWire
import _VeilBytes

/// The broker's errors, reported as ``VeilWire/Problem``s with a stable type `https://veil.dev/problems/kbs/<slug>`.
/// Clients get the slug and a fixed title only: which policy rule denied goes to the admin log and the audit trail,
/// never to the client.
extension Problem {
    /// The problem for a broker error.
    init(_ error: KeyBrokerError) {
        switch error.code {
        case .badRequest:
            self.init(.kbs, .badRequest, status: .badRequest, title: "The request is not valid", detail: error.detail)
        case .unauthorized, .tokenInvalid:
            self.init(
                .kbs,
                .unauthorized,
                status: .unauthorized,
                title: "Authentication is required",
                detail: error.detail
            )
        case .forbidden:
            self.init(
                .kbs,
                .forbidden,
                status: .forbidden,
                title: "Not allowed for this identity",
                detail: error.detail
            )
        case .sessionExpired:
            self.init(
                .kbs,
                .sessionExpired,
                status: .unauthorized,
                title: "The session expired",
                detail: error.detail
            )
        case .nonceReplayed:
            self.init(
                .kbs,
                .nonceReplayed,
                status: .unauthorized,
                title: "The nonce was already used or is not this session's",
                detail: nil
            )
        case .evidenceInvalid:
            self.init(
                .kbs,
                .evidenceInvalid,
                status: .unauthorized,
                title: "The evidence did not verify",
                detail: nil
            )
        case .policyDenied:
            self.init(
                .kbs,
                .policyDenied,
                status: .forbidden,
                title: "The release policy denied this attestation",
                detail: nil
            )
        case .tokenExpired:
            self.init(.kbs, .tokenExpired, status: .unauthorized, title: "The token expired", detail: nil)
        case .notFound: self.init(.kbs, .notFound, status: .notFound, title: "No such resource", detail: nil)
        case .conflict:
            self.init(.kbs, .conflict, status: .conflict, title: "The resource already exists", detail: error.detail)
        case .invalidPolicy:
            self.init(
                .kbs,
                .invalidPolicy,
                status: .badRequest,
                title: "The policy is not valid",
                detail: error.detail
            )
        case .tenantMismatch:
            self.init(
                .kbs,
                .tenantMismatch,
                status: .forbidden,
                title: "The token is bound to another tenant",
                detail: nil
            )
        case .logUnavailable:
            self.init(
                .kbs,
                .logUnavailable,
                status: .serviceUnavailable,
                title: "The transparency log could not record the release; nothing was released",
                detail: nil
            )
        case .auditTampered:
            self.init(
                .kbs,
                .auditTampered,
                status: .internalServerError,
                title: "The audit trail does not decode: it was edited outside the broker",
                detail: error.detail
            )
        case .keyEncryptionKey, .storage:
            self.init(
                .kbs,
                .internalError,
                status: .internalServerError,
                title: "The broker could not complete the request",
                detail: nil
            )
        }
    }

    static let rateLimited = Problem(
        .kbs,
        .rateLimited,
        status: .tooManyRequests,
        title: "Too many requests from this client",
        detail: nil,
        retryAfter: 1
    )
    static func payloadTooLarge(_ limit: Int) -> Problem {
        Problem(
            .kbs,
            .payloadTooLarge,
            status: .contentTooLarge,
            title: "The request body is too large",
            detail: limit > 0 ? "at most \(limit) bytes" : nil
        )
    }
    static func badRequest(_ detail: String) -> Problem {
        Problem(.kbs, .badRequest, status: .badRequest, title: "The request is not valid", detail: detail)
    }
    static let internalError = Problem(
        .kbs,
        .internalError,
        status: .internalServerError,
        title: "The broker could not complete the request",
        detail: nil
    )

    /// The broker's translation of errors that are not problems, for the ``ProblemMiddleware``: broker errors to
    /// their problems, HTTP errors keep their status, everything else is a content-free 500 (logging only the
    /// error's type).
    static func kbs(_ error: any Error, log: SafeLogger) -> Problem {
        if let error = error as? KeyBrokerError { return Problem(error) }
        if let error = error as? any HTTPResponseError {
            if error.status == .contentTooLarge { return .payloadTooLarge(0) }
            return Problem(
                .kbs,
                error.status == .notFound ? .notFound : .badRequest,
                status: error.status,
                title: error.status.reasonPhrase,
                detail: nil
            )
        }
        log.error("kbs request failed", ["error_type": .safe(ErrorTypeName(error))])
        return .internalError
    }
}
