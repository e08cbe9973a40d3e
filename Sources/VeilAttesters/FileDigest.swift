import Crypto
import Foundation

/// The digest of a file's bytes, streamed in 1 MiB reads: how attesters measure an executable.
enum FileDigest {
    static func hash<H: HashFunction>(_ path: String, using _: H.Type) throws(AttesterError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AttesterError(.io, "cannot read the executable \(path) to measure it")
        }
        defer { try? handle.close() }
        var hasher = H()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        } catch {
            throw AttesterError(.io, "cannot read the executable \(path): \(error)")
        }
        return Array(hasher.finalize())
    }
}
