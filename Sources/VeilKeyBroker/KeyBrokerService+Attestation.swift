import Crypto
public import Foundation
import VeilAttestation
import VeilTransparency
import _VeilBytes

/// An attestation request's content, parsed by the server: `runtime-data` and `tee-evidence`.
public struct AttestationSubmission: Sendable {
    /// The `runtime-data` JSON object as sent.
    public let runtimeData: [String: any Sendable]
    /// `runtime-data.nonce`.
    public let nonce: String
    /// `runtime-data.tee-pubkey` members.
    public let teePublicKey: [String: String]
    /// The `tee-evidence`: a Veil evidence bundle's JSON bytes.
    public let evidence: [UInt8]

    /// Reads the members the protocol requires from a parsed `runtime-data` object.
    public init(runtimeData: [String: Any], evidence: [UInt8]) throws(KeyBrokerError) {
        guard let nonce = runtimeData["nonce"] as? String else {
            throw KeyBrokerError(.badRequest, "runtime-data lacks nonce")
        }
        guard let key = runtimeData["tee-pubkey"] as? [String: Any] else {
            throw KeyBrokerError(.badRequest, "runtime-data lacks tee-pubkey")
        }
        var members: [String: String] = [:]
        for (name, value) in key {
            guard let text = value as? String else {
                throw KeyBrokerError(.badRequest, "tee-pubkey.\(name) is not a string")
            }
            members[name] = text
        }
        var copy: [String: any Sendable] = [:]
        for (name, value) in runtimeData {
            switch value {
            case let text as String: copy[name] = text
            case let object as [String: Any]: copy[name] = object.compactMapValues { $0 as? String }
            default: throw KeyBrokerError(.badRequest, "runtime-data.\(name) must be a string or an object of strings")
            }
        }
        self.runtimeData = copy
        self.nonce = nonce
        self.teePublicKey = members
        self.evidence = evidence
    }
}

/// A successful attestation.
public struct AttestationOutcome: Sendable {
    /// The EAR token (ES256 JWT).
    public let token: String
    /// When it expires.
    public let expiresAt: Date
    /// Its claims.
    public let claims: EARClaims
}

extension KeyBrokerService {
    /// `POST /kbs/v0/attest`: spends the session's nonce, verifies the evidence and its binding to exactly this
    /// `runtime-data`, and issues the EAR token. Authentic evidence that the attestation policy rejects still gets
    /// a token (status `contraindicated`), which every release policy refuses; inauthentic evidence gets none.
    public func attest(sessionID: String, _ submission: AttestationSubmission) async throws -> AttestationOutcome {
        let idHash = Self.idHash(sessionID)
        let actor = Self.sessionActor(idHash)
        let now = clock()
        func deny(_ error: KeyBrokerError, digest: String = "", outcome: String? = nil) async throws -> Never {
            try await storage.finishAttestation(
                idHash: idHash,
                claimsJSON: nil,
                expiresAt: now,
                audit: AuditEvent(
                    kind: .denial,
                    actor: actor,
                    subject: "session",
                    action: "attest",
                    outcome: outcome ?? error.code.rawValue,
                    digest: digest,
                    time: now
                )
            )
            log.notice("attestation denied", ["code": .safe(error.code)])
            throw error
        }
        let session: StoredSession
        switch try await storage.claimNonce(idHash: idHash, now: now) {
        case .claimed(let claimed): session = claimed
        case .missing:
            throw KeyBrokerError(.unauthorized, "no such session: POST /kbs/v0/auth first")
        case .expired:
            throw KeyBrokerError(.sessionExpired, "the challenge expired; start again with /kbs/v0/auth")
        case .used:
            try await storage.appendAudit(
                AuditEvent(
                    kind: .denial,
                    actor: actor,
                    subject: "session",
                    action: "attest",
                    outcome: "nonce-replayed",
                    time: now
                )
            )
            throw KeyBrokerError(.nonceReplayed, "this session's nonce was used already")
        }
        let evidenceDigest = Self.sha256Hex(submission.evidence)
        guard ConstantTime.equals(Array(submission.nonce.utf8), Array(session.nonce.utf8)) else {
            try await deny(
                KeyBrokerError(.nonceReplayed, "runtime-data.nonce is not this session's challenge"),
                digest: evidenceDigest
            )
        }
        let thumbprint: String
        do { thumbprint = try TEEPublicKey.thumbprint(submission.teePublicKey) } catch { try await deny(error) }
        guard let runtimeBytes = Self.canonicalJSON(submission.runtimeData) else {
            try await deny(KeyBrokerError(.badRequest, "runtime-data is not a JSON object"))
        }
        let bundle: EvidenceBundle
        do { bundle = try EvidenceBundle(json: submission.evidence) } catch {
            try await deny(
                KeyBrokerError(.evidenceInvalid, "tee-evidence is not a Veil evidence bundle"),
                digest: evidenceDigest
            )
        }
        guard case .kbs(let boundBytes, _) = bundle.binding,
            let boundObject = try? JSONSerialization.jsonObject(with: Data(boundBytes)),
            Self.canonicalJSON(boundObject) == runtimeBytes
        else {
            try await deny(
                KeyBrokerError(.evidenceInvalid, "the evidence is not bound (KBS binding) to this runtime-data"),
                digest: evidenceDigest
            )
        }
        var options = settings.attestationPolicy.options
        if bundle.tee == .simulated { options = options.union(VerificationOptions(allowSimulated: true)) }
        let context = VerificationContext(time: now, options: options, collateral: settings.collateral)
        let report = settings.verifier.verify(submission.evidence, context: context)
        let result: AttestationResult
        do {
            result = Appraiser.appraise(
                report,
                policies: try settings.attestationPolicy.policySet(for: report.platform),
                context: context
            )
        } catch {
            try await deny(
                KeyBrokerError(.evidenceInvalid, "the attestation policy is unusable"),
                digest: evidenceDigest
            )
        }
        guard result.verdict != .invalid else {
            log.notice(
                "evidence invalid",
                [
                    "platform": .safe(PlatformName(result.platform)),
                    "check": .safe(CheckName(result.firstFailure?.name)),
                ]
            )
            let check = CheckName(result.firstFailure?.name).logValue
            try await deny(
                KeyBrokerError(.evidenceInvalid, "the evidence is not authentic: \(check)"),
                digest: evidenceDigest,
                outcome: "evidence-invalid:" + check
            )
        }
        let tenant: String?
        switch submission.runtimeData[Self.tenantMember] {
        case nil: tenant = nil
        case let name as String where (try? ResourceID.validate(name)) != nil: tenant = name
        default:
            try await deny(
                KeyBrokerError(.badRequest, "runtime-data.\(Self.tenantMember) is not a repository name"),
                digest: evidenceDigest
            )
        }
        let expiresAt = now.addingTimeInterval(settings.tokenLifetime)
        var claims = EAR.claimsSet(for: result, verifierBuild: settings.verifierBuild)
        claims["eat_nonce"] = session.nonce
        claims["exp"] = Int(expiresAt.timeIntervalSince1970)
        claims["veil.runtime-data"] = (try? JSONSerialization.jsonObject(with: Data(runtimeBytes))) ?? [:]
        claims["veil.tee-pubkey-thumbprint"] = thumbprint
        claims["veil.evidence-digest"] = evidenceDigest
        claims["aud"] = [settings.audience] + (tenant.map { ["tenant:" + $0] } ?? [])
        if let tenant { claims["veil.tenant"] = tenant }
        if let inclusion = submission.runtimeData[Self.logInclusionMember] {
            // Matched against the claims exactly as the EAR's annotated evidence spells them.
            let verified = try EARClaims(claims)
            switch verifyLogInclusion(inclusion, platform: verified.platform, claims: verified.evidenceClaims, now: now)
            {
            case .success(let release): claims["veil.log-release"] = release.jsonObject
            case .failure(let error):
                claims["veil.log-release-error"] = error.description
                log.notice("log inclusion refused", ["code": .safe(LogErrorName(error.code))])
            }
        }
        let parsed = try EARClaims(claims)
        let token = try signer.sign(claims)
        try await storage.finishAttestation(
            idHash: idHash,
            claimsJSON: parsed.json,
            expiresAt: expiresAt,
            audit: AuditEvent(
                kind: .attest,
                actor: thumbprint,
                subject: "session",
                action: "attest",
                outcome: parsed.status,
                digest: evidenceDigest,
                time: now
            )
        )
        log.info(
            "attested",
            ["platform": .safe(PlatformName(result.platform)), "status": .safe(StatusName(parsed.status))]
        )
        return AttestationOutcome(token: token, expiresAt: expiresAt, claims: parsed)
    }
}

extension KeyBrokerService {
    /// The runtime-data member naming the tenant (broker repository) the node serves.
    public static let tenantMember = "veil-tenant"
    /// The runtime-data member carrying the node's `InclusionBundle` (base64url of its compact JSON).
    public static let logInclusionMember = "veil-log-inclusion"

    /// Verifies a stapled inclusion against the trusted logs and the evidence's verified claims.
    func verifyLogInclusion(
        _ value: any Sendable,
        platform: String,
        claims: [String: String],
        now: Date
    ) -> Result<EARClaims.LogRelease, TransparencyError> {
        guard let verifier = settings.transparency else {
            return .failure(TransparencyError(.wrongOrigin, "this broker trusts no transparency log"))
        }
        guard let text = value as? String, let bytes = try? Base64URL.decode(text) else {
            return .failure(
                TransparencyError(.malformedEntry, "\(Self.logInclusionMember) is not base64url of an inclusion bundle")
            )
        }
        do throws(TransparencyError) {
            let bundle = try InclusionBundle.decode(Data(bytes))
            let (inclusion, release) = try verifier.verifyRelease(
                platform: platform,
                claims: claims,
                bundle: bundle,
                now: now
            )
            return .success(
                EARClaims.LogRelease(
                    origin: inclusion.checkpoint.checkpoint.origin,
                    leafIndex: inclusion.leafIndex,
                    treeSize: inclusion.checkpoint.checkpoint.treeSize,
                    name: release.name,
                    version: release.version,
                    checkpointTime: Int64((inclusion.checkpoint.timestamp ?? now).timeIntervalSince1970)
                )
            )
        } catch {
            return .failure(error)
        }
    }
}

/// A transparency error code for logs.
struct LogErrorName: LogSafe {
    let logValue: String
    init(_ code: TransparencyError.Code) { logValue = code.rawValue }
}

/// A platform name for logs.
struct PlatformName: LogSafe {
    let logValue: String
    init(_ platform: AttestationPlatform?) { logValue = platform?.rawValue ?? "unknown" }
}

/// A verification check name for logs (a fixed identifier such as `snp.signature`).
struct CheckName: LogSafe {
    let logValue: String
    init(_ name: String?) { logValue = String((name ?? "none").prefix(64)) }
}

/// An EAR status for logs.
struct StatusName: LogSafe {
    let logValue: String
    init(_ status: String) {
        logValue = ["affirming", "warning", "contraindicated", "none"].contains(status) ? status : "other"
    }
}
