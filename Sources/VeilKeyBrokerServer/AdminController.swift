import Foundation
import Hummingbird
import HummingbirdCore
import VeilKeyBroker
import VeilWire
import _VeilBytes

/// The admin API under `/kbs/v0/admin`: resources, policies, reference values, tenants, releases and the audit
/// trail. Every route needs `Authorization: Bearer <admin JWT>` signed by a configured admin key; with none
/// configured every route answers 401 (closed by default).
struct AdminController<Context: RequestContext>: Sendable {
    let service: KeyBrokerService

    static var secretBodyLimit: Int { SealedSecret.maximumSecretSize }
    static var documentBodyLimit: Int { 64 * 1024 }

    func register(on router: Router<Context>) {
        let admin = router.group("kbs/v0/admin")
        admin.get("resources", use: list)
        admin.put("resources/:repository/:type/:tag", use: put)
        admin.post("resources/:repository/:type/:tag/rotate", use: rotate)
        admin.delete("resources/:repository/:type/:tag", use: delete)
        admin.get("resources/:repository/:type/:tag/releases", use: releases)
        admin.put("policies/repository/:repository", use: setRepositoryPolicy)
        admin.get("policies/repository/:repository", use: getRepositoryPolicy)
        admin.delete("policies/repository/:repository", use: deleteRepositoryPolicy)
        admin.put("policies/resource/:repository/:type/:tag", use: setResourcePolicy)
        admin.get("policies/resource/:repository/:type/:tag", use: getResourcePolicy)
        admin.delete("policies/resource/:repository/:type/:tag", use: deleteResourcePolicy)
        admin.get("reference-values", use: referenceValues)
        admin.put("reference-values/:name", use: setReferenceValues)
        admin.delete("reference-values/:name", use: deleteReferenceValues)
        admin.get("tenants", use: tenants)
        admin.put("tenants/:repository", use: addTenant)
        admin.get("audit", use: audit)
        admin.get("audit/verify", use: verifyAudit)
        admin.post("audit/anchor", use: anchorAudit)
    }

    func identity(_ request: Request) async throws -> AdminIdentity {
        try await service.authenticateAdmin(KBSController<Context>.bearer(request))
    }

    static func resource(_ context: Context) throws -> ResourceID {
        try ResourceID(
            repository: context.parameters.get("repository") ?? "",
            type: context.parameters.get("type") ?? "",
            tag: context.parameters.get("tag") ?? ""
        )
    }

    static func secret(_ request: Request) async throws -> SecureBytes {
        var body = try await KBSController<Context>.collect(request, limit: secretBodyLimit)
        var bytes = Array(body.readableBytesView)
        body.setRepeatingByte(0, count: body.readableBytes, at: body.readerIndex)
        defer { SecureMemory.wipe(&bytes) }
        return SecureBytes(bytes)
    }

    static func document<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let body = try await KBSController<Context>.collect(request, limit: documentBodyLimit)
        do { return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView)) } catch {
            throw KeyBrokerError(.invalidPolicy, "the body is not a valid document of the documented shape")
        }
    }

    struct VersionResponse: Encodable {
        let path: String
        let version: Int
    }

    @Sendable func put(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        let resource = try Self.resource(context)
        let version = try await service.putResource(resource, secret: try await Self.secret(request), by: identity)
        return try KBSController<Context>.json(VersionResponse(path: resource.path, version: version), status: .created)
    }

    @Sendable func rotate(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        let resource = try Self.resource(context)
        var grace: TimeInterval?
        if let text = request.uri.queryParameters.get("grace_seconds") {
            guard let value = Double(text), value >= 0, value <= 365 * 86_400 else {
                throw Problem.badRequest("grace_seconds must be between 0 and one year")
            }
            grace = value
        }
        let version = try await service.rotateResource(
            resource,
            secret: try await Self.secret(request),
            grace: grace,
            by: identity
        )
        return try KBSController<Context>.json(VersionResponse(path: resource.path, version: version))
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        try await service.deleteResource(try Self.resource(context), by: identity)
        return Response(status: .noContent)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        let repository = request.uri.queryParameters.get("repository").map { String($0) }
        if let repository { try ResourceID.validate(repository) }
        return try KBSController<Context>.json(try await service.listResources(repository: repository, by: identity))
    }

    @Sendable func releases(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        return try KBSController<Context>.json(try await service.releases(try Self.resource(context), by: identity))
    }

    func setPolicy(_ scope: PolicyScope, _ request: Request) async throws -> Response {
        let identity = try await identity(request)
        let policy = try await Self.document(ReleasePolicy.self, request)
        try await service.setPolicy(scope, policy, by: identity)
        return Response(status: .noContent)
    }

    func getPolicy(_ scope: PolicyScope, _ request: Request) async throws -> Response {
        let identity = try await identity(request)
        guard let policy = try await service.policy(scope, by: identity) else {
            throw KeyBrokerError(.notFound, "no policy")
        }
        return try KBSController<Context>.json(policy)
    }

    func deletePolicy(_ scope: PolicyScope, _ request: Request) async throws -> Response {
        let identity = try await identity(request)
        try await service.setPolicy(scope, nil, by: identity)
        return Response(status: .noContent)
    }

    static func repositoryScope(_ context: Context) throws -> PolicyScope {
        let name = context.parameters.get("repository") ?? ""
        try ResourceID.validate(name)
        return .repository(name)
    }

    @Sendable func setRepositoryPolicy(_ request: Request, context: Context) async throws -> Response {
        try await setPolicy(try Self.repositoryScope(context), request)
    }
    @Sendable func getRepositoryPolicy(_ request: Request, context: Context) async throws -> Response {
        try await getPolicy(try Self.repositoryScope(context), request)
    }
    @Sendable func deleteRepositoryPolicy(_ request: Request, context: Context) async throws -> Response {
        try await deletePolicy(try Self.repositoryScope(context), request)
    }
    @Sendable func setResourcePolicy(_ request: Request, context: Context) async throws -> Response {
        try await setPolicy(.resource(try Self.resource(context)), request)
    }
    @Sendable func getResourcePolicy(_ request: Request, context: Context) async throws -> Response {
        try await getPolicy(.resource(try Self.resource(context)), request)
    }
    @Sendable func deleteResourcePolicy(_ request: Request, context: Context) async throws -> Response {
        try await deletePolicy(.resource(try Self.resource(context)), request)
    }

    @Sendable func referenceValues(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        return try KBSController<Context>.json(try await service.referenceValueSets(by: identity))
    }

    @Sendable func setReferenceValues(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        let set = try await Self.document(ReferenceValueSet.self, request)
        try await service.setReferenceValues(name: context.parameters.get("name") ?? "", set, by: identity)
        return Response(status: .noContent)
    }

    @Sendable func deleteReferenceValues(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        try await service.setReferenceValues(name: context.parameters.get("name") ?? "", nil, by: identity)
        return Response(status: .noContent)
    }

    @Sendable func tenants(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        return try KBSController<Context>.json(try await service.tenants(by: identity))
    }

    @Sendable func addTenant(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        let created = try await service.addTenant(context.parameters.get("repository") ?? "", by: identity)
        return Response(status: created ? .created : .noContent)
    }

    @Sendable func audit(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        let query = request.uri.queryParameters
        let after = query.get("after").flatMap { Int64($0) } ?? 0
        let limit = query.get("limit").flatMap { Int($0) } ?? 1000
        let entries = try await service.auditEntries(after: after, limit: limit, by: identity)
        let text = entries.map { $0.jsonLine() + "\n" }.joined()
        return Response(
            status: .ok,
            headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    struct VerifyResponse: Encodable {
        let intact: Bool
        let count: Int
        let head: String
        let firstBroken: Int64?
        let reason: String?

        enum CodingKeys: String, CodingKey {
            case intact, count, head, reason
            case firstBroken = "first_broken"
        }
    }

    struct AnchorResponse: Encodable {
        let anchored: Bool
        let sequence: UInt64?
        let headSHA256: String?
        let logIndex: UInt64?
        let policyVersionsLogged: Int

        enum CodingKeys: String, CodingKey {
            case anchored, sequence
            case headSHA256 = "head_sha256"
            case logIndex = "log_index"
            case policyVersionsLogged = "policy_versions_logged"
        }
    }

    /// `POST /kbs/v0/admin/audit/anchor`: anchors the audit chain's head in the transparency log now.
    @Sendable func anchorAudit(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        let anchor = try await service.anchorAuditHead(by: identity)
        return try KBSController<Context>.json(
            AnchorResponse(
                anchored: anchor != nil,
                sequence: anchor?.head.sequence,
                headSHA256: anchor?.head.headSHA256,
                logIndex: anchor?.logIndex,
                policyVersionsLogged: anchor?.policyVersionsLogged ?? 0
            )
        )
    }

    @Sendable func verifyAudit(_ request: Request, context: Context) async throws -> Response {
        let identity = try await identity(request)
        let report = try await service.verifyAudit(by: identity)
        return try KBSController<Context>.json(
            VerifyResponse(
                intact: report.isIntact,
                count: report.count,
                head: report.head,
                firstBroken: report.firstBroken,
                reason: report.reason
            )
        )
    }
}
