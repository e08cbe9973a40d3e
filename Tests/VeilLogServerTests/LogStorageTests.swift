import Foundation
import Testing
import VeilLogServer
import VeilTransparency

/// The same behaviour from every store: memory, SQLite and PostgreSQL (for real, through scripts/with-postgres).
@Suite("Log storage (memory, SQLite, PostgreSQL)")
struct LogStorageTests {
    @Test("appends, checkpoints and proofs agree with a naive recomputation", arguments: StorageKind.allCases)
    func appendsAndProofs(kind: StorageKind) async throws {
        try await kind.withStorage { storage in
            var leaves: [[UInt8]] = []
            for n in 0..<23 {
                let result = try await storage.append([LogEntryRecord(TestLog.entry(n))], sign: TestLog.sign)
                #expect(result.outcomes.map(\.index) == [UInt64(n)])
                leaves.append(TestLog.entry(n).leafData)
            }
            // A batch with a duplicate inside it and one already logged.
            let batch = [24, 25, 24, 3].map { LogEntryRecord(TestLog.entry($0)) }
            let result = try await storage.append(batch, sign: TestLog.sign)
            #expect(result.outcomes.map(\.index) == [23, 24, 23, 3])
            #expect(result.outcomes.map(\.duplicate) == [false, false, true, true])
            leaves += [TestLog.entry(24).leafData, TestLog.entry(25).leafData]

            let stored = try #require(try await storage.latestCheckpoint())
            let checkpoint = try VerifiedCheckpoint(note: stored.note, log: TestLog.signer.logKey).checkpoint
            #expect(checkpoint.treeSize == 25)
            #expect(checkpoint.rootHash == Self.naiveRoot(leaves))
            for index in 0..<leaves.count {
                let proof = try await Merkle.inclusionProof(index: UInt64(index), treeSize: 25, from: storage)
                try Merkle.verifyInclusion(
                    leafHash: Merkle.leafHash(leaves[index]),
                    index: UInt64(index),
                    treeSize: 25,
                    proof: proof,
                    root: checkpoint.rootHash
                )
                #expect(try await storage.entry(at: UInt64(index))?.leafData == leaves[index])
            }
            for old in 1...25 {
                let proof = try await Merkle.consistencyProof(oldSize: UInt64(old), newSize: 25, from: storage)
                try Merkle.verifyConsistency(
                    oldSize: UInt64(old),
                    newSize: 25,
                    oldRoot: Self.naiveRoot(Array(leaves[..<old])),
                    newRoot: checkpoint.rootHash,
                    proof: proof
                )
            }
            #expect(try await storage.entry(at: 25) == nil)
            #expect(try await storage.index(ofLeafHash: Merkle.leafHash(leaves[7])) == 7)
        }
    }

    @Test("a duplicate append is a no-op that keeps the checkpoint", arguments: StorageKind.allCases)
    func duplicates(kind: StorageKind) async throws {
        try await kind.withStorage { storage in
            let first = try await storage.append([LogEntryRecord(TestLog.entry(1))], sign: TestLog.sign)
            let again = try await storage.append([LogEntryRecord(TestLog.entry(1))], sign: TestLog.sign)
            #expect(again.outcomes == [.init(index: 0, leafHash: TestLog.entry(1).leafHash, duplicate: true)])
            #expect(again.checkpoint.note == first.checkpoint.note)
        }
    }

    @Test("a failure inside the append transaction leaves no trace", arguments: StorageKind.allCases)
    func atomicity(kind: StorageKind) async throws {
        struct Crash: Error {}
        try await kind.withStorage { storage in
            _ = try await storage.append([LogEntryRecord(TestLog.entry(0))], sign: TestLog.sign)
            let before = try await storage.latestCheckpoint()
            await #expect(throws: Crash.self) {
                _ = try await storage.append(
                    [LogEntryRecord(TestLog.entry(1)), LogEntryRecord(TestLog.entry(2))],
                    sign: { _, _ in throw Crash() }
                )
            }
            #expect(try await storage.latestCheckpoint()?.note == before?.note)
            #expect(try await storage.index(ofLeafHash: TestLog.entry(1).leafHash) == nil)
            let after = try await storage.append([LogEntryRecord(TestLog.entry(2))], sign: TestLog.sign)
            #expect(after.outcomes[0].index == 1)
        }
    }

    @Test("concurrent appenders are serialized into one consistent tree", arguments: StorageKind.allCases)
    func concurrency(kind: StorageKind) async throws {
        try await kind.withStorage { storage in
            let indices = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for n in 0..<16 {
                    group.addTask {
                        try await storage.append([LogEntryRecord(TestLog.entry(n))], sign: TestLog.sign).outcomes[0]
                            .index
                    }
                }
                return try await group.reduce(into: [UInt64]()) { $0.append($1) }
            }
            #expect(indices.sorted() == Array(0..<16))
            let stored = try #require(try await storage.latestCheckpoint())
            var leaves: [[UInt8]] = []
            for index in 0..<16 { leaves.append(try #require(try await storage.entry(at: UInt64(index))).leafData) }
            #expect(stored.treeSize == 16)
            #expect(stored.rootHash == Self.naiveRoot(leaves))
        }
    }

    static func naiveRoot(_ leaves: [[UInt8]]) -> [UInt8] {
        if leaves.isEmpty { return Merkle.emptyRoot }
        if leaves.count == 1 { return Merkle.leafHash(leaves[0]) }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        return Merkle.nodeHash(naiveRoot(Array(leaves[..<k])), naiveRoot(Array(leaves[k...])))
    }
}
