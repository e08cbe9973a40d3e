import ArgumentParser
import Foundation
import Logging
import VeilClient
import VeilProxy
import VeilServerKit
import _VeilBytes

/// `veil proxy`.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Serve a local OpenAI-compatible endpoint that encrypts everything to an attested node.",
        discussion: """
            Point any OpenAI client at http://127.0.0.1:PORT/v1: every /v1/* request is sent through the Veil \
            client — the node's attestation verified first, the request encrypted end to end through the relay — \
            and answers, streams included, come back as they arrive. The endpoint speaks plaintext, so it listens \
            on loopback only unless --allow-remote is given. See docs/client.md.
            """
    )

    @OptionGroup var client: ClientOptions

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:8440"

    @Flag(help: "Listen on a non-loopback address (the proxy's traffic is plaintext: only on a trusted network).")
    var allowRemote = false

    func validate() throws {
        guard let address = ListenAddress(listen) else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8440.")
        }
        guard allowRemote || address.isLoopback else {
            throw ValidationError(
                "The proxy serves plaintext and \(address.host) is not a loopback address; pass --allow-remote to insist."
            )
        }
    }

    func run() async throws {
        // validate() has checked --listen and --allow-remote.
        guard let address = ListenAddress(listen) else { throw ValidationError("--listen must be HOST:PORT.") }
        let host = address.host
        let configuration = try client.configuration()
        let sdk = VeilClient(configuration: configuration)
        let bundle: VerifiedBundle
        do {
            bundle = try await sdk.verifiedBundle()
        } catch {
            throw CLIError(
                error.detail,
                remedy: "Nothing will be proxied to an unverified node. Check the relay, --log-key, --policy "
                    + "(--allow-simulated, --accept-any-measurement for development)."
            )
        }
        var logger = Logger(label: "veil.proxy")
        logger.logLevel = .notice
        let relay = configuration.relayURL.absoluteString
        let relaxations = bundle.verification.relaxations
        let running: (RunningServer) async -> Void = { server in
            print(
                "veil proxy: listening on \(server.url.absoluteString)/v1 relay=\(relay) node=\(bundle.nodeID.prefix(16))"
                    + (relaxations.isEmpty ? "" : " relaxations=\(relaxations.joined(separator: ","))")
                    + (bundle.release.map { " release=\($0.name)@\($0.version) leaf=\($0.leafIndex)" } ?? "")
            )
            fflush(nil)
        }
        try await ServerGroup.serve("proxy", host: host, logger: logger, onRunning: running) {
            OpenAIProxy.buildApplication(
                client: sdk,
                host: host,
                port: address.port,
                logger: logger,
                onServerRunning: $0
            )
        }
    }
}
