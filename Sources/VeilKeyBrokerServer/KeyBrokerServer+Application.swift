public import Foundation
public import Hummingbird
public import Logging
public import ServiceLifecycle
public import VeilKeyBroker
public import VeilServerKit
import VeilWire
public import _VeilBytes

/// Wraps a released secret to the TEE's public key (JWK members); returns the response body (a JWE, flattened
/// JSON serialization).
public typealias ResourceWrapper = @Sendable (SecureBytes, [String: String]) throws -> [UInt8]

/// Everything `veil kbs serve` needs.
public struct KeyBrokerServerConfiguration: Sendable {
    /// Where the store lives.
    public enum Storage: Sendable {
        /// A SQLite database file (default `<data-dir>/kbs.sqlite`).
        case sqlite(path: String)
        /// A PostgreSQL URL (several brokers may share it).
        case postgres(url: String)
    }

    /// The address to bind (`127.0.0.1`).
    public var host: String
    /// The port (0: any free port; the bound one is passed to `onServerRunning`).
    public var port: Int
    /// The store.
    public var storage: Storage
    /// The key-encryption key.
    public var kek: KeyEncryptionKey
    /// The EAR token signer.
    public var signer: TokenSigner
    /// Broker settings (verifier, admin keys, lifetimes).
    public var settings: KeyBrokerSettings
    /// Requests per second per client address, and the burst.
    public var rateLimit: (perSecond: Double, burst: Double)
    /// How secrets are wrapped to the TEE key (the JWE of the KBS protocol).
    public var wrap: ResourceWrapper

    /// A configuration.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8090,
        storage: Storage,
        kek: KeyEncryptionKey,
        signer: TokenSigner,
        settings: KeyBrokerSettings,
        rateLimit: (perSecond: Double, burst: Double) = (50, 100),
        wrap: @escaping ResourceWrapper = KeyBrokerServer.jweWrapper
    ) {
        self.host = host
        self.port = port
        self.storage = storage
        self.kek = kek
        self.signer = signer
        self.settings = settings
        self.rateLimit = rateLimit
        self.wrap = wrap
    }
}

/// The key broker server.
public enum KeyBrokerServer {
    /// Opens the configured store, returning it and any service it needs running (the PostgreSQL pool).
    public static func openStorage(
        _ storage: KeyBrokerServerConfiguration.Storage
    ) throws -> (any KeyBrokerStorage, [any Service]) {
        switch storage {
        case .sqlite(let path): return (try SQLiteKeyBrokerStorage(path: path), [])
        case .postgres(let url):
            let client = try PostgresKeyBrokerStorage.client(url: url)
            return (PostgresKeyBrokerStorage(client: client), [client])
        }
    }

    /// The router for a broker (used by ``buildApplication(_:logger:onServerRunning:)`` and by tests).
    public static func buildRouter(
        _ service: KeyBrokerService,
        metrics: KBSMetrics = KBSMetrics(),
        rateLimit: (perSecond: Double, burst: Double) = (50, 100),
        wrap: @escaping ResourceWrapper = jweWrapper,
        log: SafeLogger = SafeLogger(label: "veil.kbs")
    ) -> Router<KBSRequestContext> {
        let router = Router(context: KBSRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware { error, _ in Problem.kbs(error, log: log) })
        router.add(
            middleware: RateLimitMiddleware(
                limiter: RateLimiter(perSecond: rateLimit.perSecond, burst: rateLimit.burst),
                metrics: metrics
            )
        )
        KBSController(service: service, metrics: metrics, wrap: wrap).register(on: router)
        AdminController(service: service).register(on: router)
        return router
    }

    /// Builds the application: storage opened and migrated before the server starts, the PostgreSQL pool (if any)
    /// run as a service of the same group, graceful shutdown on SIGTERM/SIGINT. `onServerRunning` gets the bound
    /// port (use port 0 in tests and benchmarks).
    public static func buildApplication(
        _ configuration: KeyBrokerServerConfiguration,
        logger: Logger = Logger(label: "veil.kbs"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let (storage, services) = try openStorage(configuration.storage)
        let log = SafeLogger(wrapping: logger)
        let service = KeyBrokerService(
            storage: storage,
            kek: configuration.kek,
            signer: configuration.signer,
            settings: configuration.settings,
            log: log
        )
        var all = services
        if let interval = configuration.settings.anchorInterval, configuration.settings.transparencyLog != nil {
            all.append(AuditAnchorService(service: service, interval: interval, log: log))
        }
        var app = Application(
            router: buildRouter(service, rateLimit: configuration.rateLimit, wrap: configuration.wrap, log: log),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "veil-kbs"
            ),
            services: all,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        app.beforeServerStarts {
            try await storage.migrate()
        }
        return app
    }

    /// Runs the broker until SIGINT/SIGTERM (`veil kbs serve`) under the server kit; `onRunning` is told the bound
    /// address.
    public static func run(
        _ configuration: KeyBrokerServerConfiguration,
        logger: Logger = Logger(label: "veil.kbs"),
        onRunning: (RunningServer) async -> Void = { _ in }
    ) async throws {
        try await ServerGroup.serve("kbs", host: configuration.host, logger: logger, onRunning: onRunning) {
            try buildApplication(configuration, logger: logger, onServerRunning: $0)
        }
    }

    /// Runs the broker in-process until `body` returns, handing `body` the base URL
    /// (`http://127.0.0.1:<bound port>`); for end-to-end tests and `veil bench kbs`.
    public static func withRunningServer<T: Sendable>(
        _ configuration: KeyBrokerServerConfiguration,
        logger: Logger = Logger(label: "veil.kbs"),
        _ body: @escaping @Sendable (URL) async throws -> T
    ) async throws -> T {
        let group = ServerGroup(stages: ["kbs"], trapsSignals: false, logger: logger)
        let server = try await group.start("kbs", host: configuration.host) { onServerRunning in
            try buildApplication(configuration, logger: logger, onServerRunning: onServerRunning)
        }
        let result: T
        do {
            result = try await body(server.url)
        } catch {
            await group.shutdown()
            throw error
        }
        await group.shutdown()
        return result
    }
}

/// Anchors the broker's audit-chain head in the transparency log every `interval` seconds (when the head moved),
/// appending any policy version whose earlier append failed. A failed anchor is logged and retried at the next
/// tick; it never stops the broker.
struct AuditAnchorService: Service {
    let service: KeyBrokerService
    let interval: TimeInterval
    let log: SafeLogger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var anchored: String?
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(Int64(max(1, interval) * 1000)))
                do {
                    let head = try await service.storage.lastAuditEntry()?.hash
                    let pending = try await service.storage.unloggedPolicyVersions()
                    guard head != anchored || !pending.isEmpty else { continue }
                    anchored = try await service.anchorAuditHead()?.head.headSHA256
                } catch is CancellationError {
                    return
                } catch {
                    log.warning("audit anchor failed; retrying at the next interval", [:])
                }
            }
        }
    }
}
