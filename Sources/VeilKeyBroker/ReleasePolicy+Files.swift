public import Foundation
import VeilAttestation
import _VeilBytes

extension ReleasePolicy {
    /// The release policy in the JSON file at `path` (`veil kbs policy test`); failures say what to do.
    public static func load(path: String) throws -> ReleasePolicy {
        try ReleasePolicy.decode(Data(try validatedFile(path: path)))
    }

    /// The bytes of the JSON file at `path`, once they decode as a release policy (`veil kbs resource put
    /// --policy`, which sends them as they are); failures say what to do.
    public static func validatedFile(path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RemedialError("Cannot read \(path).", remedy: "Give a release policy JSON file.")
        }
        do { _ = try ReleasePolicy.decode(data) } catch {
            throw RemedialError(
                "The policy is not valid: \(error.detail)",
                remedy: "See docs/kbs.md (Release policies)."
            )
        }
        return Array(data)
    }
}

extension EARClaims {
    /// The claims of an EAR token given as a file holding it or as the token itself: verified (signature and expiry)
    /// against the JWKS file at `jwksPath` when given, else only read. Failures say what to do.
    public static func read(token: String, jwksPath: String?, now: Date = Date()) throws -> EARClaims {
        let text = (FileManager.default.contents(atPath: token).map { String(decoding: $0, as: UTF8.self) } ?? token)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            if let jwksPath {
                guard let data = FileManager.default.contents(atPath: jwksPath) else {
                    throw RemedialError("Cannot read \(jwksPath).", remedy: "Save the broker's /kbs/v0/jwks to a file.")
                }
                return try EARClaims.verify(token: text, jwks: try JWKS(json: data), now: now)
            }
            guard let unverified = try EARClaims(unverifiedToken: text) else {
                throw RemedialError("The token is not a JWT.", remedy: "Give the token from /kbs/v0/attest.")
            }
            return unverified
        } catch let error as RemedialError {
            throw error
        } catch {
            throw RemedialError(
                "The token is not usable: \(error)",
                remedy: "Give an unexpired token from this broker."
            )
        }
    }
}
