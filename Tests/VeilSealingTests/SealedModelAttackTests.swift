import Crypto
import Foundation
import Testing
import VeilKeys
import VeilTestSupport
import _VeilBytes

import VeilSealing

/// Each attack on a sealed file fails with its own error, names the chunk, and leaves nothing unsealed.
@Suite("Sealed models: attacks")
struct SealedModelAttackTests {
    /// 6 chunks of 64 bytes, the last one 10 bytes.
    static let plaintext = SeededGenerator(seed: 42).bytesCopy(count: 64 * 5 + 10)

    let fixture: SealingFixture
    let sealed: [UInt8]

    init() throws {
        fixture = try SealingFixture(chunkSize: 64)
        sealed = try fixture.seal(Self.plaintext)
    }

    /// Unseals `tampered`, expects `code` (at `chunk`), and checks the region the unseal wrote into is all zeros.
    func expectRefused(
        _ tampered: [UInt8],
        _ code: SealedModelError.Code,
        chunk: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        defer { fixture.removeAll() }
        let (error, region) = fixture.unsealKeepingRegion(tampered)
        #expect(error?.code == code, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(error?.chunk == chunk, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(region.isAllZero, "the region must be zeroised", sourceLocation: sourceLocation)
    }

    func record(_ index: Int, in bytes: [UInt8]? = nil) throws -> Range<Int> {
        let bytes = bytes ?? sealed
        let start = try SealingFixture.recordOffset(bytes, chunk: index)
        return start..<(start + (try SealingFixture.recordLength(bytes, chunk: index)))
    }

    @Test("the untampered file unseals (control)")
    func control() throws {
        defer { fixture.removeAll() }
        #expect(Array(try fixture.unseal(sealed).plaintext) == Self.plaintext)
    }

    @Test("a flipped ciphertext byte fails that chunk's authentication")
    func flippedCiphertextByte() throws {
        var tampered = sealed
        tampered[try record(3).lowerBound + 12 + 5] ^= 0x01
        expectRefused(tampered, .chunkAuthenticationFailed, chunk: 3)
    }

    @Test("a flipped tag byte fails that chunk's authentication")
    func flippedTagByte() throws {
        var tampered = sealed
        tampered[try record(5).upperBound - 1] ^= 0x80
        expectRefused(tampered, .chunkAuthenticationFailed, chunk: 5)
    }

    @Test("a truncated final chunk is reported as truncated")
    func truncatedFinalChunk() throws {
        expectRefused(Array(sealed.dropLast(5)), .truncated, chunk: 5)
    }

    @Test("a dropped final chunk is reported as truncated")
    func droppedFinalChunk() throws {
        expectRefused(Array(sealed[..<(try record(5).lowerBound)]), .truncated, chunk: 5)
    }

    @Test("a dropped middle chunk is reported as missing")
    func droppedMiddleChunk() throws {
        var tampered = sealed
        tampered.removeSubrange(try record(2))
        expectRefused(tampered, .chunkMissing, chunk: 2)
    }

    @Test("swapped chunks are reported as out of order")
    func swappedChunks() throws {
        var tampered = sealed
        let first = try record(1)
        let second = try record(2)
        tampered.replaceSubrange(first, with: sealed[second])
        tampered.replaceSubrange(second, with: sealed[first])
        expectRefused(tampered, .chunkOutOfOrder, chunk: 1)
    }

    @Test("swapped chunks with rewritten nonce counters fail authentication")
    func swappedChunksRelabelled() throws {
        var tampered = sealed
        let first = try record(1)
        let second = try record(2)
        tampered.replaceSubrange(first, with: sealed[second])
        tampered.replaceSubrange(second, with: sealed[first])
        tampered[first.lowerBound + 11] = 1
        tampered[second.lowerBound + 11] = 2
        expectRefused(tampered, .chunkAuthenticationFailed, chunk: 1)
    }

    @Test("a chunk spliced from another file sealed with the same key is reported as foreign")
    func splicedChunk() throws {
        let other = try fixture.seal(SeededGenerator(seed: 7).bytesCopy(count: Self.plaintext.count), name: "other")
        var tampered = sealed
        tampered.replaceSubrange(try record(2), with: other[try record(2, in: other)])
        expectRefused(tampered, .chunkFromAnotherFile, chunk: 2)
    }

    @Test("a spliced chunk relabelled with this file's nonce fails authentication")
    func splicedChunkRelabelled() throws {
        let other = try fixture.seal(SeededGenerator(seed: 7).bytesCopy(count: Self.plaintext.count), name: "other")
        var tampered = sealed
        let target = try record(2)
        tampered.replaceSubrange(target, with: other[try record(2, in: other)])
        tampered.replaceSubrange(target.lowerBound..<(target.lowerBound + 12), with: sealed[target.prefix(12)])
        expectRefused(tampered, .chunkAuthenticationFailed, chunk: 2)
    }

    @Test("another file's header on this file's chunks is detected at the first chunk")
    func swappedHeader() throws {
        let other = try fixture.seal(Self.plaintext, name: "other")
        let ownHeader = try SealedModel.inspect(sealedBytes: sealed).header.encoded.count
        let otherHeader = try SealedModel.inspect(sealedBytes: other).header.encoded
        expectRefused(otherHeader + sealed[ownHeader...], .chunkFromAnotherFile, chunk: 0)
    }

    @Test("an edited header fails the signature check", arguments: ["model name", "plaintext size", "key id"])
    func editedHeader(field: String) throws {
        let header = try SealedModel.inspect(sealedBytes: sealed).header
        var tampered = sealed
        switch field {
        case "model name":
            let name = Array("model".utf8)
            let at = try #require(firstRange(of: name, in: header.encoded))
            tampered[at.lowerBound] = UInt8(ascii: "M")
        case "plaintext size":
            // manifest: length (4) at 14, then file id (16), AEAD (1), chunk size (4), plaintext size (8).
            tampered[14 + 4 + 16 + 1 + 4 + 7] ^= 0x01
        default:
            let at = try #require(firstRange(of: Array("test@1".utf8), in: header.encoded))
            tampered[at.upperBound - 1] = UInt8(ascii: "2")
        }
        expectRefused(tampered, .signatureInvalid)
    }

    @Test("a file signed by another key is refused as an unexpected signer")
    func wrongSigner() throws {
        let intruder = try SigningPrivateKey.generate(.ed25519)
        let forged = try fixture.seal(Self.plaintext, name: "forged", signer: intruder)
        expectRefused(forged, .unexpectedSigner)
    }

    @Test("an owner list that does not hold the signer is refused, one that does is accepted")
    func ownerList() throws {
        defer { fixture.removeAll() }
        let others = try (0..<2).map { _ in try SigningPrivateKey.generate(.p256).publicKey }
        let refused = #expect(throws: SealedModelError.self) { _ = try fixture.unseal(sealed, owners: others) }
        #expect(refused?.code == .unexpectedSigner)
        #expect(
            Array(try fixture.unseal(sealed, owners: others + [fixture.owner.publicKey]).plaintext) == Self.plaintext
        )
        let empty = #expect(throws: SealedModelError.self) { _ = try fixture.unseal(sealed, owners: []) }
        #expect(empty?.code == .invalidArgument)
    }

    @Test("the wrong key-encryption key fails to unwrap the data key")
    func wrongKey() throws {
        defer { fixture.removeAll() }
        let error = #expect(throws: SealedModelError.self) {
            _ = try fixture.unseal(sealed, key: SecureBytes(randomCount: 32))
        }
        #expect(error?.code == .keyUnwrapFailed)
    }

    @Test("an unknown format version is refused before anything else is read")
    func unknownVersion() throws {
        var tampered = sealed
        tampered[9] = 2
        expectRefused(tampered, .unsupportedVersion)
    }

    @Test("input without the magic is not a sealed model")
    func notSealed() throws {
        expectRefused(Array("GGUF and more bytes".utf8), .notASealedModel)
    }

    @Test("a header length beyond the limit or the input is malformed")
    func malformedHeader() throws {
        var tampered = sealed
        tampered[10] = 0xFF
        expectRefused(tampered, .malformedHeader)
        expectRefused(Array(sealed.prefix(40)), .malformedHeader)
    }

    @Test("hostile sizes in the (not yet authenticated) header are refused without arithmetic overflow")
    func hostileSizes() throws {
        var tampered = sealed
        // plaintext size: manifest at 18, after file id (16), AEAD (1) and chunk size (4).
        for offset in (18 + 21)..<(18 + 29) { tampered[offset] = 0xFF }
        expectRefused(tampered, .malformedHeader)
    }

    @Test("every single-byte change anywhere in the header is refused, never a crash")
    func everyHeaderByte() throws {
        defer { fixture.removeAll() }
        let headerLength = try SealedModel.inspect(sealedBytes: sealed).header.encoded.count
        for offset in 0..<headerLength {
            var tampered = sealed
            tampered[offset] ^= 0xA5
            let (error, region) = fixture.unsealKeepingRegion(tampered)
            #expect(error != nil, "byte \(offset)")
            #expect(region.isAllZero)
        }
    }

    @Test("bytes after the final chunk are refused")
    func trailingData() throws {
        expectRefused(sealed + [0], .trailingData)
    }

    @Test("chunks re-encrypted by a data-key holder for other weights fail the whole-file digest")
    func digestMismatch() throws {
        let header = try SealedModel.inspect(sealedBytes: sealed).header
        let dataKey = try header.keyEnvelope.unwrap(
            keyEncryptionKey: fixture.keyEncryptionKey,
            manifestDigest: header.manifestDigest
        )
        var forged = header.encoded
        let other = Array(repeating: UInt8(0x41), count: Self.plaintext.count)
        for index in 0..<header.manifest.chunkCount {
            let start = Int(index) * header.manifest.chunkSize
            let chunk = other[start..<(start + header.manifest.plaintextLength(ofChunk: index))]
            forged += try SealedModel.sealChunk(
                Data(chunk),
                index: index,
                manifest: header.manifest,
                manifestDigest: header.manifestDigest,
                key: SymmetricKey(data: dataKey)
            )
        }
        expectRefused(forged, .digestMismatch)
    }

    @Test("a region that cannot be locked is refused unless unlocked memory is allowed")
    func memoryNotLocked() throws {
        defer { fixture.removeAll() }
        let size = 9 * 1024 * 1024
        guard SecureBytes(count: size).memoryLock != .locked else { return }  // RLIMIT_MEMLOCK is large here
        let big = try SealingFixture(chunkSize: 1024 * 1024)
        defer { big.removeAll() }
        let sealedBig = try big.seal(Array(repeating: 3, count: size))
        let error = #expect(throws: SealedModelError.self) { _ = try big.unseal(sealedBig) }
        #expect(error?.code == .memoryNotLocked)
        let allowed = try SealedModel.unseal(
            sealedBytes: sealedBig,
            keyEncryptionKey: big.keyEncryptionKey,
            expectedOwners: [big.owner.publicKey],
            options: SealedModel.UnsealOptions(allowUnlockedMemory: true)
        )
        #expect(allowed.plaintext.count == size)
    }

    @Test("every error code has a distinct check name")
    func distinctChecks() {
        defer { fixture.removeAll() }
        let checks = SealedModelError.Code.allCases.map { SealedModelError($0, "").check }
        #expect(Set(checks).count == checks.count)
    }

    private func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle
        {
            return start..<(start + needle.count)
        }
        return nil
    }
}
