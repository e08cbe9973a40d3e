import Foundation
public import Hummingbird
public import Logging
public import ServiceLifecycle
import _VeilBytes

/// Everything the node's HTTP application needs once the model is loaded and the keys attested.
public struct NodeServerConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port (0: any free port, reported through `onServerRunning`).
    public var port: Int
    /// The keys and their attestation (``NodeKeyring/start()`` already called, or called before serving).
    public var keyring: NodeKeyring
    /// The engine behind the OpenAI routes.
    public var backend: any InferenceBackend
    /// Size bounds.
    public var limits: NodeLimits
    /// How often keys rotate (nil: never).
    public var keyRotation: Duration?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8090,
        keyring: NodeKeyring,
        backend: any InferenceBackend,
        limits: NodeLimits = NodeLimits(),
        keyRotation: Duration? = nil
    ) {
        self.host = host
        self.port = port
        self.keyring = keyring
        self.backend = backend
        self.limits = limits
        self.keyRotation = keyRotation
    }
}

/// The inference node's HTTP application (docs/protocols/node.md).
public enum NodeServer {
    /// The router (used by ``buildApplication(_:logger:onServerRunning:)`` and by tests).
    public static func buildRouter(
        keyring: NodeKeyring,
        backend: any InferenceBackend,
        limits: NodeLimits = NodeLimits()
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: NodeProblemMiddleware())
        NodeController(keyring: keyring, backend: backend, limits: limits).register(on: router)
        return router
    }

    /// Builds the application: the keyring is started (first key generation attested) before the server starts,
    /// key rotation runs as a service of the same group, graceful shutdown on SIGTERM/SIGINT.
    public static func buildApplication(
        _ configuration: NodeServerConfiguration,
        logger: Logger = Logger(label: "veil.node"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var services: [any Service] = []
        if let interval = configuration.keyRotation {
            services.append(KeyRotationService(keyring: configuration.keyring, interval: interval, logger: logger))
        }
        var app = Application(
            router: buildRouter(
                keyring: configuration.keyring,
                backend: configuration.backend,
                limits: configuration.limits
            ),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "veil-node"
            ),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let keyring = configuration.keyring
        app.beforeServerStarts { try await keyring.start() }
        return app
    }
}

/// Rotates the node's keys on a schedule, re-attesting each new generation; a failed rotation keeps the current
/// keys (still attested) and is retried at the next tick.
public struct KeyRotationService: Service {
    let keyring: NodeKeyring
    let interval: Duration
    let logger: Logger

    public init(keyring: NodeKeyring, interval: Duration, logger: Logger) {
        self.keyring = keyring
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let log = SafeLogger(wrapping: logger)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                try await keyring.rotate()
                log.notice("keys rotated and re-attested", ["key_ids": .count(await keyring.acceptedKeyIDs().count)])
            } catch {
                log.error("key rotation failed; keeping the current keys", ["error_type": .safe(ErrorTypeName(error))])
            }
        }
    }
}
