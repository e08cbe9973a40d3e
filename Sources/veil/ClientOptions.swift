import ArgumentParser
import Foundation
import VeilClient
import VeilLogClient

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

    @Option(
        help: ArgumentHelp(
            "The transparency log's key: its verifier key (origin+id+base64) or a file holding it or the log's public "
                + "key (then with --log-origin). Only nodes running a release listed in this log are approved "
                + "(default: the local stack's).",
            valueName: "VKEY|FILE"
        )
    )
    var logKey: String?

    @Option(help: ArgumentHelp("The log's origin, when --log-key is a bare public key file.", valueName: "ORIGIN"))
    var logOrigin: String?

    @Option(help: ArgumentHelp("The oldest log checkpoint accepted.", valueName: "SECONDS"))
    var logMaxAge: Int = 7200

    @Flag(
        help: """
            Relaxation: without a log key or reference values that pin the node's code, accept any code in a genuine \
            TEE (development only; shown in every verification).
            """
    )
    var acceptAnyMeasurement = false

    @Option(
        help: ArgumentHelp(
            "Require the broker's EAR to name this tenant (default: the local stack's).",
            valueName: "NAME"
        )
    )
    var tenant: String?

    @Option(
        help: ArgumentHelp(
            "Collateral for the node's evidence: a directory or file (certificates, CRLs, TCB info).",
            valueName: "PATH"
        )
    )
    var collateral: String?

    @Option(
        help: ArgumentHelp(
            "The node's enrolled TPM attestation key (PEM PUBLIC KEY) (default: the local stack's).",
            valueName: "PEM"
        )
    )
    var ak: String?

    /// The client configuration these options describe (assembled by `VeilClient.configuration(_:readLogKey:)`).
    func configuration() throws -> VeilClient.Configuration {
        var options = VeilClient.TrustOptions()
        options.relay = relay
        options.dataDirectory = dataDir
        options.policy = policy
        options.allowSimulated = allowSimulated
        options.jwks = jwks
        options.noEAR = noEAR
        options.maximumBundleAge = maxBundleAge
        options.logKey = logKey
        options.logOrigin = logOrigin
        options.logMaximumAge = logMaxAge
        options.acceptAnyMeasurement = acceptAnyMeasurement
        options.tenant = tenant
        options.collateral = collateral
        options.attestationKey = ak
        return try VeilClient.configuration(options, readLogKey: LogTrust.readLogKey)
    }
}
