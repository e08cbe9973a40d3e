import Foundation
public import VeilAttestation

/// The TEE interfaces a machine offers, as files under a root (`/`, or a prepared tree in tests). `veil doctor`
/// and `veil attest detect` print this; `--tee auto` picks from it.
public struct TEEInterfaces: Sendable, Hashable {
    /// One interface and whether it is present.
    public struct Interface: Sendable, Hashable {
        /// A short name (`configfs-tsm`, `sev-guest`, `tdx-guest`, `tpm`, `tpm-event-log`).
        public let name: String
        /// Its path under the root.
        public let path: String
        /// Whether the path exists.
        public let present: Bool
        /// What Veil uses it for.
        public let purpose: String
    }

    /// Every interface probed, in a fixed order.
    public let interfaces: [Interface]
    /// The configfs-tsm provider (`sev_guest`, `tdx_guest`) when a report entry could be probed, else nil.
    public let tsmProvider: String?

    /// The relative paths probed (relative to the root).
    public static let candidates: [(name: String, relative: String, purpose: String)] = [
        ("configfs-tsm", "sys/kernel/config/tsm/report", "SEV-SNP / TDX reports (Linux 6.7+)"),
        ("sev-guest", "dev/sev-guest", "SEV-SNP reports (legacy ioctl)"),
        ("tdx-guest", "dev/tdx_guest", "TDX quotes (legacy ioctl)"),
        ("tpm", "dev/tpmrm0", "TPM 2.0 quotes (resource manager)"),
        ("tpm-event-log", "sys/kernel/security/tpm0/binary_bios_measurements", "measured-boot event log"),
    ]

    /// Probes the interfaces under `root` (nothing is written; the TSM provider is read only from an existing entry).
    public static func probe(root: String = "/") -> TEEInterfaces {
        let base = URL(fileURLWithPath: root, isDirectory: true)
        let interfaces = candidates.map { candidate in
            let path = base.appendingPathComponent(candidate.relative).path
            return Interface(
                name: candidate.name,
                path: path,
                present: FileManager.default.fileExists(atPath: path),
                purpose: candidate.purpose
            )
        }
        var provider: String?
        let tsm = base.appendingPathComponent("sys/kernel/config/tsm/report")
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: tsm.path)) ?? [] {
            let file = tsm.appendingPathComponent(entry).appendingPathComponent("provider")
            if let data = FileManager.default.contents(atPath: file.path) {
                provider = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                break
            }
        }
        return TEEInterfaces(interfaces: interfaces, tsmProvider: provider)
    }

    /// Whether an interface is present.
    public func has(_ name: String) -> Bool { interfaces.contains { $0.name == name && $0.present } }

    /// Whether any hardware TEE or TPM interface is present.
    public var hardwareAvailable: Bool { interfaces.contains { $0.present && $0.name != "tpm-event-log" } }

    /// The TEE `--tee auto` chooses: configfs-tsm (SNP or TDX by provider), then /dev/sev-guest, then the TPM.
    /// Never the SIMULATED TEE: that must be asked for by name.
    public var automaticChoice: AttestationPlatform? {
        if has("configfs-tsm") {
            switch tsmProvider {
            case "tdx_guest": return .tdx
            case "sev_guest": return .sevSNP
            default: break
            }
            if has("tdx-guest") { return .tdx }
            if has("sev-guest") { return .sevSNP }
        }
        if has("sev-guest") { return .sevSNP }
        if has("tpm") { return .tpm }
        return nil
    }
}
