public import Foundation

/// The relay's view of its nodes: health, the key ids each advertises, requests in flight. Only public data:
/// node ids and key ids from the nodes' attestation bundles.
public actor NodePool {
    /// One node as the relay sees it.
    public struct Node: Sendable, Hashable {
        /// Its position in the pool (stable, used in metrics and logs instead of the URL).
        public let index: Int
        /// Its base URL.
        public let url: URL
        /// Whether the last health check passed.
        public var healthy: Bool
        /// The node id from its last bundle.
        public var nodeID: String?
        /// The key ids its last bundle advertised.
        public var keyIDs: Set<UInt8>
        /// Requests in flight to it.
        public var outstanding: Int
    }

    private var nodes: [Node]
    private let balance: RelayConfiguration.Balance
    private var nextIndex = 0

    /// A pool of nodes, all unhealthy until their first health check.
    public init(urls: [URL], balance: RelayConfiguration.Balance) {
        nodes = urls.enumerated().map { Node(index: $0, url: $1, healthy: false, keyIDs: [], outstanding: 0) }
        self.balance = balance
    }

    /// A snapshot of every node.
    public var snapshot: [Node] { nodes }

    /// Records a health check's outcome.
    public func update(index: Int, healthy: Bool, nodeID: String?, keyIDs: Set<UInt8>?) {
        guard nodes.indices.contains(index) else { return }
        nodes[index].healthy = healthy
        if let nodeID { nodes[index].nodeID = nodeID }
        if let keyIDs { nodes[index].keyIDs = keyIDs }
    }

    /// Marks a node unhealthy (a forward to it failed).
    public func markUnhealthy(index: Int) {
        guard nodes.indices.contains(index) else { return }
        nodes[index].healthy = false
    }

    /// Picks a healthy node by the balancing policy, preferring nodes whose key ids no other node shares (a request
    /// to a shared key id cannot be routed). Counts the request as outstanding: call ``finish(index:)``.
    public func choose() -> Node? {
        let healthy = nodes.filter(\.healthy)
        guard !healthy.isEmpty else { return nil }
        let unique = healthy.filter { node in
            !healthy.contains { $0.index != node.index && !$0.keyIDs.isDisjoint(with: node.keyIDs) }
        }
        let candidates = unique.isEmpty ? healthy : unique
        let chosen: Node
        switch balance {
        case .roundRobin:
            let ordered = candidates.sorted { $0.index < $1.index }
            chosen = ordered.first { $0.index >= nextIndex } ?? ordered[0]
            nextIndex = chosen.index + 1
        case .leastOutstanding:
            chosen = candidates.min { ($0.outstanding, $0.index) < ($1.outstanding, $1.index) } ?? candidates[0]
        }
        nodes[chosen.index].outstanding += 1
        return nodes[chosen.index]
    }

    /// The one healthy node that advertises `keyID`, or nil when none or several do. Counts the request as
    /// outstanding: call ``finish(index:)``.
    public func route(keyID: UInt8) -> Node? {
        let matches = nodes.filter { $0.healthy && $0.keyIDs.contains(keyID) }
        guard matches.count == 1 else { return nil }
        nodes[matches[0].index].outstanding += 1
        return nodes[matches[0].index]
    }

    /// Ends a request counted by ``choose()`` or ``route(keyID:)``.
    public func finish(index: Int) {
        guard nodes.indices.contains(index) else { return }
        nodes[index].outstanding = max(0, nodes[index].outstanding - 1)
    }
}
