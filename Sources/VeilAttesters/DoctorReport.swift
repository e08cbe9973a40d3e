import Foundation
import _VeilBytes

/// What this machine offers Veil (`veil doctor`): the TEE interfaces the attesters use, whether a page of secure
/// memory locks, and the process hardening a Veil server applies at start.
public struct DoctorReport: Encodable, Sendable {
    /// A TEE or TPM interface and whether it is present.
    public struct Interface: Encodable, Sendable {
        /// The interface's name.
        public let name: String
        /// Its path.
        public let path: String
        /// Whether it exists.
        public let present: Bool
        /// What Veil uses it for.
        public let purpose: String
    }

    /// Whether secure memory locks.
    public struct SecureMemoryCheck: Encodable, Sendable {
        /// How a page of secure memory was locked.
        public let pageLock: String
        /// Whether it was locked.
        public let locked: Bool
        /// RLIMIT_MEMLOCK (nil: unlimited).
        public let memoryLockLimitBytes: UInt64?
        /// Whether the limit is not enforced (root).
        public let privileged: Bool
    }

    /// The process hardening applied.
    public struct Hardening: Encodable, Sendable {
        /// Whether core dumps are off.
        public let coreDumpsDisabled: String
        /// Whether the process is non-dumpable.
        public let nonDumpable: String
        /// Whether every hardening step applied.
        public let fullyHardened: Bool
    }

    /// Veil's version.

    public let version: String
    /// The interfaces looked for.
    public let teeInterfaces: [Interface]
    /// Whether a hardware TEE interface is present.
    public let hardwareTEEAvailable: Bool
    /// The secure-memory check.
    public let secureMemory: SecureMemoryCheck
    /// The hardening check.
    public let processHardening: Hardening
    /// One sentence on what this machine can do.
    public let summary: String

    /// Looks at the file system under `root` (`/` but for tests), locks a page of secure memory and applies the
    /// process hardening; `version` is the reporting tool's version.
    public static func gather(root: String, version: String) -> DoctorReport {
        let probed = TEEInterfaces.probe(root: root)
        let interfaces = probed.interfaces.map {
            Interface(name: $0.name, path: $0.path, present: $0.present, purpose: $0.purpose)
        }
        let hardwareTEE = probed.hardwareAvailable

        let page = SecureBytes(count: SecureMemory.pageSize)
        let hardening = ProcessHardening.apply()
        let memory = SecureMemoryCheck(
            pageLock: page.memoryLock.description,
            locked: page.memoryLock == .locked,
            memoryLockLimitBytes: hardening.memoryLockLimit,
            privileged: hardening.privilegedMemoryLock
        )
        let summary =
            hardwareTEE
            ? "A TEE interface is present: Veil's attesters can produce hardware evidence here."
            : "No TEE interface found: on this machine Veil can only use the SIMULATED TEE, which every default "
                + "policy rejects (development only)."
        return DoctorReport(
            version: version,
            teeInterfaces: interfaces,
            hardwareTEEAvailable: hardwareTEE,
            secureMemory: memory,
            processHardening: Hardening(
                coreDumpsDisabled: hardening.coreDumpsDisabled.description,
                nonDumpable: hardening.nonDumpable.description,
                fullyHardened: hardening.isFullyHardened
            ),
            summary: summary
        )
    }
}
