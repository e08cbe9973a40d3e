public import Foundation
public import Hummingbird
public import Logging
import PostgresNIO
public import ServiceLifecycle
public import VeilKeys
public import VeilServerKit
public import VeilTransparency
import VeilWire

/// Everything `veil log serve` needs.
public struct LogServerConfiguration: Sendable {
    /// Where the store lives.
    public enum Storage: Sendable {
        /// A SQLite database file (the default: `<data-dir>/log.sqlite`).
        case sqlite(path: String)
        /// A PostgreSQL database URL.
        case postgres(url: String)
        /// Memory only (tests).
        case memory
    }

    public var host: String
    public var port: Int
    public var storage: Storage
    public var signer: CheckpointSigner
    public var submitters: [SigningPublicKey]
    /// The entry kinds each submitter may append, by key thumbprint (absent: every kind); see ``LogService``.
    public var submitterKinds: [String: Set<LogEntry.Kind>]
    public var checkpointRefresh: TimeInterval
    /// Witness cosigner keys accepted at `POST /log/v1/cosignatures`.
    public var witnesses: [NoteVerifierKey]

    public init(
        host: String = "127.0.0.1",
        port: Int = 8088,
        storage: Storage,
        signer: CheckpointSigner,
        submitters: [SigningPublicKey],
        submitterKinds: [String: Set<LogEntry.Kind>] = [:],
        checkpointRefresh: TimeInterval = 60,
        witnesses: [NoteVerifierKey] = []
    ) {
        self.host = host
        self.port = port
        self.storage = storage
        self.signer = signer
        self.submitters = submitters
        self.submitterKinds = submitterKinds
        self.checkpointRefresh = checkpointRefresh
        self.witnesses = witnesses
    }
}

/// The log server.
public enum LogServer {
    /// Opens the configured store, returning it and any service it needs running (the PostgreSQL pool).
    public static func openStorage(_ storage: LogServerConfiguration.Storage) throws -> (any LogStorage, [any Service])
    {
        switch storage {
        case .sqlite(let path): return (try SQLiteLogStorage(path: path), [])
        case .memory: return (InMemoryLogStorage(), [])
        case .postgres(let url):
            let client = try PostgresLogStorage.client(url: url)
            return (PostgresLogStorage(client: client), [client])
        }
    }

    /// The router for a log service (used by ``buildApplication(_:logger:onServerRunning:)`` and by tests).
    public static func buildRouter(_ service: LogService) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ProblemMiddleware { Problem.log($0, context: $1) })
        LogController(service: service).register(on: router)
        return router
    }

    /// Builds the application: storage opened and migrated before the server starts, PostgreSQL pool (if any) run
    /// as a service of the same group, graceful shutdown on SIGTERM/SIGINT.
    public static func buildApplication(
        _ configuration: LogServerConfiguration,
        logger: Logger = Logger(label: "veil.log"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let (storage, services) = try openStorage(configuration.storage)
        let service = LogService(
            storage: storage,
            signer: configuration.signer,
            submitters: configuration.submitters,
            submitterKinds: configuration.submitterKinds,
            checkpointRefresh: configuration.checkpointRefresh,
            witnesses: configuration.witnesses
        )
        var app = Application(
            router: buildRouter(service),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "veil-log"
            ),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        app.beforeServerStarts {
            try await storage.migrate()
            _ = try await service.checkpoint()
        }
        return app
    }

    /// Runs the log until SIGINT/SIGTERM (`veil log serve`) under the server kit; `onRunning` is told the bound
    /// address.
    public static func run(
        _ configuration: LogServerConfiguration,
        logger: Logger = Logger(label: "veil.log"),
        onRunning: (RunningServer) async -> Void = { _ in }
    ) async throws {
        try await ServerGroup.serve("log", host: configuration.host, logger: logger, onRunning: onRunning) {
            try buildApplication(configuration, logger: logger, onServerRunning: $0)
        }
    }
}
