#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import _CVeilBytes

/// Process-wide protections for servers that hold secrets: no core dumps, no ptrace attach or
/// `/proc/<pid>/mem` reads by peers, and a report of how much memory may be locked.
///
/// Call ``apply()`` once at server start, before any secret is loaded, and log the returned report.
public enum ProcessHardening {
    /// The outcome of one protection.
    public enum Outcome: Hashable, Sendable, CustomStringConvertible {
        case applied
        case failed(reason: String)
        case unsupported

        public var description: String {
            switch self {
            case .applied: return "applied"
            case .unsupported: return "unsupported on this platform"
            case .failed(let reason): return "failed: \(reason)"
            }
        }

        public var succeeded: Bool { self == .applied }
    }

    /// What took effect.
    public struct Report: Hashable, Sendable, CustomStringConvertible {
        /// `RLIMIT_CORE` set to 0 (soft and hard): the kernel writes no core file for this process.
        public var coreDumpsDisabled: Outcome
        /// `PR_SET_DUMPABLE` 0: no core dumps, and ptrace attach and `/proc/<pid>/mem` are refused to
        /// unprivileged peers.
        public var nonDumpable: Outcome
        /// The soft `RLIMIT_MEMLOCK` in bytes (`nil` = unlimited), which bounds how much ``SecureBytes`` can lock.
        public var memoryLockLimit: UInt64?
        /// Whether the process can lock memory beyond the limit (root / `CAP_IPC_LOCK`).
        public var privilegedMemoryLock: Bool

        /// Whether every protection took effect.
        public var isFullyHardened: Bool { coreDumpsDisabled.succeeded && nonDumpable.succeeded }

        public var description: String {
            let limit = memoryLockLimit.map { "\($0) bytes" } ?? "unlimited"
            return "core dumps disabled: \(coreDumpsDisabled); non-dumpable: \(nonDumpable); "
                + "memory lock limit: \(limit)\(privilegedMemoryLock ? " (privileged, not enforced)" : "")"
        }
    }

    /// Applies every protection and reports what took effect. Safe to call more than once.
    @discardableResult
    public static func apply() -> Report {
        Report(
            coreDumpsDisabled: disableCoreDumps(),
            nonDumpable: setNonDumpable(),
            memoryLockLimit: memoryLockLimit(),
            privilegedMemoryLock: geteuid() == 0
        )
    }

    /// Reports the current state without changing anything.
    public static func inspect() -> Report {
        var coreLimit = rlimit()
        let coreOutcome: Outcome
        if getrlimit(resourceCore, &coreLimit) == 0 {
            coreOutcome = coreLimit.rlim_cur == 0 && coreLimit.rlim_max == 0 ? .applied : .failed(reason: "not applied")
        } else {
            coreOutcome = .failed(reason: lastError())
        }
        let dumpable = c_veil_get_dumpable()
        let dumpableOutcome: Outcome =
            dumpable == 0 ? .applied : (dumpable < 0 ? unsupportedOrFailed() : .failed(reason: "not applied"))
        return Report(
            coreDumpsDisabled: coreOutcome,
            nonDumpable: dumpableOutcome,
            memoryLockLimit: memoryLockLimit(),
            privilegedMemoryLock: geteuid() == 0
        )
    }

    private static func disableCoreDumps() -> Outcome {
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        return setrlimit(resourceCore, &limit) == 0 ? .applied : .failed(reason: lastError())
    }

    private static func setNonDumpable() -> Outcome {
        c_veil_set_non_dumpable() == 0 ? .applied : unsupportedOrFailed()
    }

    private static func memoryLockLimit() -> UInt64? {
        var limit = rlimit()
        guard getrlimit(resourceMemoryLock, &limit) == 0 else { return 0 }
        return limit.rlim_cur == unlimited ? nil : UInt64(limit.rlim_cur)
    }

    private static func unsupportedOrFailed() -> Outcome {
        errno == ENOSYS ? .unsupported : .failed(reason: lastError())
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }

    #if os(Linux)
    private static let unlimited = rlim_t.max  // RLIM_INFINITY, which Swift cannot import as written
    private static let resourceCore = __rlimit_resource_t(RLIMIT_CORE.rawValue)
    private static let resourceMemoryLock = __rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue)
    #else
    private static let unlimited = RLIM_INFINITY
    private static let resourceCore = RLIMIT_CORE
    private static let resourceMemoryLock = RLIMIT_MEMLOCK
    #endif
}
