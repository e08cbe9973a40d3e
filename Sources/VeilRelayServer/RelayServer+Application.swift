public import AsyncHTTPClient
import Foundation
public import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle
import VeilOHTTP
public import VeilServerKit
import VeilWire
import _VeilBytes

/// The paths the relay serves.
enum RelayRoutes {
    static let attestation = "/.well-known/veil/attestation"
    static let keys = "/.well-known/ohttp-keys"
    static let ohttp = "/ohttp"
}

/// The OHTTP relay: forwards opaque OHTTP messages to a pool of nodes (docs/relay.md).
public enum RelayServer {
    /// The relay's router, pool and health checker (for ``buildApplication(_:httpClient:logger:onServerRunning:)``
    /// and tests).
    public struct Parts {
        /// The router.
        public let router: Router<BasicRequestContext>
        /// The node pool.
        public let pool: NodePool
        /// The health checker (a service; ``HealthChecker/checkAll()`` runs one round).
        public let healthChecker: HealthChecker
    }

    /// Builds the router and its pool.
    public static func buildParts(
        _ configuration: RelayConfiguration,
        httpClient: HTTPClient,
        logger: Logger = Logger(label: "veil.relay")
    ) -> Parts {
        let safeLogger = SafeLogger(wrapping: logger)
        let pool = NodePool(urls: configuration.nodes, balance: configuration.balance)
        let metrics = RelayMetrics()
        let checker = HealthChecker(
            pool: pool,
            configuration: configuration,
            httpClient: httpClient,
            logger: safeLogger
        )
        let forwarder = RelayForwarder(
            pool: pool,
            configuration: configuration,
            httpClient: httpClient,
            metrics: metrics,
            logger: safeLogger,
            recheck: { await checker.checkAll() }
        )
        let router = Router()
        router.add(middleware: ProblemMiddleware { Problem.relay($0, context: $1) })
        router.get("/.well-known/veil/attestation") { request, _ in
            // A client's freshness nonce is the only thing passed on, and only when well-formed.
            let nonce = try RelayForwarder.nonceQuery(request.uri.queryParameters.getAll("nonce"))
            return try await forwarder.publicDocument(
                path: RelayRoutes.attestation + (nonce.map { "?nonce=\($0)" } ?? ""),
                mediaType: "application/json"
            )
        }
        router.get("/.well-known/ohttp-keys") { _, _ in
            try await forwarder.publicDocument(path: RelayRoutes.keys, mediaType: OHTTP.keysMediaType)
        }
        router.post("/ohttp") { request, _ in
            try await forwarder.forward(request)
        }
        router.get("/healthz") { _, _ -> Response in
            let healthy = await pool.snapshot.contains(where: \.healthy)
            guard healthy else { throw Problem.noHealthyNode }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        router.get("/metrics") { _, _ -> Response in
            let text = await metrics.text(nodes: pool.snapshot)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
        return Parts(router: router, pool: pool, healthChecker: checker)
    }

    /// Builds the relay application: one health-check round before the server starts, then checks on the
    /// configured interval as a service of the same group; graceful shutdown on SIGTERM/SIGINT.
    public static func buildApplication(
        _ configuration: RelayConfiguration,
        httpClient: HTTPClient,
        logger: Logger = Logger(label: "veil.relay"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let parts = buildParts(configuration, httpClient: httpClient, logger: logger)
        var app = Application(
            router: parts.router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "veil-relay"
            ),
            services: [parts.healthChecker],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let checker = parts.healthChecker
        app.beforeServerStarts {
            await checker.checkAll()
        }
        return app
    }

    /// Runs the relay until SIGINT/SIGTERM (`veil relay serve`): its forwarding client, its application under the
    /// server kit; `onRunning` is told the bound address.
    public static func run(
        _ configuration: RelayConfiguration,
        logger: Logger = Logger(label: "veil.relay"),
        onRunning: (RunningServer) async -> Void = { _ in }
    ) async throws {
        let httpClient = makeHTTPClient(configuration)
        do {
            try await ServerGroup.serve("relay", host: configuration.host, logger: logger, onRunning: onRunning) {
                buildApplication(configuration, httpClient: httpClient, logger: logger, onServerRunning: $0)
            }
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try? await httpClient.shutdown()
    }

    /// The HTTP client the relay forwards with: bounded connect time and idle (read) time.
    public static func makeHTTPClient(_ configuration: RelayConfiguration) -> HTTPClient {
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.timeout = .init(
            connect: .seconds(5),
            read: TimeAmount(configuration.idleTimeout)
        )
        clientConfiguration.decompression = .disabled
        clientConfiguration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }
}
