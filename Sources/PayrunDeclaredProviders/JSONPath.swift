// A place in a JSON answer, written as a definition writes it: member names separated by dots,
// and 1-based array positions in brackets, as Lua counts (`error.errors[1].message`).
import PayrunFormats

/// A path of member names and array positions.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    public enum Step: Sendable, Equatable {
        case member(String)
        /// 0-based.
        case element(Int)
    }

    public var steps: [Step]
    public let description: String

    /// Reads `a.b[2].c`.
    public init(parsing text: String) throws(TemplateError) {
        var steps: [Step] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(part)
            let name = rest.prefix { $0 != "[" }
            rest = rest.dropFirst(name.count)
            guard !name.isEmpty || (!steps.isEmpty && !rest.isEmpty) else {
                throw TemplateError(message: "'\(text)' is not a path: write member names separated by dots, like error.message or data[1].id")
            }
            if !name.isEmpty { steps.append(.member(String(name))) }
            while !rest.isEmpty {
                guard rest.first == "[", let close = rest.firstIndex(of: "]"),
                    let position = Int(rest[rest.index(after: rest.startIndex)..<close]), position >= 1
                else {
                    throw TemplateError(message: "'\(text)' is not a path: array positions are written [1], [2], … counting from 1")
                }
                steps.append(.element(position - 1))
                rest = rest[rest.index(after: close)...]
            }
        }
        self.steps = steps
        self.description = text
    }

    /// The node at this path in `node`, or nil.
    func find(in node: JSONTape.Node) -> JSONTape.Node? {
        var current = node
        for step in steps {
            switch step {
            case .member(let name):
                guard let child = current[name] else { return nil }
                current = child
            case .element(let position):
                let elements = current.elements
                guard position < elements.count else { return nil }
                current = elements[position]
            }
        }
        return current
    }

    /// The value at this path in `value`, or nil.
    func find(in value: JSONValue) -> JSONValue? {
        var current = value
        for step in steps {
            switch step {
            case .member(let name):
                guard let child = current[name] else { return nil }
                current = child
            case .element(let position):
                guard case .array(let items) = current, position < items.count else { return nil }
                current = items[position]
            }
        }
        return current
    }
}

extension [JSONPath] {
    /// The first path that leads somewhere other than null.
    func first(in node: JSONTape.Node) -> JSONTape.Node? {
        lazy.compactMap { $0.find(in: node) }.first { $0.kind != .null }
    }

    func first(in value: JSONValue) -> JSONValue? {
        lazy.compactMap { $0.find(in: value) }.first { $0 != .null }
    }
}
