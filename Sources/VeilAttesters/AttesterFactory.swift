public import _VeilBytes
import Foundation
import VeilAttestation

/// `--tee` of every command that produces evidence (`veil attest evidence`, `veil kbs get-resource`,
/// `veil node serve`, `veil demo`, `veil up`).
public enum TEEChoice: String, CaseIterable, Sendable {
    /// A hardware TEE or TPM this machine offers (never the SIMULATED TEE).
    case auto
    /// AMD SEV-SNP.
    case snp
    /// Intel TDX.
    case tdx
    /// TPM 2.0.
    case tpm
    /// The SIMULATED TEE (development only).
    case simulated
}

/// Builds an evidence producer from a command's options: the one place that maps `--tee` (and `auto`'s probing of
/// configfs-tsm, the guest devices and the TPM) to an ``Attester``.
public struct AttesterFactory: Sendable {
    /// What `--tee` asked for.
    public var tee: TEEChoice
    /// The TPM: a device or `tcp://HOST:PORT` (swtpm).
    public var tpm: String
    /// The SIMULATED TEE's root directory (default ``SimulatedAttester/defaultRootDirectory``).
    public var simulatedRoot: String?
    /// configfs-tsm's report directory.
    public var tsmRoot: String
    /// The legacy SEV-SNP guest device.
    public var sevGuest: String
    /// The SEV-SNP privilege level to ask for (configfs-tsm's `privlevel`; VMPL of the legacy device).
    public var vmpl: Int?
    /// The PCRs a TPM quote covers (default: all 24).
    public var pcrIndices: [Int]?
    /// The TPM event log.
    public var eventLog: String
    /// Extra members of the SIMULATED statement's configuration (e.g. `role: node`).
    public var simulatedConfiguration: [String: String]
    /// Measure this executable into PCR 23 before every TPM quote (nodes: a logged TPM release pins `pcr23`).
    public var measuresCode: Bool

    /// A factory for `tee` (the rest as the commands' defaults).
    public init(
        tee: TEEChoice,
        tpm: String = "/dev/tpmrm0",
        simulatedRoot: String? = nil,
        tsmRoot: String = ConfigFSTSMAttester.defaultRoot,
        sevGuest: String = "/dev/sev-guest",
        vmpl: Int? = nil,
        pcrIndices: [Int]? = nil,
        eventLog: String = TPMAttester.defaultEventLogPath,
        simulatedConfiguration: [String: String] = [:],
        measuresCode: Bool = false
    ) {
        self.tee = tee
        self.tpm = tpm
        self.simulatedRoot = simulatedRoot
        self.tsmRoot = tsmRoot
        self.sevGuest = sevGuest
        self.vmpl = vmpl
        self.pcrIndices = pcrIndices
        self.eventLog = eventLog
        self.simulatedConfiguration = simulatedConfiguration
        self.measuresCode = measuresCode
    }

    /// Why no attester could be made: what went wrong and what to do (printed as the CLI prints its errors).
    public typealias Failure = RemedialError

    /// The evidence producer; throws ``Failure``.
    public func make() throws -> any Attester {
        var choice = tee
        if choice == .auto {
            let interfaces = TEEInterfaces.probe()
            let tsm = FileManager.default.fileExists(atPath: tsmRoot)
            if tsm && (interfaces.has("tdx-guest") || interfaces.tsmProvider == "tdx_guest") {
                choice = .tdx
            } else if (tsm && interfaces.tsmProvider == "sev_guest") || interfaces.has("sev-guest") {
                choice = .snp
            } else if tpm.hasPrefix("tcp://") || interfaces.has("tpm") {
                choice = .tpm
            } else {
                throw Failure(
                    "this machine offers no TEE or TPM interface (see veil attest detect).",
                    remedy:
                        "Run inside an SEV-SNP or TDX guest or with a TPM, or ask for --tee simulated (development only)."
                )
            }
        }
        switch choice {
        case .snp:
            if FileManager.default.fileExists(atPath: tsmRoot) {
                return ConfigFSTSMAttester(tee: .sevSNP, root: tsmRoot, privilegeLevel: vmpl)
            }
            return SEVGuestAttester(path: sevGuest, vmpl: UInt32(vmpl ?? 0))
        case .tdx:
            return ConfigFSTSMAttester(tee: .tdx, root: tsmRoot)
        case .tpm:
            do {
                let client = try TPM2Client(location: TPM2Location(parsing: tpm))
                return TPMAttester(
                    client: client,
                    selection: TPM2.PCRSelection(indices: pcrIndices ?? Array(0..<24)),
                    eventLogPath: eventLog,
                    location: tpm,
                    measuredExecutable: measuresCode ? SimulatedAttester.currentExecutable : nil
                )
            } catch {
                throw Failure(
                    "cannot open the TPM at \(tpm): \(error)",
                    remedy: "Give --tpm /dev/tpmrm0 or tcp://HOST:PORT."
                )
            }
        case .simulated:
            var configuration = ["tee": "simulated", "veil_version": VeilVersion.current]
            configuration.merge(simulatedConfiguration) { _, new in new }
            return SimulatedAttester(
                rootDirectory: simulatedRoot ?? SimulatedAttester.defaultRootDirectory,
                configuration: configuration
            )
        case .auto:
            preconditionFailure("auto is resolved above")
        }
    }
}
