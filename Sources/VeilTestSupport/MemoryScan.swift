import Foundation

/// Searches another process's readable memory for a byte string, the way an attacker with the host's privileges
/// would: every readable mapping listed in `/proc/<pid>/maps`, read through `/proc/<pid>/mem`.
///
/// Reading another process's memory needs ptrace-level access (root, or the same user with a permissive Yama
/// setting and a dumpable target). A region the kernel refuses to read is reported, never silently skipped.
public enum MemoryScan {
    /// One readable mapping of the target.
    public struct Region: Sendable, Hashable {
        public let start: UInt64
        public let end: UInt64
        public let permissions: String
        public let name: String
    }

    /// What a scan found.
    public struct Report: Sendable {
        /// Every place the needle starts, with the mapping that holds it.
        public var hits: [(address: UInt64, region: String)] = []
        /// Bytes read.
        public var bytesScanned: UInt64 = 0
        /// Readable mappings scanned.
        public var regionsScanned = 0
        /// Readable mappings the kernel refused to read (with their names).
        public var unreadable: [String] = []
    }

    /// A scan that could not run at all.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The readable mappings of `pid`, excluding `[vsyscall]` (not readable through `/proc/<pid>/mem`) and `[vvar]`
    /// (kernel time data).
    public static func readableRegions(pid: Int32) throws -> [Region] {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        var regions: [Region] = []
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count >= 5 else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16)
            else { continue }
            let permissions = String(fields[1])
            let name = fields.count == 6 ? fields[5].trimmingCharacters(in: .whitespaces) : ""
            guard permissions.hasPrefix("r"), name != "[vsyscall]", name != "[vvar]", name != "[vvar_vclock]"
            else { continue }
            regions.append(Region(start: start, end: end, permissions: permissions, name: name))
        }
        return regions
    }

    /// Counts occurrences of `needle` in the readable memory of `pid`.
    public static func scan(pid: Int32, for needle: [UInt8]) throws -> Report {
        precondition(!needle.isEmpty)
        guard let memory = FileHandle(forReadingAtPath: "/proc/\(pid)/mem") else {
            throw Failure(description: "cannot open /proc/\(pid)/mem (needs root or ptrace access to the process)")
        }
        defer { try? memory.close() }
        var report = Report()
        let chunk = 8 << 20
        for region in try readableRegions(pid: pid) {
            var offset = region.start
            var carry: [UInt8] = []
            var readable = true
            while offset < region.end {
                let count = Int(min(UInt64(chunk), region.end - offset))
                let data: Data
                do {
                    try memory.seek(toOffset: offset)
                    guard let read = try memory.read(upToCount: count), !read.isEmpty else {
                        readable = false
                        break
                    }
                    data = read
                } catch {
                    readable = false
                    break
                }
                let window = carry + [UInt8](data)
                let base = offset - UInt64(carry.count)
                for index in occurrences(of: needle, in: window) {
                    report.hits.append((address: base + UInt64(index), region: region.name))
                }
                report.bytesScanned += UInt64(data.count)
                carry = Array(window.suffix(needle.count - 1))
                offset += UInt64(data.count)
            }
            if readable {
                report.regionsScanned += 1
            } else if offset == region.start {
                report.unreadable.append(
                    region.name.isEmpty ? "anonymous@\(String(region.start, radix: 16))" : region.name
                )
            }
        }
        return report
    }

    /// Start offsets of `needle` in `haystack` (first-byte scan, then compare).
    package static func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard haystack.count >= needle.count else { return [] }
        var found: [Int] = []
        let first = needle[0]
        let last = haystack.count - needle.count
        var index = 0
        while index <= last {
            guard let candidate = haystack[index...last].firstIndex(of: first) else { break }
            if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) { found.append(candidate) }
            index = candidate + 1
        }
        return found
    }
}
