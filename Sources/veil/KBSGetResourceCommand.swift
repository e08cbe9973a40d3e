import ArgumentParser
import AsyncHTTPClient
import Foundation
import VeilAttestation
import VeilAttesters
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerClient
import _VeilBytes

/// `veil kbs get-resource`: the guest side of the KBS protocol. Attest to a key broker with this machine's TEE (or
/// TPM, or the SIMULATED TEE), then fetch one resource and unwrap it into a file readable only by its owner.
struct KBSGetResourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get-resource",
        abstract: "Attest to a key broker and fetch a resource (a model key) into a file.",
        discussion: """
            Runs the KBS protocol (docs/protocols/kbs.md): auth, challenge, evidence bound to the runtime data \
            (the challenge nonce and a fresh TEE key), attest, then GET /kbs/v0/resource/REPO/TYPE/TAG. The broker \
            wraps the resource to the TEE key as a JWE; it is unwrapped in locked memory and written with mode 0600. \
            --tee auto never picks the SIMULATED TEE: ask for it by name (brokers accept it only where a policy \
            names `simulated`).
            """
    )

    enum KeyChoice: String, ExpressibleByArgument, CaseIterable {
        case ec, rsa
    }

    @Option(help: "The key broker's base URL, e.g. http://127.0.0.1:8080.")
    var kbs: String

    @Option(help: "The resource: REPOSITORY/TYPE/TAG.")
    var path: String

    @Option(help: "The TEE: auto, snp, tdx, tpm or simulated.")
    var tee: TEEChoice = .auto

    @Option(help: "Write the resource here (mode 0600).")
    var out: String

    @Flag(help: "Overwrite --out if it exists.")
    var force = false

    @Option(
        name: .customLong("tee-key"),
        help: "The TEE key type the resource is wrapped to: ec (P-256) or rsa (3072)."
    )
    var teeKey: KeyChoice = .ec

    @Option(name: .customLong("kbs-hash"), help: "The runtime-data hash the broker expects (sha256, sha384, sha512).")
    var kbsHash: String = "sha384"

    @OptionGroup var teeOptions: AttesterOptions

    @Option(name: .customLong("token-out"), help: "Also write the broker's EAR token here.")
    var tokenOut: String?

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    func validate() throws {
        guard let url = URL(string: kbs), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--kbs must be an http(s) URL, e.g. http://127.0.0.1:8080.")
        }
        do {
            _ = try KBS.ResourcePath(path)
        } catch {
            throw ValidationError("--path: \(error.detail).")
        }
        guard ReportDataBinding.KBSHash(rawValue: kbsHash) != nil else {
            throw ValidationError("--kbs-hash must be sha256, sha384 or sha512.")
        }
    }

    struct Summary: Encodable {
        let path: String
        let bytes: Int
        let tee: String
        let tokenExpiresAt: String
        let out: String
    }

    func run() async throws {
        let resourcePath = try KBS.ResourcePath(path)
        let attester = try teeOptions.attester(tee)
        if attester.tee == .simulated {
            FileHandle.standardError.write(
                Data("WARNING: SIMULATED TEE: this evidence proves nothing; brokers accept it only by policy.\n".utf8)
            )
        }
        let key: KBS.TEEKey
        do {
            key = teeKey == .ec ? KBS.TEEKey.generateP256() : try KBS.TEEKey.generateRSA()
        } catch {
            throw CLIError("cannot generate the TEE key: \(error.detail)", remedy: "Try --tee-key ec.")
        }
        let client = KBSClient(
            baseURL: URL(string: kbs)!,
            hash: ReportDataBinding.KBSHash(rawValue: kbsHash) ?? .sha384
        )
        let fetched = try await client.fetchResource(
            resourcePath,
            attester: attester,
            teeKey: key,
            to: out,
            overwrite: force,
            tokenTo: tokenOut
        )
        let summary = Summary(
            path: resourcePath.description,
            bytes: fetched.bytes,
            tee: KBS.TEE(platform: attester.tee).rawValue,
            tokenExpiresAt: ISO8601DateFormatter().string(from: fetched.session.expiresAt),
            out: out
        )
        switch format {
        case .json: try JSONOutput.print(summary)
        case .text:
            print("released \(summary.path) (\(summary.bytes) bytes) to \(out) after \(summary.tee) attestation")
        }
    }
}
