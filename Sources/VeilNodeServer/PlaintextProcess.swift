import Foundation
public import _VeilBytes

/// What a command that handles plaintext (prompts, completions, weights) does first: restart itself once with
/// glibc's per-thread cache off and turn on freed-chunk scrubbing (``HeapScrubbing``), so that nothing a request
/// leaves in freed heap memory survives it. Reports what took effect on standard error when incomplete.
///
/// `VEIL_HEAP_SCRUB=off` turns the scrubbing off, loudly: it exists so the forgetting test can show that its memory
/// scan does find what an unscrubbed process leaves behind.
public enum PlaintextProcess {
    /// The environment variable that, set to `off`, disables scrubbing (a named, logged relaxation).
    public static let disableVariable = "VEIL_HEAP_SCRUB"

    /// Prepares the process; may replace the process image (and then does not return).
    @discardableResult
    public static func prepare(label: String) -> HeapScrubbing.Status {
        let environment = ProcessInfo.processInfo.environment
        if environment[disableVariable] == "off" {
            FileHandle.standardError.write(
                Data(
                    "\(label): WARNING: \(disableVariable)=off: freed memory is NOT scrubbed (test controls only)\n"
                        .utf8
                )
            )
            return HeapScrubbing.Status(scrubsFreedChunks: false, tcacheDisabled: HeapScrubbing.tcacheDisabled)
        }
        let outcome = HeapScrubbing.reexecWithTunablesIfNeeded(environment: environment)
        let status = HeapScrubbing.enable()
        if !status.isComplete {
            let reason: String
            switch outcome {
            case .notNeeded: reason = ""
            case .alreadyTried: reason = " (the restart with glibc tunables did not take effect)"
            case .failed(let errno): reason = " (restart failed: errno \(errno))"
            }
            FileHandle.standardError.write(
                Data("\(label): warning: freed-memory scrubbing incomplete: \(status)\(reason)\n".utf8)
            )
        }
        return status
    }
}
