public import VeilWire
import _VeilBytes

extension AttestationBundle {
    /// The binding rule's structural part: `runtime_data`'s `veil-ohttp-keys` equals `key_configs`, and the
    /// evidence's KBS binding is over exactly `runtime_data`. Returns what fails (empty when it holds).
    public func bindingProblems() -> [String] {
        var problems: [String] = []
        if NodeRuntimeData.keyConfigs(in: runtimeData) != Base64URL.encode(keyConfigs) {
            problems.append("runtime_data's veil-ohttp-keys is not key_configs")
        }
        guard let evidence = try? evidence() else {
            return problems + ["the evidence is malformed"]
        }
        guard case .kbs(let bound, _) = evidence.binding else {
            return problems + ["the evidence has no KBS binding"]
        }
        if bound != runtimeData { problems.append("the evidence is not bound to runtime_data") }
        if let binding = evidence.binding, !binding.isBound(by: evidence.reportData) {
            problems.append("the evidence's report data does not match its binding")
        }
        return problems
    }
}
