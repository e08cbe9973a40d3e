public import VeilWire

/// Why a KBS exchange failed. Compared by ``code``; when the broker answered with RFC 9457 problem details,
/// ``problemType`` carries its stable type (e.g. `https://veil.dev/problems/kbs/policy-denied`).
public struct KBSClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable category of failure.
    public enum Code: String, Hashable, Sendable {
        /// The broker could not be reached, or the connection failed or timed out.
        case unreachable
        /// The broker answered with an error (see ``KBSClientError/problemType`` and ``KBSClientError/status``).
        case problem
        /// The broker's answer is not what the protocol defines (wrong JSON, no session cookie, too large).
        case unexpectedResponse
        /// The attester could not produce evidence.
        case evidenceUnavailable = "evidence_unavailable"
        /// The released resource did not decrypt with the TEE key, or a message could not be built.
        case protocolFailure = "protocol_failure"
    }

    /// The base of Veil's broker problem types.
    public static let problemTypeBase = "https://veil.dev/problems/kbs/"

    /// The category.
    public let code: Code
    /// The HTTP status, when the broker answered.
    public let status: Int?
    /// The broker's RFC 9457 problem details, when it sent them: switch on its ``VeilWire/Problem/type``.
    public let problem: Problem?
    /// The RFC 9457 `type` URI of the broker's problem details, when it sent them.
    public var problemType: String? { problem?.typeURI }
    /// What went wrong.
    public let detail: String

    /// Creates an error.
    public init(_ code: Code, status: Int? = nil, problem: Problem? = nil, _ detail: String) {
        self.code = code
        self.status = status
        self.problem = problem
        self.detail = detail
    }

    /// The problem type's slug (`policy-denied`, `nonce-replayed` …) when it is one of Veil's broker types.
    public var problemSlug: String? {
        guard let problemType, problemType.hasPrefix(Self.problemTypeBase) else { return nil }
        return String(problemType.dropFirst(Self.problemTypeBase.count))
    }

    public var description: String {
        var text = "\(code.rawValue): \(detail)"
        if let status { text += " (HTTP \(status)" + (problemType.map { ", \($0)" } ?? "") + ")" }
        return text
    }
}
