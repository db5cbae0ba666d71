// The ways a script can read a table first, shared by the tests of every lazy table payrun hands
// out (paginate's records, a result, a response): each must fill it before it answers.
import Testing

enum LazyTableReads {
    /// Lua defining `firsts`, each a first read of a transaction `t` that says whether it saw it
    /// whole; `p` is the Particeep provider.
    static let transactionFirsts = """
        local firsts = {
          index = function(t) return t.id ~= nil end,
          pairs = function(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n == 8 end,
          next = function(t) return next(t) ~= nil end,
          rawget = function(t) return rawget(t, "id") ~= nil end,
          getmetatable = function(t) return getmetatable(t) == nil end,
          length = function(t) return #t == 0 and rawlen(t) == 0 end,
          ipairs = function(t) for _ in ipairs(t) do return false end return true end,
          newindex = function(t) t.note = "n" return t.note == "n" and t.id ~= nil end,
          rawset = function(t) rawset(t, "note", "r") return t.note == "r" and t.status ~= nil end,
          encode = function(t) return payrun.json.decode(payrun.json.encode(t)).id == t.id end,
          inspect = function(t) return payrun.inspect(t):find("created_at", 1, true) ~= nil end,
          sign = function(t) return p:sign{ method = "POST", path = "/x", body = t }.body:find('"issuer_id"', 1, true) ~= nil end,
          setmetatable = function(t) setmetatable(t, { __index = function() return "default" end }) return t.id ~= "default" and t.nothing == "default" end,
          unpack = function(t) return select("#", table.unpack(t)) == 0 end,
          stocknext = function(t) local iterate = pairs({}) return iterate(t) ~= nil and iterate == next end,
        }
        """

    /// Checks a script's lines `name, read whole, same as built at once, no metatable` (one per
    /// way, `setmetatable` leaving one) and its last line.
    static func expectEachReadWhole(_ standardOutput: String, ways: Int, last: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == ways + 1, "\(standardOutput)", sourceLocation: sourceLocation)
        for line in lines.dropLast() {
            let fields = line.split(separator: "\t")
            #expect(fields.dropFirst() == ["true", "true", fields[0] == "setmetatable" ? "false" : "true"], "read first by \(line)", sourceLocation: sourceLocation)
        }
        #expect(lines.last == last, sourceLocation: sourceLocation)
    }
}
