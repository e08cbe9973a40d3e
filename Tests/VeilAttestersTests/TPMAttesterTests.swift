import Crypto
import Foundation
import Testing
import VeilAttesters
import VeilTestSupport
import _CryptoExtras
import _VeilBytes

/// The fields of a TPMS_ATTEST (quote) these tests check, parsed independently of the attester.
private struct QuoteFields {
    var magic: UInt32
    var type: UInt16
    var extraData: [UInt8]
    var pcrDigest: [UInt8]

    init(_ attest: [UInt8]) throws {
        var cursor = ByteCursor(attest)
        magic = try cursor.read(UInt32.self, .big)
        type = try cursor.read(UInt16.self, .big)
        _ = try cursor.readLengthPrefixed(UInt16.self, .big)  // qualifiedSigner
        extraData = Array(try cursor.readLengthPrefixed(UInt16.self, .big))
        try cursor.skip(17 + 8)  // clockInfo, firmwareVersion
        let banks = try cursor.read(UInt32.self, .big)
        for _ in 0..<banks {
            try cursor.skip(2)
            try cursor.skip(Int(try cursor.readUInt8()))
        }
        pcrDigest = Array(try cursor.readLengthPrefixed(UInt16.self, .big))
        try cursor.expectEnd()
    }
}

/// Checks a TPMT_SIGNATURE over SHA-256 of `attest` with the AK's public key.
private func signatureIsValid(_ quote: TPM2.Quote) throws -> Bool {
    let key = try TPM2.PublicArea(parsing: quote.attestationKey).key
    var cursor = ByteCursor(quote.signature)
    let algorithm = try cursor.read(UInt16.self, .big)
    #expect(try cursor.read(UInt16.self, .big) == 0x000B)  // SHA-256
    switch key {
    case .eccP256(let x, let y):
        #expect(algorithm == 0x0018)
        let r = Array(try cursor.readLengthPrefixed(UInt16.self, .big))
        let s = Array(try cursor.readLengthPrefixed(UInt16.self, .big))
        let pad = { (v: [UInt8]) in [UInt8](repeating: 0, count: max(0, 32 - v.count)) + v.suffix(32) }
        let publicKey = try P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: pad(r) + pad(s))
        return publicKey.isValidSignature(signature, for: quote.attest)
    case .rsa(let modulus, let exponent):
        #expect(algorithm == 0x0014)
        let signature = Array(try cursor.readLengthPrefixed(UInt16.self, .big))
        var e = exponent.bigEndian
        let exponentBytes = Array(withUnsafeBytes(of: &e) { Array($0) }.drop { $0 == 0 })
        let publicKey = try _RSA.Signing.PublicKey(n: modulus, e: exponentBytes)
        return publicKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature),
            for: SHA256.hash(data: quote.attest),
            padding: .insecurePKCS1v1_5
        )
    }
}

private func pcrDigest(_ quote: TPM2.Quote, indices: [Int]) -> [UInt8] {
    Array(SHA256.hash(data: indices.sorted().flatMap { quote.pcrs[$0] ?? [] }))
}

/// Waits until swtpm answers, then returns a client for it.
func connect(_ tpm: SoftwareTPM) async throws -> TPM2Client {
    let client = try TPM2Client(location: TPM2Location(parsing: tpm.location))
    var lastError: (any Error)?
    for _ in 0..<50 {
        do {
            _ = try await client.random(count: 8)
            return client
        } catch {
            lastError = error
            try await Task.sleep(for: .milliseconds(100))
        }
    }
    throw lastError ?? SoftwareTPMError(message: "swtpm did not answer")
}

@Suite("TPM 2.0 attester against a real software TPM (swtpm)")
struct TPMAttesterTests {
    @Test(
        "quotes verify: signature by the AK, nonce in extraData, PCR digest over the reported values",
        arguments: TPM2.KeyAlgorithm.allCases
    )
    func quoteVerifies(algorithm: TPM2.KeyAlgorithm) async throws {
        let tpm = try SoftwareTPM()
        defer { tpm.stop() }
        let client = try await connect(tpm)
        let nonce = Array(SHA512.hash(data: Array("veil nonce".utf8)))
        let selection = TPM2.PCRSelection(indices: Array(0..<24))
        let quote = try await TPMAttester(client: client, keyAlgorithm: algorithm, selection: selection).quote(
            nonce: nonce
        )

        let fields = try QuoteFields(quote.attest)
        #expect(fields.magic == TPM2.generatedValue)
        #expect(fields.type == 0x8018)
        #expect(fields.extraData == nonce)
        #expect(quote.pcrs.count == 24)
        #expect(fields.pcrDigest == pcrDigest(quote, indices: selection.indices))
        #expect(try signatureIsValid(quote))

        var tampered = quote
        tampered.attest[tampered.attest.count - 1] ^= 1
        #expect(try !signatureIsValid(tampered))
    }

    @Test("extending a PCR changes the quoted digest, so old reference values no longer match")
    func extendChangesVerdict() async throws {
        let tpm = try SoftwareTPM()
        defer { tpm.stop() }
        let client = try await connect(tpm)
        let selection = TPM2.PCRSelection(indices: [0, 7, 16])
        let attester = TPMAttester(client: client, selection: selection)
        let before = try await attester.quote(nonce: [1, 2, 3])
        try await client.extendPCR(16, sha256Digest: Array(SHA256.hash(data: Array("new boot component".utf8))))
        let after = try await attester.quote(nonce: [1, 2, 3])

        #expect(before.pcrs[16] != after.pcrs[16])
        #expect(before.pcrs[0] == after.pcrs[0])
        #expect(try QuoteFields(after.attest).pcrDigest == pcrDigest(after, indices: selection.indices))
        // The reference values recorded before the extension do not match what the TPM now quotes.
        var stale = after
        stale.pcrs = before.pcrs
        #expect(try QuoteFields(after.attest).pcrDigest != pcrDigest(stale, indices: selection.indices))
    }

    @Test("TPM errors are decoded into readable words, and the keys a quote creates are flushed")
    func errors() async throws {
        let tpm = try SoftwareTPM()
        defer { tpm.stop() }
        let client = try await connect(tpm)
        let error = await #expect(throws: TPM2Error.self) { try await client.flush(0x80FF_FFFF) }
        #expect(error?.kind == .responseCode)
        #expect(error?.description.contains("TPM2_flushContext") == true)
        let readError = await #expect(throws: TPM2Error.self) { _ = try await client.readPublic(0x8000_0000) }
        #expect(readError?.kind == .responseCode)
        // Many quotes in a row would exhaust object slots if keys leaked.
        let attester = TPMAttester(client: client, selection: TPM2.PCRSelection(indices: [0]))
        for round in 0..<6 { _ = try await attester.quote(nonce: [UInt8(round)]) }
    }

    @Test("an unreachable simulator is a transport error naming the address")
    func unreachable() async throws {
        let client = try TPM2Client(location: TPM2Location(parsing: "tcp://127.0.0.1:1"))
        let error = await #expect(throws: TPM2Error.self) { _ = try await client.random(count: 4) }
        #expect(error?.kind == .transport)
        #expect(error?.description.contains("127.0.0.1:1") == true)
    }

    @Test("locations parse; malformed ones are refused")
    func locations() throws {
        #expect(try TPM2Location(parsing: "tcp://localhost:2321") == .simulator(host: "localhost", port: 2321))
        #expect(try TPM2Location(parsing: "/dev/tpmrm0") == .device(path: "/dev/tpmrm0"))
        for bad in ["tcp://host", "tcp://:80", "tcp://h:0", "tcp://h:70000"] {
            #expect(throws: TPM2Error.self) { try TPM2Location(parsing: bad) }
        }
    }

    @Test("a quote's JSON form round-trips")
    func json() throws {
        let quote = TPM2.Quote(
            attest: [1, 2],
            signature: [3],
            attestationKey: [4],
            pcrBank: .sha256,
            pcrs: [0: [0xAA], 23: [0xBB]],
            nonce: [5]
        )
        let data = try JSONEncoder().encode(quote)
        #expect(try JSONDecoder().decode(TPM2.Quote.self, from: data) == quote)
    }

    @Test("public areas from hostile bytes fail with typed errors at every truncation")
    func publicAreaTruncation() throws {
        // type ECC, nameAlg SHA-256, AK attributes, empty authPolicy, symmetric NULL, ECDSA/SHA-256, P-256, kdf
        // NULL, then the point.
        let tpmPublic = try [UInt8](
            hex: "0023" + "000b" + "00050472" + "0000" + "0010" + "0018000b" + "0003" + "0010"
                + "0020" + String(repeating: "11", count: 32) + "0020" + String(repeating: "22", count: 32)
        )
        let parsed = try TPM2.PublicArea(parsing: tpmPublic)
        #expect(parsed.key == .eccP256(x: [UInt8](repeating: 0x11, count: 32), y: [UInt8](repeating: 0x22, count: 32)))
        for length in 0..<tpmPublic.count {
            #expect(throws: TPM2Error.self) { try TPM2.PublicArea(parsing: Array(tpmPublic.prefix(length))) }
        }
    }
}
