public import Foundation
public import Hummingbird
import Logging
public import ServiceLifecycle
import VeilServerKit

/// Runs Hummingbird applications on 127.0.0.1, port 0, for the length of a test body.
public enum LiveServer {
    /// Starts `router` on a free loopback port; returns the port and a stop function.
    public static func start<Builder: HTTPResponderBuilder>(
        _ router: Builder,
        services: [any Service] = []
    ) async throws -> (port: Int, stop: @Sendable () async -> Void)
    where Builder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        let group = ServerGroup(stages: ["server"], trapsSignals: false, logger: logger)
        let server = try await group.start("server") { onServerRunning in
            Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                services: services,
                onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                logger: logger
            )
        }
        return (server.port, { await group.shutdown() })
    }

    public static func url(_ port: Int) -> URL { URL(string: "http://127.0.0.1:\(port)")! }
}
