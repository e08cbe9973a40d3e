import Testing
import VeilTransparency

/// `LogEntry.Release.match`: evidence is an instance of a logged release only when the release pins the platform's
/// code and every register it lists equals the evidence's verified claim.
@Suite("Release matching")
struct ReleaseMatchTests {
    static let h48 = String(repeating: "ab", count: 48)
    static let h32 = String(repeating: "cd", count: 32)

    static func release(_ measurements: [TEEMeasurement]) -> LogEntry.Release {
        LogEntry.Release(
            name: "veil-node",
            version: "1.0.0",
            measurements: measurements,
            source: .init(repository: "https://example.org/veil", revision: "abc")
        )
    }

    @Test("a release matches exactly the claims it lists for the evidence's platform")
    func matches() throws {
        let release = Self.release([
            TEEMeasurement(platform: .tpm, register: "pcr23", value: Self.h32),
            TEEMeasurement(platform: .sevSNP, register: "measurement", value: Self.h48),
        ])
        #expect(try release.match(platform: "tpm", claims: ["pcr23": Self.h32, "pcr0": "00"]).count == 1)
        #expect(try release.match(platform: "sev-snp", claims: ["measurement": Self.h48.uppercased()]).count == 1)
        #expect(throws: TransparencyError.self) { try release.match(platform: "tpm", claims: ["pcr23": "00"]) }
        #expect(throws: TransparencyError.self) { try release.match(platform: "tpm", claims: [:]) }
        // A TPM release does not approve TDX evidence, nor a platform no release can list.
        #expect(throws: TransparencyError.self) { try release.match(platform: "tdx", claims: ["mrtd": Self.h48]) }
        #expect(throws: TransparencyError.self) {
            try release.match(platform: "azure-sev-snp-vtpm", claims: ["pcr23": Self.h32])
        }
    }

    @Test("a release that lists only registers every guest shares pins no code: TDX MRTD alone, TPM firmware PCRs")
    func firmwareOnly() throws {
        let mrtdOnly = Self.release([TEEMeasurement(platform: .tdx, register: "mrtd", value: Self.h48)])
        #expect(throws: TransparencyError.self) { try mrtdOnly.match(platform: "tdx", claims: ["mrtd": Self.h48]) }
        let tdx = Self.release(
            ["mrtd", "rtmr0", "rtmr1", "rtmr2"].map { TEEMeasurement(platform: .tdx, register: $0, value: Self.h48) }
        )
        let claims = ["mrtd": Self.h48, "rtmr0": Self.h48, "rtmr1": Self.h48, "rtmr2": Self.h48]
        #expect(try tdx.match(platform: "tdx", claims: claims).count == 4)
        let firmware = Self.release([
            TEEMeasurement(platform: .tpm, register: "pcr0", value: Self.h32),
            TEEMeasurement(platform: .tpm, register: "pcr7", value: Self.h32),
        ])
        #expect(throws: TransparencyError.self) {
            try firmware.match(platform: "tpm", claims: ["pcr0": Self.h32, "pcr7": Self.h32])
        }
    }
}
