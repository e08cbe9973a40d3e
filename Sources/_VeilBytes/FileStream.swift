public import Foundation

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

/// Reads a file sequentially in large blocks with `read(2)`, into a caller-owned buffer that is reused from one
/// block to the next (no allocation per block).
public final class FileStreamReader {
    /// The file's path.
    public let path: String
    private let descriptor: Int32

    /// Opens `path` for reading.
    public init(path: String) throws(FileStreamError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileStreamError(path: path, operation: "open", code: errno) }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// The file's size and modification time when it is a regular file, `nil` otherwise (a pipe, a device).
    public func regularFileStatus() -> (size: UInt64, modified: Int64, modifiedNanoseconds: Int)? {
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        #if canImport(Darwin)
        return (UInt64(status.st_size), Int64(status.st_mtimespec.tv_sec), Int(status.st_mtimespec.tv_nsec))
        #else
        return (UInt64(status.st_size), Int64(status.st_mtim.tv_sec), Int(status.st_mtim.tv_nsec))
        #endif
    }

    /// Reads up to `count` bytes into `buffer` (resized to hold exactly what was read); fewer than `count` only
    /// at the end of the file. Returns the number of bytes read.
    @discardableResult
    public func read(into buffer: inout Data, count: Int) throws(FileStreamError) -> Int {
        precondition(count >= 0, "FileStreamReader.read: negative count")
        if buffer.count != count { buffer.count = count }
        var filled = 0
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            while filled < count {
                let got = Foundation.read(descriptor, base + filled, count - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if got == 0 { return }
                filled += got
            }
        }
        if failure != 0 { throw FileStreamError(path: path, operation: "read", code: failure) }
        if filled != count { buffer.count = filled }
        return filled
    }

    /// Moves the read position to `offset` from the start.
    public func seek(to offset: UInt64) throws(FileStreamError) {
        guard lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else {
            throw FileStreamError(path: path, operation: "seek", code: errno)
        }
    }
}

/// Writes a new file atomically: the bytes go to a temporary file beside the destination, created with the
/// given mode; ``commit()`` flushes it to disk and renames it into place. A writer released without a commit
/// removes its temporary file, so a failed operation leaves no partial output.
public final class AtomicFileWriter {
    /// The final path.
    public let path: String
    /// The temporary file written until ``commit()``.
    public let temporaryPath: String
    private let overwrite: Bool
    private var descriptor: Int32
    private var committed = false

    /// Creates the temporary file. Fails at once if `path` exists and `overwrite` is false.
    public init(path: String, mode: mode_t, overwrite: Bool) throws(FileStreamError) {
        self.path = path
        self.overwrite = overwrite
        if !overwrite, access(path, F_OK) == 0 {
            throw FileStreamError(path: path, operation: "exists", code: EEXIST)
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        temporaryPath = directory + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileStreamError(path: path, operation: "open", code: errno) }
        // The creation mode is filtered by the umask; set it exactly.
        _ = fchmod(descriptor, mode)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed { unlink(temporaryPath) }
    }

    /// Appends bytes.
    public func write<D: ContiguousBytes>(_ bytes: D) throws(FileStreamError) {
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var position = 0
            while position < buffer.count {
                let written = Foundation.write(descriptor, base + position, buffer.count - position)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                position += written
            }
        }
        if failure != 0 { throw FileStreamError(path: path, operation: "write", code: failure) }
    }

    /// Appends `range` of a secure buffer, straight from its locked memory.
    public func write(_ secure: SecureBytes, range: Range<Int>) throws(FileStreamError) {
        let failure = secure.write(range, toFileDescriptor: descriptor)
        if failure != 0 { throw FileStreamError(path: path, operation: "write", code: failure) }
    }

    /// Flushes the file to disk and renames it to ``path``.
    public func commit() throws(FileStreamError) {
        guard fsync(descriptor) == 0 else { throw FileStreamError(path: path, operation: "fsync", code: errno) }
        close(descriptor)
        descriptor = -1
        if !overwrite, access(path, F_OK) == 0 {
            throw FileStreamError(path: path, operation: "exists", code: EEXIST)
        }
        guard rename(temporaryPath, path) == 0 else {
            throw FileStreamError(path: path, operation: "rename", code: errno)
        }
        committed = true
    }
}
