public import VeilSealing
public import VeilTransparency
import _VeilBytes

extension LogEntry.Model {
    /// The `model` log entry of a sealed file: its name, manifest digest and owner key.
    public init(sealed header: SealedModel.Header) {
        self.init(
            name: header.manifest.metadata.modelName,
            manifestSHA256: Hex.encode(header.manifestDigest),
            ownerKey: header.manifest.owner.thumbprint
        )
    }
}
