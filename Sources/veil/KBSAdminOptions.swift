import ArgumentParser
import Foundation
import VeilKeyBroker
import VeilKeyBrokerClient
import VeilKeys

/// Options every `veil kbs resource` command shares.
struct KBSAdminOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The broker's base URL.", valueName: "URL"))
    var kbs: String

    @Option(help: ArgumentHelp("The admin's private key (veil keygen ed25519 or p256).", valueName: "FILE"))
    var adminKey: String

    /// A client for the broker at --kbs that signs a fresh admin JWT per request with --admin-key.
    func client() throws -> KBSAdminClient {
        guard let parsed = URL(string: kbs), ["http", "https"].contains(parsed.scheme ?? "") else {
            throw CLIError(
                "`\(kbs)` is not an http(s) URL.",
                remedy: "Give the broker's base URL, e.g. http://127.0.0.1:8090."
            )
        }
        let key: SigningPrivateKey
        do { key = try KeyFile.readSigningKey(adminKey) } catch {
            throw CLIError(error.description, remedy: "Give the admin's private key file (veil keygen ed25519).")
        }
        return KBSAdminClient(baseURL: kbs) { try AdminToken.sign(key: key) }
    }
}
