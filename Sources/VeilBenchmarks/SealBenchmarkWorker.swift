import Foundation

#if canImport(Glibc)
import Glibc
#endif
import VeilKeys
import VeilSealing
import _VeilBytes

/// The child side of ``SealBenchmark``: one seal or one in-memory unseal, timed, with its peak memory.
public enum SealBenchmarkWorker {
    struct Paths {
        let directory: String
        var model: String { directory + "/model.bin" }
        var sealed: String { directory + "/model.veil" }
        var key: String { directory + "/model.key" }
        var signingKey: String { directory + "/owner.key" }
        var ownerKey: String { directory + "/owner.key.pub" }
    }

    /// One operation's time and peak memory.
    public struct Result: Codable, Sendable {
        /// Wall-clock seconds.
        public let seconds: Double
        /// User plus system CPU seconds.
        public let cpuSeconds: Double
        /// Peak resident memory above the start, bytes.
        public let peakDeltaBytes: Int
        /// How the peak was measured.
        public let peakMeasurement: String
        /// How the unsealed region was locked (unseal only).
        public let memoryLock: String?
    }

    /// Runs `operation` (`seal` or `unseal`) on the files in `directory` and measures it.
    public static func run(_ operation: String, directory: String, chunkSize: Int) throws -> Result {
        let paths = Paths(directory: directory)
        let key = try KeyFile.readSymmetricKey(paths.key)
        let reset = resetPeak()
        let baseline = statusField("VmRSS") ?? 0
        let clock = ContinuousClock()
        let cpuStart = cpuTime()
        var lock: String?
        let elapsed: Duration
        switch operation {
        case "seal":
            let signer = try KeyFile.readSigningKey(paths.signingKey)
            elapsed = try clock.measure {
                try SealedModel.seal(
                    paths.model,
                    to: paths.sealed,
                    keyEncryptionKey: key,
                    keyID: "bench/models/model@1",
                    signingKey: signer,
                    metadata: SealedModel.Metadata(modelName: "bench", sourceFileName: "model.bin", format: .other),
                    chunkSize: chunkSize,
                    overwrite: true
                )
            }
        case "unseal":
            let owner = try KeyFile.readPublicKey(paths.ownerKey)
            elapsed = try clock.measure {
                let model = try SealedModel.unseal(
                    contentsOf: paths.sealed,
                    keyEncryptionKey: key,
                    expectedOwners: [owner],
                    options: SealedModel.UnsealOptions(allowUnlockedMemory: true)
                )
                lock = model.memoryLock.description
            }
        default:
            throw BenchmarkError("unknown worker \(operation).", remedy: "Use seal or unseal.")
        }
        let cpu = cpuTime() - cpuStart
        let peak = statusField("VmHWM") ?? 0
        return Result(
            seconds: elapsed.seconds,
            cpuSeconds: cpu,
            peakDeltaBytes: peak - (reset ? baseline : 0),
            peakMeasurement: reset ? "VmHWM after reset minus VmRSS at start" : "VmHWM (reset unavailable)",
            memoryLock: lock
        )
    }

    /// User plus system CPU time of this process so far, in seconds.
    static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// Resets the peak resident size (VmHWM) to the current one: Linux `clear_refs` value 5.
    private static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }

    /// A `kB` field of /proc/self/status, in bytes.
    private static func statusField(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.dropFirst(name.count + 1).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
}
