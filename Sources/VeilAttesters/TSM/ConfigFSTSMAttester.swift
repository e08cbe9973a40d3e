import Foundation
public import VeilAttestation

/// SEV-SNP and TDX evidence through configfs-tsm (Linux 6.7+, `/sys/kernel/config/tsm/report`): create a report
/// entry, write `inblob` (and SNP `privlevel`), read `outblob`, `auxblob` and `provider`, check that `generation`
/// advanced only by our writes (another writer would make the outblob someone else's), remove the entry.
public struct ConfigFSTSMAttester: Attester {
    /// The default report directory.
    public static let defaultRoot = "/sys/kernel/config/tsm/report"
    /// The size of an SEV-SNP attestation report.
    static let snpReportSize = 1184
    /// The smallest TDX quote: header (48), TD 1.0 body (584), signature length (4).
    static let minimumTDXQuoteSize = 636

    /// `.sevSNP` or `.tdx`.
    public let tee: AttestationPlatform
    /// The report directory (injectable: tests use a prepared tree).
    public let root: String
    /// The SNP VMPL to request (`privlevel`, 0–3); nil leaves the kernel's default.
    public let privilegeLevel: Int?
    /// The file operations (the real file system, or a fake in tests).
    public let fileSystem: any TSMFileSystem

    /// - Parameters:
    ///   - tee: `.sevSNP` or `.tdx`.
    ///   - root: the configfs-tsm report directory.
    ///   - privilegeLevel: SNP only: the VMPL the report is requested for.
    public init(
        tee: AttestationPlatform,
        root: String = ConfigFSTSMAttester.defaultRoot,
        privilegeLevel: Int? = nil,
        fileSystem: any TSMFileSystem = POSIXFileSystem()
    ) {
        self.tee = tee
        self.root = root
        self.privilegeLevel = privilegeLevel
        self.fileSystem = fileSystem
    }

    /// The provider name the kernel reports for a TEE.
    static func provider(for tee: AttestationPlatform) -> String {
        tee == .tdx ? "tdx_guest" : "sev_guest"
    }

    public func evidence(reportData: [UInt8]) async throws(AttesterError) -> EvidenceBundle {
        try checkReportData(reportData)
        guard tee == .sevSNP || tee == .tdx else {
            throw AttesterError(.unavailable, "configfs-tsm produces SEV-SNP or TDX evidence, not \(tee.rawValue)")
        }
        guard FileManager.default.fileExists(atPath: root) else {
            throw AttesterError(.unavailable, "\(root) does not exist: this kernel has no configfs-tsm")
        }
        let entry = root + "/veil-" + UUID().uuidString.lowercased()
        try fileSystem.makeDirectory(entry)
        defer { try? fileSystem.removeDirectory(entry) }

        guard let providerBytes = try fileSystem.read(entry + "/provider") else {
            throw AttesterError(
                .missingProvider,
                "\(entry) has no provider: no TEE guest driver (sev-guest, tdx-guest) backs configfs-tsm"
            )
        }
        let provider = String(decoding: providerBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard provider == Self.provider(for: tee) else {
            throw AttesterError(
                .wrongProvider,
                "configfs-tsm's provider is \(provider), not \(Self.provider(for: tee))"
            )
        }
        let before = try generation(entry)
        var writes = 0
        if tee == .sevSNP, let privilegeLevel {
            if let floorBytes = try fileSystem.read(entry + "/privlevel_floor"),
                let floor = Int(
                    String(decoding: floorBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                ),
                privilegeLevel < floor
            {
                throw AttesterError(
                    .privilegeLevel,
                    "VMPL \(privilegeLevel) was requested, but this guest runs at VMPL \(floor) or above (privlevel_floor)"
                )
            }
            try fileSystem.write(entry + "/privlevel", Array("\(privilegeLevel)\n".utf8))
            writes += 1
        }
        try fileSystem.write(entry + "/inblob", reportData)
        writes += 1
        guard let outblob = try fileSystem.read(entry + "/outblob") else {
            throw AttesterError(.io, "\(entry)/outblob does not exist")
        }
        let auxblob = (try? fileSystem.read(entry + "/auxblob")) ?? nil
        let after = try generation(entry)
        guard after == before + writes else {
            throw AttesterError(
                .generationRace,
                "generation moved from \(before) to \(after) over our \(writes) write(s): another process wrote the "
                    + "same report entry, so the outblob may not be ours"
            )
        }
        let evidence = try Self.checkedEvidence(outblob, tee: tee, reportData: reportData)
        var collateral: [EvidenceBundle.Item] = []
        if tee == .sevSNP, let auxblob, !auxblob.isEmpty {
            collateral = try SNPCertificateTable.parse(auxblob).items
        }
        return EvidenceBundle(
            tee: tee,
            evidence: evidence,
            collateral: collateral,
            reportData: reportData,
            createdAt: Date(),
            producer: "configfs-tsm/\(provider)"
        )
    }

    private func generation(_ entry: String) throws(AttesterError) -> Int {
        guard let bytes = try fileSystem.read(entry + "/generation"),
            let value = Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw AttesterError(.io, "\(entry)/generation is missing or not a number")
        }
        return value
    }

    /// Checks the size and that the TEE signed our report data; returns the evidence bytes.
    static func checkedEvidence(
        _ outblob: [UInt8],
        tee: AttestationPlatform,
        reportData: [UInt8]
    )
        throws(AttesterError) -> [UInt8]
    {
        let evidence: [UInt8]
        let offset: Int
        if tee == .sevSNP {
            guard outblob.count >= snpReportSize else {
                throw AttesterError(
                    .shortOutput,
                    "outblob is \(outblob.count) bytes; an SEV-SNP report is \(snpReportSize)"
                )
            }
            evidence = Array(outblob.prefix(snpReportSize))
            offset = 0x50
        } else {
            guard outblob.count >= minimumTDXQuoteSize else {
                throw AttesterError(
                    .shortOutput,
                    "outblob is \(outblob.count) bytes; a TDX quote is at least \(minimumTDXQuoteSize)"
                )
            }
            evidence = outblob
            // Quote v4: REPORTDATA at 48 + 520; v5 inserts a 6-byte body descriptor after the header.
            offset = outblob[0] == 5 ? 48 + 6 + 520 : 48 + 520
        }
        guard Array(evidence[offset..<(offset + ReportDataBinding.size)]) == reportData else {
            throw AttesterError(
                .reportDataMismatch,
                "the \(tee.rawValue) evidence does not carry the report data written to inblob"
            )
        }
        return evidence
    }
}
