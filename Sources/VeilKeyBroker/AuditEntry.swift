import Crypto
public import Foundation
import _VeilBytes

/// What happened, as the audit trail records it: no secret, no evidence body, only names, outcomes and digests.
public struct AuditEvent: Sendable, Hashable, Codable {
    /// The kind of event.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case auth
        case attest
        case release
        case denial
        case admin
    }

    /// The kind.
    public var kind: Kind
    /// Who acted: a TEE key thumbprint, an admin key thumbprint, or a session digest.
    public var actor: String
    /// What it acted on: a resource path, a repository, `session`.
    public var subject: String
    /// The action (`put`, `rotate`, `delete`, `set-policy`, `release`, `attest` …).
    public var action: String
    /// The outcome (`ok`, or the failed rule / error code).
    public var outcome: String
    /// A digest of the object involved (evidence, token, secret version), hex SHA-256, or empty.
    public var digest: String
    /// When.
    public var time: Date

    /// An event.
    public init(
        kind: Kind,
        actor: String,
        subject: String,
        action: String,
        outcome: String = "ok",
        digest: String = "",
        time: Date
    ) {
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.action = action
        self.outcome = outcome
        self.digest = digest
        self.time = time
    }
}

/// One link of the hash-chained audit trail: `hash = SHA-256(previous hash ‖ canonical JSON of the entry)`.
/// Editing, inserting or deleting any row breaks every later hash (see ``AuditChain/verify(_:)``).
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Position in the chain, from 1.
    public let sequence: Int64
    /// The event.
    public let event: AuditEvent
    /// The previous entry's ``hash`` (64 zero hex digits for the first).
    public let previousHash: String
    /// This entry's hash (hex).
    public let hash: String

    /// The hash of the chain before its first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// An entry as stored (its hash is not recomputed; ``AuditChain`` checks it).
    public init(sequence: Int64, event: AuditEvent, previousHash: String, hash: String) {
        self.sequence = sequence
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The next entry after `previousHash`.
    public static func chained(sequence: Int64, event: AuditEvent, previousHash: String) -> AuditEntry {
        AuditEntry(
            sequence: sequence,
            event: event,
            previousHash: previousHash,
            hash: computeHash(sequence: sequence, event: event, previousHash: previousHash)
        )
    }

    /// The canonical encoding hashed: compact JSON, sorted keys, time in whole milliseconds since 1970.
    static func canonicalJSON(sequence: Int64, event: AuditEvent) -> [UInt8] {
        let object: [String: Any] = [
            "sequence": sequence, "kind": event.kind.rawValue, "actor": event.actor, "subject": event.subject,
            "action": event.action, "outcome": event.outcome, "digest": event.digest,
            "time_ms": Self.milliseconds(event.time),
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return Array(data)
    }

    /// Whole milliseconds since 1970 (what storage keeps).
    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func computeHash(sequence: Int64, event: AuditEvent, previousHash: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(previousHash.utf8))
        hasher.update(data: canonicalJSON(sequence: sequence, event: event))
        return Hex.encode(Array(hasher.finalize()))
    }

    /// The entry as one JSON line (for `veil kbs audit export`).
    public func jsonLine() -> String {
        let object: [String: Any] = [
            "sequence": sequence, "kind": event.kind.rawValue, "actor": event.actor, "subject": event.subject,
            "action": event.action, "outcome": event.outcome, "digest": event.digest,
            "time_ms": Self.milliseconds(event.time), "previous_hash": previousHash, "hash": hash,
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Verifies an audit trail.
public enum AuditChain {
    /// The outcome of a verification.
    public struct Report: Sendable, Hashable {
        /// Entries checked.
        public let count: Int
        /// The first broken entry's sequence number, if any.
        public let firstBroken: Int64?
        /// Why it is broken.
        public let reason: String?
        /// The hash of the last entry (the chain head).
        public let head: String

        /// Whether every entry links and hashes correctly.
        public var isIntact: Bool { firstBroken == nil }
    }

    /// Checks that sequence numbers run 1, 2, 3 … without gaps, that each entry names its predecessor's hash, and
    /// that each hash is the hash of its contents.
    public static func verify(_ entries: [AuditEntry]) -> Report {
        var previous = AuditEntry.genesisHash
        var expected: Int64 = 1
        for entry in entries {
            if entry.sequence != expected {
                return Report(
                    count: entries.count,
                    firstBroken: entry.sequence,
                    reason: "expected entry \(expected), found \(entry.sequence): an entry was removed or inserted",
                    head: previous
                )
            }
            if entry.previousHash != previous {
                return Report(
                    count: entries.count,
                    firstBroken: entry.sequence,
                    reason: "entry \(entry.sequence) does not link to the previous entry's hash",
                    head: previous
                )
            }
            let recomputed = AuditEntry.computeHash(
                sequence: entry.sequence,
                event: entry.event,
                previousHash: entry.previousHash
            )
            if recomputed != entry.hash {
                return Report(
                    count: entries.count,
                    firstBroken: entry.sequence,
                    reason: "entry \(entry.sequence) was edited: its hash does not match its contents",
                    head: previous
                )
            }
            previous = entry.hash
            expected += 1
        }
        return Report(count: entries.count, firstBroken: nil, reason: nil, head: previous)
    }
}
