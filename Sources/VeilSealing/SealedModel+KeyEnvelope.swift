import Crypto
package import _VeilBytes

extension SealedModel {
    /// The per-file data key, wrapped under the key-encryption key (KEK) that the key broker releases, and the
    /// KEK's identifier.
    ///
    /// The key broker's resource is the KEK, never the data key: rotating the KEK re-wraps this envelope (and
    /// re-signs the header) while the encrypted weights stay byte for byte the same.
    public struct KeyEnvelope: Sendable, Hashable {
        /// How the data key is wrapped.
        public let wrap: KeyWrap
        /// The identifier of the key-encryption key, e.g. the KBS resource path and version
        /// `default/veil-models/llama-3.2-1b@3`.
        public let keyID: String
        /// The 12-byte nonce of the wrapping AES-GCM.
        public let nonce: [UInt8]
        /// The wrapped data key: 32 bytes of ciphertext followed by the 16-byte tag.
        public let wrappedKey: [UInt8]

        static let wrappedKeyLength = 32 + 16
        static let maximumKeyIDLength = 1024
        static let label = Array("VEIL-SEAL-v1/data-key".utf8)

        /// The associated data of the wrap: a label, the manifest digest and the key identifier, so an envelope
        /// cannot be moved to another file or relabelled.
        static func associatedData(manifestDigest: [UInt8], keyID: String) -> [UInt8] {
            label + manifestDigest + Array(keyID.utf8)
        }

        /// Wraps `dataKey` under `keyEncryptionKey` for the file whose manifest digest is `manifestDigest`.
        static func wrap(
            dataKey: SecureBytes,
            keyEncryptionKey: SecureBytes,
            keyID: String,
            manifestDigest: [UInt8]
        ) throws(SealedModelError) -> KeyEnvelope {
            try checkKeyID(keyID)
            guard keyEncryptionKey.count == 32 else {
                throw SealedModelError(.invalidArgument, "the key-encryption key must be 32 bytes (aes256)")
            }
            var rawKey = Array(dataKey)
            defer { SecureMemory.wipe(&rawKey) }
            do {
                let box = try AES.GCM.seal(
                    rawKey,
                    using: SymmetricKey(data: keyEncryptionKey),
                    nonce: AES.GCM.Nonce(),
                    authenticating: associatedData(manifestDigest: manifestDigest, keyID: keyID)
                )
                return KeyEnvelope(
                    wrap: .aes256GCM,
                    keyID: keyID,
                    nonce: Array(box.nonce),
                    wrappedKey: Array(box.ciphertext) + Array(box.tag)
                )
            } catch {
                throw SealedModelError(.invalidArgument, "cannot wrap the data key: \(error)")
            }
        }

        /// Unwraps the data key into secure memory; a wrong key-encryption key fails here, before any chunk is read.
        package func unwrap(
            keyEncryptionKey: SecureBytes,
            manifestDigest: [UInt8]
        ) throws(SealedModelError)
            -> SecureBytes
        {
            guard keyEncryptionKey.count == 32 else {
                throw SealedModelError(.invalidArgument, "the key-encryption key must be 32 bytes (aes256)")
            }
            do {
                let box = try AES.GCM.SealedBox(
                    nonce: AES.GCM.Nonce(data: nonce),
                    ciphertext: wrappedKey[0..<32],
                    tag: wrappedKey[32..<48]
                )
                var opened = try AES.GCM.open(
                    box,
                    using: SymmetricKey(data: keyEncryptionKey),
                    authenticating: Self.associatedData(manifestDigest: manifestDigest, keyID: keyID)
                )
                var dataKey = SecureBytes(count: 32)
                dataKey.moveIn(wiping: &opened, at: 0)
                return dataKey
            } catch {
                throw SealedModelError(
                    .keyUnwrapFailed,
                    "the key-encryption key does not unwrap this file's data key (key id \(keyID)): "
                        + "wrong key, or a tampered key envelope"
                )
            }
        }

        static func checkKeyID(_ keyID: String) throws(SealedModelError) {
            let length = keyID.utf8.count
            guard length > 0, length <= maximumKeyIDLength else {
                throw SealedModelError(.invalidArgument, "the key id must be 1...\(maximumKeyIDLength) bytes of UTF-8")
            }
        }

        // MARK: Encoding

        func encoded() throws(SealedModelError) -> [UInt8] {
            var writer = ByteWriter(capacity: 96 + keyID.utf8.count)
            writer.write(wrap.rawValue)
            do {
                try writer.writeLengthPrefixed(Array(keyID.utf8), as: UInt16.self, .big)
            } catch {
                throw SealedModelError(.invalidArgument, "the key id is too long")
            }
            writer.write(contentsOf: nonce)
            writer.write(contentsOf: wrappedKey)
            return writer.bytes
        }

        static func parse(_ bytes: ArraySlice<UInt8>) throws(ByteParsingError) -> KeyEnvelope {
            var cursor = ByteCursor(bytes)
            let wrapByte = try cursor.readUInt8("key wrap identifier")
            guard let wrap = KeyWrap(rawValue: wrapByte) else {
                throw ByteParsingError(
                    code: .invalidValue,
                    offset: 0,
                    expected: "key wrap identifier 1 (A256GCMKW), found \(wrapByte)",
                    remaining: cursor.count
                )
            }
            let keyIDOffset = cursor.offset
            let keyIDBytes = try cursor.readLengthPrefixed(UInt16.self, .big, maxLength: maximumKeyIDLength, "key id")
            guard let keyID = String(validating: keyIDBytes, as: UTF8.self), !keyID.isEmpty else {
                throw ByteParsingError(
                    code: .invalidValue,
                    offset: keyIDOffset,
                    expected: "a non-empty UTF-8 key id",
                    remaining: cursor.count - keyIDOffset
                )
            }
            let nonce = try cursor.readBytes(count: 12, "key wrap nonce")
            let wrapped = try cursor.readBytes(count: wrappedKeyLength, "wrapped data key")
            try cursor.expectEnd("the key envelope")
            return KeyEnvelope(wrap: wrap, keyID: keyID, nonce: nonce, wrappedKey: wrapped)
        }
    }
}
