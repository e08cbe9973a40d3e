import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file could not be opened, read, written or renamed.
public struct FileStreamError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file concerned.
    public let path: String
    /// What was being done: `open`, `read`, `write`, `fsync`, `rename`, `exists`.
    public let operation: String
    /// The system's `errno`, or 0 when the failure is not a system error.
    public let code: Int32

    public init(path: String, operation: String, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    public var description: String {
        if operation == "exists" { return "\(path): the file exists (refusing to overwrite it)" }
        return "\(path): \(operation) failed: \(String(cString: strerror(code)))"
    }
}
