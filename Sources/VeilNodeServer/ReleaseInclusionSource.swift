public import Foundation
public import VeilLogClient
public import VeilTransparency

/// The node's own `release` entry (the file `veil release --out` writes) and the transparency log that holds it:
/// fetches the stapleable inclusion proof (the log's latest checkpoint, the entry, its audit path) at every
/// attestation, so that clients and the broker can check that what runs is a logged release. The node sends it as
/// runtime-data `veil-log-inclusion` and staples it as the bundle's `log_inclusion`.
///
/// The node does not judge the proof (it trusts no log key); clients and the broker do, against the keys they pin.
public actor ReleaseInclusionSource {
    /// The release entry.
    public nonisolated let entry: LogEntry
    /// The release.
    public nonisolated let release: LogEntry.Release
    /// How long a fetched proof is stapled for (its `expires_at`).
    public nonisolated let validity: TimeInterval
    /// How long a proof fetched for one attestation is reused for fresh-nonce evidence before fetching again (the
    /// log is not asked once per client request).
    public nonisolated let reuse: TimeInterval
    private let fetch: @Sendable (LogEntry, TimeInterval) async throws -> InclusionBundle
    private var cached: (json: [UInt8], fetched: Date, expires: Date)?

    /// A source that fetches from a log with ``TransparencyLogClient/inclusionBundle(for:validity:now:)``.
    public init(
        entry: LogEntry,
        log: TransparencyLogClient,
        validity: TimeInterval = 7200,
        reuse: TimeInterval = 60
    ) throws(NodeReleaseError) {
        try self.init(entry: entry, validity: validity, reuse: reuse) { entry, validity in
            try await log.inclusionBundle(for: entry, validity: validity)
        }
    }

    /// A source with its own way of fetching the inclusion bundle.
    public init(
        entry: LogEntry,
        validity: TimeInterval = 7200,
        reuse: TimeInterval = 60,
        fetch: @escaping @Sendable (LogEntry, TimeInterval) async throws -> InclusionBundle
    ) throws(NodeReleaseError) {
        guard case .release(let release) = entry else {
            throw NodeReleaseError("the node's release file holds a \(entry.kind.rawValue) entry, not a release")
        }
        guard validity > 60, reuse >= 0 else {
            throw NodeReleaseError("the inclusion validity must exceed a minute")
        }
        self.entry = entry
        self.release = release
        self.validity = validity
        self.reuse = reuse
        self.fetch = fetch
    }

    /// Reads the release entry from `path` (a `veil release --out` file: the entry's JSON).
    public static func readEntry(path: String) throws(NodeReleaseError) -> LogEntry {
        let url = URL(fileURLWithPath: path)
        guard let size = try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize, size <= LogEntry.maximumSize,
            let data = try? Data(contentsOf: url)
        else {
            throw NodeReleaseError("cannot read the release file \(path) (or it is larger than an entry can be)")
        }
        do {
            return try LogEntry(json: data, kind: .release)
        } catch {
            throw NodeReleaseError("\(path) is not a release entry: \(error.detail)")
        }
    }

    /// The compact JSON of the inclusion bundle to staple. `refresh` (a key generation's attestation) always asks
    /// the log; otherwise a proof fetched less than ``reuse`` ago is reused. When the log cannot be reached, the last
    /// proof is used while it has more than a minute of validity left.
    public func inclusionJSON(refresh: Bool, now: Date = Date()) async throws -> [UInt8] {
        if !refresh, let cached, now.timeIntervalSince(cached.fetched) < reuse,
            cached.expires > now.addingTimeInterval(60)
        {
            return cached.json
        }
        do {
            let bundle = try await fetch(entry, validity)
            let json = Array(try bundle.encoded())
            cached = (json, now, Date(timeIntervalSince1970: TimeInterval(bundle.expiresAt)))
            return json
        } catch {
            if let cached, cached.expires > now.addingTimeInterval(60) { return cached.json }
            throw error
        }
    }
}

/// The node's release configuration is not usable.
public struct NodeReleaseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
