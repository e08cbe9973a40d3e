import Crypto
import Foundation
import Testing
import VeilAttestation
import _VeilBytes

@Suite("Report-data binding (Veil v1 and the KBS runtime-data variant)")
struct ReportDataBindingTests {
    @Test("Veil v1: SHA-512 over the documented encoding, written out by hand here")
    func veilEncoding() throws {
        let nonce: [UInt8] = [0xAA, 0xBB]
        let keyA: [UInt8] = [0x02, 0x01]
        let keyB: [UInt8] = [0x01, 0xFF, 0x00]
        var expected = Array("veil.report-data.v1".utf8)
        expected += [0, 0, 0, 2, 0xAA, 0xBB]
        expected += [0, 0, 0, 2]
        expected += [0, 0, 0, 3, 0x01, 0xFF, 0x00]  // keys sorted bytewise: keyB first
        expected += [0, 0, 0, 2, 0x02, 0x01]
        expected += [1, 0, 0, 0, 1, 0x42]
        let binding = ReportDataBinding.veil(nonce: nonce, publicKeys: [keyA, keyB], initData: [0x42])
        #expect(
            ReportDataBinding.canonicalEncoding(nonce: nonce, publicKeys: [keyA, keyB], initData: [0x42]) == expected
        )
        #expect(binding.reportData == Array(SHA512.hash(data: expected)))
        #expect(binding.reportData.count == 64)
        // Key order does not matter; every input does.
        #expect(
            ReportDataBinding.veil(nonce: nonce, publicKeys: [keyB, keyA], initData: [0x42]).reportData
                == binding.reportData
        )
        let variants: [ReportDataBinding] = [
            .veil(nonce: [0xAA], publicKeys: [keyA, keyB], initData: [0x42]),
            .veil(nonce: nonce, publicKeys: [keyA], initData: [0x42]),
            .veil(nonce: nonce, publicKeys: [keyA, keyB], initData: nil),
            .veil(nonce: nonce, publicKeys: [keyA, keyB], initData: []),
        ]
        for variant in variants { #expect(variant.reportData != binding.reportData) }
        // Length prefixes keep concatenations apart: (nonce "ab", key "c") ≠ (nonce "a", key "bc").
        #expect(
            ReportDataBinding.veil(nonce: [1, 2], publicKeys: [[3]], initData: nil).reportData
                != ReportDataBinding.veil(nonce: [1], publicKeys: [[2, 3]], initData: nil).reportData
        )
        #expect(binding.isBound(by: binding.reportData))
        #expect(!binding.isBound(by: [UInt8](repeating: 0, count: 64)))
    }

    @Test("KBS: hash of the compact, key-sorted runtime-data JSON, zero-padded to 64 bytes")
    func kbs() throws {
        let runtimeData = ReportDataBinding.kbsRuntimeData(
            nonce: "c2FsdA",
            teePublicKey: ["kty": "EC", "crv": "P-256", "alg": "ECDH-ES", "x": "eA", "y": "eQ"]
        )
        let text = String(decoding: runtimeData, as: UTF8.self)
        #expect(
            text == #"{"nonce":"c2FsdA","tee-pubkey":{"alg":"ECDH-ES","crv":"P-256","kty":"EC","x":"eA","y":"eQ"}}"#
        )
        let binding = ReportDataBinding.kbs(runtimeData: runtimeData, hash: .sha384)
        #expect(binding.reportData == Array(SHA384.hash(data: runtimeData)) + [UInt8](repeating: 0, count: 16))
        #expect(
            ReportDataBinding.kbs(runtimeData: runtimeData, hash: .sha512).reportData
                == Array(SHA512.hash(data: runtimeData))
        )
        #expect(binding.kbsNonce == "c2FsdA")
    }

    @Test("bundles round-trip through JSON with either binding, and malformed bundles are typed errors")
    func bundleJSON() throws {
        for binding in [
            ReportDataBinding.veil(nonce: [1, 2], publicKeys: [[3], [4, 5]], initData: [6]),
            .kbs(runtimeData: ReportDataBinding.kbsRuntimeData(nonce: "n", teePublicKey: ["kty": "EC"]), hash: .sha256),
        ] {
            let bundle = EvidenceBundle(
                tee: .tpm,
                evidence: [9, 8, 7],
                collateral: [.init(name: "x.der", bytes: [1])],
                binding: binding,
                reportData: binding.reportData,
                createdAt: Date(timeIntervalSince1970: 1_800_000_000),
                producer: "test"
            )
            #expect(try EvidenceBundle(json: bundle.json()) == bundle)
        }
        var hostile = EvidenceBundle(
            tee: .tpm,
            evidence: [1],
            reportData: [2],
            createdAt: Date(timeIntervalSince1970: 0),
            producer: ""
        )
        hostile.producer = "line\nverdict: accepted\u{1b}[0m" + String(repeating: "x", count: 500)
        let cleaned = try EvidenceBundle(json: hostile.json()).producer
        #expect(cleaned.hasPrefix("lineverdict: accepted[0m") && cleaned.count == 200)

        let good = EvidenceBundle(
            tee: .simulated,
            evidence: [1],
            reportData: [2],
            createdAt: Date(timeIntervalSince1970: 0),
            producer: "p"
        )
        let text = String(decoding: good.json(), as: UTF8.self)
        #expect(text.contains("SIMULATED"))
        for bad in [
            text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2"),
            text.replacingOccurrences(of: "\"tee\" : \"simulated\"", with: "\"tee\" : \"quantum\""),
            text.replacingOccurrences(of: "\"report_data\" : \"02\"", with: "\"report_data\" : \"zz\""),
            "{}", "[]", "",
        ] {
            #expect(throws: AttestationError.self) { try EvidenceBundle(json: Array(bad.utf8)) }
        }
    }
}
