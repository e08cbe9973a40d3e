import Crypto
import Foundation
import Testing
import VeilTransparency

@Suite("TransparencyVerifier, stapled proofs and the monitor")
struct VerifierTests {
    struct Log {
        let signer: CheckpointSigner
        let leaves: [[UInt8]]
        let store: DictionaryNodeStore

        init(entries: [LogEntry]) throws {
            signer = try CheckpointSigner(origin: "log.example/veil", key: Curve25519.Signing.PrivateKey())
            leaves = entries.map(\.leafData)
            store = DictionaryNodeStore(leaves: leaves)
        }

        func bundle(index: Int, signedAt: Date, expires: Date) async throws -> InclusionBundle {
            let size = UInt64(leaves.count)
            let note = try signer.sign(
                treeSize: size,
                rootHash: try await Merkle.root(treeSize: size, from: store),
                at: signedAt
            )
            let proof = try await Merkle.inclusionProof(index: UInt64(index), treeSize: size, from: store)
            return InclusionBundle(
                checkpoint: note,
                leafIndex: UInt64(index),
                leafData: leaves[index],
                proof: proof,
                expiresAt: expires
            )
        }
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let measurements = [
        TEEMeasurement(platform: .sevSNP, register: "measurement", value: Fixtures.snp),
        TEEMeasurement(platform: .tdx, register: "mrtd", value: Fixtures.mrtd),
    ]

    func setUp() async throws -> (Log, InclusionBundle, TransparencyVerifier) {
        let log = try Log(
            entries: (0..<5).map(Fixtures.keyRelease) + [try Fixtures.release()] + [Fixtures.keyRelease(9)]
        )
        let bundle = try await log.bundle(
            index: 5,
            signedAt: Self.now.addingTimeInterval(-60),
            expires: Self.now.addingTimeInterval(3600)
        )
        let verifier = TransparencyVerifier(logs: [log.signer.logKey], maximumCheckpointAge: 600)
        return (log, bundle, verifier)
    }

    @Test("a stapled release proof verifies, and survives JSON")
    func verifies() async throws {
        let (_, bundle, verifier) = try await setUp()
        let decoded = try InclusionBundle.decode(try bundle.encoded())
        let result = try await verifier.verifyRelease(measurements: Self.measurements, bundle: decoded, now: Self.now)
        #expect(result.leafIndex == 5)
        #expect(result.validUntil == Self.now.addingTimeInterval(540))
    }

    @Test("stale checkpoint, expired bundle, wrong key, unlisted measurement, tampered proof or entry: rejected")
    func rejects() async throws {
        let (log, bundle, verifier) = try await setUp()
        func expectCode(
            _ code: TransparencyError.Code,
            _ bundle: InclusionBundle,
            verifier: TransparencyVerifier = verifier,
            measurements: [TEEMeasurement] = Self.measurements,
            now: Date = Self.now
        ) async {
            do {
                _ = try await verifier.verifyRelease(measurements: measurements, bundle: bundle, now: now)
                Issue.record("expected \(code)")
            } catch {
                #expect(error.code == code)
            }
        }
        await expectCode(.stale, bundle, now: Self.now.addingTimeInterval(900))
        await expectCode(.expired, bundle, now: Self.now.addingTimeInterval(4000))
        let stranger = TransparencyVerifier(
            logs: [try LogKey(origin: "log.example/veil", publicKey: Curve25519.Signing.PrivateKey().publicKey)],
            maximumCheckpointAge: 600
        )
        await expectCode(.untrustedSignature, bundle, verifier: stranger)
        let elsewhere = TransparencyVerifier(
            logs: [try LogKey(origin: "other.example/log", publicKey: log.signer.logKey.publicKey)],
            maximumCheckpointAge: 600
        )
        await expectCode(.wrongOrigin, bundle, verifier: elsewhere)
        await expectCode(
            .notIncluded,
            bundle,
            measurements: [
                TEEMeasurement(platform: .sevSNP, register: "measurement", value: String(repeating: "00", count: 48))
            ]
        )
        var tampered = bundle
        tampered.proof[0] = String(repeating: "0", count: 64)
        await expectCode(.badProof, tampered)
        var otherLeaf = bundle
        otherLeaf.leafIndex = 4
        await expectCode(.badProof, otherLeaf)
        let keyReleaseBundle = try await log.bundle(
            index: 2,
            signedAt: Self.now,
            expires: Self.now.addingTimeInterval(100)
        )
        await expectCode(.notIncluded, keyReleaseBundle)
        let witnessed = TransparencyVerifier(
            logs: [log.signer.logKey],
            maximumCheckpointAge: 600,
            witnesses: [
                try NoteSigner(name: "w.example/1", key: Curve25519.Signing.PrivateKey()).verifierKey(.cosignatureV1)
            ],
            requiredWitnesses: 1
        )
        await expectCode(.insufficientWitnesses, bundle, verifier: witnessed)
    }

    @Test("the caching decorator answers repeats from its cache until the result's validity ends")
    func caching() async throws {
        let (_, bundle, verifier) = try await setUp()
        let cached = CachingTransparencyVerifier(verifier)
        _ = try await cached.verifyRelease(measurements: Self.measurements, bundle: bundle, now: Self.now)
        _ = try await cached.verifyRelease(
            measurements: Self.measurements,
            bundle: bundle,
            now: Self.now.addingTimeInterval(10)
        )
        #expect(await cached.hits == 1)
        await #expect(throws: TransparencyError.self) {
            try await cached.verifyRelease(
                measurements: Self.measurements,
                bundle: bundle,
                now: Self.now.addingTimeInterval(900)
            )
        }
        #expect(await cached.hits == 1)
    }

    @Test("the monitor: growth with a valid proof, rollback, fork by root, fork by bad proof")
    func monitor() async throws {
        let leaves = (0..<9).map { Fixtures.keyRelease($0).leafData }
        let store = DictionaryNodeStore(leaves: leaves)
        func checkpoint(_ size: UInt64) async throws -> Checkpoint {
            Checkpoint(origin: "o", treeSize: size, rootHash: try await Merkle.root(treeSize: size, from: store))
        }
        let c5 = try await checkpoint(5)
        let c9 = try await checkpoint(9)
        let proof = try await Merkle.consistencyProof(oldSize: 5, newSize: 9, from: store)
        #expect(try LogMonitor.check(previous: nil, latest: c5, proof: nil) == .first)
        #expect(try LogMonitor.check(previous: c5, latest: c5, proof: nil) == .unchanged)
        #expect(try LogMonitor.check(previous: c5, latest: c9, proof: proof) == .grew(from: 5, to: 9))
        #expect(throws: TransparencyError.self) { try LogMonitor.check(previous: c9, latest: c5, proof: nil) }
        do {
            _ = try LogMonitor.check(previous: c9, latest: c5, proof: nil)
        } catch {
            #expect(error.code == .rollback)
        }
        var forked = c9
        forked.rootHash[0] ^= 1
        do {
            _ = try LogMonitor.check(previous: c9, latest: forked, proof: nil)
            Issue.record("a fork went unnoticed")
        } catch {
            #expect(error.code == .fork)
        }
        do {
            _ = try LogMonitor.check(previous: c5, latest: forked, proof: proof)
            Issue.record("a fork went unnoticed")
        } catch {
            #expect(error.code == .fork)
        }
    }
}
