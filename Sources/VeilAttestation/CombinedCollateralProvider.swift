/// Collateral from several providers (a directory and a pinned attestation key, say), in order.
public struct CombinedCollateralProvider: CollateralProvider {
    /// The providers, asked in order.
    public let providers: [any CollateralProvider]

    /// A provider that returns the items of every provider in `providers`.
    public init(_ providers: [any CollateralProvider]) { self.providers = providers }

    /// Every provider's items, in order; fails as the first failing provider does.
    public func items() throws(AttestationError) -> [(name: String, bytes: [UInt8])] {
        var all: [(name: String, bytes: [UInt8])] = []
        for provider in providers { all += try provider.items() }
        return all
    }
}
