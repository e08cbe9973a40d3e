import Foundation
public import Hummingbird
public import Logging
public import ServiceLifecycle
import VeilServerKit
import VeilWire
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

    public init(
        host: String = "127.0.0.1",
        port: Int = 8090,
        keyring: NodeKeyring,
        backend: any InferenceBackend,
        limits: NodeLimits = NodeLimits()
    ) {
        self.host = host
        self.port = port
        self.keyring = keyring
        self.backend = backend
        self.limits = limits
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
        router.add(middleware: ProblemMiddleware { Problem.node($0, context: $1) })
        NodeController(
            keyring: keyring,
            backend: backend,
            limits: limits,
            attestations: AttestationLimiter(limit: limits.maximumConcurrentAttestations)
        ).register(on: router)
        return router
    }

    /// Builds the application: the keyring is started (first key generation attested) before the server starts,
    /// key rotation (as the keyring schedules it) runs as a service of the same group, graceful shutdown on SIGTERM/SIGINT.
    public static func buildApplication(
        _ configuration: NodeServerConfiguration,
        logger: Logger = Logger(label: "veil.node"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let services: [any Service] = [KeyRotationService(keyring: configuration.keyring, logger: logger)]
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

/// Rotates the node's keys when due (``NodeKeyring/nextRotation()``: the rotation interval, or before the broker's
/// EAR expires), re-attesting each new generation; a failed rotation keeps the current keys (still attested) and is
/// retried a minute later (sooner if the bundle expires sooner).
public struct KeyRotationService: Service {
    let keyring: NodeKeyring
    let logger: Logger

    public init(keyring: NodeKeyring, logger: Logger) {
        self.keyring = keyring
        self.logger = logger
    }

    public func run() async throws {
        let log = SafeLogger(wrapping: logger)
        var retryAt: Date?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let scheduled = await keyring.nextRotation()
            guard let due = retryAt ?? scheduled else {
                // Nothing ever rotates: wait for shutdown.
                try? await gracefulShutdown()
                return
            }
            let wait = max(0, due.timeIntervalSinceNow)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
            } catch {
                return
            }
            do {
                try await keyring.rotate()
                retryAt = nil
                log.notice(
                    "keys rotated and re-attested",
                    ["accepted_keys": .count(await keyring.acceptedKeyIDs().count)]
                )
            } catch {
                log.error("key rotation failed; keeping the current keys", ["error_type": .safe(ErrorTypeName(error))])
                let expires = await keyring.currentBundle()?.expiresAt ?? Date()
                retryAt = Date().addingTimeInterval(max(1, min(60, expires.timeIntervalSinceNow / 2)))
            }
        }
    }
}
