import Crypto
import Foundation
import VeilTransparency

enum Fixtures {
    static let snp = String(repeating: "ab", count: 48)
    static let mrtd = String(repeating: "cd", count: 48)
    static let pcr7 = String(repeating: "0e", count: 32)

    static let releaseJSON = """
        {
          "kind": "release",
          "version": "1.2.0",
          "name": "veil-node",
          "measurements": [
            {"platform": "tdx", "register": "mrtd", "value": "\(mrtd)"},
            {"platform": "sev-snp", "register": "measurement", "value": "\(snp)"},
            {"platform": "tpm", "register": "pcr7", "value": "\(pcr7)"}
          ],
          "source": {"repository": "https://github.com/example/veil", "revision": "0123456789abcdef"}
        }
        """

    static func release() throws -> LogEntry { try LogEntry(json: Data(releaseJSON.utf8)) }

    static func keyRelease(_ n: Int) -> LogEntry {
        let digest = SHA256.hash(data: Array("event \(n)".utf8)).map { String(format: "%02x", $0) }.joined()
        return .keyRelease(.init(resource: "models/llama/key", policyVersion: 1, eventSHA256: digest, time: UInt64(n)))
    }
}
