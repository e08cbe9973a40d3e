import Foundation
import Testing
import VeilAttestation
import VeilSGX
import VeilTDX
import VeilTestSupport
import _VeilDCAP

@Suite("TDX and SGX real vectors")
struct DCAPVectorTests {
    func tdx(
        _ name: String,
        quote: [UInt8]? = nil,
        collateral: (any CollateralProvider)? = nil,
        time: String,
        options: VerificationOptions = .strict
    ) throws -> AttestationResult {
        let evidence = try quote ?? Vectors.bytes("tdx/\(name)/quote.bin")
        let context = VerificationContext(
            time: Vectors.time(time),
            options: options,
            collateral: collateral ?? Vectors.directory("tdx/\(name)")
        )
        return try Vectors.appraise(TDX.Verifier(), evidence, context: context)
    }

    @Test("v4 b0c06f (dcap-qvl collateral.json): UpToDate, no advisories, accepted")
    func v4UpToDate() throws {
        let result = try tdx("v4-b0c06f-uptodate-dcapqvl", time: "2025-07-01T00:00:00Z")
        #expect(result.verdict == .accepted, "\(result.failedChecks)")
        #expect(result.tcbStatus == .upToDate)
        #expect(result.advisoryIDs.isEmpty)
        #expect(result.checks.contains { $0.name == "tdx.module" && $0.passed })
        #expect(result.checks.contains { $0.name == "qe.identity" && $0.passed })
        #expect(result.checks.contains { $0.name == "pck.revocation" && $0.passed })
        #expect(
            result.claims["mrtd"]?.description
                == "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"
        )
        #expect(result.claims["rtmr0"]?.description.hasPrefix("44c0197b") == true)
        #expect(result.claims["rtmr3"] == .bytes([UInt8](repeating: 0, count: 48)))
        #expect(result.claims["td_attributes"]?.description == "0000001000000000")
        #expect(result.claims["fmspc"]?.description == "b0c06f000000")
        #expect(result.claims["report_data"]?.description.hasPrefix("9a9d48e7") == true)
    }

    @Test("v5 90c06f (PCS tcbInfo response + chain PEM): UpToDate; QE identity and CRLs missing")
    func v5UpToDate() throws {
        let strict = try tdx("v5-90c06f-uptodate-gotdx", time: "2026-02-03T01:00:00Z")
        #expect(strict.tcbStatus == .upToDate)
        #expect(strict.verdict == .rejected)
        #expect(strict.failedChecks == ["policy.collateral"])
        let relaxed = try tdx(
            "v5-90c06f-uptodate-gotdx",
            time: "2026-02-03T01:00:00Z",
            options: VerificationOptions(skipTCBCollateral: true, allowMissingCRL: true)
        )
        #expect(relaxed.verdict == .accepted)
        #expect(relaxed.tcbStatus == .upToDate)
        #expect(relaxed.relaxations == ["skip_tcb_collateral", "allow_missing_crl"])
        #expect(relaxed.claims["quote_version"] == .integer(5))
        #expect(relaxed.claims["mrtd"]?.description.hasPrefix("7348651a34b2d2d3") == true)
        #expect(relaxed.claims["tee_tcb_svn2"]?.description.hasPrefix("0d0104") == true)
        #expect(relaxed.claims["mrservicetd"] == .bytes([UInt8](repeating: 0, count: 48)))
    }

    @Test("v4 SPR 50806f: all signatures and collateral valid, no TCB level matches → rejected")
    func sprNotSupported() throws {
        let result = try tdx("v4-50806f-spr-tcb-not-matched-gotdx", time: "2023-07-01T01:00:00Z")
        #expect(result.verdict == .rejected)
        #expect(result.tcbStatus == .notSupported)
        #expect(result.failedChecks == ["policy.tcb_status"])
        #expect(result.checks.contains { $0.name == "qe.tcb" && $0.detail.contains("UpToDate") })
        #expect(result.checks.contains { $0.name == "pck.revocation" && $0.passed })
    }

    @Test("v4 debug TD (trustee): authentic, rejected for debug")
    func debugTD() throws {
        let result = try tdx(
            "v4-50806f-debug-td-trustee",
            collateral: BundleCollateralProvider(),
            time: "2024-07-01T00:00:00Z",
            options: VerificationOptions(skipTCBCollateral: true, allowMissingCRL: true)
        )
        #expect(result.verdict == .rejected)
        #expect(result.failedChecks == ["policy.debug"])
        #expect(result.claims["td_attributes"]?.description == "0100001000000000")
        #expect(result.claims["mrtd"]?.description.hasPrefix("705ee9381b8633a9") == true)
    }

    @Test("v5 trustee quote without collateral: signatures and chain valid, MRSERVICETD decoded")
    func v5NoCollateral() throws {
        let result = try tdx(
            "v5-90c06f-nocollateral-trustee",
            collateral: BundleCollateralProvider(),
            time: "2025-01-01T00:00:00Z",
            options: VerificationOptions(skipTCBCollateral: true, allowMissingCRL: true)
        )
        #expect(result.verdict == .accepted, "\(result.failedChecks)")
        #expect(result.tcbStatus == nil)
        #expect(result.claims["mrservicetd"]?.description.hasPrefix("383c87d3") == true)
        #expect(result.claims["mrtd"]?.description.hasPrefix("dfba221b48a22af8") == true)
        #expect(result.claims["report_data"]?.description.hasPrefix("6d6ab13b") == true)
    }

    @Test("SGX v3 (Processor CA chain): ConfigurationAndSWHardeningNeeded with INTEL-SA-00289 and 00615")
    func sgx() throws {
        let context = VerificationContext(
            time: Vectors.time("2025-07-01T00:00:00Z"),
            collateral: Vectors.directory("sgx/v3-00a067110000-swhardening-dcapqvl")
        )
        let quote = try Vectors.bytes("sgx/v3-00a067110000-swhardening-dcapqvl/quote.bin")
        let result = try Vectors.appraise(SGX.Verifier(), quote, context: context)
        #expect(result.tcbStatus == .configurationAndSWHardeningNeeded)
        #expect(result.advisoryIDs.sorted() == ["INTEL-SA-00289", "INTEL-SA-00615"])
        #expect(result.verdict == .rejected)
        #expect(result.failedChecks == ["policy.tcb_status"])
        #expect(result.checks.contains { $0.name == "qe.tcb" && $0.detail.contains("UpToDate") })
        #expect(
            result.claims["mrenclave"]?.description
                == "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"
        )
        #expect(
            result.claims["mrsigner"]?.description
                == "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6"
        )
        #expect(result.claims["isvprodid"] == .integer(0))
        #expect(result.claims["report_data"]?.bytes?.prefix(13) == Array("Hello, world!".utf8)[...])
        var policy = PolicyDocument()
        policy.allowedTCBStatuses = [.upToDate, .swHardeningNeeded, .configurationAndSWHardeningNeeded]
        let widened = try Vectors.appraise(SGX.Verifier(), quote, context: context, policy: policy)
        #expect(widened.verdict == .accepted)
    }

    @Test("collateral outside its window is stale: TCB info after nextUpdate is invalid")
    func staleTCBInfo() throws {
        let result = try tdx("v4-b0c06f-uptodate-dcapqvl", time: "2025-07-25T00:00:00Z")
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks.first == "crl.validity" || result.failedChecks.first == "tcb_info.validity")
    }

    @Test("tampered TCB info JSON fails its signature check")
    func tamperedTCBInfo() throws {
        let path = "tdx/v5-90c06f-uptodate-gotdx"
        var response = try Vectors.bytes("\(path)/tcbinfo_response.json")
        let text = String(decoding: response, as: UTF8.self)
        let range = try #require(text.range(of: "\"UpToDate\""))
        let offset = text.utf8.distance(from: text.startIndex, to: range.lowerBound) + 1
        response[offset] = UInt8(ascii: "X")
        let collateral = BundleCollateralProvider([
            ("tcbinfo.json", response), ("chain.pem", try Vectors.bytes("\(path)/tcb_signing_chain.pem")),
        ])
        let result = try tdx("v5-90c06f-uptodate-gotdx", collateral: collateral, time: "2026-02-03T01:00:00Z")
        #expect(result.verdict == .invalid)
        #expect(result.failedChecks == ["tcb_info.signature"])
    }

    @Test("TCB info for another FMSPC is refused")
    func wrongFMSPC() throws {
        let collateral = BundleCollateralProvider([
            ("tcbinfo.json", try Vectors.bytes("tdx/v5-90c06f-uptodate-gotdx/tcbinfo_response.json")),
            ("chain.pem", try Vectors.bytes("tdx/v5-90c06f-uptodate-gotdx/tcb_signing_chain.pem")),
        ])
        let result = try tdx("v4-b0c06f-uptodate-dcapqvl", collateral: collateral, time: "2026-02-03T01:00:00Z")
        #expect(result.failedChecks.contains("tcb_info.fmspc") || result.failedChecks.contains("pck.chain.validity"))
        #expect(result.verdict == .invalid)
    }
}

@Suite("DCAP mutation and bad input")
struct DCAPMutationTests {
    @Test("flipping any byte of a v4 quote's signed header and body makes it invalid")
    func everySignedByte() throws {
        let original = try Vectors.bytes("tdx/v4-b0c06f-uptodate-dcapqvl/quote.bin")
        let context = VerificationContext(time: Vectors.time("2025-07-01T00:00:00Z"), signatureCache: SignatureCache())
        let verifier = TDX.Verifier()
        #expect(verifier.verify(original, context: context).claims != nil)
        var survivors: [Int] = []
        for offset in 0..<632 {
            var mutated = original
            mutated[offset] ^= 0x01
            if verifier.verify(mutated, context: context).claims != nil { survivors.append(offset) }
        }
        #expect(survivors.isEmpty, "mutations at \(survivors) still verified")
    }

    @Test("sampled mutations of the QE report, its signature, the v5 and SGX quotes make them invalid")
    func sampled() throws {
        for (path, verifier, time) in [
            (
                "tdx/v4-b0c06f-uptodate-dcapqvl/quote.bin", TDX.Verifier() as any AttestationVerifier,
                "2025-07-01T00:00:00Z"
            ),
            ("tdx/v5-90c06f-uptodate-gotdx/quote.bin", TDX.Verifier(), "2026-02-03T01:00:00Z"),
            ("sgx/v3-00a067110000-swhardening-dcapqvl/quote.bin", SGX.Verifier(), "2025-07-01T00:00:00Z"),
        ] {
            let original = try Vectors.bytes(path)
            let quote = try DCAP.Quote(original)
            let context = VerificationContext(time: Vectors.time(time), signatureCache: SignatureCache())
            #expect(verifier.verify(original, context: context).claims != nil)
            let signedEnd = quote.signedBytes.count
            // Header/body, the signature and attestation key, the QE report and its signature.
            let positions = stride(from: 0, to: signedEnd + 4 + 128 + 384 + 64 + 6, by: 7)
            for offset in positions where !(signedEnd..<signedEnd + 4).contains(offset) {
                var mutated = original
                mutated[offset] ^= 0x20
                #expect(verifier.verify(mutated, context: context).claims == nil, "\(path) offset \(offset)")
            }
        }
    }

    @Test("every truncation of a quote is a typed malformed-evidence error; trailing bytes are tolerated")
    func truncations() throws {
        let original = try Vectors.bytes("tdx/v4-50806f-spr-tcb-not-matched-gotdx/quote.bin")
        var parsedAt: [Int] = []
        for length in 0..<original.count {
            do {
                _ = try DCAP.Quote(Array(original.prefix(length)))
                parsedAt.append(length)
            } catch {
                #expect(error.code == .malformedEvidence)
            }
        }
        // Only lengths that keep the whole signature data (the 39 trailing bytes) parse.
        #expect(parsedAt.allSatisfy { $0 >= original.count - 39 })
        _ = try DCAP.Quote(original + [UInt8](repeating: 0, count: 100))
        #expect(throws: AttestationError(.malformedEvidence, "")) {
            try DCAP.Quote([UInt8](repeating: 0, count: (1 << 20) + 1))
        }
    }

    @Test("unknown quote versions, TEE types and key types are refused")
    func unknownVersions() throws {
        let original = try Vectors.bytes("tdx/v4-b0c06f-uptodate-dcapqvl/quote.bin")
        for (offset, value) in [(0, UInt8(6)), (0, 3), (2, 3), (4, 0x80)] {
            var mutated = original
            mutated[offset] = value
            #expect(throws: AttestationError(.malformedEvidence, "")) { try DCAP.Quote(mutated) }
        }
    }

    @Test("the raw JSON scanner returns the exact bytes of members")
    func rawJSON() throws {
        let text = #"{ "tcbInfo" : {"a":"}\"{","b":[1,{"c":2}]} , "signature":"ab"}"#
        let members = try DCAP.RawJSON.members(Array(text.utf8))
        #expect(String(decoding: members["tcbInfo"]!, as: UTF8.self) == #"{"a":"}\"{","b":[1,{"c":2}]}"#)
        #expect(String(decoding: members["signature"]!, as: UTF8.self) == #""ab""#)
        #expect(throws: AttestationError(.malformedCollateral, "")) { try DCAP.RawJSON.members(Array("{\"a\":".utf8)) }
    }
}

@Suite("DCAP collateral layouts")
struct DCAPCollateralLayoutTests {
    @Test("the SGX collateral split into PCS responses, a percent-encoded chain and hex CRLs gives the same result")
    func pcsLayout() throws {
        let dir = "sgx/v3-00a067110000-swhardening-dcapqvl"
        let bundle = try #require(
            try JSONSerialization.jsonObject(with: Data(try Vectors.bytes("\(dir)/collateral.json"))) as? [String: Any]
        )
        let tcbInfo = try #require(bundle["tcb_info"] as? String)
        let qeIdentity = try #require(bundle["qe_identity"] as? String)
        let chain = try #require(bundle["tcb_info_issuer_chain"] as? String)
        let items: [(name: String, bytes: [UInt8])] = [
            ("tcbinfo", Array("{\"tcbInfo\":\(tcbInfo),\"signature\":\"\(bundle["tcb_info_signature"]!)\"}".utf8)),
            (
                "qeidentity",
                Array("{\"enclaveIdentity\":\(qeIdentity),\"signature\":\"\(bundle["qe_identity_signature"]!)\"}".utf8)
            ),
            ("issuer-chain", Array(chain.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!.utf8)),
            ("pck.crl.hex", Array((bundle["pck_crl"] as! String).utf8)),
            ("root.crl.hex", Array((bundle["root_ca_crl"] as! String).utf8)),
        ]
        let context = VerificationContext(
            time: Vectors.time("2025-07-01T00:00:00Z"),
            collateral: BundleCollateralProvider(items)
        )
        let result = try Vectors.appraise(SGX.Verifier(), try Vectors.bytes("\(dir)/quote.bin"), context: context)
        #expect(result.tcbStatus == .configurationAndSWHardeningNeeded)
        #expect(result.advisoryIDs.sorted() == ["INTEL-SA-00289", "INTEL-SA-00615"])
        #expect(result.checks.contains { $0.name == "pck.revocation" && $0.passed })
        #expect(result.failedChecks == ["policy.tcb_status"])
    }

    @Test("TCB info v2 component keys decode like v3 arrays")
    func tcbInfoV2() throws {
        let json =
            #"{"tcb":{"sgxtcbcomp01svn":5,"sgxtcbcomp02svn":6,"sgxtcbcomp16svn":2,"pcesvn":11},"tcbStatus":"UpToDate"}"#
        let level = try JSONDecoder().decode(DCAP.TCBLevel.self, from: Data(json.utf8))
        let svns = level.tcb.sgxtcbcomponents?.map(\.svn)
        #expect(svns?.count == 16)
        #expect(svns?.first == 5 && svns?[1] == 6 && svns?[15] == 2 && svns?[2] == 0)
        #expect(level.tcb.pcesvn == 11)
    }
}
