/// The version `veil --version` and `veil-node` report, and the SIMULATED TEE's statement carries.
public enum VeilVersion {
    /// The version string.
    public static let current = "0.1.0"
}
