import Foundation
import VeilWire
import _VeilBytes

extension OpenAI {
    /// A request body could not be used; answered as an OpenAI error object.
    struct RequestError: Error {
        let status: Int
        let message: String
        let type: String
        let param: String?
        let code: String?

        static func invalid(_ message: String, param: String? = nil) -> RequestError {
            RequestError(status: 400, message: message, type: "invalid_request_error", param: param, code: nil)
        }
    }

    /// Decodes a JSON body held in ``SecureBytes``; the transient copy is wiped.
    static func decode<T: Decodable>(_ type: T.Type, from body: SecureBytes) throws(RequestError) -> T {
        var data = Data(body)
        defer { SecureMemory.wipe(&data) }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw .invalid("missing required parameter '\(key.stringValue)'", param: key.stringValue)
        } catch DecodingError.typeMismatch(_, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .invalid("invalid type for '\(path)'", param: path)
        } catch {
            throw .invalid("the request body is not valid JSON for this endpoint")
        }
    }
}
