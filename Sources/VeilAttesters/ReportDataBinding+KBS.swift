import Foundation
public import VeilAttestation
public import VeilKeys
import _VeilBytes

extension ReportDataBinding {
    /// The Confidential Containers KBS binding for the TEE public key `teePublicKey`: runtime data
    /// `{"nonce", "tee-pubkey"}` hashed with `hash`, as the KBS computes it. The KBS wraps released resources to this
    /// key with ECDH-ES (EC keys), so that is the algorithm the key is bound with.
    public static func kbs(nonce: String, teePublicKey jwk: JWK, hash: KBSHash) -> ReportDataBinding {
        let members: [String: String?] = [
            "kty": jwk.kty, "crv": jwk.crv, "x": jwk.x, "y": jwk.y, "alg": jwk.kty == "EC" ? "ECDH-ES" : jwk.alg,
        ]
        return .kbs(
            runtimeData: kbsRuntimeData(nonce: nonce, teePublicKey: members.compactMapValues { $0 }),
            hash: hash
        )
    }
}

extension EvidenceBundle {
    /// The attestation key a TPM quote bundle carries (`ak_pem`), to enroll it: the AK is a primary key the TPM
    /// derives the same way every time, so the key this TPM just used is the one a verifier pins for it. Nil for
    /// other platforms. (Verifiers never trust this copy: they pin an enrolled one.)
    public var tpmAttestationKeyPEM: String? {
        guard tee == .tpm, let object = try? JSONSerialization.jsonObject(with: Data(evidence)) as? [String: Any]
        else { return nil }
        return object["ak_pem"] as? String
    }
}

extension ReportDataBinding {
    /// Veil's binding of `nonce`, the public keys in the key files at `keyFiles` (JWK, public or private) and the
    /// bytes of `initDataFile` (`veil attest evidence`); failures say what to do.
    public static func veil(nonce: [UInt8], keyFiles: [String], initDataFile: String?) throws -> ReportDataBinding {
        var keys: [[UInt8]] = []
        for path in keyFiles {
            do {
                keys.append(try KeyFile.readPublicKey(path).rawBytes)
            } catch {
                throw RemedialError(
                    "cannot read the key \(path): \(error)",
                    remedy: "Give a signing key file made by veil keygen."
                )
            }
        }
        var initBytes: [UInt8]?
        if let initDataFile {
            guard let data = FileManager.default.contents(atPath: initDataFile) else {
                throw RemedialError("cannot read the init data file \(initDataFile).", remedy: "Check the path.")
            }
            initBytes = Array(data)
        }
        return .veil(nonce: nonce, publicKeys: keys, initData: initBytes)
    }
}
