import VeilAttestation

extension TPM.Verifier {
    /// When the collateral holds a measured-boot event log (stapled by the attester or given with --collateral), it
    /// must replay to the quoted PCR values for every quoted PCR it extends (`tpm.event_log`). Without one, nothing
    /// is checked. The log is unsigned: only the replay against the signed PCR digest makes its events meaningful.
    static func checkEventLog(
        _ quote: TPM.Quote,
        context: VerificationContext,
        claims: inout [String: ClaimValue],
        recorder: inout CheckRecorder
    ) -> Bool {
        guard let item = try? context.collateral.items().first(where: { TPM.EventLog.looksLikeEventLog($0.bytes) })
        else { return true }
        let log: TPM.EventLog
        do {
            log = try TPM.EventLog(item.bytes)
        } catch {
            recorder.fail(
                "tpm.event_log",
                "the event log \(item.name) is malformed: \(error.reason)",
                remedy: "Staple the event log exactly as the kernel exposes it, or leave it out."
            )
            return false
        }
        let bank = (try? TPM.quotedBank(quote.attest))?.hashAlgorithm ?? TPM.algSHA256
        let replayed = log.replay(bank: bank)
        let compared = replayed.keys.filter { quote.pcrs[$0] != nil }.sorted()
        let mismatched = compared.filter { replayed[$0] != quote.pcrs[$0] }
        claims["tpm_event_log_events"] = .integer(UInt64(log.events.count))
        return recorder.check(
            "tpm.event_log",
            mismatched.isEmpty,
            passed: "the event log's \(log.events.count) events replay to the quoted PCRs \(compared)",
            failed: "the event log does not replay to the quoted PCRs \(mismatched): it does not describe this boot",
            remedy: "Staple the event log of the machine that made the quote, read together with it."
        )
    }
}
