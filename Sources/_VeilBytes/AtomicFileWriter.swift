public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
