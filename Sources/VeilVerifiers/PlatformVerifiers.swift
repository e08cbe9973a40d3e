public import VeilAttestation
import VeilAzureVTPM
import VeilSEVSNP
import VeilSGX
import VeilSimulated
import VeilTDX
import VeilTPM

/// The one list of Veil's platform verifiers: every party that verifies evidence of any platform (the client SDK,
/// the key broker, `veil attest verify`, the log's release checks) takes it from here, so that a new platform is
/// added in one place.
public enum PlatformVerifiers {
    /// Every platform verifier: AMD SEV-SNP, Intel TDX, Intel SGX, TPM 2.0, Azure vTPM (SEV-SNP and TDX), and the
    /// SIMULATED TEE (which every default policy rejects).
    public static var all: [any AttestationVerifier] {
        [
            SEVSNP.Verifier(), TDX.Verifier(), SGX.Verifier(), TPM.Verifier(), AzureVTPM.Verifier(),
            SimulatedTEE.Verifier(),
        ]
    }

    /// Verifies evidence bundles (`EvidenceBundle`) with every platform verifier.
    public static let bundleVerifier = EvidenceBundle.Verifier(verifiers: all)
}
