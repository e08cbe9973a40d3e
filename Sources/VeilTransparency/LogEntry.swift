public import Foundation
import _VeilBytes

/// A typed log entry. Its leaf data is the entry's ``CanonicalJSON`` (see docs/formats/log-entries.md), so the
/// same entry always has the same leaf hash and appending it twice is idempotent.
public enum LogEntry: Sendable, Hashable {
    case release(Release)
    case model(Model)
    case policy(Policy)
    case keyRelease(KeyRelease)
    case auditHead(AuditHead)

    /// The entry kinds, as spelled in `kind`.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case release
        case model
        case policy
        case keyRelease = "key-release"
        case auditHead = "audit-head"
    }

    public var kind: Kind {
        switch self {
        case .release: return .release
        case .model: return .model
        case .policy: return .policy
        case .keyRelease: return .keyRelease
        case .auditHead: return .auditHead
        }
    }

    /// The largest entry accepted.
    public static let maximumSize = 64 * 1024

    /// The canonical form.
    public var canonicalJSON: CanonicalJSON {
        switch self {
        case .release(let value): return value.canonicalJSON
        case .model(let value): return value.canonicalJSON
        case .policy(let value): return value.canonicalJSON
        case .keyRelease(let value): return value.canonicalJSON
        case .auditHead(let value): return value.canonicalJSON
        }
    }

    /// The leaf data: the canonical JSON bytes.
    public var leafData: [UInt8] { canonicalJSON.bytes }

    /// The RFC 6962 leaf hash of ``leafData``.
    public var leafHash: [UInt8] { Merkle.leafHash(leafData) }

    /// Parses an entry from JSON (any member order and spacing), validating every field. When `kind` is given the
    /// JSON's own `kind` member must agree with it, or may be absent.
    public init(json: some DataProtocol, kind expected: Kind? = nil) throws(TransparencyError) {
        let data = Data(json)
        guard data.count <= Self.maximumSize else { throw TransparencyError(.malformedEntry, "the entry is too large") }
        let decoder = JSONDecoder()
        let header: KindHeader
        do { header = try decoder.decode(KindHeader.self, from: data) } catch {
            throw TransparencyError(.malformedEntry, "the entry is not a JSON object")
        }
        guard let kind = header.kind ?? expected else {
            throw TransparencyError(
                .malformedEntry,
                "the entry has no `kind` (release, model, policy, key-release, audit-head)"
            )
        }
        if let expected, kind != expected {
            throw TransparencyError(
                .malformedEntry,
                "the entry's kind is `\(kind.rawValue)`, not `\(expected.rawValue)`"
            )
        }
        do {
            switch kind {
            case .release:
                var release = try decoder.decode(Release.self, from: data)
                release.measurements.sort()
                self = .release(release)
            case .model: self = .model(try decoder.decode(Model.self, from: data))
            case .policy: self = .policy(try decoder.decode(Policy.self, from: data))
            case .keyRelease: self = .keyRelease(try decoder.decode(KeyRelease.self, from: data))
            case .auditHead: self = .auditHead(try decoder.decode(AuditHead.self, from: data))
            }
        } catch let error as TransparencyError {
            throw error
        } catch {
            throw TransparencyError(
                .malformedEntry,
                "the \(kind.rawValue) entry is missing a field or has a wrong type"
            )
        }
        try validate()
    }

    /// Parses leaf data read back from a log, requiring it to be exactly canonical.
    public init(leafData: [UInt8]) throws(TransparencyError) {
        try self.init(json: leafData)
        guard self.leafData == leafData else {
            throw TransparencyError(.malformedEntry, "the leaf data is not the entry's canonical JSON")
        }
    }

    private func validate() throws(TransparencyError) {
        switch self {
        case .release(let value): try value.validate()
        case .model(let value): try value.validate()
        case .policy(let value): try value.validate()
        case .keyRelease(let value): try value.validate()
        case .auditHead(let value): try value.validate()
        }
    }

    private struct KindHeader: Decodable {
        var kind: Kind?
    }
}

/// Field checks shared by the entry types.
enum EntryField {
    static func name(_ value: String, _ field: String, maximum: Int = 256) throws(TransparencyError) {
        guard !value.isEmpty, value.utf8.count <= maximum,
            !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw TransparencyError(
                .malformedEntry,
                "`\(field)` must be 1–\(maximum) bytes of text without control characters"
            )
        }
    }

    static func hex(_ value: String, _ field: String, bytes: Set<Int>) throws(TransparencyError) {
        guard value.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
            bytes.contains(value.utf8.count / 2), value.utf8.count % 2 == 0
        else {
            let sizes = bytes.sorted().map(String.init).joined(separator: " or ")
            throw TransparencyError(.malformedEntry, "`\(field)` must be \(sizes) bytes of lowercase hex")
        }
    }
}
