public import _VeilBytes
import VeilWire

extension KBSClientError {
    /// What a person should do when the guest side of the KBS protocol (`veil kbs get-resource`) fails, decided by
    /// the error's code and, for a broker's answer, its typed ``VeilWire/ProblemType``.
    public var remedy: String {
        switch code {
        case .unreachable: return "Check --kbs and that the broker runs (veil kbs serve)."
        case .evidenceUnavailable: return "Check --tee (see veil attest detect) and the TEE or TPM interface."
        case .unexpectedResponse: return "Check that --kbs points at a Veil or Trustee key broker."
        case .protocolFailure: return "The released resource did not unwrap: report it to the broker's operator."
        case .problem:
            switch problem?.type {
            case .policyDenied: return "The broker's release policy does not accept this TEE's attestation."
            case .evidenceInvalid: return "The broker could not verify the evidence; check the TEE's collateral."
            case .notFound: return "Check --path: the broker has no such resource."
            case .forbidden: return "This attestation may not read this repository."
            case .rateLimited: return "Wait a moment and retry."
            default: return "See the broker's problem type above (docs/protocols/kbs.md lists them)."
            }
        }
    }

    /// This failure of an admin API call (``KBSAdminClient``) as an error a person can act on.
    public func adminError(baseURL: String) -> RemedialError {
        guard code == .problem else {
            return RemedialError(
                "Could not reach the broker at \(baseURL): \(detail).",
                remedy: "Check --kbs and that the broker runs."
            )
        }
        let type = problemType ?? "HTTP \(status ?? 0)"
        return RemedialError(
            "The broker refused: \(type)\(detail.isEmpty ? "" : " (\(detail))").",
            remedy: problem?.type == .unauthorized
                ? "Start the broker with --admin-key FILE.pub for this key." : "See docs/kbs.md."
        )
    }
}

extension KBSAdminClient {
    /// ``request(_:_:body:contentType:)`` with its failures as ``RemedialError``s.
    @discardableResult
    public func send(
        _ method: Method,
        _ path: String,
        body: [UInt8]? = nil,
        contentType: String = "application/json"
    ) async throws -> (status: Int, body: [UInt8]) {
        try await remedial { client throws(KBSClientError) in
            try await client.request(method, path, body: body, contentType: contentType)
        }
    }

    /// Runs `body` with this client, with its failures as ``RemedialError``s.
    public func remedial<T>(_ body: (KBSAdminClient) async throws(KBSClientError) -> T) async throws -> T {
        do { return try await body(self) } catch { throw error.adminError(baseURL: baseURL) }
    }
}
