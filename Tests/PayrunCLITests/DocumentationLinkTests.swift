// The documents someone who cloned the repository reads: every relative link in README.md and
// docs/ leads to a file in the repository (and, with a #fragment, to a heading in it), and none
// climbs out of it.
import Foundation
import Testing

@Suite struct DocumentationLinkTests {
    static let root = PayrunProcess.packageRoot.standardizedFileURL

    /// README.md and every Markdown file under docs/.
    static func documents() throws -> [URL] {
        var files = [root.appendingPathComponent("README.md")]
        let docs = root.appendingPathComponent("docs")
        if let walker = FileManager.default.enumerator(atPath: docs.path) {
            for case let path as String in walker where path.hasSuffix(".md") {
                files.append(docs.appendingPathComponent(path))
            }
        }
        return files
    }

    /// `[text](target)` links, outside code blocks and inline code.
    static func links(in text: String) -> [String] {
        var links: [String] = []
        var inFence = false
        let pattern = try! NSRegularExpression(pattern: #"\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)"#)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                inFence.toggle()
                continue
            }
            guard !inFence else { continue }
            // Inline code can show link syntax without being a link.
            let prose = line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: " ")
            let range = NSRange(prose.startIndex..., in: prose)
            for match in pattern.matches(in: prose, range: range) {
                links.append(String(prose[Range(match.range(at: 1), in: prose)!]))
            }
        }
        return links
    }

    /// The anchors GitHub makes of a file's headings.
    static func anchors(in text: String) -> Set<String> {
        var anchors: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            let slug = title.lowercased().unicodeScalars.compactMap { scalar -> String? in
                if CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_" { return String(scalar) }
                if scalar == " " { return "-" }
                return nil
            }.joined()
            anchors.insert(slug)
        }
        return anchors
    }

    @Test func everyRelativeLinkResolvesInsideTheRepository() throws {
        let documents = try Self.documents()
        #expect(documents.count > 5, "README.md and the pages of docs/")
        var broken: [String] = []
        var checked = 0
        for document in documents {
            let text = try String(contentsOf: document, encoding: .utf8)
            let name = document.path.replacingOccurrences(of: Self.root.path + "/", with: "")
            for link in Self.links(in: text) {
                if link.hasPrefix("http://") || link.hasPrefix("https://") || link.hasPrefix("mailto:") { continue }
                checked += 1
                let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let target = parts[0].isEmpty ? document : document.deletingLastPathComponent().appendingPathComponent(parts[0]).standardizedFileURL
                guard target.path.hasPrefix(Self.root.path + "/") || target.path == Self.root.path else {
                    broken.append("\(name): \(link) leaves the repository")
                    continue
                }
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isFolder) else {
                    broken.append("\(name): \(link) does not exist")
                    continue
                }
                if parts.count == 2, !isFolder.boolValue, target.pathExtension == "md" {
                    let anchors = Self.anchors(in: try String(contentsOf: target, encoding: .utf8))
                    if !anchors.contains(parts[1]) { broken.append("\(name): \(link) names no heading there") }
                }
            }
        }
        #expect(checked > 10, "only \(checked) relative links found")
        #expect(broken.isEmpty, "broken links:\n\(broken.joined(separator: "\n"))")
    }
}
