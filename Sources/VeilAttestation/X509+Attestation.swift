import Crypto
public import Foundation
public import SwiftASN1
public import X509
import _CryptoExtras

/// Certificate helpers the platform verifiers share.
public enum AttestationX509 {
    /// Parses every certificate in PEM text (any number of blocks).
    public static func certificates(pem bytes: [UInt8]) throws(AttestationError) -> [RawCertificate] {
        let text = String(decoding: bytes, as: UTF8.self)
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw AttestationError(.malformedCollateral, "PEM text could not be parsed: \(error)")
        }
        var out: [RawCertificate] = []
        for document in documents where document.discriminator == "CERTIFICATE" {
            out.append(try RawCertificate(der: Array(document.derBytes)))
        }
        return out
    }

    /// Parses one DER certificate.
    public static func certificate(der bytes: [UInt8]) throws(AttestationError) -> RawCertificate {
        try RawCertificate(der: bytes)
    }

    /// Whether bytes look like PEM text.
    public static func isPEM(_ bytes: [UInt8]) -> Bool {
        let prefix = String(decoding: bytes.prefix(4096), as: UTF8.self)
        return prefix.contains("-----BEGIN ")
    }

    static let rsaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 10]
    static let sha384: [UInt8] = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02]

    /// The swift-certificates algorithm for an OID it supports.
    static func algorithm(_ oid: ASN1ObjectIdentifier) -> Certificate.SignatureAlgorithm? {
        switch oid {
        case [1, 2, 840, 10045, 4, 3, 2]: return .ecdsaWithSHA256
        case [1, 2, 840, 10045, 4, 3, 3]: return .ecdsaWithSHA384
        case [1, 2, 840, 10045, 4, 3, 4]: return .ecdsaWithSHA512
        case [1, 2, 840, 113_549, 1, 1, 11]: return .sha256WithRSAEncryption
        case [1, 2, 840, 113_549, 1, 1, 12]: return .sha384WithRSAEncryption
        case [1, 2, 840, 113_549, 1, 1, 13]: return .sha512WithRSAEncryption
        default: return nil
        }
    }

    /// Verifies that `issuer` signed `certificate`: RSASSA-PSS with SHA-384 (AMD: MGF1-SHA-384, salt 48) on
    /// `_CryptoExtras`, and ECDSA / PKCS#1 v1.5 through swift-certificates.
    public static func isSignedBy(
        _ certificate: RawCertificate,
        issuer: RawCertificate,
        cache: SignatureCache? = nil
    ) -> Bool {
        let pair = SignatureCache.Pair(signed: certificate, signer: issuer)
        if let cache, cache.contains(pair) { return true }
        let valid = isValidSignature(
            certificate.signature,
            over: certificate.tbsBytes,
            algorithm: certificate.signatureAlgorithm,
            parameters: certificate.signatureParameters,
            key: issuer.publicKey
        )
        if valid, let cache { cache.insert(pair) }
        return valid
    }

    /// Verifies an X.509-style signature (CRLs, certificates) with a public key.
    public static func isValidSignature(
        _ signature: [UInt8],
        over message: [UInt8],
        algorithm: ASN1ObjectIdentifier,
        parameters: [UInt8],
        key: Certificate.PublicKey
    ) -> Bool {
        if algorithm == rsaPSS {
            // Only the AMD parameters are accepted: SHA-384, MGF1-SHA-384, salt length 48.
            guard contains(parameters, sha384), let rsa = _RSA.Signing.PublicKey(key) else { return false }
            let digest = SHA384.hash(data: message)
            return rsa.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: digest,
                padding: .PSS
            )
        }
        guard let known = Self.algorithm(algorithm) else { return false }
        return key.isValidSignature(signature, for: message, signatureAlgorithm: known)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<start + needle.count].elementsEqual(needle) {
            return true
        }
        return false
    }

    /// Whether `time` lies inside the certificate's validity period.
    public static func isValid(_ certificate: RawCertificate, at time: Date) -> Bool {
        certificate.notValidBefore <= time && time <= certificate.notValidAfter
    }

    /// The common name of a distinguished name.
    public static func commonName(_ name: DistinguishedName) -> String {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return "\(attribute.value)"
            }
        }
        return "\(name)"
    }

    /// Converts an ASN.1 time node (UTCTime or GeneralizedTime) to a date.
    public static func date(_ node: ASN1Node) throws -> Date {
        let components: (Int, Int, Int, Int, Int, Int)
        if node.identifier == UTCTime.defaultIdentifier {
            let time = try UTCTime(derEncoded: node)
            components = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        } else {
            let time = try GeneralizedTime(derEncoded: node)
            components = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = DateComponents(
            year: components.0,
            month: components.1,
            day: components.2,
            hour: components.3,
            minute: components.4,
            second: components.5
        )
        guard let date = calendar.date(from: parts) else {
            throw AttestationError(.malformedCollateral, "an ASN.1 time is out of range")
        }
        return date
    }
}
