// payrun.progress: a line on a terminal that stays below what the script prints and is cleared at
// the end; nothing off a terminal, or one line with --verbose.
import Foundation
import PayrunTestSupport
import Testing

@Suite struct ProgressTests {
    static let script = """
        local p = payrun.progress(40, "payouts")
        for i = 1, 40 do
          payrun.sleep(0.01)
          p:add()
          if i == 20 then print("halfway") end
        end
        p:done()
        print("finished")
        """

    func withScript(_ body: (String) async throws -> Void) async throws {
        let path = TestFiles.path("payrun-progress") + ".lua"
        try Self.script.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(path)
    }

    @Test func onATerminalTheLineIsRedrawnKeptBelowPrintsAndCleared() async throws {
        let state = TestFiles.path("payrun-progress-state")
        defer { try? FileManager.default.removeItem(atPath: state) }
        try await withScript { path in
            // Off the pool: the terminal is waited for by a thread that sleeps.
            let (status, raw) = try await offThePool {
                let terminal = try PseudoTerminal(["run", path], environment: ["PAYRUN_STATE": state + "/state.db"])
                try terminal.waitFor("finished")
                return (terminal.exitStatus(), terminal.rawText)
            }
            #expect(status == 0)
            #expect(raw.contains("\rpayouts  40/40  100%"), "the line reaches the whole count: \(raw.debugDescription)")
            #expect(raw.contains("payouts  1/40  2%"), "it starts at the first step")
            // Before "halfway" the line is cleared, and drawn again after it.
            let halfway = raw.range(of: "halfway")!
            #expect(raw[..<halfway.lowerBound].hasSuffix("\r\u{1B}[K"), "cleared before the script's own line")
            #expect(raw[halfway.upperBound...].drop { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }.hasPrefix("payouts  "), "and redrawn after it")
            // At the end: cleared, then the script's last line, with no progress text after it.
            let finished = raw.range(of: "finished")!
            #expect(raw[..<finished.lowerBound].hasSuffix("\r\u{1B}[K"))
            #expect(!raw[finished.upperBound...].contains("payouts"))
            // At most ten redraws a second: 40 steps over about 0.4 s or more draw far fewer lines.
            #expect(raw.components(separatedBy: "\rpayouts").count - 1 < 20)
        }
    }

    @Test func parallelCountsItsFinishedCallsWhenAsked() async throws {
        let state = TestFiles.path("payrun-progress-state")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let code = """
            local items = {}
            for i = 1, 24 do items[i] = i end
            local results = payrun.parallel(items, function(i) payrun.sleep(0.02) return i * 2 end, { concurrency = 4, progress = "checks" })
            print("sum " .. (results[1] + results[24]))
            """
        let (status, raw) = try await offThePool {
            let terminal = try PseudoTerminal(["run", "-e", code], environment: ["PAYRUN_STATE": state + "/state.db"])
            try terminal.waitFor("sum 50")
            return (terminal.exitStatus(), terminal.rawText)
        }
        #expect(status == 0)
        #expect(raw.contains("\rchecks  24/24  100%"), "\(raw.debugDescription)")
        #expect(raw[..<raw.range(of: "sum 50")!.lowerBound].hasSuffix("\r\u{1B}[K"), "cleared before the script prints")
        let verbose = try await PayrunProcess.runOnce(["run", "--verbose", "-e", code], environment: ["PAYRUN_STATE": state + "/state.db"])
        #expect(verbose.standardError.contains("payrun: checks: 24 in "), "\(verbose.standardError)")
    }

    @Test func paginateCountsTheItemsItFetchedWhenAsked() async throws {
        let state = TestFiles.path("payrun-progress-state")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let code = """
            local n = 0
            for t in payrun.provider("particeep"):paginate("/transaction/search", nil, { page_size = 20, progress = "transactions" }) do
              n = n + 1
            end
            print("fetched " .. n)
            """
        let (shown, status, raw) = try await offThePool {
            let terminal = try PseudoTerminal(["run", "-e", code], environment: ["PAYRUN_STATE": state + "/state.db"])
            let shown = try terminal.waitFor("fetched ")
            return (shown, terminal.exitStatus(), terminal.rawText)
        }
        #expect(status == 0)
        #expect(raw.contains("\rtransactions  20  "), "the first page counted: \(raw.debugDescription)")
        #expect(raw[..<raw.range(of: "fetched ")!.lowerBound].hasSuffix("\r\u{1B}[K"), "cleared before the script prints: \(shown)")
    }

    @Test func offATerminalNothingOrOneLineWithVerbose() async throws {
        let state = TestFiles.path("payrun-progress-state")
        defer { try? FileManager.default.removeItem(atPath: state) }
        try await withScript { path in
            let quiet = try await PayrunProcess.runOnce(["run", path], environment: ["PAYRUN_STATE": state + "/state.db"])
            #expect(quiet.status == 0)
            #expect(quiet.standardOutput == "halfway\nfinished\n")
            #expect(quiet.standardError.isEmpty, "\(quiet.standardError)")
            let verbose = try await PayrunProcess.runOnce(["run", "--verbose", path], environment: ["PAYRUN_STATE": state + "/state.db"])
            #expect(verbose.standardError.contains("payrun: payouts: 40 in "), "\(verbose.standardError)")
        }
        let refused = try await PayrunProcess.runOnce(["run", "-e", "payrun.progress('many')"], environment: ["PAYRUN_STATE": state + "/state.db"])
        #expect(refused.standardError.contains("bad argument #1 to 'progress' (number expected, got string)"), "\(refused.standardError)")
    }
}
