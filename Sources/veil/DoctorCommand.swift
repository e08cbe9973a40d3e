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
        let report = DoctorReport.gather(root: root, version: VeilVersion.current)
        switch format {
        case .json: try JSONOutput.print(report)
        case .text: print(report.text)
        }
    }
}

extension DoctorReport {
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
