import Foundation
public import _VeilBytes

/// How a resource request proves its attestation.
public enum ReleaseCredential: Sendable {
    /// The `kbs-session-id` cookie of an attested session.
    case session(String)
    /// The EAR token as a bearer token.
    case token(String)
}

/// A released secret, for the server to wrap to the TEE key (JWE).
public struct Release: Sendable {
    /// The secret.
    public let secret: SecureBytes
    /// The TEE's public key (JWK members) from the attested runtime-data.
    public let teePublicKey: [String: String]
    /// The version released.
    public let version: Int
    /// The claims the release was decided on.
    public let claims: EARClaims
    /// The relaxations the decision relied on (also in the audit entry and the admin log).
    public let relaxations: [PolicyRelaxation]
}

extension KeyBrokerService {
    /// The claims behind a credential; fails `unauthorized`, `session-expired` or `token-expired`.
    public func claims(for credential: ReleaseCredential) async throws -> EARClaims {
        let now = clock()
        switch credential {
        case .token(let token):
            return try EARClaims.verify(token: token, jwks: signer.jwks, now: now)
        case .session(let id):
            guard let session = try await storage.session(idHash: Self.idHash(id)) else {
                throw KeyBrokerError(.unauthorized, "no such session")
            }
            guard now < session.expiresAt else {
                throw KeyBrokerError(
                    session.state == .attested ? .tokenExpired : .sessionExpired,
                    "the session expired; attest again"
                )
            }
            guard session.state == .attested, let json = session.claimsJSON else {
                throw KeyBrokerError(.unauthorized, "the session is not attested")
            }
            return try EARClaims(json: json)
        }
    }

    /// The policies that govern a resource.
    public func effectivePolicy(_ resource: ResourceID) async throws -> EffectivePolicy {
        func load(_ scope: PolicyScope) async throws -> ReleasePolicy? {
            guard let text = try await storage.policy(scope) else { return nil }
            return try ReleasePolicy.decode(Data(text.utf8))
        }
        return EffectivePolicy(
            repository: try await load(.repository(resource.repository)),
            resource: try await load(.resource(resource))
        )
    }

    /// The broker's named reference value sets.
    public func referenceSets() async throws -> [String: ReferenceValueSet] {
        var sets: [String: ReferenceValueSet] = [:]
        for (name, text) in try await storage.referenceValues() {
            sets[name] = try? JSONDecoder().decode(ReferenceValueSet.self, from: Data(text.utf8))
        }
        return sets
    }

    /// `GET /kbs/v0/resource/<path>`: releases the current version (or `version`, while readable) if every
    /// applicable policy holds, and records which version went to which TEE key and evidence.
    public func release(
        _ resource: ResourceID,
        version: Int? = nil,
        credential: ReleaseCredential
    ) async throws -> Release {
        let claims = try await claims(for: credential)
        let now = clock()
        guard let teeKey = claims.teePublicKey, let thumbprint = claims.teeKeyThumbprint,
            (try? TEEPublicKey.thumbprint(teeKey)) == thumbprint
        else { throw KeyBrokerError(.unauthorized, "the token does not carry a consistent tee-pubkey") }
        func deny(_ outcome: String) async throws {
            try await storage.appendAudit(
                AuditEvent(
                    kind: .denial,
                    actor: thumbprint,
                    subject: resource.path,
                    action: "release",
                    outcome: outcome,
                    digest: claims.evidenceDigest ?? "",
                    time: now
                )
            )
        }
        guard claims.audience.contains(settings.audience) else {
            try await deny("audience")
            throw KeyBrokerError(.tokenInvalid, "the token's audience is not this broker (\(settings.audience))")
        }
        if let tenant = claims.tenant, tenant != resource.repository {
            // A node that attested for one tenant never gets another tenant's keys, whatever the policies say.
            try await deny("tenant-mismatch")
            log.notice("release denied: tenant mismatch", [:])
            throw KeyBrokerError(.tenantMismatch, "the token is bound to another tenant than this resource's")
        }
        if claims.tenant == nil, try await storage.tenants().contains(resource.repository) {
            // A registered tenant's keys go only to nodes that attested for that tenant.
            try await deny("tenant-required")
            log.notice("release denied: tenant required", [:])
            throw KeyBrokerError(
                .tenantMismatch,
                "the token names no tenant, and this resource's repository is a tenant"
            )
        }
        let decision = try await effectivePolicy(resource).evaluate(
            claims,
            now: now,
            referenceSets: try await referenceSets()
        )
        if let failure = decision.firstFailure {
            try await deny(failure.rule)
            log.notice("release denied by policy", ["rule": .safe(RuleName(failure.rule))])
            throw KeyBrokerError(.policyDenied, "the release policy does not accept this attestation")
        }
        let versions = try await storage.versions(of: resource)
        let chosen: StoredResourceVersion?
        if let version {
            chosen = versions.first { $0.version == version && $0.isReadable(at: now) }
        } else {
            chosen = versions.last
        }
        guard let chosen else { throw KeyBrokerError(.notFound, "no such resource (or version)") }
        let record = ReleaseRecord(
            path: resource.path,
            version: chosen.version,
            teeKeyThumbprint: thumbprint,
            evidenceDigest: claims.evidenceDigest ?? "",
            time: now
        )
        if let transparencyLog = settings.transparencyLog {
            // Logged before the secret leaves: a release the log cannot record does not happen.
            let entry = try await keyReleaseEntry(record, resource: resource)
            do { _ = try await transparencyLog.append(entry) } catch {
                try await deny("log-append-failed")
                log.warning("release refused: the transparency log did not record it", [:])
                throw KeyBrokerError(.logUnavailable, "the transparency log could not record the release")
            }
        }
        let secret = try chosen.sealed.open(resource: resource, version: chosen.version, kek: kek)
        let relaxed = decision.relaxations.map(\.rawValue)
        try await storage.recordRelease(
            record,
            audit: AuditEvent(
                kind: .release,
                actor: thumbprint,
                subject: resource.path,
                action: "release v\(chosen.version)",
                outcome: relaxed.isEmpty ? "ok" : "ok; relaxed: " + relaxed.joined(separator: ","),
                digest: claims.evidenceDigest ?? "",
                time: now
            )
        )
        for relaxation in decision.relaxations {
            log.notice("released under a relaxation", ["relaxation": .safe(relaxation)])
        }
        log.info("released", ["version": .count(chosen.version)])
        return Release(
            secret: secret,
            teePublicKey: teeKey,
            version: chosen.version,
            claims: claims,
            relaxations: decision.relaxations
        )
    }
}

/// A policy rule name for logs (scope prefix and a ``PolicyRule`` raw value).
struct RuleName: LogSafe {
    let logValue: String
    init(_ rule: String) {
        let known = ["", "baseline.", "repository.", "resource."].flatMap { prefix in
            PolicyRule.allCases.map { prefix + $0.rawValue }
        }
        logValue = known.contains(rule) ? rule : "other"
    }
}
