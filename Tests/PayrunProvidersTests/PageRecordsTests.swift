// The records `p:paginate` hands a loop are built the first time anything reads them. Whatever
// reads one first (indexing, pairs, next, the raw functions, #, json.encode, inspect, a request
// body, setmetatable), the script sees the same record `p:get` gives, and nothing tells the two
// apart: no metatable shows, a field written before any read survives, a record kept after its
// page is gone still reads whole.
import PayrunRuntime
import PayrunSimulators
import PayrunTestSupport
import Testing

@Suite struct PageRecordsTests {
    let scripts = ProviderScriptTests()

    @Test func aRecordReadFirstInAnyWayIsTheRecordGetGives() async throws {
        try await scripts.withServer { server in
            let (status, output) = await scripts.run("""
                local p = payrun.provider("particeep")
                local function text(t) return payrun.json.encode(t, { sort_keys = true }) end
                \(LazyTableReads.transactionFirsts)
                local names = {}
                for name in pairs(firsts) do names[#names + 1] = name end
                table.sort(names)
                local i, kept = 0, {}
                for record in p:paginate("/transaction/search", nil, { page_size = 7 }) do
                  i = i + 1
                  local name = names[i]
                  if name == nil then
                    if i > #names + 10 then break end
                    kept[#kept + 1] = record                          -- read only after later pages
                  else
                    local ok = firsts[name](record)
                    local metatable = getmetatable(record)
                    record.note = nil
                    if name == "setmetatable" then setmetatable(record, nil) end
                    local same = text(record) == text((p:get("/transaction/" .. record.id)))
                    print(name, ok, same, metatable == nil)
                  end
                end
                for _, record in ipairs(kept) do
                  assert(text(record) == text((p:get("/transaction/" .. record.id))), record.id)
                end
                print(#kept, "kept")
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            LazyTableReads.expectEachReadWhole(output.standardOutput, ways: 15, last: "10\tkept")
        }
    }

    @Test func recordsOfManyPagesCanBeKeptAndCountedWithoutReadingThem() async throws {
        try await scripts.withServer { server in
            let (status, output) = await scripts.run("""
                local p = payrun.provider("particeep")
                local all, n = {}, 0
                for record in p:paginate("/transaction/search", nil, { page_size = 20 }) do
                  n = n + 1
                  all[n] = record
                end
                local ids, amounts = {}, 0
                for _, record in ipairs(all) do
                  ids[record.id] = true
                  amounts = amounts + record.amount
                end
                local distinct = 0
                for _ in pairs(ids) do distinct = distinct + 1 end
                local total = p:get("/transaction/search", { limit = 1000 })
                local expected = 0
                for _, t in ipairs(total.data) do expected = expected + t.amount end
                print(n, distinct, amounts == expected)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "321\t321\ttrue\n")
        }
    }

    @Test func aLoopLeftEarlyLeavesTheProviderReadyForMore() async throws {
        try await scripts.withServer { server in
            let (status, output) = await scripts.run("""
                local p = payrun.provider("particeep")
                local n = 0
                for _ in p:paginate("/transaction/search", nil, { page_size = 5 }) do
                  n = n + 1
                  if n == 7 then break end          -- pages asked for ahead are left behind
                end
                -- Garbage enough for the collector to go round and collect the loop left behind.
                local junk = {}
                for i = 1, 200000 do junk[i % 100 + 1] = { i } end
                local m = 0
                for _ in p:paginate("/transaction/search", nil, { page_size = 50 }) do m = m + 1 end
                print(n, m, p:get("/transaction/txn_3").id)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "7\t321\ttxn_3\n")
        }
    }

    /// HTTPS, a proxy or a host name send a page through AsyncHTTPClient's event loop: its answer
    /// comes back to the script's thread, which reads the page there as it does a plain one.
    @Test func pagesThroughAsyncHTTPClientComeBackToTheScriptsThread() async throws {
        var settings = HTTPSettings()
        settings.sendsPlainHTTPOnWaitingThread = false
        try await scripts.withServer { server in
            server.faults.replace(with: try FaultPlan(parsing: "GET /particeep/v1/transaction/search: latency=20ms"))
            let (status, output) = await scripts.run("""
                local p = payrun.provider("particeep")
                local n, amounts = 0, 0
                for record in p:paginate("/transaction/search", nil, { page_size = 20 }) do
                  n = n + 1
                  amounts = amounts + record.amount
                end
                local expected = 0
                for _, t in ipairs(p:get("/transaction/search", { limit = 1000 }).data) do expected = expected + t.amount end
                local m = 0
                for _ in p:paginate("/transaction/search", nil, { page_size = 30 }) do
                  m = m + 1
                  if m == 40 then break end
                end
                print(n, amounts == expected, m, p:get("/transaction/txn_5").id)
                """, server: server, settings: settings)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "321\ttrue\t40\ttxn_5\n")
        }
    }

    /// A loop that spends long on a page has its pages fetched on Swift's pool from then on (the
    /// pages ahead would otherwise wait unread for it): the list reads the same.
    @Test func aSlowLoopReadsTheSameList() async throws {
        try await scripts.withServer { server in
            let (status, output) = await scripts.run("""
                local p = payrun.provider("particeep")
                local n, ids = 0, {}
                for record in p:paginate("/transaction/search", nil, { page_size = 40 }) do
                  n = n + 1
                  ids[record.id] = true
                  if n == 1 or n == 41 then payrun.sleep(1.2) end   -- long on the first two pages
                end
                local distinct = 0
                for _ in pairs(ids) do distinct = distinct + 1 end
                print(n, distinct)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            #expect(output.standardOutput == "321\t321\n")
        }
    }
}

