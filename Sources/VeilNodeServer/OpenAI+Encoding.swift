import Crypto
import Foundation
import VeilOHTTP
import VeilWire
import _VeilBytes

extension OpenAI {
    /// JSON into ``SecureBytes`` (the encoder's `Data` is wiped).
    static func encode(_ value: some Encodable) -> SecureBytes {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard var data = try? encoder.encode(value) else { return SecureBytes(Array("{}".utf8)) }
        return SecureBytes(wiping: &data)
    }

    /// An SSE event `data: <json>\n\n` in ``SecureBytes``.
    static func event(_ value: some Encodable) -> SecureBytes {
        var bytes = SecureBytes(Array("data: ".utf8))
        bytes.append(contentsOf: encode(value))
        bytes.append(contentsOf: Array("\n\n".utf8))
        return bytes
    }

    /// `data: [DONE]\n\n`.
    static var done: SecureBytes { SecureBytes(Array("data: [DONE]\n\n".utf8)) }

    /// An OpenAI error response.
    static func error(_ error: RequestError) -> StreamedResponse {
        .json(
            error.status,
            encode(
                ErrorBody(error: .init(message: error.message, type: error.type, param: error.param, code: error.code))
            )
        )
    }

    /// The current Unix time.
    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// A fresh response id: `prefix-` and 24 random hex digits.
    static func id(_ prefix: String) -> String {
        prefix + "-" + Hex.encode(SymmetricKey.randomNonSecretBytes(count: 12))
    }
}
