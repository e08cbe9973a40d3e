import Crypto
import Foundation
import Testing
import VeilAttestation
import VeilSEVSNP
import VeilTestSupport

@Suite("EAR results and policies")
struct EARAndPolicyTests {
    func snp(
        _ name: String,
        policy: PolicyDocument = Vectors.sampleSNP,
        options: VerificationOptions = .strict
    ) throws
        -> AttestationResult
    {
        let context = VerificationContext(
            time: Vectors.time("2024-06-01T00:00:00Z"),
            options: options.union(policy.options),
            collateral: Vectors.directory("sev-snp/\(name)")
        )
        return try Vectors.appraise(
            SEVSNP.Verifier(),
            try Vectors.bytes("sev-snp/\(name)/report.bin"),
            context: context,
            policy: policy
        )
    }

    @Test("an EAR is an ES256 JWT verifiable with the JWKS; another key or a changed payload fails")
    func earRoundTrip() throws {
        let result = try snp("milan-v2-vcek-virtee")
        let key = P256.Signing.PrivateKey()
        let token = try EAR.sign(result, with: key, keyID: "veil-1", verifierBuild: "veil test", nonce: [1, 2, 3])
        let jwks = JWKS(keys: [("veil-1", key.publicKey)])
        let reparsed = try JWKS(json: try jwks.json())
        let claims = try JWT.verify(token, jwks: reparsed)
        #expect(claims["eat_profile"] as? String == EAR.profile)
        #expect(claims["iat"] as? Int == Int(Vectors.time("2024-06-01T00:00:00Z").timeIntervalSince1970))
        #expect(claims["eat_nonce"] as? String == "AQID")
        let verifier = try #require(claims["ear.verifier-id"] as? [String: Any])
        #expect(verifier["build"] as? String == "veil test")
        let submods = try #require(claims["submods"] as? [String: Any])
        let snp = try #require(submods["sev-snp"] as? [String: Any])
        // The samples ship no AMD CRL: accepted under the named relaxation, so the status is a warning.
        #expect(snp["ear.status"] as? String == "warning")
        #expect(snp["veil.relaxations"] as? [String] == ["allow_missing_crl"])
        let vector = try #require(snp["ear.trustworthiness-vector"] as? [String: Any])
        #expect(vector["instance-identity"] as? Int == 2)
        let evidence = try #require(snp["ear.veraison.annotated-evidence"] as? [String: Any])
        #expect((evidence["measurement"] as? String)?.hasPrefix("7a1e5c26") == true)

        let other = JWKS(keys: [("veil-1", P256.Signing.PrivateKey().publicKey)])
        #expect(throws: AttestationError(.invalidSignature, "")) { try JWT.verify(token, jwks: other) }
        var parts = token.split(separator: ".").map(String.init)
        parts[1] = String(parts[1].reversed())
        #expect(throws: AttestationError(.invalidSignature, "")) {
            try JWT.verify(parts.joined(separator: "."), jwks: jwks)
        }
        #expect(throws: AttestationError(.invalidToken, "")) { try JWT.verify("a.b", jwks: jwks) }
    }

    @Test("rejected evidence yields a contraindicated EAR naming the failed check; relaxations give warning")
    func earStatuses() throws {
        let key = P256.Signing.PrivateKey()
        let jwks = JWKS(keys: [("k", key.publicKey)])
        let rejected = try snp("milan-v2-vcek-debugpolicy-gosev")
        let claims = try JWT.verify(try EAR.sign(rejected, with: key, keyID: "k"), jwks: jwks)
        let submod = try #require((claims["submods"] as? [String: Any])?["sev-snp"] as? [String: Any])
        #expect(submod["ear.status"] as? String == "contraindicated")
        #expect(submod["veil.failed-check"] as? String == "policy.debug")
        let relaxed = try snp("milan-v2-vcek-debugpolicy-gosev", options: VerificationOptions(allowDebug: true))
        let relaxedClaims = try JWT.verify(try EAR.sign(relaxed, with: key, keyID: "k"), jwks: jwks)
        let relaxedSubmod = try #require((relaxedClaims["submods"] as? [String: Any])?["sev-snp"] as? [String: Any])
        #expect(relaxedSubmod["ear.status"] as? String == "warning")
        #expect(relaxedSubmod["veil.relaxations"] as? [String] == ["allow_debug", "allow_missing_crl"])
    }

    @Test("a policy file's reference values, exact values and minimums are applied per platform")
    func policyFile() throws {
        let json = """
            {
              "version": 1,
              "allow_missing_crl": true,
              "platforms": {
                "sev-snp": {
                  "reference_values": {
                    "measurement": ["7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f"]
                  },
                  "exact": {"vmpl": 0},
                  "minimums": {"reported_tcb_snp": 8, "reported_tcb_microcode": 115}
                },
                "tdx": {"reference_values": {"mrtd": ["00"]}}
              }
            }
            """
        let policy = try PolicyDocument.decode(Data(json.utf8))
        let accepted = try snp("milan-v2-vcek-virtee", policy: policy)
        #expect(accepted.verdict == .accepted, "\(accepted.failedChecks)")
        #expect(accepted.checks.contains { $0.name == "policy.reference.measurement" && $0.passed })
        #expect(!accepted.checks.contains { $0.name == "policy.reference.mrtd" })
        let other = try snp("milan-v2-vcek-trustee", policy: policy)
        #expect(other.verdict == .rejected)
        #expect(other.failedChecks == ["policy.reference.measurement"])

        var stricter = policy
        stricter.platforms?["sev-snp"]?.minimums = ["reported_tcb_snp": 8, "reported_tcb_microcode": 200]
        let old = try snp("milan-v2-vcek-virtee", policy: stricter)
        #expect(old.failedChecks == ["policy.sev_snp.tcb", "policy.minimum.reported_tcb_microcode"])
    }

    @Test("policy relaxations come from the file and show in the result; bad files are typed errors")
    func policyRelaxations() throws {
        let policy = try PolicyDocument.decode(
            Data(
                #"{"version":1,"allow_debug":true,"allow_missing_crl":true,"platforms":{"sev-snp":{"minimums":{"reported_tcb_snp":5,"reported_tcb_microcode":68}}}}"#
                    .utf8
            )
        )
        let result = try snp("milan-v2-vcek-debugpolicy-gosev", policy: policy)
        #expect(result.verdict == .accepted)
        #expect(result.relaxations == ["allow_debug", "allow_missing_crl"])
        for bad in [
            #"{"version":2}"#, #"{"version":1,"platforms":{"mars":{}}}"#, "[]", #"{"version":1,"report_data":"zz"}"#,
        ] {
            #expect(throws: AttestationError(.invalidPolicy, "")) { try PolicyDocument.decode(Data(bad.utf8)) }
        }
    }

    @Test("policies compose with the result builder and report .meets / .fails")
    func builder() throws {
        let include = true
        let set = PolicySet {
            DebugForbidden()
            if include { ReferenceValues(claim: "vmpl", allowed: [.integer(1)]) }
            for minimum in [UInt64(1)] { MinimumValue(claim: "guest_svn", minimum: minimum) }
        }
        #expect(set.policies.count == 3)
        let result = try snp("milan-v2-vcek-trustee")
        _ = result
        let report = SEVSNP.Verifier().verify(
            try Vectors.bytes("sev-snp/milan-v2-vcek-trustee/report.bin"),
            context: VerificationContext(
                time: Vectors.time("2024-06-01T00:00:00Z"),
                collateral: Vectors.directory("sev-snp/milan-v2-vcek-trustee")
            )
        )
        let claims = try #require(report.claims)
        let checks = set.appraise(claims)
        #expect(checks.map(\.passed) == [true, false, true])
        #expect(checks[1].detail.contains("vmpl 0"))
        #expect(TCBStatus.outOfDate.merged(with: .configurationNeeded) == .outOfDateConfigurationNeeded)
        #expect(TCBStatus.upToDate.merged(with: .swHardeningNeeded) == .swHardeningNeeded)
    }
}
