import AsyncHTTPClient
import Foundation
import NIOCore
public import VeilClient
import VeilKeyBroker
import VeilKeys
import VeilKeyBrokerClient
import VeilLogClient
import VeilAttestation
import VeilTransparency

extension LocalStack {
    /// A client configuration that trusts this stack as `veil demo` does: through its relay, its broker's JWKS with
    /// an EAR required, its TPM attestation key when it has one, its log, and its tenant. The SIMULATED TEE is
    /// allowed only when the stack runs on it.
    public var clientConfiguration: VeilClient.Configuration {
        VeilClient.Configuration(
            relayURL: endpoints.relay,
            allowSimulated: tee == .simulated,
            brokerJWKS: endpoints.jwks.map { .url($0) },
            requireEAR: true,
            collateral: BundleCollateralProvider(attestationKeyPEM.map { [("ak.pem", Array($0.utf8))] } ?? []),
            transparency: TransparencyVerifier(logs: [logKey], maximumCheckpointAge: LocalStack.logCheckpointAge),
            requiredTenant: LocalStack.tenant
        )
    }

    /// What the relay saw: its own counters (its Prometheus text); all it knows is sizes.
    public func relayView() async throws -> (requests: Int, requestBytes: Int, responseBytes: Int) {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: endpoints.relay.appendingPathComponent("metrics").absoluteString),
            timeout: .seconds(10)
        )
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        func value(_ name: String) -> Int {
            text.split(separator: "\n").filter { $0.hasPrefix(name) }.compactMap {
                $0.split(separator: " ").last.flatMap { Double($0) }.map { Int($0) }
            }.reduce(0, +)
        }
        return (
            value("veil_relay_requests_total"), value("veil_relay_request_bytes_total"),
            value("veil_relay_response_bytes_total")
        )
    }

    /// What the broker kept: its audit trail, summarised by kind.
    public func brokerView() async throws -> String {
        guard let kbs = endpoints.kbs else { return "not running" }
        let key = try KeyFile.readSigningKey(adminKeyPath)
        let admin = KBSAdminClient(baseURL: kbs.absoluteString) { try AdminToken.sign(key: key) }
        let body = try await admin.send(.GET, "audit").body
        var counts: [String: Int] = [:]
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") {
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            if let kind = object?["kind"] as? String { counts[kind, default: 0] += 1 }
        }
        let total = counts.values.reduce(0, +)
        return "\(total) audit entries ("
            + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            .joined(separator: ", ") + "), hash-chained"
    }

    /// What the log holds: its entries by kind (the node release, the model, the policy version, the key release,
    /// audit heads).
    public func logView() async throws -> String {
        guard let url = endpoints.log else { return "not running" }
        let log = try RemedialLogClient(url.absoluteString)
        let note = try await log.checkpoint()
        let size = try LogTrust.verifyStep { () throws(TransparencyError) in
            try Checkpoint(text: try SignedNote(parsing: note).text).treeSize
        }
        var counts: [String: Int] = [:]
        for index in 0..<size { counts[try await log.entry(index).kind.rawValue, default: 0] += 1 }
        return "\(size) entries ("
            + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            + "), checkpoint signed by \(LocalStack.logOrigin)"
    }
}
