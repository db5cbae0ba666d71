// The `Link` header (RFC 8288) as lists that page with it use it: `<url>; rel="next"`, several
// links in one header or across several, the relation possibly one of a space-separated list.
import PayrunFormats

/// Reads `Link` headers.
public enum LinkHeader {
    /// The target of the first link whose relation is `next`, or nil.
    public static func next(in headers: [(String, String)]) -> String? {
        for (name, value) in headers where name.equalsIgnoringASCIICase("link") {
            for link in links(in: value) where link.relations.contains("next") { return link.target }
        }
        return nil
    }

    /// Each link in one header value: its target and its relations, in lower case.
    static func links(in value: String) -> [(target: String, relations: [String])] {
        var links: [(String, [String])] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let target = String(rest[rest.index(after: open)..<close])
            rest = rest[rest.index(after: close)...]
            // The parameters run to the next link's '<' (a quoted value cannot hold one here).
            let end = rest.firstIndex(of: "<") ?? rest.endIndex
            var relations: [String] = []
            for parameter in rest[..<end].split(separator: ";") {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimming(" \t").lowercased() == "rel" else { continue }
                let text = pair[1].trimming(" \t,").trimming("\"")
                relations += text.lowercased().split(separator: " ").map(String.init)
            }
            links.append((target, relations))
            rest = rest[end...]
        }
        return links
    }
}
