import Crypto
import _CryptoExtras
import Foundation
import Testing
import VeilAttestation
import VeilKeys
import VeilLogClient
import VeilLogServer
import VeilServerKit
import VeilTransparency
import _VeilBytes

/// A real transparency log (VeilLogServer, in memory) served on loopback, reached through `TransparencyLogClient`
/// over HTTP, with keys the test owns — so tests can also sign what the log never signed (forks).
struct KBSTestLog: Sendable {
    static let origin = "kbs-tests.veil.example/log"

    let checkpointKey: Curve25519.Signing.PrivateKey
    let signer: CheckpointSigner
    let submitter: SigningPrivateKey

    init(origin: String = Self.origin, checkpointKey: Curve25519.Signing.PrivateKey = .init()) throws {
        self.checkpointKey = checkpointKey
        signer = try CheckpointSigner(origin: origin, key: checkpointKey)
        submitter = try SigningPrivateKey.generate(.ed25519)
    }

    /// The pinned key relying parties trust.
    var logKey: LogKey { signer.logKey }

    /// A verifier that trusts this log.
    func verifier(maximumCheckpointAge: TimeInterval = 3600) -> TransparencyVerifier {
        TransparencyVerifier(logs: [logKey], maximumCheckpointAge: maximumCheckpointAge)
    }

    /// Runs the log until `body` returns, handing it a client that appends with the submitter key.
    func run<T: Sendable>(_ body: @escaping @Sendable (TransparencyLogClient) async throws -> T) async throws -> T {
        let configuration = LogServerConfiguration(
            host: "127.0.0.1",
            port: 0,
            storage: .memory,
            signer: signer,
            submitters: [submitter.publicKey]
        )
        let group = ServerGroup(stages: ["log"], trapsSignals: false)
        let server: RunningServer
        do {
            server = try await group.start("log") { onServerRunning in
                try LogServer.buildApplication(configuration, onServerRunning: onServerRunning)
            }
        } catch {
            throw KeyBrokerTestError("the log did not start")
        }
        let result: T
        do {
            let client = try TransparencyLogClient(url: server.url.absoluteString, submitterKey: submitter)
            result = try await body(client)
        } catch {
            await group.shutdown()
            throw error
        }
        await group.shutdown()
        return result
    }

    /// A release entry for the SIMULATED measurement `measurement` (hex).
    static func release(_ measurement: String, version: String = "1.0.0") -> LogEntry.Release {
        LogEntry.Release(
            name: "veil-node",
            version: version,
            measurements: [TEEMeasurement(platform: .simulated, register: "measurement", value: measurement)],
            source: .init(repository: "https://example.com/veil.git", revision: "0123456789abcdef")
        )
    }

    /// Appends `release` and returns its stapleable inclusion, as the runtime-data member value (base64url of the
    /// bundle's compact JSON).
    static func staple(_ release: LogEntry.Release, _ client: TransparencyLogClient) async throws -> InclusionBundle {
        _ = try await client.append(.release(release))
        return try await client.inclusionBundle(for: .release(release))
    }
}

extension InclusionBundle {
    /// The `veil-log-inclusion` runtime-data value.
    var runtimeDataValue: String { Base64URL.encode(Array((try? encoded()) ?? Data())) }
}

/// A test failure with a message.
struct KeyBrokerTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// TPM evidence forged from scratch: a TPMS_ATTEST the test writes, signed with a key the test made, no TPM.
enum ForgedTPM {
    /// How the forged quote names its attestation key.
    enum Key {
        /// `ak`: a JWK of the forger's RSA key, inside the evidence.
        case jwk(_RSA.Signing.PrivateKey)
        /// `ak_pem`: the forger's P-256 key as PEM, inside the evidence.
        case pem(P256.Signing.PrivateKey)
    }

    /// A quote over PCR 0 and PCR 23 (SHA-256 bank) whose extraData is the binding's report data, in an evidence
    /// bundle.
    static func bundle(binding: ReportDataBinding, pcrs: [Int: [UInt8]], key: Key) throws -> EvidenceBundle {
        let reportData = binding.reportData
        var message: [UInt8] = [0xFF, 0x54, 0x43, 0x47, 0x80, 0x18, 0x00, 0x02, 0x00, 0x0B]
        message += [0x00, UInt8(reportData.count)] + reportData
        message += [UInt8](repeating: 0, count: 17) + [UInt8](repeating: 0, count: 8)
        var bitmap: [UInt8] = [0, 0, 0]
        for index in pcrs.keys { bitmap[index / 8] |= 1 << (index % 8) }
        message += [0, 0, 0, 1, 0x00, 0x0B, 3] + bitmap
        let concatenated = pcrs.keys.sorted().flatMap { pcrs[$0] ?? [] }
        message += [0x00, 0x20] + Array(SHA256.hash(data: concatenated))
        var quote: [String: Any] = [
            "message": Hex.encode(message),
            "pcrs": Dictionary(uniqueKeysWithValues: pcrs.map { (String($0.key), Hex.encode($0.value)) }),
        ]
        switch key {
        case .jwk(let rsa):
            let signature = try rsa.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
            let primitives = try rsa.publicKey.getKeyPrimitives()
            quote["signature"] = Hex.encode(Array(signature.rawRepresentation))
            quote["ak"] = [
                "kty": "RSA", "n": Base64URL.encode(Array(primitives.modulus)),
                "e": Base64URL.encode(Array(primitives.publicExponent)),
            ]
        case .pem(let ec):
            quote["signature"] = Hex.encode(Array(try ec.signature(for: message).rawRepresentation))
            quote["ak_pem"] = ec.publicKey.pemRepresentation
        }
        return EvidenceBundle(
            tee: .tpm,
            evidence: Array(try JSONSerialization.data(withJSONObject: quote, options: [.sortedKeys])),
            binding: binding,
            reportData: reportData,
            createdAt: Date(),
            producer: "a forger's script"
        )
    }
}
