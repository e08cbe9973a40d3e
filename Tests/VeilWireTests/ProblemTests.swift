import Foundation
import Testing
import VeilWire

@Suite("RFC 9457 problem details")
struct ProblemTests {
    @Test func typeURIsAreByteForByte() {
        let stale = Problem(.node, .keyConfigStale, status: 422, title: "The key configuration is stale", detail: nil)
        #expect(stale.typeURI == "https://veil.dev/problems/node/key-config-stale")
        let relay = Problem(.relay, .upstreamTimeout, status: 504, title: "t", detail: nil)
        #expect(relay.typeURI == "https://veil.dev/problems/relay/upstream-timeout")
        let kbs = Problem(.kbs, .policyDenied, status: 403, title: "t", detail: nil)
        #expect(kbs.typeURI == "https://veil.dev/problems/kbs/policy-denied")
        let log = Problem(.log, .internalError, status: 500, title: "t", detail: nil)
        #expect(log.typeURI == "https://veil.dev/problems/log/internal")
    }

    @Test func everyKnownTypeRoundTrips() throws {
        for issuer in Problem.Issuer.allCases {
            for type in ProblemType.known {
                let problem = Problem(issuer, type, status: 400, title: "title", detail: "detail")
                let decoded = try #require(Problem(decoding: problem.json()))
                #expect(decoded.issuer == issuer && decoded.type == type)
                #expect(decoded.typeURI == problem.typeURI && decoded.title == "title" && decoded.detail == "detail")
                #expect(decoded.statusCode == 400)
            }
        }
    }

    @Test func bodyHasTheRFCMembersOnly() throws {
        let problem = Problem(.node, .unavailable, status: 503, title: "The node is not ready", detail: nil)
        #expect(
            String(decoding: problem.json(), as: UTF8.self)
                == #"{"status":503,"title":"The node is not ready","type":"https://veil.dev/problems/node/unavailable"}"#
        )
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(problem.json()), options: []) as? [String: Any]
        )
        #expect(Set(object.keys) == ["type", "title", "status"])
    }

    @Test func clientsSwitchOnTheType() throws {
        let body = #"{"type":"https://veil.dev/problems/relay/key-config-stale","title":"stale","status":422}"#
        let problem = try #require(Problem(decoding: Array(body.utf8)))
        switch problem.type {
        case .keyConfigStale: #expect(problem.issuer == .relay)
        default: Issue.record("not key-config-stale: \(problem.type)")
        }
        #expect(problem.summary == ": stale (https://veil.dev/problems/relay/key-config-stale)")
    }

    @Test func foreignAndMalformedBodies() {
        let foreign = #"{"type":"https://example.com/probs/out-of-credit","title":"no","status":403}"#
        let problem = Problem(decoding: Array(foreign.utf8))
        #expect(problem?.type == .other("https://example.com/probs/out-of-credit"))
        #expect(problem?.issuer == nil)
        #expect(problem?.typeURI == "https://example.com/probs/out-of-credit")
        let unknownSlug = #"{"type":"https://veil.dev/problems/node/new-thing","title":"no","status":400}"#
        #expect(Problem(decoding: Array(unknownSlug.utf8))?.typeURI == "https://veil.dev/problems/node/new-thing")
        #expect(Problem(decoding: Array("not json".utf8)) == nil)
        #expect(Problem(decoding: Array(#"{"title":"no type","status":400}"#.utf8)) == nil)
        #expect(Problem(decoding: Array(#"[1,2]"#.utf8)) == nil)
        #expect(Problem(decoding: [UInt8](repeating: 0x20, count: Problem.maximumSize + 1)) == nil)
    }
}
