import ArgumentParser
import Foundation
import VeilAttesters
import _VeilBytes

/// `veil doctor`: what this machine offers Veil — TEE interfaces, secure memory, process hardening.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Report which TEE interfaces, secure-memory and hardening features this machine offers.",
        discussion: """
            Looks for the interfaces Veil's attesters use (configfs-tsm, /dev/sev-guest, /dev/tdx_guest, \
            /dev/tpmrm0), locks a page of secure memory, and applies the process hardening a Veil server applies \
            at start. Changes nothing outside this process.
            """
    )

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Root of the file system to inspect (for testing against a prepared tree).")
    var root: String = "/"

    func run() throws {
        let report = DoctorReport.gather(root: root)
        switch format {
        case .json: try JSONOutput.print(report)
        case .text: print(report.text)
        }
    }
}

/// What `veil doctor` found.
struct DoctorReport: Encodable {
    struct Interface: Encodable {
        let name: String
        let path: String
        let present: Bool
        let purpose: String
    }

    struct SecureMemoryCheck: Encodable {
        let pageLock: String
        let locked: Bool
        let memoryLockLimitBytes: UInt64?
        let privileged: Bool
    }

    struct Hardening: Encodable {
        let coreDumpsDisabled: String
        let nonDumpable: String
        let fullyHardened: Bool
    }

    let version: String
    let teeInterfaces: [Interface]
    let hardwareTEEAvailable: Bool
    let secureMemory: SecureMemoryCheck
    let processHardening: Hardening
    let summary: String

    static func gather(root: String) -> DoctorReport {
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
            version: VeilVersion.current,
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

    var text: String {
        var lines = ["veil \(version) doctor", "", "TEE interfaces:"]
        for interface in teeInterfaces {
            let mark = interface.present ? "present" : "absent "
            lines.append(
                "  [\(mark)] \(interface.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(interface.path)  — \(interface.purpose)"
            )
        }
        lines.append("")
        lines.append("Secure memory:")
        lines.append("  page lock:          \(secureMemory.pageLock)")
        let limit = secureMemory.memoryLockLimitBytes.map { "\($0) bytes" } ?? "unlimited"
        lines.append("  RLIMIT_MEMLOCK:     \(limit)\(secureMemory.privileged ? " (root: not enforced)" : "")")
        lines.append("")
        lines.append("Process hardening (as a Veil server applies it):")
        lines.append("  core dumps off:     \(processHardening.coreDumpsDisabled)")
        lines.append("  non-dumpable:       \(processHardening.nonDumpable)")
        lines.append("")
        lines.append(summary)
        return lines.joined(separator: "\n")
    }
}
