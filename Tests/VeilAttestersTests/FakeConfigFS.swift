import Foundation
import Synchronization
import VeilAttesters

/// A fake configfs-tsm tree on disk (a temporary directory as the report root) with the kernel's side emulated:
/// `mkdir` of an entry populates `provider`, `generation`, `outblob`, `auxblob`; each write to `inblob` or
/// `privlevel` bumps `generation`; `outblob` returns the configured (real) report. Faults are injectable.
final class FakeConfigFS: TSMFileSystem, Sendable {
    struct Faults: Sendable {
        var omitProvider = false
        var provider = "sev_guest"
        /// Extra generation bumps made "by another process" when outblob is read.
        var concurrentWrites = 0
        var truncateOutblob: Int?
        /// The lowest VMPL the guest may request (`privlevel_floor`).
        var privilegeFloor = 0
    }

    let root: URL
    let outblob: [UInt8]
    let auxblob: [UInt8]?
    let faults: Faults
    private let log = Mutex<[String]>([])

    init(outblob: [UInt8], auxblob: [UInt8]? = nil, faults: Faults = Faults()) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("veil-fake-tsm-\(UUID().uuidString)")
            .appendingPathComponent("report")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        self.outblob = outblob
        self.auxblob = auxblob
        self.faults = faults
    }

    /// The operations made, in order (`mkdir`, `write privlevel`, `read outblob`, `rmdir` …).
    var operations: [String] { log.withLock { $0 } }

    /// Entries left in the tree (there should be none after an attester ran).
    var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] }

    func remove() { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }

    private func record(_ operation: String) { log.withLock { $0.append(operation) } }

    private func bumpGeneration(_ entry: URL, by count: Int = 1) throws {
        let file = entry.appendingPathComponent("generation")
        let current =
            Int(
                String(decoding: try Data(contentsOf: file), as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines
                )
            ) ?? 0
        try Data("\(current + count)\n".utf8).write(to: file)
    }

    func makeDirectory(_ path: String) throws(AttesterError) {
        record("mkdir")
        let entry = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: entry, withIntermediateDirectories: false)
            if !faults.omitProvider {
                try Data("\(faults.provider)\n".utf8).write(to: entry.appendingPathComponent("provider"))
            }
            try Data("0\n".utf8).write(to: entry.appendingPathComponent("generation"))
            try Data().write(to: entry.appendingPathComponent("inblob"))
            try Data("0\n".utf8).write(to: entry.appendingPathComponent("privlevel"))
            try Data("\(faults.privilegeFloor)\n".utf8).write(to: entry.appendingPathComponent("privlevel_floor"))
        } catch {
            throw AttesterError(.io, "fake mkdir: \(error)")
        }
    }

    func removeDirectory(_ path: String) throws(AttesterError) {
        record("rmdir")
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw AttesterError(.io, "fake rmdir: \(error)")
        }
    }

    func read(_ path: String) throws(AttesterError) -> [UInt8]? {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        record("read \(name)")
        do {
            switch name {
            case "outblob":
                if faults.concurrentWrites > 0 {
                    try bumpGeneration(url.deletingLastPathComponent(), by: faults.concurrentWrites)
                }
                if let limit = faults.truncateOutblob { return Array(outblob.prefix(limit)) }
                return outblob
            case "auxblob":
                return auxblob
            default:
                guard FileManager.default.fileExists(atPath: path) else { return nil }
                return Array(try Data(contentsOf: url))
            }
        } catch {
            throw AttesterError(.io, "fake read: \(error)")
        }
    }

    func write(_ path: String, _ bytes: [UInt8]) throws(AttesterError) {
        let url = URL(fileURLWithPath: path)
        record("write \(url.lastPathComponent)")
        do {
            try Data(bytes).write(to: url)
            try bumpGeneration(url.deletingLastPathComponent())
        } catch {
            throw AttesterError(.io, "fake write: \(error)")
        }
    }
}
