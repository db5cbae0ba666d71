// The response table beside a provider's result is built the first time anything reads it.
// Whatever reads it first (a field, pairs, next, the raw functions, #, json.encode, inspect,
// setmetatable), the script sees the same status, attempts and lower-case headers, no metatable
// shows, and a response kept while later requests are made still reads whole.
import PayrunTestSupport
import Testing

@Suite struct ResponseTableTests {
    let scripts = ProviderScriptTests()

    @Test func aResponseReadFirstInAnyWayHoldsItsStatusAttemptsAndHeaders() async throws {
        try await scripts.withServer { server in
            let (status, output) = await scripts.run("""
                local p = payrun.provider("particeep")
                -- What a response holds, without the values that change from one request to the next.
                local function summary(r)
                  local names = {}
                  for name, value in pairs(r.headers) do
                    assert(type(value) == "string" and name == name:lower(), name)
                    names[#names + 1] = name
                  end
                  table.sort(names)
                  return ("%s %s %s %s"):format(r.status, r.attempts, tostring(r.already_accepted), table.concat(names, ","))
                end
                local firsts = {
                  index = function(r) return r.status == 200 end,
                  pairs = function(r) local n = 0 for _ in pairs(r) do n = n + 1 end return n == 3 end,
                  next = function(r) return next(r) ~= nil end,
                  rawget = function(r) return rawget(r, "attempts") == 1 end,
                  getmetatable = function(r) return getmetatable(r) == nil end,
                  length = function(r) return #r == 0 and rawlen(r) == 0 end,
                  newindex = function(r) r.note = "n" return r.note == "n" and r.status == 200 end,
                  rawset = function(r) rawset(r, "note", "r") return r.note == "r" and r.headers ~= nil end,
                  encode = function(r) return payrun.json.decode(payrun.json.encode(r)).status == 200 end,
                  inspect = function(r) return payrun.inspect(r):find("content-type", 1, true) ~= nil end,
                  setmetatable = function(r) setmetatable(r, { __index = function() return "default" end }) return r.status == 200 and r.nothing == "default" end,
                  stocknext = function(r) local iterate = pairs({}) return iterate(r) ~= nil end,
                }
                local _, reference = p:get("/transaction/txn_1")
                local expected = summary(reference)
                local names, kept = {}, {}
                for name in pairs(firsts) do names[#names + 1] = name end
                table.sort(names)
                for i, name in ipairs(names) do
                  local _, response = p:get("/transaction/txn_" .. i)
                  kept[#kept + 1] = select(2, p:get("/transaction/txn_" .. i))   -- read only after the others
                  local ok = firsts[name](response)
                  local metatable = getmetatable(response)
                  if name == "setmetatable" then setmetatable(response, nil) end
                  print(name, ok, summary(response) == expected, metatable == nil)
                end
                for _, response in ipairs(kept) do assert(summary(response) == expected) end
                print(#kept, "kept", expected:find("content-type", 1, true) ~= nil)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count == 13, "\(output.standardOutput)")
            for line in lines.dropLast() {
                let fields = line.split(separator: "\t")
                #expect(fields.dropFirst() == ["true", "true", fields[0] == "setmetatable" ? "false" : "true"], "read first by \(line)")
            }
            #expect(lines.last == "12\tkept\ttrue")
        }
    }

    @Test func responsesKeptUnreadAcrossManyRequestsReadWhole() async throws {
        // One filler serves 64 response tables at a time: 150 responses kept unread, with every
        // tenth read at once, come out whole and each with its own request's answer.
        try await scripts.withServer { server in
            let (status, output) = await scripts.run("""
                local p = payrun.provider("particeep")
                local kept, mismatched = {}, 0
                for i = 1, 150 do
                  local result, response = p:get("/transaction/txn_" .. i)
                  if i % 10 == 0 and response.status ~= 200 then mismatched = mismatched + 1 end
                  kept[i] = { id = result.id, response = response }
                end
                for i, entry in ipairs(kept) do
                  local r = entry.response
                  local endpoint = r.headers["meta-endpoint"]
                  if r.status ~= 200 or r.attempts ~= 1 or endpoint ~= "/v1/transaction/" .. entry.id or entry.id ~= "txn_" .. i then
                    mismatched = mismatched + 1
                  end
                end
                print(#kept, mismatched)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "150\t0\n")
        }
    }
}
