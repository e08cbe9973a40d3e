import AsyncHTTPClient
import Foundation
import NIOCore
public import ServiceLifecycle
import VeilOHTTP
import VeilWire
import _VeilBytes

/// The public part of a node's attestation bundle the relay reads: its node id and the key ids it serves. The
/// relay verifies nothing (clients do); it only routes.
public struct NodeAdvertisement: Sendable, Hashable {
    /// The node's id.
    public let nodeID: String
    /// The key ids of its `key_configs`.
    public let keyIDs: Set<UInt8>

    /// Reads `node_id` and `key_configs` from bundle JSON (through ``AttestationBundle``, the one decoder); nil when
    /// the bundle is malformed.
    public init?(bundleJSON bytes: [UInt8]) {
        guard let bundle = try? AttestationBundle(json: bytes), bundle.nodeID.count <= 128,
            let configs = try? OHTTP.KeyConfig.parseList(bundle.keyConfigs)
        else { return nil }
        self.nodeID = bundle.nodeID
        keyIDs = Set(configs.map(\.keyID))
    }
}

/// Polls every node's `/healthz` and `/.well-known/veil/attestation`: a node is healthy when both answer 200 and
/// the bundle names its key ids.
public struct HealthChecker: Service {
    let pool: NodePool
    let configuration: RelayConfiguration
    let httpClient: HTTPClient
    let logger: SafeLogger

    /// A checker for `pool`.
    init(pool: NodePool, configuration: RelayConfiguration, httpClient: HTTPClient, logger: SafeLogger) {
        self.pool = pool
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Checks every node until the service group shuts down.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await checkAll()
            try? await Task.sleep(for: configuration.healthInterval)
        }
    }

    /// One round of checks, all nodes concurrently.
    public func checkAll() async {
        let nodes = await pool.snapshot
        await withTaskGroup(of: Void.self) { group in
            for node in nodes {
                group.addTask { await check(node) }
            }
        }
    }

    private func check(_ node: NodePool.Node) async {
        let timeout = TimeAmount(configuration.healthTimeout)
        do {
            let health = try await httpClient.execute(
                HTTPClientRequest(url: RelayForwarder.url(node.url, "/healthz")),
                timeout: timeout
            )
            _ = try await health.body.collect(upTo: 4096)
            guard health.status == .ok else { throw Problem.upstreamFailed }
            let bundle = try await httpClient.execute(
                HTTPClientRequest(url: RelayForwarder.url(node.url, "/.well-known/veil/attestation")),
                timeout: timeout
            )
            let body = try await bundle.body.collect(upTo: configuration.maximumBundleBytes)
            guard bundle.status == .ok, let advertisement = NodeAdvertisement(bundleJSON: Array(buffer: body)) else {
                throw Problem.upstreamFailed
            }
            if !node.healthy { logger.notice("node healthy", ["node": .count(node.index)]) }
            await pool.update(
                index: node.index,
                healthy: true,
                nodeID: advertisement.nodeID,
                keyIDs: advertisement.keyIDs
            )
        } catch {
            if node.healthy { logger.warning("node unhealthy", ["node": .count(node.index)]) }
            await pool.update(index: node.index, healthy: false, nodeID: nil, keyIDs: nil)
        }
    }
}
