import ArgumentParser
import Foundation
import VeilAttestation
import VeilClient

/// The options `veil chat` and `veil proxy` share: where the relay is and what the client trusts.
struct ClientOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("The relay's base URL (default: the local stack's, from endpoints.json).", valueName: "URL")
    )
    var relay: String?

    @Option(help: ArgumentHelp("Where `veil up` wrote endpoints.json (default ~/.veil/up).", valueName: "DIR"))
    var dataDir: String?

    @Option(help: ArgumentHelp("The attestation policy (JSON; allowed measurements per platform).", valueName: "FILE"))
    var policy: String?

    @Flag(help: "Accept nodes in the SIMULATED TEE (development only; shown in every verification).")
    var allowSimulated = false

    @Option(
        help: ArgumentHelp(
            "The key broker's JWKS, a URL or a file: the node's EAR must then verify (default: the local stack's).",
            valueName: "URL|FILE"
        )
    )
    var jwks: String?

    @Flag(help: "Do not require an EAR token even when a JWKS is known (verify the evidence only).")
    var noEAR = false

    @Option(help: ArgumentHelp("Use a verified bundle for at most this long.", valueName: "SECONDS"))
    var maxBundleAge: Int = 3600

    /// The client configuration these options describe.
    func configuration() throws -> VeilClient.Configuration {
        var endpoints: LocalStackEndpoints?
        if relay == nil || jwks == nil {
            endpoints = try? LocalStackEndpoints.read(directory: dataDir ?? LocalStackEndpoints.defaultDirectory)
        }
        guard let relayText = relay ?? endpoints?.relay.absoluteString, let relayURL = URL(string: relayText),
            relayURL.scheme == "http" || relayURL.scheme == "https"
        else {
            if relay != nil {
                throw CLIError(
                    "`\(relay ?? "")` is not an http(s) URL.",
                    remedy: "Use e.g. --relay http://127.0.0.1:8480."
                )
            }
            throw CLIError(
                "No relay given and no local stack found (\(dataDir ?? LocalStackEndpoints.defaultDirectory)/endpoints.json).",
                remedy: "Start one with `veil up`, or pass --relay URL."
            )
        }
        var document = PolicyDocument.baseline
        if let policy {
            do {
                document = try PolicyDocument.decode(try Data(contentsOf: URL(fileURLWithPath: policy)))
            } catch let error as AttestationError {
                throw CLIError(
                    "The policy \(policy) is not usable: \(error.reason)",
                    remedy: "See docs/attestation.md."
                )
            } catch {
                throw CLIError("Cannot read the policy \(policy).", remedy: "Check the path.")
            }
        }
        var source: VeilClient.JWKSSource?
        if let jwks {
            if jwks.hasPrefix("http://") || jwks.hasPrefix("https://"), let url = URL(string: jwks) {
                source = .url(url)
            } else {
                guard let data = FileManager.default.contents(atPath: jwks) else {
                    throw CLIError("Cannot read the JWKS file \(jwks).", remedy: "Give a URL or a readable file.")
                }
                source = .json(data)
            }
        } else if relay == nil, let url = endpoints?.jwks {
            source = .url(url)
        }
        guard maxBundleAge > 0 else {
            throw CLIError("--max-bundle-age must be positive.", remedy: "Use e.g. --max-bundle-age 3600.")
        }
        return VeilClient.Configuration(
            relayURL: relayURL,
            policy: document,
            allowSimulated: allowSimulated,
            brokerJWKS: source,
            requireEAR: source != nil && !noEAR,
            maximumBundleAge: .seconds(maxBundleAge)
        )
    }
}
