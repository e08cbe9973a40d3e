import VeilKeyBroker
import VeilWire
import _VeilBytes

extension KeyBrokerServer {
    /// The KBS protocol's wrapping: a JWE (RFC 7516 flattened JSON) to the TEE key, `ECDH-ES+A256KW` for EC
    /// P-256 keys, `RSA-OAEP-256` for RSA keys, `A256GCM` content.
    public static let jweWrapper: ResourceWrapper = { secret, teePublicKey in
        let recipient = try KBS.PublicJWK(members: teePublicKey)
        return try JWE.seal(plaintext: secret, to: recipient).json()
    }
}
