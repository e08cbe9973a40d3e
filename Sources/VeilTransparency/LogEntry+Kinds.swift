import _VeilBytes

extension LogEntry {
    /// A node software release and the measurements a TEE reports when running it.
    public struct Release: Sendable, Hashable, Codable {
        public var name: String
        public var version: String
        /// The measurements, one per register; canonical order is by platform, then register.
        public var measurements: [TEEMeasurement]
        public var source: Source

        /// Where the release was built from.
        public struct Source: Sendable, Hashable, Codable {
            /// The source repository (a URL).
            public var repository: String
            /// The exact revision (a commit id or tag).
            public var revision: String
            /// An optional build reference (a CI run, a reproducible-build recipe digest).
            public var build: String?

            public init(repository: String, revision: String, build: String? = nil) {
                self.repository = repository
                self.revision = revision
                self.build = build
            }
        }

        public init(name: String, version: String, measurements: [TEEMeasurement], source: Source) {
            self.name = name
            self.version = version
            self.measurements = measurements.sorted()
            self.source = source
        }

        var canonicalJSON: CanonicalJSON {
            var source: [String: CanonicalJSON] = [
                "repository": .string(self.source.repository), "revision": .string(self.source.revision),
            ]
            if let build = self.source.build { source["build"] = .string(build) }
            return .object([
                "kind": .string(Kind.release.rawValue),
                "name": .string(name),
                "version": .string(version),
                "measurements": .array(measurements.sorted().map(\.canonicalJSON)),
                "source": .object(source),
            ])
        }

        func validate() throws(TransparencyError) {
            try EntryField.name(name, "name")
            try EntryField.name(version, "version", maximum: 64)
            try EntryField.name(source.repository, "source.repository", maximum: 1024)
            try EntryField.name(source.revision, "source.revision")
            if let build = source.build { try EntryField.name(build, "source.build", maximum: 1024) }
            guard !measurements.isEmpty, measurements.count <= 64 else {
                throw TransparencyError(.malformedEntry, "a release lists 1–64 measurements")
            }
            for measurement in measurements { try measurement.validate() }
            let keys = measurements.map { "\($0.platform.rawValue)/\($0.register)" }
            guard Set(keys).count == keys.count else {
                throw TransparencyError(.malformedEntry, "a release lists a platform register twice")
            }
        }
    }

    /// A sealed model: its manifest digest and its owner's signing key.
    public struct Model: Sendable, Hashable, Codable {
        public var name: String
        /// SHA-256 of the sealed model's manifest, lowercase hex.
        public var manifestSHA256: String
        /// The RFC 7638 thumbprint of the owner's public signing key (base64url).
        public var ownerKey: String

        enum CodingKeys: String, CodingKey {
            case name
            case manifestSHA256 = "manifest_sha256"
            case ownerKey = "owner_key"
        }

        public init(name: String, manifestSHA256: String, ownerKey: String) {
            self.name = name
            self.manifestSHA256 = manifestSHA256
            self.ownerKey = ownerKey
        }

        var canonicalJSON: CanonicalJSON {
            .object([
                "kind": .string(Kind.model.rawValue), "name": .string(name),
                "manifest_sha256": .string(manifestSHA256), "owner_key": .string(ownerKey),
            ])
        }

        func validate() throws(TransparencyError) {
            try EntryField.name(name, "name")
            try EntryField.hex(manifestSHA256, "manifest_sha256", bytes: [32])
            guard (try? Base64URL.decode(ownerKey))?.count == 32 else {
                throw TransparencyError(
                    .malformedEntry,
                    "`owner_key` must be an RFC 7638 thumbprint (43 base64url characters)"
                )
            }
        }
    }

    /// A version of a key-broker resource policy.
    public struct Policy: Sendable, Hashable, Codable {
        /// The resource path `<repository>/<type>/<tag>`.
        public var resource: String
        public var version: UInt64
        /// SHA-256 of the policy document, lowercase hex.
        public var policySHA256: String

        enum CodingKeys: String, CodingKey {
            case resource
            case version
            case policySHA256 = "policy_sha256"
        }

        public init(resource: String, version: UInt64, policySHA256: String) {
            self.resource = resource
            self.version = version
            self.policySHA256 = policySHA256
        }

        var canonicalJSON: CanonicalJSON {
            .object([
                "kind": .string(Kind.policy.rawValue), "resource": .string(resource),
                "version": .integer(version), "policy_sha256": .string(policySHA256),
            ])
        }

        func validate() throws(TransparencyError) {
            try EntryField.resource(resource)
            try EntryField.hex(policySHA256, "policy_sha256", bytes: [32])
        }
    }

    /// That a key was released: the digest of the release event, never the key.
    public struct KeyRelease: Sendable, Hashable, Codable {
        public var resource: String
        /// The policy version that accepted the release.
        public var policyVersion: UInt64
        /// SHA-256 of the broker's release event record, lowercase hex.
        public var eventSHA256: String
        /// When the key was released (POSIX seconds).
        public var time: UInt64

        enum CodingKeys: String, CodingKey {
            case resource
            case policyVersion = "policy_version"
            case eventSHA256 = "event_sha256"
            case time
        }

        public init(resource: String, policyVersion: UInt64, eventSHA256: String, time: UInt64) {
            self.resource = resource
            self.policyVersion = policyVersion
            self.eventSHA256 = eventSHA256
            self.time = time
        }

        var canonicalJSON: CanonicalJSON {
            .object([
                "kind": .string(Kind.keyRelease.rawValue), "resource": .string(resource),
                "policy_version": .integer(policyVersion), "event_sha256": .string(eventSHA256),
                "time": .integer(time),
            ])
        }

        func validate() throws(TransparencyError) {
            try EntryField.resource(resource)
            try EntryField.hex(eventSHA256, "event_sha256", bytes: [32])
        }
    }
}

extension EntryField {
    static func resource(_ value: String) throws(TransparencyError) {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }), value.utf8.count <= 256,
            value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { throw TransparencyError(.malformedEntry, "`resource` must be `<repository>/<type>/<tag>`") }
    }
}

extension LogEntry {
    /// An anchor of a key broker's hash-chained audit trail: its head at a sequence number. Once logged, the broker
    /// cannot rewrite or truncate the trail before that point without the log showing it.
    public struct AuditHead: Sendable, Hashable, Codable {
        /// The broker's identity (the RFC 7638 thumbprint of its token-signing key, or its configured name).
        public var broker: String
        /// The sequence number of the head entry (from 1).
        public var sequence: UInt64
        /// The head entry's hash, lowercase hex.
        public var headSHA256: String
        /// When the head was anchored (POSIX seconds).
        public var time: UInt64

        enum CodingKeys: String, CodingKey {
            case broker
            case sequence
            case headSHA256 = "head_sha256"
            case time
        }

        public init(broker: String, sequence: UInt64, headSHA256: String, time: UInt64) {
            self.broker = broker
            self.sequence = sequence
            self.headSHA256 = headSHA256
            self.time = time
        }

        var canonicalJSON: CanonicalJSON {
            .object([
                "kind": .string(Kind.auditHead.rawValue), "broker": .string(broker),
                "sequence": .integer(sequence), "head_sha256": .string(headSHA256), "time": .integer(time),
            ])
        }

        func validate() throws(TransparencyError) {
            try EntryField.name(broker, "broker")
            try EntryField.hex(headSHA256, "head_sha256", bytes: [32])
            guard sequence > 0 else { throw TransparencyError(.malformedEntry, "`sequence` starts at 1") }
        }
    }
}
