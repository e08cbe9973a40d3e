import ArgumentParser
import Foundation
import VeilKeyBroker
import VeilKeyBrokerClient
import VeilKeys
import _VeilBytes

extension KBSAdminClient {
    /// A client for the broker at `url` that signs a fresh admin JWT per request with the admin key at
    /// `adminKeyPath`.
    init(url: String, adminKeyPath: String) throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? "") else {
            throw CLIError(
                "`\(url)` is not an http(s) URL.",
                remedy: "Give the broker's base URL, e.g. http://127.0.0.1:8090."
            )
        }
        let key: SigningPrivateKey
        do { key = try KeyFile.readSigningKey(adminKeyPath) } catch {
            throw CLIError(error.description, remedy: "Give the admin's private key file (veil keygen ed25519).")
        }
        self.init(baseURL: url) { try AdminToken.sign(key: key) }
    }
}

/// Options every `veil kbs resource` command shares.
struct KBSAdminOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The broker's base URL.", valueName: "URL"))
    var kbs: String

    @Option(help: ArgumentHelp("The admin's private key (veil keygen ed25519 or p256).", valueName: "FILE"))
    var adminKey: String

    func client() throws -> KBSAdminClient { try KBSAdminClient(url: kbs, adminKeyPath: adminKey) }
}
