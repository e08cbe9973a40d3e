public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
