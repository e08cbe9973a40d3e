public import Foundation

/// Everything `veil relay serve` needs. The relay holds no keys: its whole configuration is public.
public struct RelayConfiguration: Sendable {
    /// How the relay picks a node for a request that is not bound to one (the attestation bundle).
    public enum Balance: String, Sendable, CaseIterable {
        /// Each healthy node in turn.
        case roundRobin = "round-robin"
        /// The healthy node with the fewest requests in flight.
        case leastOutstanding = "least-outstanding"
    }

    /// The address to bind.
    public var host: String
    /// The port to bind (0: any free port).
    public var port: Int
    /// The nodes' base URLs (`http://10.0.0.5:8443`).
    public var nodes: [URL]
    /// The balancing policy for attestation bundles.
    public var balance: Balance
    /// The largest request body forwarded (bytes).
    public var maximumRequestBytes: Int
    /// The largest response body forwarded (bytes).
    public var maximumResponseBytes: Int
    /// The largest attestation bundle accepted from a node (bytes).
    public var maximumBundleBytes: Int
    /// The longest a whole exchange (request and streamed response) may take.
    public var requestTimeout: Duration
    /// The longest the node may stay silent while a response streams.
    public var idleTimeout: Duration
    /// How often every node is health-checked.
    public var healthInterval: Duration
    /// The time bound of one health check.
    public var healthTimeout: Duration

    /// A configuration with Veil's defaults: 16 MiB requests, 64 MiB responses, 10-minute exchanges, 60 s idle,
    /// health checks every 5 s.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8480,
        nodes: [URL],
        balance: Balance = .roundRobin,
        maximumRequestBytes: Int = 16 << 20,
        maximumResponseBytes: Int = 64 << 20,
        maximumBundleBytes: Int = 4 << 20,
        requestTimeout: Duration = .seconds(600),
        idleTimeout: Duration = .seconds(60),
        healthInterval: Duration = .seconds(5),
        healthTimeout: Duration = .seconds(3)
    ) {
        self.host = host
        self.port = port
        self.nodes = nodes
        self.balance = balance
        self.maximumRequestBytes = maximumRequestBytes
        self.maximumResponseBytes = maximumResponseBytes
        self.maximumBundleBytes = maximumBundleBytes
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.healthInterval = healthInterval
        self.healthTimeout = healthTimeout
    }
}
