// ChatClient: verify a Veil node's attestation bundle through its relay, then send it one chat request.
//
//     swift run ChatClient [--allow-simulated] [DIR] [PROMPT]
//
// DIR is where `veil up` wrote endpoints.json (default ~/.veil/up). What the client trusts comes from there, as for
// `veil chat`: the relay, the broker's JWKS (the node's EAR must verify under it), the log's key (the node must run
// a logged release), the TPM attestation key the stack enrolled and the tenant.

import Foundation
import VeilAttestation
import VeilClient
import VeilTransparency

/// The part of `endpoints.json` this example reads.
struct Endpoints: Decodable {
    var relay: URL
    var jwks: URL?
    var logKey: String?
    var akPEM: String?
    var tenant: String?

    enum CodingKeys: String, CodingKey {
        case relay, jwks
        case logKey = "log_key"
        case akPEM = "ak_pem"
        case tenant
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
let allowSimulated = arguments.contains("--allow-simulated")
arguments.removeAll { $0 == "--allow-simulated" }
let directory = URL(
    fileURLWithPath: arguments.first
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".veil/up").path
)
let prompt = arguments.count > 1 ? arguments[1] : "What is confidential computing? One sentence."

func resolve(_ path: String) -> String {
    path.hasPrefix("/") ? path : directory.appendingPathComponent(path).path
}

do {
    let endpoints = try JSONDecoder().decode(
        Endpoints.self,
        from: Data(contentsOf: directory.appendingPathComponent("endpoints.json"))
    )
    var transparency: TransparencyVerifier?
    if let key = endpoints.logKey {
        let text =
            LogKeyText.isVerifierKey(key)
            ? key
            : try String(contentsOfFile: resolve(key), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        transparency = TransparencyVerifier(logs: [try LogKeyText.parse(text)], maximumCheckpointAge: 7200)
    }
    var collateral = BundleCollateralProvider()
    if let ak = endpoints.akPEM {
        let path = resolve(ak)
        collateral = BundleCollateralProvider([
            (URL(fileURLWithPath: path).lastPathComponent, Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        ])
    }
    let client = VeilClient(
        configuration: .init(
            relayURL: endpoints.relay,
            allowSimulated: allowSimulated,
            brokerJWKS: endpoints.jwks.map { .url($0) },
            collateral: collateral,
            transparency: transparency,
            requiredTenant: endpoints.tenant
        )
    )
    // Nothing is sent to the node before its bundle verifies.
    let verified = try await client.verifiedBundle()
    for line in verified.verification.lines {
        print("chat-client: \(line)")
    }
    let answer = try await client.chatCompletion([.init(role: "user", content: prompt)])
    print(answer.text)
} catch {
    FileHandle.standardError.write(Data("chat-client: \(error)\n".utf8))
    exit(1)
}
