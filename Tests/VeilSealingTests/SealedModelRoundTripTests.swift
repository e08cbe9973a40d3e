import Crypto
import Foundation
import Testing
import VeilKeys
import VeilTestSupport
import _VeilBytes

import VeilSealing

@Suite("Sealed models: round trips")
struct SealedModelRoundTripTests {
    @Test(
        "seal then unseal returns the plaintext for sizes 0, 1, chunk-1, chunk, chunk+1 and many chunks",
        arguments: [0, 1, 63, 64, 65, 64 * 37 + 5]
    )
    func roundTrip(size: Int) throws {
        let fixture = try SealingFixture(chunkSize: 64)
        defer { fixture.removeAll() }
        var generator = SeededGenerator(seed: UInt64(size) &+ 17)
        let plaintext = generator.bytes(count: size)
        let sealed = try fixture.seal(plaintext)

        let unsealed = try fixture.unseal(sealed)
        #expect(Array(unsealed.plaintext) == plaintext)
        #expect(unsealed.manifest.plaintextSize == UInt64(size))
        #expect(unsealed.manifest.chunkCount == UInt64(max(1, (size + 63) / 64)))
        #expect(unsealed.manifest.plaintextSHA256 == Array(SHA256.hash(data: plaintext)))
        #expect(sealed.count == Int(unsealed.header.sealedLength))
        if size > 0 { #expect(unsealed.memoryLock == .locked) }
    }

    @Test("a P-256 owner works as an Ed25519 one does")
    func p256Owner() throws {
        let fixture = try SealingFixture(chunkSize: 100, ownerKind: .p256)
        defer { fixture.removeAll() }
        let plaintext = Array(repeating: UInt8(7), count: 1000)
        let sealed = try fixture.seal(plaintext)
        #expect(Array(try fixture.unseal(sealed).plaintext) == plaintext)
    }

    @Test("the manifest records what the owner sealed; inspect verifies the signature without a key")
    func manifestAndInspect() throws {
        let fixture = try SealingFixture(chunkSize: 64)
        defer { fixture.removeAll() }
        let sealed = try fixture.seal(Array(repeating: 1, count: 200), name: "tiny", keyID: "repo/models/tiny@7")
        let inspection = try SealedModel.inspect(sealedBytes: sealed)
        let manifest = inspection.header.manifest
        #expect(inspection.isSignatureValid)
        #expect(inspection.hasExpectedLength == true)
        #expect(inspection.isSigned(byOneOf: [fixture.owner.publicKey]))
        #expect(manifest.metadata.modelName == "tiny")
        #expect(manifest.metadata.sourceFileName == "tiny.bin")
        #expect(manifest.chunkSize == 64)
        #expect(manifest.aead == .aes256GCM)
        #expect(manifest.owner == fixture.owner.publicKey)
        #expect(abs(manifest.creationDate.timeIntervalSinceNow) < 300)
        #expect(inspection.header.keyEnvelope.keyID == "repo/models/tiny@7")
        #expect(Array(sealed[0..<8]) == Array("VEILSEAL".utf8))
    }

    @Test("seeded random sizes, chunk sizes and contents round-trip; one flipped bit anywhere is refused")
    func randomised() throws {
        var generator = SeededGenerator(seed: 0x5EA1_ED)
        for round in 0..<24 {
            let chunkSize = Int.random(in: 1...300, using: &generator)
            let size = Int.random(in: 0...2000, using: &generator)
            let fixture = try SealingFixture(chunkSize: chunkSize)
            defer { fixture.removeAll() }
            let plaintext = generator.bytes(count: size)
            let sealed = try fixture.seal(plaintext)
            #expect(Array(try fixture.unseal(sealed).plaintext) == plaintext, "round \(round)")

            var tampered = sealed
            let position = Int.random(in: 0..<sealed.count, using: &generator)
            tampered[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
            #expect(throws: SealedModelError.self, "round \(round), byte \(position)") {
                _ = try fixture.unseal(tampered)
            }
        }
    }

    @Test("the unsealed region is handed off without a copy: a cursor reads it in place")
    func handOff() throws {
        let fixture = try SealingFixture(chunkSize: 16)
        defer { fixture.removeAll() }
        var plaintext = Array("GGUF".utf8) + [3, 0, 0, 0]
        plaintext += Array(repeating: 0xAB, count: 40)
        let sealed = try fixture.seal(plaintext)
        var unsealed = try fixture.unseal(sealed)
        var cursor = unsealed.cursor()
        #expect(try cursor.readBytes(count: 4) == Array("GGUF".utf8))
        #expect(try cursor.read(UInt32.self, .little) == 3)
        unsealed.zeroize()
        #expect(unsealed.plaintext.isAllZero)
    }

    @Test("re-wrapping changes the key and key id and leaves every chunk byte as it was")
    func rewrap() throws {
        let fixture = try SealingFixture(chunkSize: 50)
        defer { fixture.removeAll() }
        let plaintext = SeededGenerator(seed: 9).bytesCopy(count: 777)
        let sealed = try fixture.seal(plaintext, name: "rotate")
        let newKey = SecureBytes(randomCount: 32)
        let header = try SealedModel.rewrap(
            fixture.path("rotate.veil"),
            to: fixture.path("rotated.veil"),
            currentKey: fixture.keyEncryptionKey,
            newKey: newKey,
            newKeyID: "default/veil-models/rotate@2-with-a-longer-id",
            signingKey: fixture.owner
        )
        let rotated = Array(try Data(contentsOf: URL(fileURLWithPath: fixture.path("rotated.veil"))))
        let oldHeaderLength = try SealedModel.inspect(sealedBytes: sealed).header.encoded.count
        #expect(Array(rotated[header.encoded.count...]) == Array(sealed[oldHeaderLength...]))
        #expect(Array(try fixture.unseal(rotated, key: newKey).plaintext) == plaintext)
        let error = #expect(throws: SealedModelError.self) { _ = try fixture.unseal(rotated) }
        #expect(error?.code == .keyUnwrapFailed)
        #expect(header.keyEnvelope.keyID == "default/veil-models/rotate@2-with-a-longer-id")
    }
}

extension SeededGenerator {
    /// `bytes(count:)` on a copy, for use in expressions.
    func bytesCopy(count: Int) -> [UInt8] {
        var copy = self
        return copy.bytes(count: count)
    }
}
