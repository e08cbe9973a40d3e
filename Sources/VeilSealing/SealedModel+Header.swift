import Crypto
public import VeilKeys
import _VeilBytes

extension SealedModel {
    /// The signed header of a sealed file: the ``Manifest``, the ``KeyEnvelope`` and the owner's signature.
    ///
    /// Layout (all integers big-endian; the full specification is `docs/formats/sealed-model.md`):
    /// ```
    /// magic "VEILSEAL" (8) | version u16 | header length u32
    /// manifest length u32 | manifest
    /// envelope length u32 | key envelope
    /// signature length u16 | signature            (over every byte before "signature length")
    /// ```
    public struct Header: Sendable {
        /// The format version.
        public let version: UInt16
        /// What the file holds.
        public let manifest: Manifest
        /// The wrapped data key and the key-encryption key's identifier.
        public let keyEnvelope: KeyEnvelope
        /// The owner's signature (64 bytes: Ed25519, or P-256 `r ‖ s`).
        public let signature: [UInt8]
        /// SHA-256 over magic, version and the manifest section (its length and bytes): bound into every chunk's
        /// associated data.
        public let manifestDigest: [UInt8]
        /// The bytes the signature covers.
        let signedBytes: [UInt8]
        /// The whole header as stored, preamble included.
        public let encoded: [UInt8]

        /// The length a sealed file with this header has: header plus every chunk record.
        public var sealedLength: UInt64 { UInt64(encoded.count) + manifest.chunksLength }

        /// Whether the signature verifies under the manifest's owner key. This says the header is intact and who
        /// signed it; whether that signer is trusted is the caller's decision (``verify(expectedOwners:)``).
        public var isSignatureValid: Bool {
            manifest.owner.isValidSignature(signature, for: signedBytes)
        }

        /// Checks that the owner is one of `expectedOwners` and that the signature verifies.
        public func verify(expectedOwners: [SigningPublicKey]) throws(SealedModelError) {
            guard !expectedOwners.isEmpty else {
                throw SealedModelError(.invalidArgument, "no expected owner key was given")
            }
            guard expectedOwners.contains(manifest.owner) else {
                throw SealedModelError(
                    .unexpectedSigner,
                    "the file names owner key \(manifest.owner.thumbprint), which is not among the "
                        + "\(expectedOwners.count) expected owner key(s): "
                        + expectedOwners.map(\.thumbprint).joined(separator: ", ")
                )
            }
            guard isSignatureValid else {
                throw SealedModelError(
                    .signatureInvalid,
                    "the owner's \(manifest.owner.kind.rawValue) signature does not verify over the header: "
                        + "the header was modified"
                )
            }
        }

        // MARK: Building

        /// Builds and signs a header.
        static func sign(
            manifest: Manifest,
            keyEnvelope: KeyEnvelope,
            signingKey: SigningPrivateKey
        ) throws(SealedModelError) -> Header {
            guard signingKey.publicKey == manifest.owner else {
                throw SealedModelError(.invalidArgument, "the signing key is not the manifest's owner key")
            }
            let manifestBytes = try manifest.encoded()
            let envelopeBytes = try keyEnvelope.encoded()
            let signatureLength = 64
            let headerLength = 4 + manifestBytes.count + 4 + envelopeBytes.count + 2 + signatureLength
            guard headerLength <= SealedModel.maximumHeaderLength else {
                throw SealedModelError(.limitExceeded, "the header would be \(headerLength) bytes")
            }
            var writer = ByteWriter(capacity: SealedModel.preambleLength + headerLength)
            writer.write(contentsOf: SealedModel.magic)
            writer.write(SealedModel.currentVersion, .big)
            writer.write(UInt32(headerLength), .big)
            writer.write(UInt32(manifestBytes.count), .big)
            writer.write(contentsOf: manifestBytes)
            let digest = SealedModel.manifestDigest(manifestSection: writer.bytes[SealedModel.preambleLength...])
            writer.write(UInt32(envelopeBytes.count), .big)
            writer.write(contentsOf: envelopeBytes)
            let signedBytes = writer.bytes
            let signature: [UInt8]
            do {
                signature = try signingKey.signature(for: signedBytes)
            } catch {
                throw SealedModelError(.invalidArgument, "cannot sign the header: \(error)")
            }
            guard signature.count == signatureLength else {
                throw SealedModelError(.invalidArgument, "unexpected signature length \(signature.count)")
            }
            writer.write(UInt16(signatureLength), .big)
            writer.write(contentsOf: signature)
            return Header(
                version: SealedModel.currentVersion,
                manifest: manifest,
                keyEnvelope: keyEnvelope,
                signature: signature,
                manifestDigest: digest,
                signedBytes: signedBytes,
                encoded: writer.bytes
            )
        }

        // MARK: Parsing

        /// Checks the 14-byte preamble and returns the header length it declares.
        static func parsePreamble(_ preamble: [UInt8]) throws(SealedModelError) -> Int {
            guard preamble.count >= SealedModel.magic.count, Array(preamble[0..<8]) == SealedModel.magic else {
                throw SealedModelError(.notASealedModel, "the input does not start with the VEILSEAL magic")
            }
            guard preamble.count >= SealedModel.preambleLength else {
                throw SealedModelError(.malformedHeader, "the input ends inside the 14-byte preamble")
            }
            let version = UInt16(preamble[8]) << 8 | UInt16(preamble[9])
            guard version == SealedModel.currentVersion else {
                throw SealedModelError(
                    .unsupportedVersion,
                    "the file is format version \(version); this Veil reads version \(SealedModel.currentVersion)"
                )
            }
            let length = preamble[10..<14].reduce(0) { $0 << 8 | Int($1) }
            guard length > 0, length <= SealedModel.maximumHeaderLength else {
                throw SealedModelError(
                    .malformedHeader,
                    "declared header length \(length) is outside 1...\(SealedModel.maximumHeaderLength)"
                )
            }
            return length
        }

        /// Parses a complete header: the preamble followed by exactly the header length it declares.
        static func parse(_ bytes: [UInt8]) throws(SealedModelError) -> Header {
            let headerLength = try parsePreamble(Array(bytes.prefix(SealedModel.preambleLength)))
            guard bytes.count == SealedModel.preambleLength + headerLength else {
                throw SealedModelError(
                    .malformedHeader,
                    "the input ends inside the header (\(headerLength) bytes declared)"
                )
            }
            do throws(ByteParsingError) {
                var cursor = ByteCursor(bytes)
                try cursor.skip(SealedModel.preambleLength)
                let manifestBytes = try cursor.readLengthPrefixed(
                    UInt32.self,
                    .big,
                    maxLength: headerLength,
                    "manifest"
                )
                let digest = SealedModel.manifestDigest(
                    manifestSection: bytes[SealedModel.preambleLength..<cursor.offset]
                )
                let envelopeBytes = try cursor.readLengthPrefixed(
                    UInt32.self,
                    .big,
                    maxLength: headerLength,
                    "key envelope"
                )
                let signedBytes = Array(bytes[0..<cursor.offset])
                let signature = Array(try cursor.readLengthPrefixed(UInt16.self, .big, maxLength: 64, "signature"))
                try cursor.expectEnd("the header")
                guard signature.count == 64 else {
                    throw ByteParsingError(
                        code: .invalidValue,
                        offset: signedBytes.count,
                        expected: "a 64-byte signature, found \(signature.count) bytes",
                        remaining: bytes.count - signedBytes.count
                    )
                }
                return Header(
                    version: SealedModel.currentVersion,
                    manifest: try Manifest.parse(manifestBytes),
                    keyEnvelope: try KeyEnvelope.parse(envelopeBytes),
                    signature: signature,
                    manifestDigest: digest,
                    signedBytes: signedBytes,
                    encoded: bytes
                )
            } catch {
                throw SealedModelError(.malformedHeader, error.description)
            }
        }
    }

    /// SHA-256 over magic, version, manifest length and manifest. The header length is left out on purpose: it
    /// changes when the key envelope is re-wrapped, and the digest (bound into every chunk) must not.
    static func manifestDigest(manifestSection: ArraySlice<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: SealedModel.magic)
        hasher.update(data: [UInt8(currentVersion >> 8), UInt8(currentVersion & 0xFF)])
        hasher.update(data: Array(manifestSection))
        return Array(hasher.finalize())
    }
}
