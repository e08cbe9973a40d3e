/// The Confidential Containers Key Broker Service protocol (Trustee KBS attestation protocol 0.1.x), as Veil's
/// broker and guests speak it: the JSON messages of `POST /kbs/v0/auth`, `POST /kbs/v0/attest` and
/// `GET /kbs/v0/resource/<repository>/<type>/<tag>`, the TEE names, resource paths and the TEE's ephemeral key.
///
/// docs/protocols/kbs.md gives the exact JSON. Resources travel as a ``JWE`` wrapped to the TEE key.
public enum KBS {
    /// The protocol version a Veil guest announces in ``Request/version`` and the broker accepts (0.1.x).
    public static let protocolVersion = "0.1.1"

    /// Whether the broker accepts a guest's announced version: any 0.1.x.
    public static func isSupportedVersion(_ version: String) -> Bool {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "0", parts[1] == "1" else { return false }
        return !parts[2].isEmpty && parts[2].count <= 4 && parts[2].allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The name of the session cookie the broker sets in its challenge response.
    public static let sessionCookieName = "kbs-session-id"

    /// The most bytes of a KBS JSON message (request, challenge, attestation) a peer parses.
    public static let maximumMessageSize = 1 << 20
}
