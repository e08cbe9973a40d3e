import Foundation
public import VeilTransparency
import _VeilBytes

/// An audit-chain head anchored in the transparency log.
public struct AuditAnchor: Sendable, Hashable {
    /// The `audit-head` entry appended.
    public let head: LogEntry.AuditHead
    /// Its index in the log.
    public let logIndex: UInt64
    /// Policy versions appended before it (those whose earlier append had failed).
    public let policyVersionsLogged: Int
}

extension KeyBrokerService {
    /// The broker's identity in `audit-head` entries: the RFC 7638 thumbprint of its token-signing key.
    public var brokerIdentity: String { signer.keyID }

    /// Appends a policy version to the log. A failure is audited (`log-append-failed`) and the version stays
    /// unlogged, to be appended by the next ``anchorAuditHead()``; the policy itself is in force.
    func logPolicyVersion(_ version: PolicyVersion) async throws {
        guard let transparencyLog = settings.transparencyLog else { return }
        do {
            _ = try await transparencyLog.append(version.logEntry)
        } catch {
            try await storage.appendAudit(
                AuditEvent(
                    kind: .admin,
                    actor: "broker",
                    subject: version.scope,
                    action: "log-policy v\(version.version)",
                    outcome: "log-append-failed",
                    digest: version.sha256,
                    time: clock()
                )
            )
            log.warning("policy version not logged; the next anchor retries", ["version": .count(Int(version.version))])
            return
        }
        try await storage.markPolicyVersionLogged(scope: version.scope, version: version.version)
    }

    /// The `key-release` entry for a release: the resource, the governing policy version (the resource's, else the
    /// repository's), the SHA-256 of the release record (``ReleaseRecord/digest``, never the secret) and the time.
    func keyReleaseEntry(_ record: ReleaseRecord, resource: ResourceID) async throws -> LogEntry {
        var version = try await storage.policyVersion(.resource(resource))
        if version == nil { version = try await storage.policyVersion(.repository(resource.repository)) }
        return .keyRelease(
            LogEntry.KeyRelease(
                resource: resource.path,
                policyVersion: version ?? 0,
                eventSHA256: record.digest,
                time: UInt64(max(0, record.time.timeIntervalSince1970))
            )
        )
    }

    /// Anchors the audit chain: appends every policy version still unlogged, then an `audit-head` entry naming
    /// the chain's last entry. Runs every ``KeyBrokerSettings/anchorInterval`` seconds and on demand
    /// (`POST /kbs/v0/admin/audit/anchor`). Once anchored, the broker cannot truncate or rewrite the trail before
    /// that entry without `veil kbs audit verify --anchor` showing it. Returns nil when the trail is empty.
    public func anchorAuditHead() async throws -> AuditAnchor? {
        guard let transparencyLog = settings.transparencyLog else {
            throw KeyBrokerError(.logUnavailable, "no transparency log is configured (veil kbs serve --log)")
        }
        var logged = 0
        for version in try await storage.unloggedPolicyVersions() {
            do { _ = try await transparencyLog.append(version.logEntry) } catch {
                log.warning("anchor: the log is unreachable", ["pending_policy_versions": .count(logged)])
                throw KeyBrokerError(.logUnavailable, "the transparency log did not accept a policy version")
            }
            try await storage.markPolicyVersionLogged(scope: version.scope, version: version.version)
            logged += 1
        }
        guard let last = try await storage.lastAuditEntry() else { return nil }
        let head = LogEntry.AuditHead(
            broker: brokerIdentity,
            sequence: UInt64(last.sequence),
            headSHA256: last.hash,
            time: UInt64(max(0, clock().timeIntervalSince1970))
        )
        let response: LogAPI.AppendResponse
        do { response = try await transparencyLog.append(.auditHead(head)) } catch {
            log.warning("anchor: the log is unreachable", ["sequence": .count(Int(last.sequence))])
            throw KeyBrokerError(.logUnavailable, "the transparency log did not accept the audit head")
        }
        log.info("audit head anchored", ["sequence": .count(Int(last.sequence))])
        return AuditAnchor(head: head, logIndex: response.index, policyVersionsLogged: logged)
    }
}

extension ReleaseRecord {
    /// SHA-256 (hex) of the record's canonical JSON (sorted keys: `evidence_digest`, `path`,
    /// `tee_key_thumbprint`, `time_ms`, `version`): the `event_sha256` of its `key-release` log entry.
    public var digest: String {
        let object: [String: Any] = [
            "evidence_digest": evidenceDigest, "path": path, "tee_key_thumbprint": teeKeyThumbprint,
            "time_ms": AuditEntry.milliseconds(time), "version": version,
        ]
        return KeyBrokerService.sha256Hex(AuditEntry.encode(object))
    }
}
