import Crypto
public import Foundation
public import _VeilBytes

extension KeyBrokerService {
    /// Authenticates an admin bearer token; failures are audited as denials.
    public func authenticateAdmin(_ token: String?) async throws -> AdminIdentity {
        let now = clock()
        do {
            guard let token else { throw KeyBrokerError(.unauthorized, "an admin bearer token is required") }
            return try AdminToken.verify(token, keys: settings.adminKeys, now: now)
        } catch let error as KeyBrokerError {
            try await storage.appendAudit(
                AuditEvent(
                    kind: .denial,
                    actor: "anonymous",
                    subject: "admin",
                    action: "admin-auth",
                    outcome: error.code.rawValue,
                    time: now
                )
            )
            throw error
        }
    }

    func adminEvent(_ identity: AdminIdentity, _ subject: String, _ action: String, digest: String = "") -> AuditEvent {
        AuditEvent(
            kind: .admin,
            actor: identity.keyThumbprint,
            subject: subject,
            action: action,
            digest: digest,
            time: clock()
        )
    }

    /// Stores version 1 of a new resource (and its policy, if given).
    public func putResource(
        _ resource: ResourceID,
        secret: SecureBytes,
        policy: ReleasePolicy? = nil,
        by identity: AdminIdentity
    ) async throws -> Int {
        try identity.authorizeManage(repository: resource.repository)
        let version = try await addVersion(resource, secret: secret, mode: .create, grace: 0, by: identity)
        if let policy { try await setPolicy(.resource(resource), policy, by: identity) }
        return version
    }

    /// Adds the next version; the previous one stays readable for `grace` seconds (default: the settings').
    public func rotateResource(
        _ resource: ResourceID,
        secret: SecureBytes,
        grace: TimeInterval? = nil,
        by identity: AdminIdentity
    ) async throws -> Int {
        try identity.authorizeManage(repository: resource.repository)
        return try await addVersion(
            resource,
            secret: secret,
            mode: .rotate,
            grace: grace ?? settings.rotationGrace,
            by: identity
        )
    }

    func addVersion(
        _ resource: ResourceID,
        secret: SecureBytes,
        mode: AddVersionMode,
        grace: TimeInterval,
        by identity: AdminIdentity
    ) async throws -> Int {
        guard !secret.isEmpty else { throw KeyBrokerError(.badRequest, "the secret is empty") }
        let now = clock()
        let kek = self.kek
        return try await storage.addVersion(
            resource,
            mode: mode,
            now: now,
            graceUntil: now.addingTimeInterval(max(0, grace)),
            seal: { version in try SealedSecret.seal(secret, resource: resource, version: version, kek: kek) },
            audit: adminEvent(identity, resource.path, mode == .create ? "put" : "rotate")
        )
    }

    /// Deletes every version of a resource and its policy.
    public func deleteResource(_ resource: ResourceID, by identity: AdminIdentity) async throws {
        try identity.authorizeManage(repository: resource.repository)
        guard try await storage.deleteResource(resource, audit: adminEvent(identity, resource.path, "delete")) else {
            throw KeyBrokerError(.notFound, "no such resource")
        }
    }

    /// Lists resources (a tenant admin sees only its repository).
    public func listResources(repository: String?, by identity: AdminIdentity) async throws -> [ResourceSummary] {
        let scope = identity.role == .tenantAdmin ? (repository ?? identity.repository) : repository
        try identity.authorizeManage(repository: scope)
        return try await storage.listResources(repository: scope, now: clock())
    }

    /// Sets (or with `nil` removes) a release policy.
    public func setPolicy(_ scope: PolicyScope, _ policy: ReleasePolicy?, by identity: AdminIdentity) async throws {
        try identity.authorizeManage(repository: scope.repository)
        try policy?.validate()
        let json = policy?.json()
        let version = try await storage.setPolicy(
            scope,
            document: json,
            now: clock(),
            audit: adminEvent(
                identity,
                scope.key,
                json == nil ? "delete-policy" : "set-policy",
                digest: json.map { Self.sha256Hex(Array($0.utf8)) } ?? ""
            )
        )
        try await logPolicyVersion(version)
    }

    /// Anchors the audit chain's head in the transparency log now (admins only).
    public func anchorAuditHead(by identity: AdminIdentity) async throws -> AuditAnchor? {
        try identity.authorizeManage(repository: nil)
        return try await anchorAuditHead()
    }

    /// A release policy.
    public func policy(_ scope: PolicyScope, by identity: AdminIdentity) async throws -> ReleasePolicy? {
        try identity.authorizeManage(repository: scope.repository)
        guard let text = try await storage.policy(scope) else { return nil }
        return try ReleasePolicy.decode(Data(text.utf8))
    }

    /// Sets (or with `nil` removes) a named set of reference values (admins only).
    public func setReferenceValues(name: String, _ set: ReferenceValueSet?, by identity: AdminIdentity) async throws {
        try identity.authorizeManage(repository: nil)
        try ResourceID.validate(name)
        try ReleasePolicy.validateReferenceValues(set ?? [:], field: "reference value set \(name)")
        let json = try set.map { value in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        try await storage.setReferenceValues(
            name: name,
            document: json,
            audit: adminEvent(
                identity,
                "reference-values:" + name,
                json == nil ? "delete-reference-values" : "set-reference-values",
                digest: json.map { Self.sha256Hex(Array($0.utf8)) } ?? ""
            )
        )
    }

    /// The named reference value sets (admins only).
    public func referenceValueSets(by identity: AdminIdentity) async throws -> [String: ReferenceValueSet] {
        try identity.authorizeManage(repository: nil)
        return try await referenceSets()
    }

    /// Registers a tenant (admins only); false if it existed.
    public func addTenant(_ repository: String, by identity: AdminIdentity) async throws -> Bool {
        try identity.authorizeManage(repository: nil)
        try ResourceID.validate(repository)
        return try await storage.addTenant(
            repository,
            now: clock(),
            audit: adminEvent(identity, repository, "add-tenant")
        )
    }

    /// The tenants (admins only).
    public func tenants(by identity: AdminIdentity) async throws -> [String] {
        try identity.authorizeManage(repository: nil)
        return try await storage.tenants()
    }

    /// Releases of a resource (who got which version).
    public func releases(_ resource: ResourceID, by identity: AdminIdentity) async throws -> [ReleaseRecord] {
        if identity.role != .auditor { try identity.authorizeManage(repository: resource.repository) }
        return try await storage.releases(path: resource.path)
    }

    /// Audit entries after a sequence number (admins and auditors).
    public func auditEntries(after: Int64, limit: Int, by identity: AdminIdentity) async throws -> [AuditEntry] {
        try identity.authorizeAudit()
        do { return try await storage.auditEntries(after: after, limit: min(max(limit, 1), 1000)) } catch let error
            as AuditRowError
        {
            throw KeyBrokerError(.auditTampered, error.description)
        }
    }

    /// Verifies the whole audit chain (admins and auditors).
    public func verifyAudit(by identity: AdminIdentity) async throws -> AuditChain.Report {
        try identity.authorizeAudit()
        return try await AuditChain.verify(storage: storage)
    }

    /// KEK rotation: rewraps every version's data key from `old` to `new` in one transaction (the secrets'
    /// ciphertexts are unchanged). Versions already under `new` are left alone. Returns the count rewrapped.
    public static func rekey(
        storage: any KeyBrokerStorage,
        from old: KeyEncryptionKey,
        to new: KeyEncryptionKey,
        now: Date = Date()
    ) async throws -> Int {
        var rewrapped: [StoredResourceVersion] = []
        for version in try await storage.allVersions() where version.sealed.kekID != new.id {
            let sealed = try version.sealed.rewrapped(
                resource: version.resource,
                version: version.version,
                from: old,
                to: new
            )
            rewrapped.append(
                StoredResourceVersion(
                    resource: version.resource,
                    version: version.version,
                    sealed: sealed,
                    createdAt: version.createdAt,
                    retiresAt: version.retiresAt
                )
            )
        }
        try await storage.replaceSealed(
            rewrapped,
            audit: AuditEvent(
                kind: .admin,
                actor: "kek:" + old.id,
                subject: "kek",
                action: "rekey to \(new.id)",
                outcome: "ok",
                time: now
            )
        )
        return rewrapped.count
    }
}
