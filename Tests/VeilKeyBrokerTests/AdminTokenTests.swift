import Foundation
import Testing
import VeilKeyBroker
import VeilKeys

@Suite("Admin tokens and roles")
struct AdminTokenTests {
    static let admin = try! SigningPrivateKey.generate(.ed25519)
    static let tenant = try! SigningPrivateKey.generate(.p256)
    static let keys = [
        AdminKey(key: admin.publicKey, role: .admin),
        AdminKey(key: tenant.publicKey, role: .tenantAdmin, repository: "acme"),
    ]

    @Test("Ed25519 and ES256 tokens verify and carry the key's role")
    func roles() throws {
        let now = Date()
        let identity = try AdminToken.verify(try AdminToken.sign(key: Self.admin, now: now), keys: Self.keys, now: now)
        #expect(identity.role == .admin && identity.keyThumbprint == Self.admin.publicKey.thumbprint)
        let tenant = try AdminToken.verify(try AdminToken.sign(key: Self.tenant, now: now), keys: Self.keys, now: now)
        #expect(tenant.role == .tenantAdmin && tenant.repository == "acme")
        try tenant.authorizeManage(repository: "acme")
        #expect(throws: KeyBrokerError(.forbidden, "a tenant admin manages only its own repository")) {
            try tenant.authorizeManage(repository: "other")
        }
        #expect(throws: KeyBrokerError.self) { try tenant.authorizeAudit() }
    }

    @Test("closed without keys; unknown key, expired, over-long and tampered tokens are refused")
    func refusals() throws {
        let now = Date()
        let token = try AdminToken.sign(key: Self.admin, now: now)
        #expect(throws: KeyBrokerError.self) { try AdminToken.verify(token, keys: [], now: now) }
        let stranger = try SigningPrivateKey.generate(.ed25519)
        #expect(throws: KeyBrokerError.self) {
            try AdminToken.verify(try AdminToken.sign(key: stranger, now: now), keys: Self.keys, now: now)
        }
        #expect(throws: KeyBrokerError.self) {
            try AdminToken.verify(token, keys: Self.keys, now: now.addingTimeInterval(301))
        }
        #expect(throws: KeyBrokerError.self) {
            try AdminToken.verify(
                try AdminToken.sign(key: Self.admin, now: now, lifetime: 7200),
                keys: Self.keys,
                now: now
            )
        }
        var parts = token.split(separator: ".").map(String.init)
        parts[1] = String(parts[1].dropFirst()) + (parts[1].first == "e" ? "f" : "e")
        #expect(throws: KeyBrokerError.self) {
            try AdminToken.verify(parts.joined(separator: "."), keys: Self.keys, now: now)
        }
        #expect(throws: KeyBrokerError.self) { try AdminToken.verify("not a token", keys: Self.keys, now: now) }
    }
}
