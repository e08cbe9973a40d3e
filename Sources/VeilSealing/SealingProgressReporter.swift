import Foundation
import _VeilBytes

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows the progress of a long seal, unseal or re-wrap on standard error: a redrawn bar (bytes, rate, ETA) when
/// standard error is a terminal, plain lines at every tenth otherwise (logs, CI, pipes).
public final class SealingProgressReporter {
    private let isTerminal: Bool
    private var phase: SealingProgress.Phase?
    private var phaseStart = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    private var lastTenth = -1

    /// A reporter that draws a bar when `isTerminal` (default: whether standard error is a terminal).
    public init(isTerminal: Bool? = nil) {
        self.isTerminal = isTerminal ?? (isatty(STDERR_FILENO) == 1)
    }

    public func update(_ progress: SealingProgress) {
        let now = ContinuousClock.now
        if progress.phase != phase {
            if phase != nil, isTerminal { Self.write("\n") }
            phase = progress.phase
            phaseStart = now
            lastTenth = -1
        }
        let finished = progress.completedBytes >= progress.totalBytes
        let elapsed = (now - phaseStart).seconds
        let rate = elapsed > 0 ? Double(progress.completedBytes) / elapsed : 0
        let remaining = Double(progress.totalBytes - min(progress.completedBytes, progress.totalBytes))
        let eta = rate > 0 ? remaining / rate : nil
        let percent = Int((progress.fraction * 100).rounded(.down))
        if isTerminal {
            guard finished || (now - lastDraw).seconds >= 0.1 || progress.completedBytes == 0 else { return }
            lastDraw = now
            let width = 24
            let filled = Int(progress.fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let label = progress.phase.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
            Self.write(
                "\r\u{1B}[K\(label) [\(bar)] \(percent.description.leftPadded(3))%  "
                    + "\(Self.bytes(progress.completedBytes)) / \(Self.bytes(progress.totalBytes))  "
                    + "\(Self.bytes(UInt64(rate)))/s  ETA \(Self.duration(eta))"
            )
        } else {
            let tenth = percent / 10
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            Self.write(
                "\(progress.phase.rawValue): \(percent)% (\(Self.bytes(progress.completedBytes)) of "
                    + "\(Self.bytes(progress.totalBytes)), \(Self.bytes(UInt64(rate)))/s, ETA \(Self.duration(eta)))\n"
            )
        }
    }

    /// Ends the bar's line.
    public func finish() {
        if isTerminal, phase != nil { Self.write("\n") }
        phase = nil
    }

    // MARK: Formatting

    public static func bytes(_ count: UInt64) -> String {
        let value = Double(count)
        switch value {
        case ..<1_000: return "\(count) B"
        case ..<1_000_000: return String(format: "%.1f kB", value / 1e3)
        case ..<1_000_000_000: return String(format: "%.1f MB", value / 1e6)
        default: return String(format: "%.2f GB", value / 1e9)
        }
    }

    public static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "--:--" }
        let total = Int(seconds.rounded(.up))
        return String(format: "%d:%02d", total / 60, total % 60)
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
