import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VeilKeyBroker
import VeilWire
import VeilKeyBrokerServer

@Suite("Key broker admin policies and reference values (in-process)")
struct KBSAdminPolicyTests {
    @Test("a tenant admin's repository policy governs its resources; named reference value sets apply")
    func repositoryPolicyAndReferenceSets() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/model-a", "secret a")
            let teeKey = KBS.TEEKey.generateP256()
            let session = try #require(try await broker.attest(client, teeKey: teeKey).1)
            let before = try await KBSServerTests.resource(client, "acme/key/model-a", bearer: session.token)
            #expect(KBSTestBroker.problem(before) == "policy-denied")

            let set = try await client.execute(
                uri: "/kbs/v0/admin/policies/repository/acme",
                method: .put,
                headers: try broker.bearer(broker.tenant),
                body: ByteBuffer(string: #"{"version":1,"platforms":["simulated"],"reference_value_sets":["dev"]}"#)
            )
            #expect(set.status == .noContent)
            let otherRepository = try await client.execute(
                uri: "/kbs/v0/admin/policies/repository/other",
                method: .put,
                headers: try broker.bearer(broker.tenant),
                body: ByteBuffer(string: #"{"version":1}"#)
            )
            #expect(KBSTestBroker.problem(otherRepository) == "forbidden")
            // The set does not exist yet: denied.
            #expect(
                KBSTestBroker.problem(
                    try await KBSServerTests.resource(client, "acme/key/model-a", bearer: session.token)
                ) == "policy-denied"
            )

            let measurement = try #require(
                try EARClaims.verify(token: session.token, jwks: broker.service.signer.jwks, now: broker.clock.now)
                    .evidenceClaims["measurement"]
            )
            let tenantSet = try await client.execute(
                uri: "/kbs/v0/admin/reference-values/dev",
                method: .put,
                headers: try broker.bearer(broker.tenant),
                body: ByteBuffer(string: #"{"simulated":{"measurement":["\#(measurement)"]}}"#)
            )
            #expect(KBSTestBroker.problem(tenantSet) == "forbidden")
            let adminSet = try await client.execute(
                uri: "/kbs/v0/admin/reference-values/dev",
                method: .put,
                headers: try broker.bearer(broker.admin),
                body: ByteBuffer(string: #"{"simulated":{"measurement":["\#(measurement)"]}}"#)
            )
            #expect(adminSet.status == .noContent)
            let released = try await KBSServerTests.resource(client, "acme/key/model-a", bearer: session.token)
            #expect(released.status == .ok)
            #expect(Array(try JWE.open(Array(buffer: released.body), with: teeKey)) == Array("secret a".utf8))

            let policy = try await client.execute(
                uri: "/kbs/v0/admin/policies/repository/acme",
                method: .get,
                headers: try broker.bearer(broker.tenant)
            )
            #expect(String(buffer: policy.body).contains(#""reference_value_sets":["dev"]"#))
            let invalid = try await client.execute(
                uri: "/kbs/v0/admin/policies/repository/acme",
                method: .put,
                headers: try broker.bearer(broker.admin),
                body: ByteBuffer(string: #"{"version":1,"platforms":["mainframe"]}"#)
            )
            #expect(KBSTestBroker.problem(invalid) == "invalid-policy")
        }
    }

    @Test("an unknown claim name (mr_td) in a policy or a reference value set is invalid-policy, and nothing is stored")
    func unknownClaimNames() async throws {
        let broker = try KBSTestBroker()
        try await broker.app().test(.router) { client in
            try await broker.put(client, "acme/key/m", "s")
            let mrtd = String(repeating: "aa", count: 48)
            let policy = try await client.execute(
                uri: "/kbs/v0/admin/policies/resource/acme/key/m",
                method: .put,
                headers: try broker.bearer(broker.admin),
                body: ByteBuffer(string: #"{"version":1,"reference_values":{"tdx":{"mr_td":["\#(mrtd)"]}}}"#)
            )
            #expect(KBSTestBroker.problem(policy) == "invalid-policy")
            #expect(try await broker.service.storage.policy(.resource(try ResourceID(path: "acme/key/m"))) == nil)
            let set = try await client.execute(
                uri: "/kbs/v0/admin/reference-values/prod",
                method: .put,
                headers: try broker.bearer(broker.admin),
                body: ByteBuffer(string: #"{"tdx":{"mr_td":["\#(mrtd)"]}}"#)
            )
            #expect(KBSTestBroker.problem(set) == "invalid-policy")
            #expect(try await broker.service.storage.referenceValues().isEmpty)
        }
    }
}
