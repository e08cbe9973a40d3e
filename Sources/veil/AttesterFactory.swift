import ArgumentParser
import Foundation
import VeilAttestation
import VeilAttesters

/// `--tee` of every command that produces evidence (`veil attest evidence`, `veil kbs get-resource`,
/// `veil node serve`, `veil demo`, `veil up`).
enum TEEChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, snp, tdx, tpm, simulated
}

/// Builds an evidence producer from a command's options: the one place that maps `--tee` (and `auto`'s probing of
/// configfs-tsm, the guest devices and the TPM) to an ``Attester``.
struct AttesterFactory {
    var tee: TEEChoice
    var tpm: String = "/dev/tpmrm0"
    var simulatedRoot: String?
    var tsmRoot: String = ConfigFSTSMAttester.defaultRoot
    var sevGuest: String = "/dev/sev-guest"
    /// The SEV-SNP privilege level to ask for (configfs-tsm's `privlevel`; VMPL of the legacy device).
    var vmpl: Int?
    var pcrIndices: [Int]?
    var eventLog: String = TPMAttester.defaultEventLogPath
    /// Extra members of the SIMULATED statement's configuration (e.g. `role: node`).
    var simulatedConfiguration: [String: String] = [:]
    /// Measure this executable into PCR 23 before every TPM quote (nodes: a logged TPM release pins `pcr23`).
    var measuresCode = false

    func make() throws -> any Attester {
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
                throw CLIError(
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
                throw CLIError(
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
