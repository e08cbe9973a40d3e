import Foundation
public import VeilClient
import VeilTestSupport

/// A test node behind a relay, for one test.
public struct Stack: Sendable {
    public let node: TestNode
    public let relay: RelayHarness
    public let stopNode: @Sendable () async -> Void

    public static func start(keyIDs: [UInt8] = [7, 8]) async throws -> Stack {
        let node = try await TestNode(keyIDs: keyIDs, rootDirectory: try TestRoot.make())
        let (port, stop) = try await LiveServer.start(node.router)
        let relay = try await RelayHarness.start(nodes: [LiveServer.url(port)])
        return Stack(node: node, relay: relay, stopNode: stop)
    }

    public func stop() async {
        await relay.stop()
        await stopNode()
    }

    /// A client that accepts the SIMULATED TEE (named relaxation) and pins the test node's code.
    public func client(_ change: (inout VeilClient.Configuration) -> Void = { _ in }) -> VeilClient {
        var configuration = VeilClient.Configuration(
            relayURL: relay.url,
            policy: (try? node.pinningPolicy()) ?? .baseline,
            allowSimulated: true
        )
        change(&configuration)
        return VeilClient(configuration: configuration)
    }
}
