public import Foundation

/// The inputs of one verification besides the evidence: verification is a pure function of
/// (evidence, collateral, policy, time), so the time is an input and never read from the clock here.
public struct VerificationContext: Sendable {
    /// The instant at which certificates, CRLs and collateral must be valid.
    public var time: Date
    /// The expected nonce (SNP/TDX/SGX report data, zero-padded to 64 bytes; TPM extraData), if any.
    public var nonce: [UInt8]?
    /// The relaxations in force.
    public var options: VerificationOptions
    /// Where the verifier gets certificates, CRLs and TCB collateral.
    public var collateral: any CollateralProvider
    /// A cache of certificate signatures already verified, shared across verifications.
    public var signatureCache: SignatureCache?

    public init(
        time: Date,
        nonce: [UInt8]? = nil,
        options: VerificationOptions = .strict,
        collateral: any CollateralProvider = BundleCollateralProvider(),
        signatureCache: SignatureCache? = nil
    ) {
        self.time = time
        self.nonce = nonce
        self.options = options
        self.collateral = collateral
        self.signatureCache = signatureCache
    }
}
