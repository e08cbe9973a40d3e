public import VeilAttesters
public import VeilTransparency
import _VeilBytes

/// Computes a node build's `release` entry (what `veil release` logs and the local stack approves): the one place
/// that knows how each platform measures the executable.
public enum ReleaseBuilder {
    /// Why a release could not be built. The description is one sentence for an operator.
    public enum Failure: Error, CustomStringConvertible {
        /// A platform whose measurement cannot be computed from the executable (hardware TEEs measure the whole
        /// guest; give their values as `extra` measurements).
        case notComputable(platform: String)
        /// An extra measurement that is not `PLATFORM:REGISTER=HEX`.
        case malformedMeasurement(String)
        /// The executable could not be measured.
        case measurement(AttesterError)
        /// The entry is not a valid release (as the log checks it).
        case invalid(TransparencyError)

        /// The problem, in the words `veil release` prints.
        public var description: String {
            switch self {
            case .notComputable(let platform): return "--platform \(platform) cannot be computed from the executable."
            case .malformedMeasurement(let text): return "--measurement \(text) is not PLATFORM:REGISTER=HEX."
            case .measurement(let error): return "Cannot measure the executable: \(error.reason)."
            case .invalid(let error): return "The release is not valid: \(error.detail)"
            }
        }
    }

    /// The measurements of `executable` for `platforms` (`simulated`, `tpm`) plus `extra`
    /// (`PLATFORM:REGISTER=HEX`), as a release entry named `name` at `version`, built from `source`.
    public static func release(
        name: String,
        version: String,
        executable: String,
        platforms: [String],
        extra: [String],
        source: LogEntry.Release.Source
    ) throws(Failure) -> LogEntry.Release {
        var measurements: [TEEMeasurement] = []
        for platform in platforms {
            switch platform {
            case "simulated":
                let digest = try measure { () throws(AttesterError) in try SimulatedAttester.measure(executable) }
                measurements.append(
                    TEEMeasurement(platform: .simulated, register: "measurement", value: Hex.encode(digest))
                )
            case "tpm":
                let digest = try measure { () throws(AttesterError) in try TPMAttester.executableDigest(executable) }
                measurements.append(
                    TEEMeasurement(
                        platform: .tpm,
                        register: "pcr\(TPMAttester.codePCR)",
                        value: Hex.encode(TPMAttester.expectedCodePCR(executableDigest: digest))
                    )
                )
            default:
                throw .notComputable(platform: platform)
            }
        }
        for text in extra {
            guard let colon = text.firstIndex(of: ":"), let equals = text.firstIndex(of: "="), colon < equals,
                let platform = TEEMeasurement.Platform(rawValue: String(text[..<colon]))
            else {
                throw .malformedMeasurement(text)
            }
            measurements.append(
                TEEMeasurement(
                    platform: platform,
                    register: String(text[text.index(after: colon)..<equals]),
                    value: String(text[text.index(after: equals)...]).lowercased()
                )
            )
        }
        let release = LogEntry.Release(name: name, version: version, measurements: measurements, source: source)
        do {
            _ = try LogEntry(json: LogEntry.release(release).leafData)
        } catch {
            throw .invalid(error)
        }
        return release
    }

    private static func measure<T>(_ body: () throws(AttesterError) -> T) throws(Failure) -> T {
        do { return try body() } catch { throw .measurement(error) }
    }
}

extension ReleaseBuilder.Failure {
    /// What to do about it.
    public var remedy: String {
        switch self {
        case .notComputable: return "Use simulated or tpm; give hardware TEE measurements with --measurement."
        case .malformedMeasurement:
            return "For example sev-snp:measurement=<96 hex digits> or tdx:mrtd=<96 hex digits>."
        case .measurement: return "Check --executable."
        case .invalid: return "See docs/formats/log-entries.md."
        }
    }
}
