extension AttesterError {
    /// What a person should do when this machine could not produce evidence (`veil attest evidence`,
    /// `veil kbs get-resource`, a node's startup).
    public var remedy: String {
        switch code {
        case .unavailable: return "Run inside the TEE you asked for, or choose another --tee (see veil attest detect)."
        case .missingProvider, .wrongProvider:
            return "Load the guest driver for this TEE (sev-guest or tdx-guest) or choose the matching --tee."
        case .generationRace: return "Another process used the same report entry; run the command again."
        case .privilegeLevel: return "Request a --vmpl at or above the guest's privlevel_floor."
        case .tpm: return "Check that the TPM is reachable and not in failure mode (for swtpm: is it running?)."
        case .simulatedKey: return "Check the --simulated-root directory and its root.jwk (mode 0600)."
        default: return "Run the command again; if it persists, report it with the message above."
        }
    }
}
