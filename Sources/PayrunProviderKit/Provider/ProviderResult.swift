// A provider's result as a script gets it. Most often it is a part of the answer's parsed text,
// which goes to Lua straight from the parse, one Lua call a value: building it as a JSONValue
// first (a dictionary an object, a String a name) cost more than the rest of delivering it.
// A value is built only where Swift reads it (the journal, a lookup) or a provider made it.
import PayrunFormats

/// What ``PaymentProvider/parsedResult(of:to:)`` returns: a part of the answer's parsed text,
/// or a value the provider built.
public enum ProviderResult: Sendable {
    /// A value in the answer's parsed text: the answer itself, or the part inside its envelope.
    case parsed(JSONTape.Node)
    /// A value the provider built (Capitalist's CSV reports), or one redacted.
    case built(JSONValue)

    /// The result as a value, built from the parsed text on each use.
    public var value: JSONValue {
        switch self {
        case .parsed(let node): node.value
        case .built(let value): value
        }
    }
}
