// Capitalist from Lua: a 5,000-payment batch built, signed and uploaded, then read back through
// p:paginate by offset (get_batch_info) and by page number (the history).
import PayrunSimulators
import PayrunTestSupport
import Testing

extension ProviderScriptTests {
    @Test func aCapitalistBatchOfFiveThousandIsPagedBothWays() async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.particeep.users = 1
        configuration.particeep.transactions = 1
        configuration.capitalist.processingDelay = .milliseconds(10)
        try await SimulatorFixture.with(configuration) { server in
            let (status, output) = await run("""
                local c = payrun.provider("capitalist")
                local payments = {}
                for i = 1, 5000 do
                  payments[i] = { account = "U01" .. i, amount = payrun.decimal.new("0.01"), currency = "USD", number = "n" .. i, description = "line " .. i }
                end
                local batch = c:import_batch(payments)
                print(batch.summary)
                local n, last = 0, nil
                for record in c:batch_records(batch.id) do n, last = n + 1, record.customNumber end
                print(n, last)
                local seen = 0
                for record in c:paginate("/", { operation = "get_batch_info", batch_id = batch.id }, { page_size = 700 }) do seen = seen + 1 end
                local history = 0
                for entry in c:history({}, { page_size = 1000 }) do history = history + 1 end
                print(seen, history)
                local ok, err = pcall(c.get_batch_info, c, { batch_id = batch.id })
                print(ok, err.code, err.status, tostring(err):match("^capitalist: 25: Information queries") ~= nil)
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            // Capitalist answers an error with HTTP 200: the status says it answered, the code what went wrong.
            #expect(output.standardOutput == "50.00\n5000\tn5000\n5000\t5000\nfalse\t25\t200\ttrue\n")
            let operations = server.requests.all.filter { $0.path.hasPrefix("/capitalist") }.count
            #expect(operations == 1 + 1 + 5 + 8 + 5 + 1, "a token, the import, 5 pages of 1,000, 8 of 700, 5 of history, the refused read")
        }
    }

    /// Every operation is a POST to one URL: `--verbose` lines that gave only those told the
    /// token's request from the operation's, and one operation from the next, by nothing.
    @Test func verboseNamesEachCapitalistOperation() async throws {
        try await withServer { server in
            let (status, output) = await run("""
                local c = payrun.provider("capitalist")
                c:call("get_accounts")
                pcall(c.call, c, "no_such\\nline")
                """, server: server, verbose: true)
            #expect(status == .success, "\(output.standardError)")
            let notes = output.standardError.split(separator: "\n").map(String.init)
            #expect(notes.count == 3, "\(notes)")
            #expect(notes.first?.hasPrefix("payrun: POST \(server.baseURL)/capitalist/ (get_token) → 200 in ") == true, "\(notes)")
            #expect(notes.dropFirst().first?.hasPrefix("payrun: POST \(server.baseURL)/capitalist/ (get_accounts) → 200 in ") == true, "\(notes)")
            #expect(notes.last?.hasPrefix("payrun: POST \(server.baseURL)/capitalist/ (no_such%0Aline) → ") == true, "a line break stays in its line: \(notes)")
        }
    }

    @Test func aMisspeltCapitalistOptionIsAnErrorAndNoBatchIsSent() async throws {
        // `verifcation = "PIN"` dropped would have signed the batch instead, and `pagesize` paged by 1,000.
        try await withServer { server in
            let (status, output) = await run("""
                local c = payrun.provider("capitalist")
                local payment = { account = "U011", amount = "1.00", currency = "USD", number = "n1", description = "x" }
                print(select(2, pcall(c.import_batch, c, { payment }, { verifcation = "PIN" })))
                print(select(2, pcall(c.batch_records, c, "b1", { pagesize = 10 })))
                print(select(2, pcall(c.history, c, {}, 100)))
                print(select(2, pcall(c.batch, c, { { chanel = "WM", account = "Z112224443331", amount = "1.00", currency = "USD", number = "n1", description = "x" } })))
                local ok, err = pcall(function() local batch = c:import_batch({ { acount = "U1", amount = "1.00", currency = "USD", number = "n2", description = "x" } }); return batch end)
                print(err)
                print(select(2, pcall(function() local records = c:batch_records("b1", { pagesize = 10 }); return records end)))
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            let lines = output.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count == 6, "\(output.standardOutput)")
            #expect(lines.first?.hasSuffix("bad argument #2 to 'import_batch' (unknown field 'verifcation' (the fields are verification, accounts, code))") == true, "\(lines)")
            #expect(lines.dropFirst().first?.hasSuffix("bad argument #2 to 'batch_records' (unknown field 'pagesize' (the fields are page_size, progress))") == true, "\(lines)")
            #expect(lines.dropFirst(2).first?.hasSuffix("bad argument #2 to 'history' (table expected, got number)") == true, "\(lines)")
            // `chanel = "WM"` left out would have paid through CAPITALIST.
            #expect(lines.dropFirst(3).first == "payment 1: unknown field 'chanel' (a CAPITALIST payment has channel, account, amount, currency, number, description)", "\(lines)")
            #expect(lines.last?.hasPrefix("(command line):9: bad argument #2 to 'batch_records' (unknown field 'pagesize'") == true,
                    "a paging option's error names the script's line too: \(lines)")
            #expect(lines.dropLast().last == "(command line):7: payment 1: unknown field 'acount' (a CAPITALIST payment has channel, account, amount, currency, number, description)",
                    "the error names the script's line, not the provider's chunk: \(lines)")
            #expect(!server.requests.all.contains { $0.path.hasPrefix("/capitalist") }, "nothing was sent: not the batch, not a page")
        }
    }

    @Test func signShowsACapitalistFormWithoutTheLoginOrThePassword() async throws {
        // Capitalist's signing writes the login and the password (a token and the password
        // encrypted with its key) into the form body: a script sees them redacted, its own fields
        // as it gave them, and nothing it could send to log in with.
        try await withServer { server in
            let (status, output) = await run("""
                local c = payrun.provider("capitalist")
                local accounts = c:call("get_accounts")
                local r = c:sign{ method = "POST", path = "/", body = { operation = "get_accounts", note = "a b", flag = true } }
                print(r.body)
                print(r.headers["Content-Type"], r.headers["x-response-format"])
                """, server: server)
            #expect(status == .success, "\(output.standardError)")
            let redacted = "[redacted: added by payrun when sent]"
            #expect(output.standardOutput == """
                login=\(redacted)&flag=1&note=a%20b&operation=get_accounts&token=\(redacted)&encrypted_password=\(redacted)
                application/x-www-form-urlencoded\tjson

                """)
            #expect(!output.combined.contains("sandbox-capitalist"), "neither the login nor the password shows")
        }
    }
}
