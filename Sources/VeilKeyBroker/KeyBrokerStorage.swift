public import Foundation
public import VeilTransparency

/// One stored version of a resource.
public struct StoredResourceVersion: Sendable, Hashable {
    /// The resource.
    public let resource: ResourceID
    /// The version, from 1.
    public let version: Int
    /// The secret, envelope-encrypted.
    public let sealed: SealedSecret
    /// When it was created.
    public let createdAt: Date
    /// When it stops being readable (set when a newer version replaces it; `nil` while current).
    public let retiresAt: Date?

    /// A stored version.
    public init(resource: ResourceID, version: Int, sealed: SealedSecret, createdAt: Date, retiresAt: Date?) {
        self.resource = resource
        self.version = version
        self.sealed = sealed
        self.createdAt = createdAt
        self.retiresAt = retiresAt
    }

    /// Whether the version may be released at `time`.
    public func isReadable(at time: Date) -> Bool { retiresAt.map { time < $0 } ?? true }
}

/// A resource as listed: no secret, only versions and times.
public struct ResourceSummary: Sendable, Hashable, Codable {
    /// `repository/type/tag`.
    public let path: String
    /// The current (newest) version.
    public let currentVersion: Int
    /// Versions still readable (the current one and those within their grace period).
    public let readableVersions: [Int]
    /// When the current version was created.
    public let updatedAt: Date

    /// A summary.
    public init(path: String, currentVersion: Int, readableVersions: [Int], updatedAt: Date) {
        self.path = path
        self.currentVersion = currentVersion
        self.readableVersions = readableVersions
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case path
        case currentVersion = "current_version"
        case readableVersions = "readable_versions"
        case updatedAt = "updated_at"
    }
}

/// Where a release policy applies.
public enum PolicyScope: Sendable, Hashable {
    /// Every resource of a repository (tenant).
    case repository(String)
    /// One resource.
    case resource(ResourceID)

    /// The resource a `policy` log entry names: `REPO/TYPE/TAG`, or `REPO/*/*` for a repository's policy.
    public var logResource: String {
        switch self {
        case .repository(let name): return name + "/*/*"
        case .resource(let id): return id.path
        }
    }

    /// The storage key: `repository:NAME` or `resource:REPO/TYPE/TAG`.
    public var key: String {
        switch self {
        case .repository(let name): return "repository:" + name
        case .resource(let id): return "resource:" + id.path
        }
    }

    /// The repository the scope belongs to.
    public var repository: String {
        switch self {
        case .repository(let name): return name
        case .resource(let id): return id.repository
        }
    }
}

/// An attestation session as stored. The session id is a bearer credential, so only its SHA-256 is stored.
public struct StoredSession: Sendable, Hashable {
    /// The session's state.
    public enum State: String, Sendable, Hashable {
        /// A challenge was issued; its nonce is unused.
        case challenged
        /// The nonce was consumed; evidence is being verified.
        case attesting
        /// Attested: the token's claims are stored.
        case attested
        /// The attestation failed; the nonce is spent.
        case failed
    }

    /// SHA-256 of the session id.
    public let idHash: [UInt8]
    /// The challenge nonce.
    public let nonce: String
    /// The TEE named in the request.
    public let tee: String
    /// The state.
    public let state: State
    /// When it expires.
    public let expiresAt: Date
    /// The EAR claims (JSON) once attested.
    public let claimsJSON: String?

    /// A session row.
    public init(idHash: [UInt8], nonce: String, tee: String, state: State, expiresAt: Date, claimsJSON: String?) {
        self.idHash = idHash
        self.nonce = nonce
        self.tee = tee
        self.state = state
        self.expiresAt = expiresAt
        self.claimsJSON = claimsJSON
    }
}

/// The outcome of claiming a session's nonce for an attestation.
public enum NonceClaim: Sendable, Hashable {
    /// The nonce was unused and is now spent; the session is `attesting`.
    case claimed(StoredSession)
    /// No such session.
    case missing
    /// The session expired before the attestation.
    case expired
    /// The nonce was used already.
    case used
}

/// A release: which version of which resource went to which attested identity.
public struct ReleaseRecord: Sendable, Hashable, Codable {
    /// `repository/type/tag`.
    public let path: String
    /// The version released.
    public let version: Int
    /// The RFC 7638 thumbprint of the TEE key the secret was wrapped to.
    public let teeKeyThumbprint: String
    /// SHA-256 (hex) of the evidence that attested that key.
    public let evidenceDigest: String
    /// When.
    public let time: Date

    /// A release record.
    public init(path: String, version: Int, teeKeyThumbprint: String, evidenceDigest: String, time: Date) {
        self.path = path
        self.version = version
        self.teeKeyThumbprint = teeKeyThumbprint
        self.evidenceDigest = evidenceDigest
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case path, version, time
        case teeKeyThumbprint = "tee_key_thumbprint"
        case evidenceDigest = "evidence_digest"
    }
}

/// A version of a scope's release policy, as recorded for the transparency log: every set (and every removal)
/// makes a new version, numbered from 1 per scope.
public struct PolicyVersion: Sendable, Hashable {
    /// The scope's storage key (``PolicyScope/key``).
    public let scope: String
    /// The version.
    public let version: UInt64
    /// The resource the log entry names (``PolicyScope/logResource``).
    public let logResource: String
    /// SHA-256 (hex) of the stored document (of the empty document for a removal).
    public let sha256: String
    /// When it was set.
    public let time: Date

    /// A version.
    public init(scope: String, version: UInt64, logResource: String, sha256: String, time: Date) {
        self.scope = scope
        self.version = version
        self.logResource = logResource
        self.sha256 = sha256
        self.time = time
    }

    /// The `policy` log entry for this version.
    public var logEntry: LogEntry {
        .policy(LogEntry.Policy(resource: logResource, version: version, policySHA256: sha256))
    }
}

/// How ``KeyBrokerStorage/addVersion(_:sealed:mode:now:graceUntil:audit:)`` treats an existing resource.
public enum AddVersionMode: Sendable, Hashable {
    /// Create version 1; fails with `conflict` if the resource exists.
    case create
    /// Add the next version; fails with `not-found` if the resource does not exist. The previous current version
    /// stays readable until the grace time.
    case rotate
}

/// The key broker's store: resources, policies, reference values, tenants, sessions, releases and the audit
/// trail. Every mutating call is one transaction, durable when it returns, and appends its audit event in that
/// same transaction, so an acknowledged write and its audit entry survive a crash together, or neither exists.
public protocol KeyBrokerStorage: Sendable {
    /// Creates the tables (idempotent).
    func migrate() async throws

    // MARK: Resources

    /// Adds a version (see ``AddVersionMode``); `seal` encrypts the secret for the version number chosen inside
    /// the transaction. Returns the new version number.
    func addVersion(
        _ resource: ResourceID,
        mode: AddVersionMode,
        now: Date,
        graceUntil: Date,
        seal: @Sendable (Int) throws -> SealedSecret,
        audit: AuditEvent
    ) async throws -> Int
    /// Every stored version of a resource, oldest first (empty if none).
    func versions(of resource: ResourceID) async throws -> [StoredResourceVersion]
    /// Resources, optionally of one repository, with their readable versions at `now`.
    func listResources(repository: String?, now: Date) async throws -> [ResourceSummary]
    /// Deletes every version of a resource and its policy; false if it did not exist.
    func deleteResource(_ resource: ResourceID, audit: AuditEvent) async throws -> Bool
    /// Every version (all resources), for KEK rotation.
    func allVersions() async throws -> [StoredResourceVersion]
    /// Replaces the sealed form of versions (KEK rotation), in one transaction.
    func replaceSealed(_ versions: [StoredResourceVersion], audit: AuditEvent) async throws

    // MARK: Policies, reference values, tenants

    /// Sets (or with `nil` removes) a release policy document (JSON) and records the next ``PolicyVersion`` of the
    /// scope (unlogged), in one transaction. Returns that version.
    func setPolicy(_ scope: PolicyScope, document: String?, now: Date, audit: AuditEvent) async throws -> PolicyVersion
    /// A release policy document.
    func policy(_ scope: PolicyScope) async throws -> String?
    /// The scope's latest policy version number (nil: never set).
    func policyVersion(_ scope: PolicyScope) async throws -> UInt64?
    /// Policy versions not yet appended to the transparency log, oldest first.
    func unloggedPolicyVersions() async throws -> [PolicyVersion]
    /// Marks a policy version as appended to the transparency log.
    func markPolicyVersionLogged(scope: String, version: UInt64) async throws
    /// Sets (or with `nil` removes) a named set of reference values (JSON).
    func setReferenceValues(name: String, document: String?, audit: AuditEvent) async throws
    /// Every named set of reference values.
    func referenceValues() async throws -> [String: String]
    /// Registers a tenant (repository); false if it existed.
    func addTenant(_ repository: String, now: Date, audit: AuditEvent) async throws -> Bool
    /// The registered tenants, sorted.
    func tenants() async throws -> [String]

    // MARK: Sessions

    /// Stores a new challenged session.
    func createSession(_ session: StoredSession, audit: AuditEvent) async throws
    /// A session by id digest.
    func session(idHash: [UInt8]) async throws -> StoredSession?
    /// Atomically spends a session's nonce: only one caller ever gets ``NonceClaim/claimed(_:)``.
    func claimNonce(idHash: [UInt8], now: Date) async throws -> NonceClaim
    /// Ends an attestation: `claimsJSON` non-nil means attested (until `expiresAt`), nil means failed.
    func finishAttestation(idHash: [UInt8], claimsJSON: String?, expiresAt: Date, audit: AuditEvent) async throws
    /// Removes sessions that expired before `time`.
    func purgeSessions(expiredBefore time: Date) async throws -> Int

    // MARK: Releases and audit

    /// Records a release with its audit event.
    func recordRelease(_ release: ReleaseRecord, audit: AuditEvent) async throws
    /// Releases of a resource path, oldest first.
    func releases(path: String) async throws -> [ReleaseRecord]
    /// Appends an audit event alone (denials, failed authentications).
    func appendAudit(_ event: AuditEvent) async throws
    /// Audit entries with sequence > `after`, at most `limit`, in order. A row that does not decode exactly throws
    /// ``AuditRowError``.
    func auditEntries(after: Int64, limit: Int) async throws -> [AuditEntry]
    /// The last audit entry (the chain head), if any.
    func lastAuditEntry() async throws -> AuditEntry?
}

extension KeyBrokerStorage {
    /// Every audit entry, in order.
    public func allAuditEntries() async throws -> [AuditEntry] {
        var result: [AuditEntry] = []
        while true {
            let page = try await auditEntries(after: result.last?.sequence ?? 0, limit: 1000)
            result += page
            if page.count < 1000 { return result }
        }
    }
}
