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

    /// ``request(_:_:body:contentType:)`` with its failures as CLI errors.
    @discardableResult
    func send(
        _ method: Method,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String = "application/json"
    ) async throws -> (status: Int, body: [UInt8]) {
        try await cli { client throws(KBSClientError) in
            try await client.request(method, path, body: body, contentType: contentType)
        }
    }

    /// Runs `body` with this client, with its failures as CLI errors.
    func cli<T>(_ body: (KBSAdminClient) async throws(KBSClientError) -> T) async throws -> T {
        do { return try await body(self) } catch {
            guard error.code == .problem else {
                throw CLIError(
                    "Could not reach the broker at \(baseURL): \(error.detail).",
                    remedy: "Check --kbs and that the broker runs."
                )
            }
            let type = error.problemType ?? "HTTP \(error.status ?? 0)"
            throw CLIError(
                "The broker refused: \(type)\(error.detail.isEmpty ? "" : " (\(error.detail))").",
                remedy: type.hasSuffix("/unauthorized")
                    ? "Start the broker with --admin-key FILE.pub for this key." : "See docs/kbs.md."
            )
        }
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

/// Reads a secret file into SecureBytes, wiping the transient copy.
enum SecretFile {
    static func read(_ path: String) throws -> SecureBytes {
        guard var data = FileManager.default.contents(atPath: path) else {
            throw CLIError("Cannot read \(path).", remedy: "Give the secret's file with --file.")
        }
        defer { SecureMemory.wipe(&data) }
        guard !data.isEmpty, data.count <= SealedSecret.maximumSecretSize else {
            throw CLIError(
                "\(path) must hold 1 to \(SealedSecret.maximumSecretSize) bytes.",
                remedy: "Give a key or small secret."
            )
        }
        return SecureBytes(data)
    }

    static func path(_ text: String) throws -> ResourceID {
        do { return try ResourceID(path: text) } catch {
            throw CLIError(error.detail, remedy: "Use --path REPO/TYPE/TAG, e.g. acme/key/llama-3-8b.")
        }
    }
}
