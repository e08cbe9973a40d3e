/// Why an attester could not produce evidence, compared by ``code``.
public struct AttesterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable category of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// No interface for the requested TEE exists on this machine.
        public static let unavailable = Code("unavailable")
        /// configfs-tsm has no `provider` attribute: no TEE driver backs it.
        public static let missingProvider = Code("missing_provider")
        /// The provider is not the TEE that was asked for (an SNP request on a TDX guest).
        public static let wrongProvider = Code("wrong_provider")
        /// Another writer changed the report entry between our write and our read (`generation` moved).
        public static let generationRace = Code("generation_race")
        /// The requested SNP privilege level (VMPL) is below what the kernel allows (`privlevel_floor`).
        public static let privilegeLevel = Code("privilege_level")
        /// The TEE returned fewer bytes than a report or quote holds.
        public static let shortOutput = Code("short_output")
        /// The evidence does not carry the report data that was asked for.
        public static let reportDataMismatch = Code("report_data_mismatch")
        /// The report data is not 64 bytes.
        public static let invalidReportData = Code("invalid_report_data")
        /// A file, directory or device operation failed.
        public static let io = Code("io")
        /// The TPM failed (its response code is in the reason).
        public static let tpm = Code("tpm")
        /// The SNP certificate table (auxblob / extended report) is malformed.
        public static let malformedCertificateTable = Code("malformed_certificate_table")
        /// The SIMULATED TEE's dev root key could not be read or created.
        public static let simulatedKey = Code("simulated_key")

        public var description: String { name }
    }

    /// The category, for programs.
    public let code: Code
    /// What went wrong, in words an operator can act on.
    public let reason: String

    /// An error of `code` with a reason an operator can act on.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
