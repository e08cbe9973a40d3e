import Crypto
public import Foundation
public import _VeilBytes

extension OHTTP {
    /// The node side of Oblivious HTTP: holds the gateway keys, decapsulates requests and encapsulates their
    /// responses (RFC 9458 §4.3–4.4).
    public struct Gateway: Sendable {
        /// The keys this gateway accepts, by key id.
        public let keys: [GatewayKey]

        /// The largest encapsulated request accepted.
        public var maximumRequestSize: Int

        public init(keys: [GatewayKey], maximumRequestSize: Int = 16 << 20) {
            self.keys = keys
            self.maximumRequestSize = maximumRequestSize
        }

        /// The `application/ohttp-keys` body that clients fetch.
        public var keyConfigList: [UInt8] { KeyConfig.encodeList(keys.map(\.config)) }

        /// Decapsulates a `message/ohttp-req` body. The plaintext request lands in ``SecureBytes``.
        public func decapsulateRequest(_ message: some Collection<UInt8>) throws(OHTTPError) -> DecapsulatedRequest {
            guard message.count <= maximumRequestSize else {
                throw OHTTPError(.tooLarge, "request of \(message.count) bytes exceeds \(maximumRequestSize)")
            }
            var cursor = ByteCursor(Array(message))
            var (header, recipient) = try openHeader(&cursor, label: OHTTP.requestLabel)
            let ciphertext = cursor.readRemaining()
            var plaintext: Data
            do {
                plaintext = try recipient.context.open(ciphertext, authenticating: [UInt8]())
            } catch {
                throw OHTTPError(.decryptionFailed, "the request does not authenticate under the gateway key")
            }
            let request = SecureBytes(wiping: &plaintext)
            header.removeAll()
            let responder = try ResponseEncapsulator(
                recipient: recipient.context,
                label: OHTTP.responseLabel,
                encapsulatedKey: recipient.encapsulatedKey,
                algorithm: recipient.algorithm
            )
            return DecapsulatedRequest(request: request, responder: responder)
        }

        /// An opened request header: the HPKE context and what the response needs.
        struct OpenedHeader {
            var context: HPKE.Recipient
            let encapsulatedKey: [UInt8]
            let algorithm: SymmetricAlgorithm
        }

        /// Reads `hdr ‖ enc` and sets up the HPKE context with `info = label ‖ 0x00 ‖ hdr`.
        func openHeader(
            _ cursor: inout ByteCursor<[UInt8]>,
            label: [UInt8]
        ) throws(OHTTPError) -> (header: [UInt8], recipient: OpenedHeader) {
            do {
                let header = try cursor.readBytes(count: 7, "request header")
                var fields = ByteCursor(header)
                let keyID = try fields.readUInt8()
                let kemID = try fields.read(UInt16.self, .big)
                let kdfID = try fields.read(UInt16.self, .big)
                let aeadID = try fields.read(UInt16.self, .big)
                guard let key = keys.first(where: { $0.config.keyID == keyID }) else {
                    throw OHTTPError(.unknownKeyID, "key id \(keyID) is not served here; refetch the key configuration")
                }
                guard kemID == key.config.kem.rawValue else {
                    throw OHTTPError(.unsupportedSuite, "KEM 0x\(String(kemID, radix: 16)) does not match key \(keyID)")
                }
                guard let kdf = KDF(rawValue: kdfID), let aead = AEAD(rawValue: aeadID),
                    key.config.symmetricAlgorithms.contains(SymmetricAlgorithm(kdf: kdf, aead: aead))
                else {
                    throw OHTTPError(
                        .unsupportedSuite,
                        "KDF 0x\(String(kdfID, radix: 16)) / AEAD 0x\(String(aeadID, radix: 16)) not offered by key \(keyID)"
                    )
                }
                let algorithm = SymmetricAlgorithm(kdf: kdf, aead: aead)
                let encapsulatedKey = try cursor.readBytes(
                    count: key.config.kem.encapsulatedKeyLength,
                    "encapsulated key"
                )
                let context = try key.recipient(
                    algorithm: algorithm,
                    info: label + [0] + header,
                    encapsulatedKey: encapsulatedKey
                )
                return (header, OpenedHeader(context: context, encapsulatedKey: encapsulatedKey, algorithm: algorithm))
            } catch let error as ByteParsingError {
                throw OHTTPError(.malformedMessage, error.description)
            } catch let error as OHTTPError {
                throw error
            } catch {
                throw OHTTPError(.malformedMessage, "\(error)")
            }
        }
    }

    /// A decapsulated request and the means to answer it.
    public struct DecapsulatedRequest: Sendable {
        /// The plaintext Binary HTTP request.
        public let request: SecureBytes
        /// Encapsulates the response to this request (and only this request).
        public let responder: ResponseEncapsulator
    }

    /// Encapsulates the response to one request (RFC 9458 §4.4).
    public struct ResponseEncapsulator: Sendable {
        let secret: SymmetricKey
        let encapsulatedKey: [UInt8]
        let algorithm: SymmetricAlgorithm

        init(
            recipient: HPKE.Recipient,
            label: [UInt8],
            encapsulatedKey: [UInt8],
            algorithm: SymmetricAlgorithm
        )
            throws(OHTTPError)
        {
            do {
                secret = try recipient.exportSecret(
                    context: label,
                    outputByteCount: ResponseKeys.nonceLength(algorithm.aead)
                )
            } catch {
                throw OHTTPError(.cryptoFailure, "exporting the response secret failed: \(error)")
            }
            self.encapsulatedKey = encapsulatedKey
            self.algorithm = algorithm
        }

        /// Encapsulates a Binary HTTP response as a `message/ohttp-res` body with a fresh random nonce.
        public func encapsulate(_ response: some DataProtocol) throws(OHTTPError) -> [UInt8] {
            try encapsulate(response, responseNonce: randomBytes(ResponseKeys.nonceLength(algorithm.aead)))
        }

        /// Encapsulates with a caller-chosen nonce: for known-answer tests only.
        package func encapsulate(_ response: some DataProtocol, responseNonce: [UInt8]) throws(OHTTPError) -> [UInt8] {
            let keys = ResponseKeys(
                secret: secret,
                encapsulatedKey: encapsulatedKey,
                responseNonce: responseNonce,
                algorithm: algorithm
            )
            return responseNonce + Array(try keys.seal(response, counter: 0, final: false))
        }
    }

    /// Random bytes from swift-crypto's generator.
    static func randomBytes(_ count: Int) -> [UInt8] {
        SymmetricKey.randomNonSecretBytes(count: count)
    }
}
