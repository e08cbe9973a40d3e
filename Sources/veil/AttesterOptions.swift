import ArgumentParser
import VeilAttesters

/// The attester options `veil attest evidence` and `veil kbs get-resource` share: where the TPM, the TEE's report
/// interfaces and the SIMULATED TEE's root are.
struct AttesterOptions: ParsableArguments {
    @Option(help: "The TPM: a device (/dev/tpmrm0) or swtpm's socket interface (tcp://HOST:PORT).")
    var tpm: String = "/dev/tpmrm0"

    @Option(help: "TPM: the SHA-256 PCRs to quote, comma-separated (default 0-23).")
    var pcrs: String?

    @Option(name: .customLong("tsm-root"), help: "The configfs-tsm report directory.")
    var tsmRoot: String = ConfigFSTSMAttester.defaultRoot

    @Option(name: .customLong("sev-guest"), help: "The legacy SEV-SNP guest device (used without configfs-tsm).")
    var sevGuest: String = "/dev/sev-guest"

    @Option(
        name: .customLong("simulated-root"),
        help: "SIMULATED TEE: the directory with the dev root key (default $VEIL_SIMULATED_ROOT or ~/.veil/simulated)."
    )
    var simulatedRoot: String?

    func validate() throws {
        if pcrs != nil, pcrIndices == nil { throw ValidationError("--pcrs must list PCR numbers 0-23, e.g. 0,4,7.") }
    }

    /// The PCRs of --pcrs, or nil when malformed.
    var pcrIndices: [Int]? {
        guard let pcrs else { return Array(0..<24) }
        let parts = pcrs.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0.map { (0..<24).contains($0) } == true }) else { return nil }
        return Array(Set(parts.compactMap { $0 })).sorted()
    }

    /// The attester for `tee` on this machine, with these options.
    func attester(
        _ tee: TEEChoice,
        vmpl: Int? = nil,
        eventLog: String = TPMAttester.defaultEventLogPath
    ) throws -> any Attester {
        try AttesterFactory(
            tee: tee,
            tpm: tpm,
            simulatedRoot: simulatedRoot,
            tsmRoot: tsmRoot,
            sevGuest: sevGuest,
            vmpl: vmpl,
            pcrIndices: pcrIndices,
            eventLog: eventLog
        ).make()
    }
}
