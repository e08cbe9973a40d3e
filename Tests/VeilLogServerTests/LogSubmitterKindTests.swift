import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VeilKeys
import VeilLogServer
import VeilTransparency
import VeilWire

/// Whoever may append a `release` defines what "approved" means to everyone who pins the log. A submitter limited
/// to other kinds (a model owner, a broker) cannot approve code.
@Suite("Log submitters are limited to their entry kinds")
struct LogSubmitterKindTests {
    @Test("a model owner's key cannot append a release (403 kind-not-allowed); the release key can; nothing is logged")
    func releaseNeedsTheReleaseKey() async throws {
        let owner = try SigningPrivateKey.generate(.ed25519)
        let releaser = try SigningPrivateKey.generate(.ed25519)
        let service = LogService(
            storage: InMemoryLogStorage(),
            signer: TestLog.signer,
            submitters: [owner.publicKey, releaser.publicKey],
            submitterKinds: [owner.publicKey.thumbprint: [.model], releaser.publicKey.thumbprint: [.release]]
        )
        let release = LogEntry.release(
            LogEntry.Release(
                name: "evil-node",
                version: "6.6.6",
                measurements: [
                    TEEMeasurement(platform: .tpm, register: "pcr23", value: String(repeating: "66", count: 32))
                ],
                source: .init(repository: "https://example.org/evil", revision: "deadbeef")
            )
        )
        let model = LogEntry.model(
            LogEntry.Model(
                name: "tiny",
                manifestSHA256: String(repeating: "ab", count: 32),
                ownerKey: owner.publicKey.thumbprint
            )
        )
        try await Application(router: LogServer.buildRouter(service)).test(.router) { client in
            func post(_ entry: LogEntry, _ key: SigningPrivateKey) async throws -> TestResponse {
                try await client.execute(
                    uri: "/log/v1/entries",
                    method: .post,
                    headers: [.contentType: "application/jose"],
                    body: ByteBuffer(string: try SubmissionEnvelope.sign(entry, origin: TestLog.origin, key: key))
                )
            }
            let forged = try await post(release, owner)
            #expect(forged.status == .forbidden)
            let problem = try #require(Problem(decoding: Array(forged.body.readableBytesView)))
            #expect(problem.typeURI.hasSuffix("/kind-not-allowed"))
            #expect(problem.detail?.contains("not release") == true)
            #expect(try await post(model, releaser).status == .forbidden)
            #expect(try await service.checkpoint().treeSize == 0, "a refused append logs nothing")

            #expect(try await post(model, owner).status == .created)
            #expect(try await post(release, releaser).status == .created)
            #expect(try await service.checkpoint().treeSize == 2)
        }
    }
}
