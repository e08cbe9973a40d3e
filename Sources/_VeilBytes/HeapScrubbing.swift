#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import _CVeilBytes

/// Process-wide scrubbing of freed heap memory, for processes that handle plaintext (the inference node).
///
/// Freed heap memory keeps its contents until reused: Swift strings, Foundation's JSON coders and NIO's buffers all
/// leave copies of what they held behind when they are released. ``SecureBytes`` covers the hot path; this covers
/// everything else. Two glibc mechanisms together make `free` overwrite every chunk:
///
/// * `mallopt(M_PERTURB, fill)` — glibc fills each freed chunk with ``fill`` (and new allocations with its
///   complement), in the fast bins and the normal bins; large chunks are unmapped and return to the kernel.
/// * The per-thread cache (tcache) is the exception: chunks parked there are not overwritten. It can only be turned
///   off when the process starts (`GLIBC_TUNABLES=glibc.malloc.tcache_count=0`), so ``reexecWithTunablesIfNeeded()``
///   restarts the process image once with that setting.
///
/// The node's memory-scan test proves the effect: after a request, a canary from the prompt and the completion is
/// found nowhere in the process's readable memory.
public enum HeapScrubbing {
    /// The byte freed chunks are filled with.
    public static let fill: Int32 = 0xA5

    /// The glibc tunable that turns the per-thread cache off.
    public static let tunable = "glibc.malloc.tcache_count=0"

    /// The environment variable set before re-executing, so a process that still finds tcache enabled after the
    /// restart (e.g. tunables ignored in secure-execution mode) does not loop.
    public static let reexecMarker = "VEIL_HEAP_SCRUB_REEXEC"

    /// What took effect.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        /// Freed chunks are overwritten (M_PERTURB applied).
        public var scrubsFreedChunks: Bool
        /// The per-thread cache is off, so no freed chunk escapes the overwrite.
        public var tcacheDisabled: Bool

        /// Both mechanisms are in effect.
        public var isComplete: Bool { scrubsFreedChunks && tcacheDisabled }

        public var description: String {
            "freed-chunk fill \(scrubsFreedChunks ? "on" : "off"), tcache \(tcacheDisabled ? "off" : "on")"
        }
    }

    /// Whether this process started with the per-thread cache disabled.
    public static var tcacheDisabled: Bool { c_veil_tcache_disabled() == 1 }

    /// Turns freed-chunk overwriting on (idempotent) and reports what is in effect.
    @discardableResult
    public static func enable() -> Status {
        Status(scrubsFreedChunks: c_veil_scrub_freed_heap(fill) == 1, tcacheDisabled: tcacheDisabled)
    }

    /// Restarts this process image once with the per-thread cache disabled, unless it already is (or a restart was
    /// already tried). Call it first thing in `main` of a command that will handle plaintext: it does not return
    /// when it restarts. Returns normally when no restart was needed or possible; the caller then reports
    /// ``enable()``'s status.
    /// - Parameter environment: the process environment (to read the existing tunables and the marker).
    public static func reexecWithTunablesIfNeeded(environment: [String: String]) -> ReexecOutcome {
        if tcacheDisabled { return .notNeeded }
        if environment[reexecMarker] != nil { return .alreadyTried }
        var tunables = tunable
        if let existing = environment["GLIBC_TUNABLES"], !existing.isEmpty { tunables = existing + ":" + tunable }
        setenv(reexecMarker, "1", 1)
        let result = c_veil_reexec_with_tunables(tunables)
        return .failed(errno: -result)
    }

    /// Why ``reexecWithTunablesIfNeeded(environment:)`` returned.
    public enum ReexecOutcome: Sendable, Hashable {
        /// The per-thread cache is already off.
        case notNeeded
        /// A restart already happened and the cache is still on (tunables ignored).
        case alreadyTried
        /// `execv` failed with this errno.
        case failed(errno: Int32)
    }
}
