/// The log server's HTTP API (docs/log-api.md), shared by the server and its clients.
///
/// - `GET  /log/v1/checkpoint` → the latest checkpoint, a signed note (`text/plain`).
/// - `POST /log/v1/entries` (body: a ``SubmissionEnvelope``, `application/jose`) → ``AppendResponse``.
/// - `POST /log/v1/cosignatures` (body: the checkpoint with witness `cosignature/v1` lines) → the served checkpoint.
/// - `GET  /log/v1/entries/{index}` → ``EntryResponse``.
/// - `GET  /log/v1/proof/inclusion?leaf_hash=HEX|index=N[&tree_size=M]` → ``InclusionProofResponse``.
/// - `GET  /log/v1/proof/consistency?first=M&second=N` → ``ConsistencyProofResponse``.
/// Errors are RFC 9457 problem details (`application/problem+json`).
public enum LogAPI {
    public static let prefix = "/log/v1"

    public struct AppendResponse: Sendable, Hashable, Codable {
        public var index: UInt64
        public var leafHash: String
        /// Whether the entry was already in the log (the append was a no-op).
        public var duplicate: Bool
        /// The checkpoint that covers the entry.
        public var checkpoint: String

        enum CodingKeys: String, CodingKey {
            case index
            case leafHash = "leaf_hash"
            case duplicate
            case checkpoint
        }

        public init(index: UInt64, leafHash: String, duplicate: Bool, checkpoint: String) {
            self.index = index
            self.leafHash = leafHash
            self.duplicate = duplicate
            self.checkpoint = checkpoint
        }
    }

    public struct EntryResponse: Sendable, Hashable, Codable {
        public var index: UInt64
        public var kind: LogEntry.Kind
        public var leafHash: String
        /// base64 of the canonical entry JSON.
        public var leafData: String

        enum CodingKeys: String, CodingKey {
            case index
            case kind
            case leafHash = "leaf_hash"
            case leafData = "leaf_data"
        }

        public init(index: UInt64, kind: LogEntry.Kind, leafHash: String, leafData: String) {
            self.index = index
            self.kind = kind
            self.leafHash = leafHash
            self.leafData = leafData
        }
    }

    public struct InclusionProofResponse: Sendable, Hashable, Codable {
        public var leafIndex: UInt64
        public var treeSize: UInt64
        public var leafHash: String
        public var hashes: [String]

        enum CodingKeys: String, CodingKey {
            case leafIndex = "leaf_index"
            case treeSize = "tree_size"
            case leafHash = "leaf_hash"
            case hashes
        }

        public init(leafIndex: UInt64, treeSize: UInt64, leafHash: String, hashes: [String]) {
            self.leafIndex = leafIndex
            self.treeSize = treeSize
            self.leafHash = leafHash
            self.hashes = hashes
        }
    }

    public struct ConsistencyProofResponse: Sendable, Hashable, Codable {
        public var first: UInt64
        public var second: UInt64
        public var hashes: [String]

        public init(first: UInt64, second: UInt64, hashes: [String]) {
            self.first = first
            self.second = second
            self.hashes = hashes
        }
    }
}

/// Something that appends entries to a transparency log (the HTTP client in `VeilLogClient`, or an in-process log).
public protocol TransparencyLogAppending: Sendable {
    /// Appends `entry` (idempotent: an entry already logged is not appended twice) and returns where it is.
    func append(_ entry: LogEntry) async throws -> LogAPI.AppendResponse
}
