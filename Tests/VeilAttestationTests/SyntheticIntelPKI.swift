import Crypto
import Foundation
import SwiftASN1
import VeilAttestation
import X509
import _VeilBytes
import _VeilDCAP

/// An Intel-like DCAP PKI built in code at a fixed time: root CA, PCK Platform CA, PCK leaf with the SGX
/// extension, TCB signing certificate, CRLs, TCB info and QE identity, and a TDX v4 quote signed through it.
struct SyntheticIntelPKI {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)  // 2025-06-15
    static let fmspc: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66]

    let rootKey = P256.Signing.PrivateKey()
    let platformKey = P256.Signing.PrivateKey()
    let pckKey = P256.Signing.PrivateKey()
    let tcbKey = P256.Signing.PrivateKey()
    let attestationKey = P256.Signing.PrivateKey()

    let root: Certificate
    let platformCA: Certificate
    let tcbSigning: Certificate

    init() throws {
        root = try Self.certificate(
            serial: 1,
            key: rootKey,
            subject: "Intel SGX Root CA",
            issuer: "Intel SGX Root CA",
            issuerKey: rootKey
        )
        platformCA = try Self.certificate(
            serial: 2,
            key: platformKey,
            subject: "Intel SGX PCK Platform CA",
            issuer: "Intel SGX Root CA",
            issuerKey: rootKey
        )
        tcbSigning = try Self.certificate(
            serial: 3,
            key: tcbKey,
            subject: "Intel SGX TCB Signing",
            issuer: "Intel SGX Root CA",
            issuerKey: rootKey
        )
    }

    var pckValidity: ClosedRange<Date> = now.addingTimeInterval(-86_400 * 30)...now.addingTimeInterval(86_400 * 365)
    var revokePCK = false
    var tcbInfoWindow: (issue: Date, next: Date) = (
        now.addingTimeInterval(-86_400), now.addingTimeInterval(86_400 * 29)
    )

    static func name(_ commonName: String) throws -> DistinguishedName {
        try DistinguishedName {
            CommonName(commonName)
            OrganizationName("Intel Corporation")
        }
    }

    static func certificate(
        serial: Int,
        key: P256.Signing.PrivateKey,
        subject: String,
        issuer: String,
        issuerKey: P256.Signing.PrivateKey,
        validity: ClosedRange<Date>? = nil,
        extensions: Certificate.Extensions = Certificate.Extensions()
    ) throws -> Certificate {
        let window = validity ?? Self.now.addingTimeInterval(-86_400 * 365)...Self.now.addingTimeInterval(86_400 * 3650)
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(serial),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: window.lowerBound,
            notValidAfter: window.upperBound,
            issuer: Self.name(issuer),
            subject: Self.name(subject),
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(issuerKey)
        )
    }

    func pem(_ certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString
    }

    /// DER TLV with a definite length (test-only construction of the SGX extension).
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let count = content.count
        let length: [UInt8] =
            count < 128
            ? [UInt8(count)] : count < 256 ? [0x81, UInt8(count)] : [0x82, UInt8(count >> 8), UInt8(count & 0xFF)]
        return [tag] + length + content
    }

    static func oid(_ arcs: [UInt]) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(try ASN1ObjectIdentifier(elements: arcs))
        return serializer.serializedBytes
    }

    /// The SGX extension: PPID, TCB (16 comps + PCESVN + CPUSVN), PCE-ID, FMSPC.
    func sgxExtension() throws -> Certificate.Extension {
        let base: [UInt] = [1, 2, 840, 113_741, 1, 13, 1]
        var tcb: [UInt8] = []
        for index in 1...17 {
            tcb += Self.tlv(0x30, try Self.oid(base + [2, UInt(index)]) + Self.tlv(0x02, [index == 17 ? 13 : 5]))
        }
        tcb += Self.tlv(0x30, try Self.oid(base + [2, 18]) + Self.tlv(0x04, [UInt8](repeating: 5, count: 16)))
        var content: [UInt8] = []
        content += Self.tlv(0x30, try Self.oid(base + [1]) + Self.tlv(0x04, [UInt8](repeating: 7, count: 16)))
        content += Self.tlv(0x30, try Self.oid(base + [2]) + Self.tlv(0x30, tcb))
        content += Self.tlv(0x30, try Self.oid(base + [3]) + Self.tlv(0x04, [0, 0]))
        content += Self.tlv(0x30, try Self.oid(base + [4]) + Self.tlv(0x04, Self.fmspc))
        return Certificate.Extension(
            oid: DCAP.PCKExtension.oid,
            critical: false,
            value: ArraySlice(Self.tlv(0x30, content))
        )
    }

    var pck: Certificate {
        get throws {
            try Self.certificate(
                serial: 4,
                key: pckKey,
                subject: "Intel SGX PCK Certificate",
                issuer: "Intel SGX PCK Platform CA",
                issuerKey: platformKey,
                validity: pckValidity,
                extensions: Certificate.Extensions([try sgxExtension()])
            )
        }
    }

    /// A DER CRL signed by `key`, listing `revoked` serials.
    func crl(issuer: String, key: P256.Signing.PrivateKey, revoked: [Int]) throws -> [UInt8] {
        func time(_ date: Date) -> [UInt8] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyMMddHHmmss'Z'"
            return Self.tlv(0x17, Array(formatter.string(from: date).utf8))
        }
        var nameSerializer = DER.Serializer()
        try nameSerializer.serialize(Self.name(issuer))
        let algorithm = Self.tlv(0x30, try Self.oid([1, 2, 840, 10045, 4, 3, 2]))
        var tbsContent = Self.tlv(0x02, [1]) + algorithm + nameSerializer.serializedBytes
        tbsContent += time(Self.now.addingTimeInterval(-86_400)) + time(Self.now.addingTimeInterval(86_400 * 30))
        if !revoked.isEmpty {
            var list: [UInt8] = []
            for serial in revoked {
                list += Self.tlv(0x30, Self.tlv(0x02, [UInt8(serial)]) + time(Self.now.addingTimeInterval(-3600)))
            }
            tbsContent += Self.tlv(0x30, list)
        }
        let tbs = Self.tlv(0x30, tbsContent)
        let signature = Array(try key.signature(for: tbs).derRepresentation)
        return Self.tlv(0x30, tbs + algorithm + Self.tlv(0x03, [0] + signature))
    }

    func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    func signedResponse(key: String, json: String) throws -> [UInt8] {
        let signature = try tcbKey.signature(for: Array(json.utf8)).rawRepresentation
        return Array("{\"\(key)\":\(json),\"signature\":\"\(Hex.encode(signature))\"}".utf8)
    }

    var tcbInfo: [UInt8] {
        get throws {
            let components = Array(repeating: "{\"svn\":1}", count: 16).joined(separator: ",")
            let json = """
                {"id":"TDX","version":3,"issueDate":"\(iso(tcbInfoWindow.issue))","nextUpdate":"\(iso(tcbInfoWindow.next))",\
                "fmspc":"\(Hex.encode(Self.fmspc))","pceId":"0000","tcbType":0,"tcbEvaluationDataNumber":1,\
                "tcbLevels":[{"tcb":{"sgxtcbcomponents":[\(components)],"pcesvn":13,"tdxtcbcomponents":[\(components)]},\
                "tcbDate":"2025-01-01T00:00:00Z","tcbStatus":"UpToDate"}]}
                """
            return try signedResponse(key: "tcbInfo", json: json)
        }
    }

    var qeIdentity: [UInt8] {
        get throws {
            let json = """
                {"id":"TD_QE","version":2,"issueDate":"\(iso(tcbInfoWindow.issue))","nextUpdate":"\(iso(tcbInfoWindow.next))",\
                "miscselect":"00000000","miscselectMask":"FFFFFFFF","attributes":"00000000000000000000000000000000",\
                "attributesMask":"00000000000000000000000000000000","mrsigner":"\(String(repeating: "ab", count: 32))",\
                "isvprodid":2,"tcbLevels":[{"tcb":{"isvsvn":1},"tcbDate":"2025-01-01T00:00:00Z","tcbStatus":"UpToDate"}]}
                """
            return try signedResponse(key: "enclaveIdentity", json: json)
        }
    }

    /// A TDX v4 quote: TD10 body with TEE_TCB_SVN 1s, QE report binding the attestation key, PCK chain.
    func quote(chain: [Certificate]? = nil) throws -> [UInt8] {
        var header: [UInt8] = [4, 0, 2, 0, 0x81, 0, 0, 0, 0, 0, 13, 0] + DCAP.intelQEVendorID
        header += [UInt8](repeating: 0, count: 20)
        var body = [UInt8](repeating: 1, count: 16) + [UInt8](repeating: 0, count: 584 - 16)
        body[136] = 0x42  // MRTD
        let signed = header + body
        let signature = try attestationKey.signature(for: signed).rawRepresentation
        let attestationKeyRaw = Array(attestationKey.publicKey.rawRepresentation)
        let authData = [UInt8](repeating: 9, count: 32)
        var qeReport = [UInt8](repeating: 0, count: 384)
        for index in 0..<32 { qeReport[128 + index] = 0xAB }  // MRSIGNER
        qeReport[256] = 2  // ISVPRODID
        qeReport[258] = 1  // ISVSVN
        let binding = Array(SHA256.hash(data: attestationKeyRaw + authData))
        qeReport.replaceSubrange(320..<352, with: binding)
        let qeSignature = try pckKey.signature(for: qeReport).rawRepresentation
        let pemChain = try (chain ?? [pck, platformCA, root]).map(pem).joined(separator: "\n")
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        var certification = qeReport + Array(qeSignature) + le16(authData.count) + authData
        certification += le16(5) + le32(pemChain.utf8.count) + Array(pemChain.utf8)
        let signatureData = Array(signature) + attestationKeyRaw + le16(6) + le32(certification.count) + certification
        return signed + le32(signatureData.count) + signatureData
    }

    func collateral(pckCRLRevokes: [Int] = []) throws -> BundleCollateralProvider {
        BundleCollateralProvider([
            ("tcbinfo.json", try tcbInfo),
            ("qeidentity.json", try qeIdentity),
            ("chain.pem", Array((try pem(tcbSigning) + "\n" + pem(root)).utf8)),
            ("pck.crl", try crl(issuer: "Intel SGX PCK Platform CA", key: platformKey, revoked: pckCRLRevokes)),
            ("root.crl", try crl(issuer: "Intel SGX Root CA", key: rootKey, revoked: [])),
        ])
    }
}
