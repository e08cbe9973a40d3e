public import VeilAttestation
import _VeilBytes

/// TPM 2.0 quotes (TCG TPM 2.0 Library Part 2: TPMS_ATTEST §10.12.12, TPMS_QUOTE_INFO §10.12.4).
public enum TPM {
    /// TPM_ALG_SHA256.
    public static let algSHA256: UInt16 = 0x000B
    /// TPM_ALG_SHA384.
    public static let algSHA384: UInt16 = 0x000C
    /// TPM_GENERATED_VALUE.
    public static let generatedMagic: UInt32 = 0xFF54_4347
    /// TPM_ST_ATTEST_QUOTE.
    public static let attestQuote: UInt16 = 0x8018

    /// One PCR bank selection.
    public struct PCRSelection: Sendable, Hashable {
        public let hashAlgorithm: UInt16
        /// Selected PCR indices, ascending.
        public let indices: [Int]
    }

    /// A parsed TPMS_ATTEST of type quote.
    public struct Attest: Sendable, Hashable {
        public let bytes: [UInt8]
        public let qualifiedSigner: [UInt8]
        public let extraData: [UInt8]
        public let clock: UInt64
        public let resetCount: UInt32
        public let restartCount: UInt32
        public let safe: Bool
        public let firmwareVersion: UInt64
        public let selections: [PCRSelection]
        public let pcrDigest: [UInt8]

        public init(_ bytes: [UInt8]) throws(AttestationError) {
            do {
                var cursor = ByteCursor(bytes)
                let magic = try cursor.read(UInt32.self, .big, "magic")
                guard magic == TPM.generatedMagic else {
                    throw AttestationError(.malformedEvidence, "TPMS_ATTEST magic is not TPM_GENERATED_VALUE")
                }
                let type = try cursor.read(UInt16.self, .big, "type")
                guard type == TPM.attestQuote else {
                    throw AttestationError(
                        .malformedEvidence,
                        "TPMS_ATTEST type 0x\(String(type, radix: 16)) is not a quote"
                    )
                }
                qualifiedSigner = Array(
                    try cursor.readLengthPrefixed(UInt16.self, .big, maxLength: 256, "qualifiedSigner")
                )
                extraData = Array(try cursor.readLengthPrefixed(UInt16.self, .big, maxLength: 128, "extraData"))
                clock = try cursor.read(UInt64.self, .big, "clock")
                resetCount = try cursor.read(UInt32.self, .big, "resetCount")
                restartCount = try cursor.read(UInt32.self, .big, "restartCount")
                safe = try cursor.readUInt8("safe") != 0
                firmwareVersion = try cursor.read(UInt64.self, .big, "firmwareVersion")
                let count = try cursor.read(UInt32.self, .big, "PCR selection count")
                guard count <= 16 else {
                    throw AttestationError(.malformedEvidence, "\(count) PCR banks is more than a TPM has")
                }
                var selections: [PCRSelection] = []
                for _ in 0..<count {
                    let algorithm = try cursor.read(UInt16.self, .big, "PCR bank hash algorithm")
                    let size = Int(try cursor.readUInt8("sizeofSelect"))
                    let bitmap = try cursor.readBytes(count: size, "pcrSelect")
                    var indices: [Int] = []
                    for index in 0..<(size * 8) where bitmap[index / 8] & (1 << (index % 8)) != 0 {
                        indices.append(index)
                    }
                    selections.append(PCRSelection(hashAlgorithm: algorithm, indices: indices))
                }
                self.selections = selections
                pcrDigest = Array(try cursor.readLengthPrefixed(UInt16.self, .big, maxLength: 64, "pcrDigest"))
                try cursor.expectEnd("TPMS_ATTEST")
            } catch let error as AttestationError {
                throw error
            } catch {
                throw AttestationError(.malformedEvidence, "TPMS_ATTEST: \(error)")
            }
            self.bytes = bytes
        }
    }
}
