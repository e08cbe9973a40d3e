import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import VeilKeyBroker
import VeilKeys
import _VeilBytes

/// The CLI's client for the broker's admin API: each request carries a fresh admin JWT signed with the admin key.
struct KBSAdminClient {
    let base: String
    let key: SigningPrivateKey

    init(url: String, adminKeyPath: String) throws {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? "") else {
            throw CLIError(
                "`\(url)` is not an http(s) URL.",
                remedy: "Give the broker's base URL, e.g. http://127.0.0.1:8090."
            )
        }
        base = url.hasSuffix("/") ? String(url.dropLast()) : url
        do { key = try KeyFile.readSigningKey(adminKeyPath) } catch {
            throw CLIError(error.description, remedy: "Give the admin's private key file (veil keygen ed25519).")
        }
    }

    /// Sends a request to `/kbs/v0/admin/<path>`; returns the status and body, throwing on problems.
    enum Method { case GET, PUT, POST, DELETE }

    @discardableResult
    func send(
        _ method: Method,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String = "application/json"
    ) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: base + "/kbs/v0/admin/" + path)
        switch method {
        case .GET: request.method = .GET
        case .PUT: request.method = .PUT
        case .POST: request.method = .POST
        case .DELETE: request.method = .DELETE
        }
        request.headers.add(name: "Authorization", value: "Bearer " + (try AdminToken.sign(key: key)))
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: contentType)
        }
        let response: HTTPClientResponse
        do { response = try await HTTPClient.shared.execute(request, timeout: .seconds(30)) } catch {
            throw CLIError(
                "Could not reach the broker at \(base): \(error).",
                remedy: "Check --kbs and that the broker runs."
            )
        }
        let bytes = Array(buffer: try await response.body.collect(upTo: 16 << 20))
        guard (200..<300).contains(Int(response.status.code)) else {
            let problem = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
            let type = problem?["type"] as? String ?? "HTTP \(response.status.code)"
            let detail = problem?["detail"] as? String ?? problem?["title"] as? String ?? ""
            throw CLIError(
                "The broker refused: \(type)\(detail.isEmpty ? "" : " (\(detail))").",
                remedy: type.hasSuffix("/unauthorized")
                    ? "Start the broker with --admin-key FILE.pub for this key." : "See docs/kbs.md."
            )
        }
        return (Int(response.status.code), bytes)
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
