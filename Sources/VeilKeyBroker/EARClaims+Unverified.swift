import Foundation
import _VeilBytes

extension EARClaims {
    /// Reads the claims of the EAR token `token` WITHOUT verifying its signature or expiry, for offline
    /// explanation only (`veil kbs policy test` without a JWKS); never base a release on them.
    ///
    /// Returns `nil` when `token` is not a JWT whose payload is a JSON object; throws when that object is not an
    /// EAR claims set.
    public init?(unverifiedToken token: String) throws(KeyBrokerError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = try? Base64URL.decode(parts[1]),
            let object = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any]
        else { return nil }
        try self.init(object)
    }
}
