import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilWire
import _VeilBytes

@Suite("KBS protocol messages")
struct KBSMessageTests {
    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func requestUsesTrusteeMemberNames() throws {
        let request = KBS.Request(tee: .snp)
        let object = try Self.object(KBS.encode(request))
        #expect(Set(object.keys) == ["version", "tee", "extra-params"])
        #expect(object["tee"] as? String == "snp")
        #expect(object["extra-params"] as? String == "")
        // What a Trustee guest (kbs_protocol) sends.
        let trustee = #"{"version":"0.1.0","tee":"azsnpvtpm","extra-params":""}"#
        let decoded = try KBS.decode(KBS.Request.self, from: Array(trustee.utf8))
        #expect(decoded.tee == .azureSNPvTPM && decoded.tee.platform == .azureSEVSNPvTPM)
        #expect(KBS.isSupportedVersion(decoded.version))
        #expect(!KBS.isSupportedVersion("0.2.0") && !KBS.isSupportedVersion("1.1.0") && !KBS.isSupportedVersion("0.1"))
        #expect(try KBS.TEE(name: "az-snp-vtpm") == .azureSNPvTPM)
        #expect(throws: KBSProtocolError.self) { try KBS.TEE(name: "sev") }
        #expect(throws: KBSProtocolError.self) {
            try KBS.decode(KBS.Request.self, from: Array(#"{"version":"0.1.0","tee":"nope"}"#.utf8))
        }
        for tee in KBS.TEE.allCases { #expect(KBS.TEE(platform: tee.platform) == tee) }
        #expect(KBS.TEE.sample.platform == .simulated)
    }

    @Test func challengeAndResponse() throws {
        let challenge = KBS.Challenge(nonce: "bm9uY2U=")
        let object = try Self.object(KBS.encode(challenge))
        #expect(Set(object.keys) == ["nonce", "extra-params"])
        let decoded = try KBS.decode(KBS.Challenge.self, from: Array(#"{"nonce":"abc","extra-params":{"a":1}}"#.utf8))
        #expect(decoded.nonce == "abc" && decoded.extraParams == .object(["a": .integer(1)]))
        #expect(try Self.object(KBS.encode(KBS.AttestationResponse(token: "t")))["token"] as? String == "t")
        #expect(throws: KBSProtocolError.self) { try KBS.decode(KBS.Challenge.self, from: Array("{}".utf8)) }
    }

    @Test func runtimeDataCanonicalJSONIsWhatTheBindingHashes() throws {
        let key = KBS.TEEKey.generateP256()
        let runtime = KBS.RuntimeData(nonce: "n0nce/+=", teePublicKey: key.publicJWK)
        let canonical = runtime.canonicalJSON()
        #expect(canonical == ReportDataBinding.kbsRuntimeData(nonce: "n0nce/+=", teePublicKey: key.publicJWK.members))
        let text = String(decoding: canonical, as: UTF8.self)
        #expect(
            text.hasPrefix(#"{"nonce":"n0nce/+=","tee-pubkey":{"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":""#)
        )
        #expect(!text.contains(" ") && !text.contains("\n"))

        var extended = runtime
        extended.extra = ["veil-ohttp-keys": "AAEC", "a-first": "1"]
        let extendedText = String(decoding: extended.canonicalJSON(), as: UTF8.self)
        #expect(extendedText.hasPrefix(#"{"a-first":"1","nonce":"n0nce/+=","tee-pubkey":{"#))
        #expect(extendedText.hasSuffix(#"},"veil-ohttp-keys":"AAEC"}"#))
        // Round trip through the wire form and through the bytes a bundle's binding carries.
        let decoded = try KBS.decode(KBS.RuntimeData.self, from: KBS.encode(extended))
        #expect(decoded == extended)
        #expect(try KBS.RuntimeData(json: extended.canonicalJSON()) == extended)
        // Extra members must be strings.
        #expect(throws: KBSProtocolError.self) {
            try KBS.RuntimeData(json: Array(#"{"nonce":"n","tee-pubkey":{},"x":1}"#.utf8))
        }
    }

    @Test func attestationCarriesAnEvidenceBundle() throws {
        let key = KBS.TEEKey.generateP256()
        let runtime = KBS.RuntimeData(nonce: "abc", teePublicKey: key.publicJWK)
        let binding = ReportDataBinding.kbs(runtimeData: runtime.canonicalJSON(), hash: .sha384)
        let bundle = EvidenceBundle(
            tee: .simulated,
            evidence: [1, 2, 3],
            binding: binding,
            reportData: binding.reportData,
            createdAt: Date(timeIntervalSince1970: 1_700_000_000),
            producer: "test"
        )
        let attestation = try KBS.Attestation(runtimeData: runtime, evidence: bundle)
        let bytes = KBS.encode(attestation)
        let object = try Self.object(bytes)
        #expect(Set(object.keys) == ["runtime-data", "tee-evidence"])
        let decoded = try KBS.decode(KBS.Attestation.self, from: bytes)
        #expect(decoded.runtimeData == runtime)
        let back = try decoded.evidenceBundle()
        #expect(back.binding == binding)
        #expect(back.evidence == [1, 2, 3])
        var withInit = attestation
        withInit.initData = .object(["format": .string("toml"), "body": .string("x")])
        #expect(Set(try Self.object(KBS.encode(withInit)).keys).contains("init-data"))
        #expect(throws: KBSProtocolError.self) {
            try KBS.decode(KBS.Attestation.self, from: [UInt8](repeating: 0x20, count: KBS.maximumMessageSize + 1))
        }
    }

    @Test func resourcePaths() throws {
        let path = try KBS.ResourcePath("tenant-a/key/model.kek_v1")
        #expect(path.repository == "tenant-a" && path.type == "key" && path.tag == "model.kek_v1")
        #expect(path.description == "tenant-a/key/model.kek_v1")
        let bad = [
            "", "a/b", "a/b/c/d", "/a/b", "a/b/", "../b/c", "a/../c", "a/b/..", "a/./c", "a b/c/d", "a/b/c%2f",
            "a/b/\u{00e9}", "a/b/c\u{0}", String(repeating: "a", count: 129) + "/b/c",
        ]
        for text in bad {
            #expect(throws: KBSProtocolError.self, "\(text)") { try KBS.ResourcePath(text) }
        }
        #expect(try KBS.ResourcePath(String(repeating: "a", count: 128) + "/b/c").repository.count == 128)
        let json = KBS.encode(["path": path])
        #expect(try KBS.decode([String: KBS.ResourcePath].self, from: json)["path"] == path)
    }

    @Test func teePublicKeys() throws {
        let ec = KBS.TEEKey.generateP256().publicJWK
        #expect(ec.keyType == .p256)
        #expect(try KBS.PublicJWK(members: ec.members) == ec)
        var offCurve = ec.members
        offCurve["y"] = offCurve["x"]
        #expect(throws: KBSProtocolError.self) { try KBS.PublicJWK(members: offCurve) }
        var wrongCurve = ec.members
        wrongCurve["crv"] = "P-384"
        #expect(throws: KBSProtocolError.self) { try KBS.PublicJWK(members: wrongCurve) }
        var wrongAlg = ec.members
        wrongAlg["alg"] = "A256KW"
        #expect(throws: KBSProtocolError.self) { try KBS.PublicJWK(members: wrongAlg) }
        var noAlg = ec.members
        noAlg["alg"] = nil
        #expect(try KBS.PublicJWK(members: noAlg).keyType == .p256)

        let rsa = try KBS.TEEKey.generateRSA(bits: 2048).publicJWK
        #expect(rsa.keyType == .rsa && rsa.e == "AQAB" && rsa.alg == "RSA-OAEP-256")
        #expect(try Base64URL.decode(rsa.n ?? "").count == 256)
        #expect(try KBS.PublicJWK(members: rsa.members) == rsa)
        var exponent3 = rsa.members
        exponent3["e"] = "Aw"
        #expect(throws: KBSProtocolError.self) { try KBS.PublicJWK(members: exponent3) }
        var small = rsa.members
        small["n"] = Base64URL.encode([UInt8](repeating: 0xC1, count: 128))
        #expect(throws: KBSProtocolError.self) { try KBS.PublicJWK(members: small) }
        var oldAlg = rsa.members
        oldAlg["alg"] = "RSA1_5"
        #expect(throws: KBSProtocolError.self) { try KBS.PublicJWK(members: oldAlg) }
        #expect(throws: KBSProtocolError.self) { try KBS.PublicJWK(members: ["kty": "oct", "k": "AAAA"]) }
    }

    /// RFC 7638 §3.1: the thumbprint of the RFC 7517 Appendix A.1 RSA key; and the EC form's member order.
    @Test func thumbprints() throws {
        let rfc7638 = try KBS.PublicJWK(members: [
            "kty": "RSA", "e": "AQAB",
            "n":
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiF"
                + "V4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9"
                + "c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1"
                + "jF44-csFCur-kEgU8awapJzKnqDKgw",
        ])
        #expect(rfc7638.thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        let ec = KBS.TEEKey.generateP256().publicJWK
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(ec.x!)","y":"\#(ec.y!)"}"#
        #expect(ec.thumbprint() == Base64URL.encode(Array(SHA256.hash(data: Array(canonical.utf8)))))
    }
}
