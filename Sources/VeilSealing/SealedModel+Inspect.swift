public import VeilKeys
import _VeilBytes

extension SealedModel {
    /// What ``inspect(contentsOf:)`` found: the header and whether the file is intact as far as can be told
    /// without a key.
    public struct Inspection: Sendable {
        /// The parsed header.
        public let header: Header
        /// Whether the signature verifies under the owner key the manifest names.
        public let isSignatureValid: Bool
        /// The file's length, when it is a regular file.
        public let fileLength: UInt64?

        /// The length the manifest implies.
        public var expectedLength: UInt64 { header.sealedLength }

        /// Whether the file has exactly the length the manifest implies (`nil` when unknown).
        public var hasExpectedLength: Bool? { fileLength.map { $0 == expectedLength } }

        /// Whether `owners` contains the signer (and the signature is valid).
        public func isSigned(byOneOf owners: [SigningPublicKey]) -> Bool {
            isSignatureValid && owners.contains(header.manifest.owner)
        }
    }

    /// Reads a sealed file's header and verifies its signature, without any key: the manifest is public.
    ///
    /// A structurally broken header throws; a header whose signature does not verify is returned with
    /// ``Inspection/isSignatureValid`` false, so a tool can show what it claims and say it is not to be trusted.
    public static func inspect(contentsOf path: String) throws(SealedModelError) -> Inspection {
        var source = try SealedFileSource(path: path)
        let header = try source.readHeader()
        return Inspection(header: header, isSignatureValid: header.isSignatureValid, fileLength: source.length)
    }

    /// Like ``inspect(contentsOf:)``, for a sealed file in memory.
    public static func inspect(sealedBytes: [UInt8]) throws(SealedModelError) -> Inspection {
        var source = SealedMemorySource(sealedBytes)
        let header = try source.readHeader()
        return Inspection(header: header, isSignatureValid: header.isSignatureValid, fileLength: source.length)
    }
}
