public import VeilAttestation
import _VeilBytes

extension SEVSNP {
    /// An attestation report (1184 bytes), parsed but not yet verified.
    public struct Report: Sendable, Hashable {
        /// The size of every report.
        public static let size = 1184
        /// The signed region: bytes 0x000..<0x2A0.
        public static let signedCount = 0x2A0
        /// Report versions this parser understands.
        public static let supportedVersions: ClosedRange<UInt32> = 2...5

        public let bytes: [UInt8]
        public let version: UInt32
        public let guestSVN: UInt32
        public let policy: UInt64
        public let familyID: [UInt8]
        public let imageID: [UInt8]
        public let vmpl: UInt32
        public let signatureAlgorithm: UInt32
        public let currentTCBRaw: UInt64
        public let platformInfo: UInt64
        public let keyInfo: UInt32
        public let reportData: [UInt8]
        public let measurement: [UInt8]
        public let hostData: [UInt8]
        public let idKeyDigest: [UInt8]
        public let authorKeyDigest: [UInt8]
        public let reportID: [UInt8]
        public let reportIDMA: [UInt8]
        public let reportedTCBRaw: UInt64
        public let cpuidFamily: UInt8
        public let cpuidModel: UInt8
        public let cpuidStepping: UInt8
        public let chipID: [UInt8]
        public let committedTCBRaw: UInt64
        public let currentBuild: UInt8
        public let currentMinor: UInt8
        public let currentMajor: UInt8
        public let committedBuild: UInt8
        public let committedMinor: UInt8
        public let committedMajor: UInt8
        public let launchTCBRaw: UInt64
        public let launchMitigationVector: UInt64
        public let currentMitigationVector: UInt64
        /// The signature's R and S, big-endian, 48 bytes each.
        public let signatureR: [UInt8]
        public let signatureS: [UInt8]

        /// Parses a report, rejecting any size but 1184, an unknown version or signature algorithm.
        public init(_ bytes: [UInt8]) throws(AttestationError) {
            guard bytes.count == Self.size else {
                throw AttestationError(
                    .malformedEvidence,
                    "an SEV-SNP report is \(Self.size) bytes; this one has \(bytes.count)"
                )
            }
            do {
                var cursor = ByteCursor(bytes)
                version = try cursor.read(UInt32.self, .little, "VERSION")
                guard Self.supportedVersions.contains(version) else {
                    throw AttestationError(
                        .malformedEvidence,
                        "SEV-SNP report version \(version) is not supported (2 to 5)"
                    )
                }
                guestSVN = try cursor.read(UInt32.self, .little, "GUEST_SVN")
                policy = try cursor.read(UInt64.self, .little, "POLICY")
                familyID = try cursor.readBytes(count: 16, "FAMILY_ID")
                imageID = try cursor.readBytes(count: 16, "IMAGE_ID")
                vmpl = try cursor.read(UInt32.self, .little, "VMPL")
                signatureAlgorithm = try cursor.read(UInt32.self, .little, "SIGNATURE_ALGO")
                guard signatureAlgorithm == 1 else {
                    throw AttestationError(
                        .malformedEvidence,
                        "signature algorithm \(signatureAlgorithm) is not ECDSA P-384 with SHA-384 (1)"
                    )
                }
                currentTCBRaw = try cursor.read(UInt64.self, .little, "CURRENT_TCB")
                platformInfo = try cursor.read(UInt64.self, .little, "PLATFORM_INFO")
                keyInfo = try cursor.read(UInt32.self, .little, "signing key info")
                try cursor.seek(to: 0x50)
                reportData = try cursor.readBytes(count: 64, "REPORT_DATA")
                measurement = try cursor.readBytes(count: 48, "MEASUREMENT")
                hostData = try cursor.readBytes(count: 32, "HOST_DATA")
                idKeyDigest = try cursor.readBytes(count: 48, "ID_KEY_DIGEST")
                authorKeyDigest = try cursor.readBytes(count: 48, "AUTHOR_KEY_DIGEST")
                reportID = try cursor.readBytes(count: 32, "REPORT_ID")
                reportIDMA = try cursor.readBytes(count: 32, "REPORT_ID_MA")
                reportedTCBRaw = try cursor.read(UInt64.self, .little, "REPORTED_TCB")
                cpuidFamily = try cursor.readUInt8("CPUID_FAM_ID")
                cpuidModel = try cursor.readUInt8("CPUID_MOD_ID")
                cpuidStepping = try cursor.readUInt8("CPUID_STEP")
                try cursor.seek(to: 0x1A0)
                chipID = try cursor.readBytes(count: 64, "CHIP_ID")
                committedTCBRaw = try cursor.read(UInt64.self, .little, "COMMITTED_TCB")
                currentBuild = try cursor.readUInt8("CURRENT_BUILD")
                currentMinor = try cursor.readUInt8("CURRENT_MINOR")
                currentMajor = try cursor.readUInt8("CURRENT_MAJOR")
                try cursor.skip(1)
                committedBuild = try cursor.readUInt8("COMMITTED_BUILD")
                committedMinor = try cursor.readUInt8("COMMITTED_MINOR")
                committedMajor = try cursor.readUInt8("COMMITTED_MAJOR")
                try cursor.skip(1)
                launchTCBRaw = try cursor.read(UInt64.self, .little, "LAUNCH_TCB")
                launchMitigationVector = try cursor.read(UInt64.self, .little, "LAUNCH_MIT_VECTOR")
                currentMitigationVector = try cursor.read(UInt64.self, .little, "CURRENT_MIT_VECTOR")
                try cursor.seek(to: Self.signedCount)
                let rLE = try cursor.readBytes(count: 72, "SIGNATURE.R")
                let sLE = try cursor.readBytes(count: 72, "SIGNATURE.S")
                guard rLE[48...].allSatisfy({ $0 == 0 }), sLE[48...].allSatisfy({ $0 == 0 }) else {
                    throw AttestationError(.malformedEvidence, "the signature's R or S exceeds 48 bytes")
                }
                signatureR = Array(rLE[0..<48].reversed())
                signatureS = Array(sLE[0..<48].reversed())
            } catch let error as ByteParsingError {
                throw AttestationError(.malformedEvidence, "SEV-SNP report: \(error)")
            } catch let error as AttestationError {
                throw error
            } catch {
                throw AttestationError(.malformedEvidence, "SEV-SNP report: \(error)")
            }
            self.bytes = bytes
        }

        /// Guest policy bit 19: debugging allowed.
        public var debugAllowed: Bool { policy & (1 << 19) != 0 }
        /// Guest policy bit 16: SMT allowed.
        public var smtAllowed: Bool { policy & (1 << 16) != 0 }
        /// Guest policy bit 18: migration agent allowed.
        public var migrateMA: Bool { policy & (1 << 18) != 0 }
        /// Guest policy bit 20: single socket required.
        public var singleSocket: Bool { policy & (1 << 20) != 0 }
        /// AUTHOR_KEY_EN.
        public var authorKeyEnabled: Bool { keyInfo & 1 != 0 }
        /// MASK_CHIP_KEY: CHIP_ID is zeroed.
        public var maskChipKey: Bool { keyInfo & 2 != 0 }
        /// SIGNING_KEY: 0 VCEK, 1 VLEK, 7 none.
        public var signingKey: UInt32 { (keyInfo >> 2) & 7 }
        /// Whether CPUID fields are present (v3+).
        public var hasCPUID: Bool { version >= 3 }
        /// The signed bytes.
        public var signedRegion: ArraySlice<UInt8> { bytes[0..<Self.signedCount] }

        /// The generation from CPUID (v3+ only).
        public var cpuidGeneration: SEVSNP.Generation? {
            hasCPUID ? SEVSNP.Generation(family: cpuidFamily, model: cpuidModel) : nil
        }
    }
}
