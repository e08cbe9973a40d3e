import Crypto
public import Foundation
public import _VeilBytes

extension OHTTP {
    /// The client side of Oblivious HTTP: encapsulates requests to a verified gateway key configuration and
    /// opens the responses.
    public struct Client: Sendable {
        /// The gateway configuration requests are encrypted to. Verify it (attestation binding) before use.
        public let keyConfig: KeyConfig
        /// The symmetric algorithm chosen from those the gateway offers.
        public let algorithm: SymmetricAlgorithm

        /// Veil's preference order when a gateway offers several algorithms.
        public static let preferredAlgorithms: [SymmetricAlgorithm] = [.aes256GCM, .chaCha20Poly1305, .aes128GCM]

        public init(
            keyConfig: KeyConfig,
            preferring preferences: [SymmetricAlgorithm] = preferredAlgorithms
        )
            throws(OHTTPError)
        {
            guard let chosen = preferences.first(where: keyConfig.symmetricAlgorithms.contains) else {
                throw OHTTPError(.unsupportedSuite, "the gateway offers no symmetric algorithm this client accepts")
            }
            self.keyConfig = keyConfig
            self.algorithm = chosen
        }

        /// Picks the configuration to use from an `application/ohttp-keys` list: X-Wing (post-quantum) first.
        public static func choose(from configs: [KeyConfig]) throws(OHTTPError) -> Client {
            let ordered =
                configs.filter { $0.kem == .xWing } + configs.filter { $0.kem != .xWing }
            for config in ordered {
                if let client = try? Client(keyConfig: config) { return client }
            }
            throw OHTTPError(.unsupportedSuite, "no key configuration offers a suite this client supports")
        }

        /// Encapsulates a Binary HTTP request as a `message/ohttp-req` body.
        public func encapsulateRequest(_ request: some DataProtocol) throws(OHTTPError) -> EncapsulatedRequest {
            let header = keyConfig.header(for: algorithm)
            var sender = try makeSender(info: OHTTP.requestLabel + [0] + header)
            let ciphertext: Data
            do {
                ciphertext = try sender.seal(request, authenticating: [UInt8]())
            } catch {
                throw OHTTPError(.cryptoFailure, "sealing the request failed: \(error)")
            }
            let encapsulatedKey = Array(sender.encapsulatedKey)
            let opener = try ResponseDecapsulator(
                secret: exportSecret(sender, label: OHTTP.responseLabel),
                encapsulatedKey: encapsulatedKey,
                algorithm: algorithm
            )
            return EncapsulatedRequest(message: header + encapsulatedKey + Array(ciphertext), response: opener)
        }

        func makeSender(info: [UInt8]) throws(OHTTPError) -> HPKE.Sender {
            let suite = algorithm.ciphersuite(keyConfig.kem)
            do {
                switch keyConfig.kem {
                case .xWing:
                    let key = try XWingMLKEM768X25519.PublicKey(rawRepresentation: keyConfig.publicKey)
                    return try HPKE.Sender(recipientKey: key, ciphersuite: suite, info: Data(info))
                case .x25519:
                    let key = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: keyConfig.publicKey)
                    return try HPKE.Sender(recipientKey: key, ciphersuite: suite, info: Data(info))
                }
            } catch {
                throw OHTTPError(.malformedKeyConfig, "the gateway public key is not usable: \(error)")
            }
        }

        func exportSecret(_ sender: HPKE.Sender, label: [UInt8]) throws(OHTTPError) -> SymmetricKey {
            do {
                return try sender.exportSecret(
                    context: label,
                    outputByteCount: ResponseKeys.nonceLength(algorithm.aead)
                )
            } catch {
                throw OHTTPError(.cryptoFailure, "exporting the response secret failed: \(error)")
            }
        }
    }

    /// An encapsulated request, and the means to open its response.
    public struct EncapsulatedRequest: Sendable {
        /// The `message/ohttp-req` body.
        public let message: [UInt8]
        /// Opens the response to this request.
        public let response: ResponseDecapsulator
    }

    /// Opens the `message/ohttp-res` response to one request.
    public struct ResponseDecapsulator: Sendable {
        let secret: SymmetricKey
        let encapsulatedKey: [UInt8]
        let algorithm: SymmetricAlgorithm

        init(secret: SymmetricKey, encapsulatedKey: [UInt8], algorithm: SymmetricAlgorithm) {
            self.secret = secret
            self.encapsulatedKey = encapsulatedKey
            self.algorithm = algorithm
        }

        /// From the exported secret's bytes: for known-answer tests that start from a published secret.
        package init(secretBytes: [UInt8], encapsulatedKey: [UInt8], algorithm: SymmetricAlgorithm) {
            self.init(secret: SymmetricKey(data: secretBytes), encapsulatedKey: encapsulatedKey, algorithm: algorithm)
        }

        /// Decrypts the response; the plaintext Binary HTTP response lands in ``SecureBytes``.
        public func decapsulate(_ response: some Collection<UInt8>) throws(OHTTPError) -> SecureBytes {
            let nonceLength = ResponseKeys.nonceLength(algorithm.aead)
            let bytes = Array(response)
            guard bytes.count >= nonceLength + algorithm.aead.tagLength else {
                throw OHTTPError(.malformedMessage, "response of \(bytes.count) bytes is shorter than nonce and tag")
            }
            let keys = ResponseKeys(
                secret: secret,
                encapsulatedKey: encapsulatedKey,
                responseNonce: Array(bytes[0..<nonceLength]),
                algorithm: algorithm
            )
            return try keys.open(Array(bytes[nonceLength...]), counter: 0, final: false)
        }
    }
}
