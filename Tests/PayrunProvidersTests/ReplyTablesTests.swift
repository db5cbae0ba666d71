// A provider's result (an object) and the response table beside it are built the first time
// anything reads them. Whatever reads one first (a field, pairs, next, the raw functions, #,
// json.encode, inspect, a request body, setmetatable), the script sees the same table it would
// have had built at once, no metatable shows, and tables kept while later requests are made
// still read whole.
import PayrunTestSupport
import Testing

@Suite struct ReplyTablesTests {
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
            LazyTableReads.expectEachReadWhole(output.standardOutput, ways: 12, last: "12\tkept\ttrue")
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

    @Test func aResultReadFirstInAnyWayIsTheObjectTheAnswerHolds() async throws {
        try await scripts.withServer { server in
            let (status, output) = await scripts.run("""
                local p = payrun.provider("particeep")
                local function text(t) return payrun.json.encode(t, { sort_keys = true }) end
                \(LazyTableReads.transactionFirsts)
                -- The reference: the same transactions inside a list, whose items are built at once.
                local eager = {}
                for _, t in ipairs(p:get("/transaction/search", { limit = 40 }).data) do eager[t.id] = t end
                local names = {}
                for name in pairs(firsts) do names[#names + 1] = name end
                table.sort(names)
                local kept = {}
                for i, name in ipairs(names) do
                  local record = p:get("/transaction/txn_" .. i)
                  kept[#kept + 1] = p:get("/transaction/txn_" .. (i + 20))      -- read only after the others
                  local ok = firsts[name](record)
                  local metatable = getmetatable(record)
                  record.note = nil
                  if name == "setmetatable" then setmetatable(record, nil) end
                  print(name, ok, text(record) == text(eager[record.id]), metatable == nil)
                end
                local whole = 0
                for _, record in ipairs(kept) do
                  if text(record) == text(eager[record.id]) then whole = whole + 1 end
                end
                print(whole, "kept")
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            LazyTableReads.expectEachReadWhole(output.standardOutput, ways: 15, last: "15\tkept")
        }
    }
}
