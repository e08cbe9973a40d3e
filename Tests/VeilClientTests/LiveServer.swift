import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs Hummingbird applications on 127.0.0.1, port 0, for the length of a test body.
enum LiveServer {
    /// Starts `router` on a free loopback port; returns the port and a stop function.
    static func start<Builder: HTTPResponderBuilder>(
        _ router: Builder,
        services: [any Service] = []
    ) async throws -> (port: Int, stop: @Sendable () async -> Void)
    where Builder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            services: services,
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger)
        )
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return (
            port,
            {
                await group.triggerGracefulShutdown()
                _ = await task.result
            }
        )
    }

    static func url(_ port: Int) -> URL { URL(string: "http://127.0.0.1:\(port)")! }
}
