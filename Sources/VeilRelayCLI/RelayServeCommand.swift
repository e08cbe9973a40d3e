public import ArgumentParser
import Foundation
import Logging
import VeilRelayServer
import VeilServerKit
import _VeilBytes

/// `veil relay serve`.
public struct RelayServeCommand: AsyncParsableCommand {
    /// The command's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Forward OHTTP requests to a pool of nodes.",
        discussion: """
            Health-checks every --node (GET /healthz and /.well-known/veil/attestation), serves a healthy node's \
            attestation bundle at /.well-known/veil/attestation (--balance picks which), and routes POST /ohttp \
            by key id. Prometheus metrics at /metrics.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:8480"

    @Option(help: ArgumentHelp("A node's base URL (repeatable).", valueName: "URL"))
    var node: [String] = []

    @Option(help: ArgumentHelp("How bundles are balanced: round-robin or least-outstanding.", valueName: "POLICY"))
    var balance: String = "round-robin"

    @Option(help: ArgumentHelp("The largest request forwarded.", valueName: "BYTES"))
    var maxRequestBytes: Int = 16 << 20

    @Option(help: ArgumentHelp("The longest one exchange may take.", valueName: "SECONDS"))
    var requestTimeout: Int = 600

    @Option(help: ArgumentHelp("Seconds between health checks.", valueName: "SECONDS"))
    var healthInterval: Int = 5

    /// A command with the defaults (ArgumentParser fills in the options).
    public init() {}

    /// Checks the options.
    public func validate() throws {
        guard ListenAddress(listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8480.")
        }
        guard !node.isEmpty else { throw ValidationError("Give at least one --node URL.") }
        for text in node {
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("`\(text)` is not an http(s) URL (e.g. --node http://127.0.0.1:8443).")
            }
        }
        guard RelayConfiguration.Balance(rawValue: balance) != nil else {
            throw ValidationError("--balance must be round-robin or least-outstanding.")
        }
        guard maxRequestBytes > 0, requestTimeout > 0, healthInterval > 0 else {
            throw ValidationError("--max-request-bytes, --request-timeout and --health-interval must be positive.")
        }
    }

    /// Runs the server until SIGINT or SIGTERM.
    public func run() async throws {
        _ = ProcessHardening.apply()
        // validate() has checked every option.
        guard let address = ListenAddress(listen), let policy = RelayConfiguration.Balance(rawValue: balance) else {
            throw ValidationError("--listen must be HOST:PORT and --balance a policy.")
        }
        let urls = node.compactMap(URL.init(string:))
        let configuration = RelayConfiguration(
            host: address.host,
            port: address.port,
            nodes: urls,
            balance: policy,
            maximumRequestBytes: maxRequestBytes,
            requestTimeout: .seconds(requestTimeout),
            healthInterval: .seconds(healthInterval)
        )
        var logger = Logger(label: "veil.relay")
        logger.logLevel = .notice
        let count = urls.count
        try await RelayServer.run(configuration, logger: logger) { server in
            print("veil relay: listening on \(server.url.absoluteString) nodes=\(count) balance=\(policy.rawValue)")
            fflush(nil)
        }
    }
}
