// The JSON parser against JSONSuite/, conformance cases in JSONTestSuite's manner written by
// scripts/json-suite.py and checked there against a strict reference: y_ files must be accepted,
// n_ files refused, i_ files may go either way; whatever is accepted re-encodes to the same value.
import Foundation
import PayrunFormats
import Testing

@Suite struct JSONSuiteTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("JSONSuite")

    static var cases: [(name: String, bytes: [UInt8])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { return nil }
            return (name, [UInt8](data))
        }
    }

    @Test func acceptsAndRefusesAsTheStrictReferenceDoes() {
        let cases = Self.cases
        #expect(cases.count > 100, "JSONSuite/ is missing; run python3 scripts/json-suite.py")
        var wrong: [String] = []
        for (name, bytes) in cases {
            let accepted: Bool
            do {
                let value = try JSONValue.parse(bytes)
                accepted = true
                let again = try? JSONValue.parse(value.encoded())
                if again != value { wrong.append("\(name): re-encoded as \(String(decoding: value.encoded(), as: UTF8.self)), read back as \(String(describing: again))") }
            } catch {
                accepted = false
            }
            if name.hasPrefix("y_") && !accepted { wrong.append("\(name) refused") }
            if name.hasPrefix("n_") && accepted { wrong.append("\(name) accepted") }
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }
}
