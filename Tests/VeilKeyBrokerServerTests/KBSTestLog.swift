import Crypto
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
