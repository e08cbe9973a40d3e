import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VeilKeys
import VeilLogServer
import VeilTransparency
import VeilWire
import _VeilBytes

@Suite("Log server (in-process)")
struct LogServerTests {
    static let submitter = try! SigningPrivateKey.generate(.ed25519)

    static func app(
        submitters: [SigningPublicKey] = [submitter.publicKey],
        refresh: TimeInterval = 60,
        witnesses: [NoteVerifierKey] = []
    ) -> some ApplicationProtocol {
        let service = LogService(
            storage: InMemoryLogStorage(),
            signer: TestLog.signer,
            submitters: submitters,
            checkpointRefresh: refresh,
            witnesses: witnesses
        )
        return Application(router: LogServer.buildRouter(service))
    }

    static func envelope(
        _ entry: LogEntry,
        key: SigningPrivateKey = submitter,
        origin: String = TestLog.origin
    ) throws
        -> ByteBuffer
    {
        ByteBuffer(string: try SubmissionEnvelope.sign(entry, origin: origin, key: key))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ buffer: ByteBuffer) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
    }

    static func expectProblem(_ response: TestResponse, _ status: HTTPResponse.Status) throws {
        #expect(response.status == status)
        #expect(response.headers[.contentType] == "application/problem+json")
        let problem = try #require(Problem(decoding: Array(response.body.readableBytesView)))
        #expect(problem.statusCode == Int(status.code))
        #expect(problem.typeURI.hasPrefix("https://"))
    }

    @Test("append, duplicate, entry, checkpoint, inclusion and consistency proofs round-trip and verify")
    func happyPath() async throws {
        try await Self.app().test(.router) { client in
            let empty = try await client.execute(uri: "/log/v1/checkpoint", method: .get)
            #expect(empty.status == .ok)
            let first = try VerifiedCheckpoint(note: String(buffer: empty.body), log: TestLog.signer.logKey)
            #expect(first.checkpoint.treeSize == 0)
            #expect(first.timestamp != nil)

            var hashes: [String] = []
            for n in 0..<6 {
                let response = try await client.execute(
                    uri: "/log/v1/entries",
                    method: .post,
                    headers: [.contentType: "application/jose"],
                    body: try Self.envelope(TestLog.entry(n))
                )
                #expect(response.status == .created)
                let result = try Self.decode(LogAPI.AppendResponse.self, response.body)
                #expect(result.index == UInt64(n) && !result.duplicate)
                hashes.append(result.leafHash)
            }
            let again = try await client.execute(
                uri: "/log/v1/entries",
                method: .post,
                body: try Self.envelope(TestLog.entry(2))
            )
            #expect(again.status == .ok)
            #expect(try Self.decode(LogAPI.AppendResponse.self, again.body).duplicate)

            let note = String(buffer: try await client.execute(uri: "/log/v1/checkpoint", method: .get).body)
            let checkpoint = try VerifiedCheckpoint(note: note, log: TestLog.signer.logKey).checkpoint
            #expect(checkpoint.treeSize == 6)

            let entry = try Self.decode(
                LogAPI.EntryResponse.self,
                try await client.execute(uri: "/log/v1/entries/4", method: .get).body
            )
            #expect(entry.kind == .keyRelease)
            #expect(try LogEntry(leafData: try Base64.decode(entry.leafData)) == TestLog.entry(4))

            for uri in [
                "/log/v1/proof/inclusion?leaf_hash=\(hashes[3])", "/log/v1/proof/inclusion?index=3&tree_size=6",
            ] {
                let proof = try Self.decode(
                    LogAPI.InclusionProofResponse.self,
                    try await client.execute(uri: uri, method: .get).body
                )
                try Merkle.verifyInclusion(
                    leafHash: try Hex.decode(proof.leafHash),
                    index: proof.leafIndex,
                    treeSize: proof.treeSize,
                    proof: try proof.hashes.map { try Hex.decode($0) },
                    root: checkpoint.rootHash
                )
                #expect(proof.leafIndex == 3)
            }
            let consistency = try Self.decode(
                LogAPI.ConsistencyProofResponse.self,
                try await client.execute(uri: "/log/v1/proof/consistency?first=3&second=6", method: .get).body
            )
            let old = try VerifiedCheckpoint(
                note: TestLog.signer.sign(
                    treeSize: 3,
                    rootHash: LogStorageTests.naiveRoot((0..<3).map { TestLog.entry($0).leafData }),
                    at: Date()
                ),
                log: TestLog.signer.logKey
            )
            try Merkle.verifyConsistency(
                oldSize: 3,
                newSize: 6,
                oldRoot: old.checkpoint.rootHash,
                newRoot: checkpoint.rootHash,
                proof: try consistency.hashes.map { try Hex.decode($0) }
            )
        }
    }

    @Test("closed by default: no submitter key, no appends (403 problem)")
    func closed() async throws {
        try await Self.app(submitters: []).test(.router) { client in
            let response = try await client.execute(
                uri: "/log/v1/entries",
                method: .post,
                body: try Self.envelope(TestLog.entry(0))
            )
            try Self.expectProblem(response, .forbidden)
        }
    }

    @Test("unknown submitter, wrong origin, malformed body: problems, and nothing appended")
    func refused() async throws {
        try await Self.app().test(.router) { client in
            let stranger = try SigningPrivateKey.generate(.ed25519)
            try Self.expectProblem(
                try await client.execute(
                    uri: "/log/v1/entries",
                    method: .post,
                    body: try Self.envelope(TestLog.entry(0), key: stranger)
                ),
                .unauthorized
            )
            try Self.expectProblem(
                try await client.execute(
                    uri: "/log/v1/entries",
                    method: .post,
                    body: try Self.envelope(TestLog.entry(0), origin: "other.example/log")
                ),
                .badRequest
            )
            try Self.expectProblem(
                try await client.execute(uri: "/log/v1/entries", method: .post, body: ByteBuffer(string: "{}")),
                .badRequest
            )
            let note = String(buffer: try await client.execute(uri: "/log/v1/checkpoint", method: .get).body)
            #expect(try VerifiedCheckpoint(note: note, log: TestLog.signer.logKey).checkpoint.treeSize == 0)
        }
    }

    @Test("lookups outside the log are problems: 404 for missing entries, 400 for bad parameters")
    func lookups() async throws {
        try await Self.app().test(.router) { client in
            _ = try await client.execute(
                uri: "/log/v1/entries",
                method: .post,
                body: try Self.envelope(TestLog.entry(0))
            )
            try Self.expectProblem(try await client.execute(uri: "/log/v1/entries/5", method: .get), .notFound)
            try Self.expectProblem(try await client.execute(uri: "/log/v1/entries/x", method: .get), .badRequest)
            try Self.expectProblem(
                try await client.execute(
                    uri: "/log/v1/proof/inclusion?leaf_hash=\(String(repeating: "00", count: 32))",
                    method: .get
                ),
                .notFound
            )
            try Self.expectProblem(
                try await client.execute(uri: "/log/v1/proof/inclusion?index=0&tree_size=9", method: .get),
                .badRequest
            )
            try Self.expectProblem(
                try await client.execute(uri: "/log/v1/proof/consistency?first=2&second=1", method: .get),
                .badRequest
            )
            try Self.expectProblem(try await client.execute(uri: "/log/v1/nothing", method: .get), .notFound)
        }
    }

    @Test("a stale checkpoint is re-signed with a fresh timestamp for the same tree")
    func refresh() async throws {
        try await Self.app(refresh: 0).test(.router) { client in
            _ = try await client.execute(
                uri: "/log/v1/entries",
                method: .post,
                body: try Self.envelope(TestLog.entry(0))
            )
            let a = try VerifiedCheckpoint(
                note: String(buffer: try await client.execute(uri: "/log/v1/checkpoint", method: .get).body),
                log: TestLog.signer.logKey
            )
            try await Task.sleep(for: .milliseconds(1100))
            let b = try VerifiedCheckpoint(
                note: String(buffer: try await client.execute(uri: "/log/v1/checkpoint", method: .get).body),
                log: TestLog.signer.logKey
            )
            #expect(a.checkpoint == b.checkpoint)
            #expect(try #require(b.timestamp) > (try #require(a.timestamp)))
        }
    }

    @Test("witness cosignatures: verified, served with the checkpoint, kept across re-signing, dropped on growth")
    func witnessCosignatures() async throws {
        let witness = try NoteSigner(name: "witness.example/w1", key: Curve25519.Signing.PrivateKey())
        let stranger = try NoteSigner(name: "witness.example/w1", key: Curve25519.Signing.PrivateKey())
        try await Self.app(refresh: 0, witnesses: [witness.verifierKey(.cosignatureV1)]).test(.router) { client in
            _ = try await client.execute(
                uri: "/log/v1/entries",
                method: .post,
                body: try Self.envelope(TestLog.entry(0))
            )
            let note = String(buffer: try await client.execute(uri: "/log/v1/checkpoint", method: .get).body)
            var cosigned = try SignedNote(parsing: note)
            let now = UInt64(Date().timeIntervalSince1970)
            cosigned.signatures.append(try witness.cosign(text: cosigned.text, timestamp: now))
            let accepted = try await client.execute(
                uri: "/log/v1/cosignatures",
                method: .post,
                body: ByteBuffer(string: cosigned.formatted)
            )
            #expect(accepted.status == .ok)

            // Re-signed (refresh 0), the checkpoint still carries the witness's cosignature.
            try await Task.sleep(for: .milliseconds(1100))
            let served = String(buffer: try await client.execute(uri: "/log/v1/checkpoint", method: .get).body)
            let verified = try VerifiedCheckpoint(
                note: served,
                log: TestLog.signer.logKey,
                witnesses: [witness.verifierKey(.cosignatureV1)]
            )
            #expect(verified.witnesses["witness.example/w1"] == Date(timeIntervalSince1970: TimeInterval(now)))

            // A cosignature by a key the log does not know under that name is refused.
            var forged = try SignedNote(parsing: served)
            forged.signatures.removeAll { $0.name == "witness.example/w1" }
            forged.signatures.append(try stranger.cosign(text: forged.text, timestamp: now))
            try Self.expectProblem(
                try await client.execute(
                    uri: "/log/v1/cosignatures",
                    method: .post,
                    body: ByteBuffer(string: forged.formatted)
                ),
                .unauthorized
            )

            // After growth the old cosignature no longer applies.
            _ = try await client.execute(
                uri: "/log/v1/entries",
                method: .post,
                body: try Self.envelope(TestLog.entry(1))
            )
            let grown = String(buffer: try await client.execute(uri: "/log/v1/checkpoint", method: .get).body)
            #expect(
                try VerifiedCheckpoint(
                    note: grown,
                    log: TestLog.signer.logKey,
                    witnesses: [witness.verifierKey(.cosignatureV1)]
                ).witnesses.isEmpty
            )
        }
    }
}
