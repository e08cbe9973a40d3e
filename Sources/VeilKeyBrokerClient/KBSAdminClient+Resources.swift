public import _VeilBytes

extension KBSAdminClient {
    /// Stores version 1 of the resource at `path` (`REPO/TYPE/TAG`), then, when `policy` is given, that JSON
    /// release policy for it. Returns the broker's answer to the store (JSON: `path`, `version`).
    public func putResource(
        _ path: String,
        secret: SecureBytes,
        policy: [UInt8]? = nil
    ) async throws(KBSClientError) -> [UInt8] {
        let response = try await request(
            .PUT,
            "resources/" + path,
            body: Array(secret),
            contentType: "application/octet-stream"
        )
        if let policy { try await request(.PUT, "policies/resource/" + path, body: policy) }
        return response.body
    }

    /// Adds a new version of the resource at `path`; the previous one stays readable for `graceSeconds` (the
    /// broker's default when `nil`). Returns the broker's answer (JSON: `path`, `version`).
    public func rotateResource(
        _ path: String,
        secret: SecureBytes,
        graceSeconds: Int? = nil
    ) async throws(KBSClientError) -> [UInt8] {
        let query = graceSeconds.map { "?grace_seconds=\($0)" } ?? ""
        return try await request(
            .POST,
            "resources/" + path + "/rotate" + query,
            body: Array(secret),
            contentType: "application/octet-stream"
        ).body
    }

    /// The broker's list of resources (of `repository` only, when given) and their readable versions, as JSON.
    public func listResources(repository: String? = nil) async throws(KBSClientError) -> [UInt8] {
        try await request(.GET, "resources" + (repository.map { "?repository=\($0)" } ?? "")).body
    }

    /// Deletes every version of the resource at `path`.
    public func deleteResource(_ path: String) async throws(KBSClientError) {
        try await request(.DELETE, "resources/" + path)
    }
}
