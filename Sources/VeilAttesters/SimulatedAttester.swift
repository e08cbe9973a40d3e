import Foundation
public import VeilAttestation
import Crypto
public import VeilKeys
import VeilSimulated
import _VeilBytes

/// The SIMULATED TEE: signs a statement (report data, a SHA-384 measurement of the running executable, its
/// configuration) with a dev root key kept in a directory the user controls. For development and CI only: it
/// proves nothing, and every default policy rejects it.
public struct SimulatedAttester: Attester {
    public var tee: AttestationPlatform { .simulated }
    /// The directory holding the dev root key (`root.jwk`, mode 0600, and `root.jwk.pub`).
    public let rootDirectory: String
    /// The executable to measure (default: this process's).
    public let executable: String
    /// The configuration to measure (string members; hashed as sorted compact JSON).
    public let configuration: [String: String]

    /// An attester using the dev root key in `rootDirectory`, measuring `executable` (default: this process).
    public init(rootDirectory: String, executable: String? = nil, configuration: [String: String] = [:]) {
        self.rootDirectory = rootDirectory
        self.executable = executable ?? Self.currentExecutable
        self.configuration = configuration
    }

    /// `$VEIL_SIMULATED_ROOT`, else `~/.veil/simulated`.
    public static var defaultRootDirectory: String {
        if let override = ProcessInfo.processInfo.environment["VEIL_SIMULATED_ROOT"], !override.isEmpty {
            return override
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".veil/simulated").path
    }

    /// The running executable (`/proc/self/exe` on Linux).
    public static var currentExecutable: String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return CommandLine.arguments.first ?? ""
    }

    /// The dev root key's private file.
    public var keyPath: String { URL(fileURLWithPath: rootDirectory).appendingPathComponent("root.jwk").path }

    /// Reads the dev root key, creating the directory (0700) and a P-256 key (0600) on first use.
    public func rootKey() throws(AttesterError) -> SigningPrivateKey {
        do {
            if !FileManager.default.fileExists(atPath: keyPath) {
                try FileManager.default.createDirectory(
                    atPath: rootDirectory,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
                _ = try KeyFile.generate(.p256, at: keyPath, overwrite: false)
            }
            try checkOwnership()
            return try KeyFile.readSigningKey(keyPath)
        } catch let error as AttesterError {
            throw error
        } catch {
            throw AttesterError(.simulatedKey, "the SIMULATED dev root key at \(keyPath) is unusable: \(error)")
        }
    }

    /// Refuses a dev root directory others may write to, or a key file others may read: the key is the whole
    /// trust of the SIMULATED TEE in the user's own setup.
    func checkOwnership() throws(AttesterError) {
        let directory = (try? FileManager.default.attributesOfItem(atPath: rootDirectory))?[.posixPermissions] as? Int
        let key = (try? FileManager.default.attributesOfItem(atPath: keyPath))?[.posixPermissions] as? Int
        if let directory, directory & 0o022 != 0 {
            throw AttesterError(
                .simulatedKey,
                "\(rootDirectory) is writable by other users (mode \(String(directory, radix: 8))); chmod 700 it"
            )
        }
        if let key, key & 0o077 != 0 {
            throw AttesterError(
                .simulatedKey,
                "\(keyPath) is readable by other users (mode \(String(key, radix: 8))); chmod 600 it"
            )
        }
    }

    public func evidence(reportData: [UInt8]) async throws(AttesterError) -> EvidenceBundle {
        try checkReportData(reportData)
        let key = try rootKey()
        let measurement = try Self.measure(executable)
        let now = Date()
        let statement = SimulatedTEE.Statement(
            reportData: reportData,
            measurement: measurement,
            executable: executable,
            configuration: configuration,
            issuedAt: now
        )
        let evidence: [UInt8]
        do {
            evidence = try SimulatedTEE.sign(statement, with: key)
        } catch {
            throw AttesterError(.simulatedKey, "cannot sign the SIMULATED statement: \(error)")
        }
        return EvidenceBundle(
            tee: .simulated,
            evidence: evidence,
            reportData: reportData,
            createdAt: now,
            producer: "SIMULATED TEE (dev root key \(key.publicKey.thumbprint))"
        )
    }

    /// SHA-384 of a file, streamed: the SIMULATED statement's `measurement` of that executable.
    public static func measure(_ path: String) throws(AttesterError) -> [UInt8] {
        try FileDigest.hash(path, using: SHA384.self)
    }
}
