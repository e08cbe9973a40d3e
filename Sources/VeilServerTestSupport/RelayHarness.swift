import AsyncHTTPClient
public import Foundation
import Logging
public import VeilRelayServer

/// A relay in front of live test nodes, for one test.
public struct RelayHarness: Sendable {
    public let relayPort: Int
    public let pool: NodePool
    public let healthChecker: HealthChecker
    public let stop: @Sendable () async -> Void

    public var url: URL { LiveServer.url(relayPort) }

    public static func start(
        nodes: [URL],
        balance: RelayConfiguration.Balance = .roundRobin,
        maximumRequestBytes: Int = 16 << 20,
        requestTimeout: Duration = .seconds(30)
    ) async throws -> RelayHarness {
        let configuration = RelayConfiguration(
            nodes: nodes,
            balance: balance,
            maximumRequestBytes: maximumRequestBytes,
            requestTimeout: requestTimeout,
            healthInterval: .seconds(3600),
            healthTimeout: .seconds(20)
        )
        var logger = Logger(label: "test.relay")
        logger.logLevel = .critical
        let parts = RelayServer.buildParts(configuration, httpClient: .shared, logger: logger)
        await parts.healthChecker.checkAll()
        let (port, stop) = try await LiveServer.start(parts.router)
        return RelayHarness(relayPort: port, pool: parts.pool, healthChecker: parts.healthChecker, stop: stop)
    }
}
