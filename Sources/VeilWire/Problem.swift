import Foundation

/// RFC 9457 problem details (`application/problem+json`), the one error body every Veil server (node, relay, key
/// broker, log) sends and every Veil client reads: `type`, `title`, `status` and, when there is one, `detail`.
///
/// The type URI is `https://veil.dev/problems/<issuer>/<slug>`: servers build it from an ``Issuer`` and a
/// ``ProblemType``, clients decode it with ``init(decoding:)`` and switch on ``type``. Problems never carry
/// request content.
public struct Problem: Error, Sendable, Hashable {
    /// The server that reports a problem: the path segment of its type URI.
    public enum Issuer: String, Sendable, Hashable, CaseIterable {
        /// The inference node (`https://veil.dev/problems/node/…`).
        case node
        /// The OHTTP relay (`https://veil.dev/problems/relay/…`).
        case relay
        /// The key broker (`https://veil.dev/problems/kbs/…`).
        case kbs
        /// The transparency log (`https://veil.dev/problems/log/…`).
        case log
    }

    /// The common prefix of every Veil problem type URI.
    public static let typeBase = "https://veil.dev/problems/"

    /// Who reported it, or nil for a type URI outside ``typeBase`` (then ``type`` is ``ProblemType/other(_:)``).
    public var issuer: Issuer?
    /// What went wrong, as a value clients switch on.
    public var type: ProblemType
    /// A short, fixed summary.
    public var title: String
    /// The HTTP status code.
    public var statusCode: Int
    /// What went wrong and what to do, if anything more is said.
    public var detail: String?
    /// Seconds after which the client may retry (sent as `Retry-After`, not in the JSON body), if any.
    public var retryAfter: Int?

    /// A problem of `issuer`.
    public init(
        _ issuer: Issuer,
        _ type: ProblemType,
        status: Int,
        title: String,
        detail: String?,
        retryAfter: Int? = nil
    ) {
        self.issuer = issuer
        self.type = type
        self.statusCode = status
        self.title = title
        self.detail = detail
        self.retryAfter = retryAfter
    }

    /// The full type URI: `https://veil.dev/problems/<issuer>/<slug>`.
    public var typeURI: String {
        guard let issuer else {
            if case .other(let uri) = type { return uri }
            return type.slug
        }
        return Self.typeBase + issuer.rawValue + "/" + type.slug
    }

    /// The largest problem body a client reads.
    public static let maximumSize = 64 << 10

    /// Reads a problem body: nil when it is not a JSON object with a string `type`, a string `title` and an integer
    /// `status` (RFC 9457's members; `detail` is optional).
    public init?(decoding bytes: [UInt8]) {
        guard bytes.count <= Self.maximumSize,
            let body = try? JSONDecoder().decode(Body.self, from: Data(bytes))
        else { return nil }
        self.init(typeURI: body.type, status: body.status, title: body.title, detail: body.detail)
    }

    /// A problem from its members.
    public init(typeURI: String, status: Int, title: String, detail: String?) {
        (issuer, type) = Self.parse(typeURI)
        self.statusCode = status
        self.title = title
        self.detail = detail
        self.retryAfter = nil
    }

    /// The JSON body (compact, keys sorted, `detail` omitted when nil): the one encoder.
    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Body(type: typeURI, title: title, status: statusCode, detail: detail)
        return Array((try? encoder.encode(body)) ?? Data())
    }

    /// `: <detail or title> (<type>)`: how clients quote a problem in their error messages.
    public var summary: String { ": \(detail ?? title) (\(typeURI))" }

    struct Body: Codable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
    }

    static func parse(_ uri: String) -> (Issuer?, ProblemType) {
        guard uri.hasPrefix(typeBase) else { return (nil, .other(uri)) }
        let rest = uri.dropFirst(typeBase.count)
        guard let slash = rest.firstIndex(of: "/"), let issuer = Issuer(rawValue: String(rest[..<slash])) else {
            return (nil, .other(uri))
        }
        let slug = String(rest[rest.index(after: slash)...])
        let type = ProblemType(slug: slug)
        if case .other = type { return (nil, .other(uri)) }
        return (issuer, type)
    }
}

/// What a ``Problem`` says went wrong: the slug of its type URI. Servers emit these, clients switch on them.
public enum ProblemType: Sendable, Hashable {
    /// `key-config-stale` (node, relay): the request is encrypted to a key no longer served; refetch the bundle.
    case keyConfigStale
    /// `decryption-failed` (node): the encapsulated request does not authenticate.
    case decryptionFailed
    /// `payload-too-large` (node, relay, kbs).
    case payloadTooLarge
    /// `unsupported-media-type` (node, relay).
    case unsupportedMediaType
    /// `bad-request` (node, relay, kbs, log).
    case badRequest
    /// `internal` (node, relay, kbs, log): the server could not complete the request.
    case internalError
    /// `unavailable` (node): not attested yet.
    case unavailable
    /// `invalid-nonce` (node).
    case invalidNonce
    /// `attestation-busy` (node).
    case attestationBusy
    /// `nonce-unsupported` (node).
    case nonceUnsupported
    /// `attestation-failed` (node).
    case attestationFailed
    /// `not-found` (node, relay, kbs, log).
    case notFound
    /// `http` (node, relay, log): another HTTP-level error, titled with its reason phrase.
    case http
    /// `no-healthy-node` (relay).
    case noHealthyNode
    /// `upstream-failed` (relay).
    case upstreamFailed
    /// `upstream-timeout` (relay).
    case upstreamTimeout
    /// `unauthorized` (kbs, log).
    case unauthorized
    /// `forbidden` (kbs).
    case forbidden
    /// `session-expired` (kbs).
    case sessionExpired
    /// `nonce-replayed` (kbs).
    case nonceReplayed
    /// `evidence-invalid` (kbs).
    case evidenceInvalid
    /// `policy-denied` (kbs).
    case policyDenied
    /// `token-expired` (kbs).
    case tokenExpired
    /// `conflict` (kbs).
    case conflict
    /// `invalid-policy` (kbs).
    case invalidPolicy
    /// `tenant-mismatch` (kbs).
    case tenantMismatch
    /// `log-unavailable` (kbs).
    case logUnavailable
    /// `audit-tampered` (kbs).
    case auditTampered
    /// `rate-limited` (kbs).
    case rateLimited
    /// `closed` (log): the log takes no appends.
    case closed
    /// `kind-not-allowed` (log): the submitter may not append this kind of entry.
    case kindNotAllowed
    /// `no-witnesses` (log): no witness is configured to cosign.
    case noWitnesses
    /// `stale-checkpoint` (log).
    case staleCheckpoint
    /// `too-large` (log): the entry exceeds the log's limit.
    case tooLarge
    /// A type this version does not know: its slug, or its whole URI when it is not a Veil problem type.
    case other(String)

    /// Every known type.
    public static let known: [ProblemType] = [
        .keyConfigStale, .decryptionFailed, .payloadTooLarge, .unsupportedMediaType, .badRequest, .internalError,
        .unavailable, .invalidNonce, .attestationBusy, .nonceUnsupported, .attestationFailed, .notFound, .http,
        .noHealthyNode, .upstreamFailed, .upstreamTimeout, .unauthorized, .forbidden, .sessionExpired,
        .nonceReplayed, .evidenceInvalid, .policyDenied, .tokenExpired, .conflict, .invalidPolicy, .tenantMismatch,
        .logUnavailable, .auditTampered, .rateLimited, .closed, .kindNotAllowed, .noWitnesses, .staleCheckpoint,
        .tooLarge,
    ]

    /// The slug after `https://veil.dev/problems/<issuer>/`.
    public var slug: String {
        switch self {
        case .keyConfigStale: "key-config-stale"
        case .decryptionFailed: "decryption-failed"
        case .payloadTooLarge: "payload-too-large"
        case .unsupportedMediaType: "unsupported-media-type"
        case .badRequest: "bad-request"
        case .internalError: "internal"
        case .unavailable: "unavailable"
        case .invalidNonce: "invalid-nonce"
        case .attestationBusy: "attestation-busy"
        case .nonceUnsupported: "nonce-unsupported"
        case .attestationFailed: "attestation-failed"
        case .notFound: "not-found"
        case .http: "http"
        case .noHealthyNode: "no-healthy-node"
        case .upstreamFailed: "upstream-failed"
        case .upstreamTimeout: "upstream-timeout"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .sessionExpired: "session-expired"
        case .nonceReplayed: "nonce-replayed"
        case .evidenceInvalid: "evidence-invalid"
        case .policyDenied: "policy-denied"
        case .tokenExpired: "token-expired"
        case .conflict: "conflict"
        case .invalidPolicy: "invalid-policy"
        case .tenantMismatch: "tenant-mismatch"
        case .logUnavailable: "log-unavailable"
        case .auditTampered: "audit-tampered"
        case .rateLimited: "rate-limited"
        case .closed: "closed"
        case .kindNotAllowed: "kind-not-allowed"
        case .noWitnesses: "no-witnesses"
        case .staleCheckpoint: "stale-checkpoint"
        case .tooLarge: "too-large"
        case .other(let slug): slug
        }
    }

    /// The type with this slug (``other(_:)`` when unknown).
    public init(slug: String) {
        self = Self.known.first { $0.slug == slug } ?? .other(slug)
    }
}
