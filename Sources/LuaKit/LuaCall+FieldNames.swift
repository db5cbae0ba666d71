// Options tables hold only the fields a function reads: a misspelt option (`{header = ...}` for
// `headers`, `{methd = "POST"}`) is an argument error, not a request sent without it.
import PayrunFormats

extension LuaCall {
    /// Throws unless every key of the table at argument `position` is one of `names`; does
    /// nothing when the argument is nil or absent. Keys are read raw, as the fields are.
    /// - Throws: "unknown field 'header' (did you mean 'headers'?)", or "unknown field 'x'
    ///   (the fields are a, b)"; "unknown field [1] ..." for a key that is not a string.
    public func checkFieldNames(of position: Int, among names: [String]) throws(LuaArgumentError) {
        guard try hasFields(at: position) else { return }
        try stack.forEachEntry(of: index(of: position)) { (key, _) throws(LuaArgumentError) in
            guard let name = stack.string(at: key) else {
                let shown = stack.integer(at: key).map { "[\($0)]" } ?? "of type \(stack.type(at: key))"
                throw .invalid(at: position, "unknown field \(shown) (the fields are \(names.joined(separator: ", ")))")
            }
            guard !names.contains(name) else { return }
            throw .invalid(at: position, NearestName.unknownField(name, among: names))
        }
    }
}
