import Crypto
public import Foundation
public import VeilTransparency
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

/// The hash scheme of an audit entry, stored per row, so chains written by older brokers still verify.
public enum AuditHashScheme: Int, Sendable, Hashable, Codable, CaseIterable {
    /// `SHA-256(previous hash ‖ canonical JSON of sequence, kind, actor, subject, action, outcome, digest, time_ms)`
    /// — what brokers wrote before the scheme column existed.
    case v1 = 1
    /// `SHA-256("veil.kbs.audit.v2\n" ‖ canonical JSON of every column as stored)`: `scheme`, `sequence`, `kind`,
    /// `actor`, `subject`, `action`, `outcome`, `digest`, `time_ms`, `previous_hash`.
    case v2 = 2

    /// The scheme new entries use.
    public static let current = AuditHashScheme.v2
}

/// A stored audit row that does not decode exactly (an unknown kind, a malformed hash, an unknown scheme): the
/// trail was edited outside the broker. Never mapped to a default.
public struct AuditRowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The row's sequence number.
    public let sequence: Int64
    /// What is wrong with it.
    public let reason: String

    /// An error for a row.
    public init(sequence: Int64, reason: String) {
        self.sequence = sequence
        self.reason = reason
    }

    public var description: String { "audit entry \(sequence) does not decode: \(reason)" }
}

/// One link of the hash-chained audit trail: each entry's ``hash`` covers its contents and its predecessor's hash
/// (see ``AuditHashScheme``). Editing, inserting or deleting any row breaks every later hash (see
/// ``AuditChain/verify(_:anchors:)``); truncating the tail is caught against a logged audit head.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Position in the chain, from 1.
    public let sequence: Int64
    /// The event.
    public let event: AuditEvent
    /// The previous entry's ``hash`` (64 zero hex digits for the first).
    public let previousHash: String
    /// This entry's hash (hex).
    public let hash: String
    /// The hash scheme this entry was written with.
    public let scheme: AuditHashScheme

    /// The hash of the chain before its first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// An entry as stored (its hash is not recomputed; ``AuditChain`` checks it).
    public init(
        sequence: Int64,
        event: AuditEvent,
        previousHash: String,
        hash: String,
        scheme: AuditHashScheme = .v1
    ) {
        self.sequence = sequence
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
        self.scheme = scheme
    }

    /// Decodes a stored row exactly: the kind must be a known kind, the scheme a known scheme, the hashes 64
    /// lowercase hex digits, the time whole milliseconds. Anything else is tampering.
    public static func decode(
        sequence: Int64,
        kind: String,
        actor: String,
        subject: String,
        action: String,
        outcome: String,
        digest: String,
        timeMilliseconds: Int64,
        previousHash: String,
        hash: String,
        scheme: Int64
    ) throws(AuditRowError) -> AuditEntry {
        guard let decodedKind = AuditEvent.Kind(rawValue: kind) else {
            throw AuditRowError(sequence: sequence, reason: "kind `\(kind.prefix(32))` is not an audit event kind")
        }
        guard let decodedScheme = AuditHashScheme(rawValue: Int(clamping: scheme)) else {
            throw AuditRowError(sequence: sequence, reason: "hash scheme \(scheme) is unknown")
        }
        for (name, value) in [("previous_hash", previousHash), ("hash", hash)] where !isHash(value) {
            throw AuditRowError(sequence: sequence, reason: "\(name) is not 64 lowercase hex digits")
        }
        let time = Date(timeIntervalSince1970: Double(timeMilliseconds) / 1000)
        guard milliseconds(time) == timeMilliseconds else {
            throw AuditRowError(sequence: sequence, reason: "time_ms \(timeMilliseconds) is out of range")
        }
        return AuditEntry(
            sequence: sequence,
            event: AuditEvent(
                kind: decodedKind,
                actor: actor,
                subject: subject,
                action: action,
                outcome: outcome,
                digest: digest,
                time: time
            ),
            previousHash: previousHash,
            hash: hash,
            scheme: decodedScheme
        )
    }

    static func isHash(_ value: String) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The next entry after `previousHash`, hashed with the current scheme.
    public static func chained(
        sequence: Int64,
        event: AuditEvent,
        previousHash: String,
        scheme: AuditHashScheme = .current
    ) -> AuditEntry {
        AuditEntry(
            sequence: sequence,
            event: event,
            previousHash: previousHash,
            hash: computeHash(sequence: sequence, event: event, previousHash: previousHash, scheme: scheme),
            scheme: scheme
        )
    }

    /// The v1 encoding hashed: compact JSON, sorted keys, time in whole milliseconds since 1970.
    static func canonicalJSON(sequence: Int64, event: AuditEvent) -> [UInt8] {
        let object: [String: Any] = [
            "sequence": sequence, "kind": event.kind.rawValue, "actor": event.actor, "subject": event.subject,
            "action": event.action, "outcome": event.outcome, "digest": event.digest,
            "time_ms": Self.milliseconds(event.time),
        ]
        return encode(object)
    }

    /// The v2 encoding hashed: every column as stored.
    static func canonicalJSONv2(sequence: Int64, event: AuditEvent, previousHash: String) -> [UInt8] {
        let object: [String: Any] = [
            "scheme": AuditHashScheme.v2.rawValue, "sequence": sequence, "kind": event.kind.rawValue,
            "actor": event.actor, "subject": event.subject, "action": event.action, "outcome": event.outcome,
            "digest": event.digest, "time_ms": Self.milliseconds(event.time), "previous_hash": previousHash,
        ]
        return encode(object)
    }

    static func encode(_ object: [String: Any]) -> [UInt8] {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return Array(data)
    }

    /// The domain separator of the v2 scheme.
    static let v2Label = Array("veil.kbs.audit.v2\n".utf8)

    /// Whole milliseconds since 1970 (what storage keeps).
    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func computeHash(
        sequence: Int64,
        event: AuditEvent,
        previousHash: String,
        scheme: AuditHashScheme
    ) -> String {
        var hasher = SHA256()
        switch scheme {
        case .v1:
            hasher.update(data: Array(previousHash.utf8))
            hasher.update(data: canonicalJSON(sequence: sequence, event: event))
        case .v2:
            hasher.update(data: v2Label)
            hasher.update(data: canonicalJSONv2(sequence: sequence, event: event, previousHash: previousHash))
        }
        return Hex.encode(Array(hasher.finalize()))
    }

    /// The entry as one JSON line (for `veil kbs audit export`).
    public func jsonLine() -> String {
        let object: [String: Any] = [
            "sequence": sequence, "kind": event.kind.rawValue, "actor": event.actor, "subject": event.subject,
            "action": event.action, "outcome": event.outcome, "digest": event.digest,
            "time_ms": Self.milliseconds(event.time), "previous_hash": previousHash, "hash": hash,
            "scheme": scheme.rawValue,
        ]
        return String(decoding: Self.encode(object), as: UTF8.self)
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
        /// The anchors (logged audit heads) the chain was checked against.
        public let anchorsChecked: Int

        /// A report.
        public init(count: Int, firstBroken: Int64?, reason: String?, head: String, anchorsChecked: Int = 0) {
            self.count = count
            self.firstBroken = firstBroken
            self.reason = reason
            self.head = head
            self.anchorsChecked = anchorsChecked
        }

        /// Whether every entry links and hashes correctly (and every anchor is in the chain).
        public var isIntact: Bool { firstBroken == nil }
    }

    /// Checks that sequence numbers run 1, 2, 3 … without gaps, that each entry names its predecessor's hash, that
    /// each hash is the hash of its contents under the entry's scheme, that the scheme never goes back to an older
    /// one, and that every anchor (an audit head logged in a transparency log) is an entry of the chain — so a
    /// tail truncated below a logged head is detected.
    public static func verify(_ entries: [AuditEntry], anchors: [LogEntry.AuditHead] = []) -> Report {
        var previous = AuditEntry.genesisHash
        var expected: Int64 = 1
        var highestScheme = AuditHashScheme.v1
        func broken(_ sequence: Int64, _ reason: String) -> Report {
            Report(count: entries.count, firstBroken: sequence, reason: reason, head: previous)
        }
        for entry in entries {
            if entry.sequence != expected {
                return broken(
                    entry.sequence,
                    "expected entry \(expected), found \(entry.sequence): an entry was removed or inserted"
                )
            }
            if entry.previousHash != previous {
                return broken(entry.sequence, "entry \(entry.sequence) does not link to the previous entry's hash")
            }
            if entry.scheme.rawValue < highestScheme.rawValue {
                return broken(
                    entry.sequence,
                    "entry \(entry.sequence) uses hash scheme v\(entry.scheme.rawValue) after v\(highestScheme.rawValue)"
                )
            }
            highestScheme = entry.scheme
            let recomputed = AuditEntry.computeHash(
                sequence: entry.sequence,
                event: entry.event,
                previousHash: entry.previousHash,
                scheme: entry.scheme
            )
            if recomputed != entry.hash {
                return broken(
                    entry.sequence,
                    "entry \(entry.sequence) was edited: its hash does not match its contents"
                )
            }
            previous = entry.hash
            expected += 1
        }
        for anchor in anchors.sorted(by: { $0.sequence < $1.sequence }) {
            let sequence = Int64(clamping: anchor.sequence)
            guard sequence >= 1 else { return broken(1, "an anchor names sequence 0, which no entry has") }
            guard sequence <= entries.count else {
                return broken(
                    Int64(entries.count) + 1,
                    "the log anchored entry \(anchor.sequence) (head \(anchor.headSHA256.prefix(16))…), but the trail "
                        + "ends at \(entries.count): its tail was truncated"
                )
            }
            guard entries[Int(sequence) - 1].hash == anchor.headSHA256 else {
                return broken(
                    sequence,
                    "entry \(anchor.sequence) is not the head the log anchored: the trail was rewritten"
                )
            }
        }
        return Report(
            count: entries.count,
            firstBroken: nil,
            reason: nil,
            head: previous,
            anchorsChecked: anchors.count
        )
    }

    /// Reads and verifies a whole stored trail; a row that does not decode exactly is reported as the break.
    public static func verify(
        storage: any KeyBrokerStorage,
        anchors: [LogEntry.AuditHead] = []
    ) async throws -> Report {
        let entries: [AuditEntry]
        do { entries = try await storage.allAuditEntries() } catch let error as AuditRowError {
            return Report(count: 0, firstBroken: error.sequence, reason: error.description, head: "")
        }
        return verify(entries, anchors: anchors)
    }
}
