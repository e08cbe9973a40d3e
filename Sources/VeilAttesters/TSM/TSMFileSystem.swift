import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The file operations the configfs-tsm attester makes, so tests can emulate the kernel's side of configfs.
public protocol TSMFileSystem: Sendable {
    /// Creates a directory (a configfs report entry; the kernel populates its attributes).
    func makeDirectory(_ path: String) throws(AttesterError)
    /// Removes an empty directory (configfs removes an entry with rmdir(2), attributes and all).
    func removeDirectory(_ path: String) throws(AttesterError)
    /// Reads a whole attribute; nil when it does not exist.
    func read(_ path: String) throws(AttesterError) -> [UInt8]?
    /// Writes a whole attribute in one write.
    func write(_ path: String, _ bytes: [UInt8]) throws(AttesterError)
}

/// The real file system (configfs under /sys/kernel/config).
public struct POSIXFileSystem: TSMFileSystem {
    /// The real file system.
    public init() {}

    public func makeDirectory(_ path: String) throws(AttesterError) {
        guard mkdir(path, 0o700) == 0 else {
            throw AttesterError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    public func removeDirectory(_ path: String) throws(AttesterError) {
        guard rmdir(path) == 0 else {
            throw AttesterError(.io, "cannot remove \(path): \(String(cString: strerror(errno)))")
        }
    }

    public func read(_ path: String) throws(AttesterError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AttesterError(.io, "cannot open \(path) for reading")
        }
        defer { try? handle.close() }
        do {
            return Array(try handle.readToEnd() ?? Data())
        } catch {
            throw AttesterError(.io, "cannot read \(path): \(error)")
        }
    }

    public func write(_ path: String, _ bytes: [UInt8]) throws(AttesterError) {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw AttesterError(.io, "cannot open \(path) for writing")
        }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw AttesterError(.io, "cannot write \(path): \(error)")
        }
    }
}
