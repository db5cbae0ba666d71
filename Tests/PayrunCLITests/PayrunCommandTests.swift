// `payrun` as a command: exit statuses, messages, streams and the shipped examples.
import Foundation
import PayrunTestSupport
import Testing

@Suite final class PayrunCommandTests {
    /// Each test's scripts, removed with it. Short names: Lua shortens a chunk name past 60
    /// characters, and the tests look for the script's path in messages.
    let folder = NSTemporaryDirectory() + "payrun-cli-\(UUID().uuidString.prefix(8))/"

    init() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func temporaryScript(_ source: String) throws -> String {
        let path = folder + "script-\(UUID().uuidString.prefix(8)).lua"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Another database's URL is refused, not made into a folder and a SQLite file.
    @Test func aStateURLOfAnotherDatabaseIsRefused() async throws {
        let refused = try await PayrunProcess.run(["runs", "--state", "mysql://ops@db/payrun"])
        #expect(refused.status == 2)
        #expect(refused.standardError.hasPrefix(
            "Error: --state 'mysql://ops@db/payrun': payrun keeps its state in a SQLite file or in PostgreSQL (postgres://USER@HOST:PORT/DATABASE), not mysql://"),
            "\(refused.standardError)")
        #expect(!FileManager.default.fileExists(atPath: PayrunProcess.packageRoot.path + "/mysql:"), "nothing made")
    }

    /// A mistyped script or folder listed the current folder's providers, as if it had none.
    @Test func providersRefusesAScriptOrFolderThatIsNotThere() async throws {
        let script = try await PayrunProcess.run(["providers", "/nonexistent/charge.lua"])
        #expect(script.status == 2 && script.standardError.hasPrefix("Error: cannot read /nonexistent/charge.lua: No such file or directory"),
                "\(script.standardError)")
        let folder = try await PayrunProcess.run(["providers", "--lib", "/nonexistent"])
        #expect(folder.status == 2 && folder.standardError.hasPrefix("Error: --lib /nonexistent: there is no such folder"), "\(folder.standardError)")
    }

    /// A misspelt provider over an empty inbox looked like a quiet inbox, with no hint.
    @Test func anEmptyInboxListedForAProviderWithNoSuchNameSaysSo() async throws {
        let state = folder + "state.db"
        #expect(try await PayrunProcess.run(["state", "migrate", "--state", state]).status == 0)
        let misspelt = try await PayrunProcess.run(["inbox", "list", "--provider", "peexx", "--state", state])
        #expect(misspelt.status == 0)
        #expect(misspelt.standardError.contains(
            "(the inbox is empty; 'peexx' is not one of payrun's providers: did you mean 'peex'? they are capitalist, particeep, peex, tradevest, "
                + "and a provider declared in Lua is named by its file, providers/NAME.lua)"), "\(misspelt.standardError)")
        let known = try await PayrunProcess.run(["inbox", "list", "--provider", "peex", "--state", state])
        #expect(known.standardError == "no events match in \(state)\n", "a provider of payrun's own is not called unknown")
    }

    @Test func aMemoryLimitTooSmallForAnyScriptIsAUsageError() async throws {
        let tiny = try await PayrunProcess.run(["run", "--max-memory", "1", "-e", "print(1)"])
        #expect(tiny.status == 2 && tiny.standardError.hasPrefix("Error: --max-memory must be at least 64K"), "\(tiny.standardError)")
        #expect(try await PayrunProcess.run(["run", "--max-memory", "64K", "-e", "print(1)"]).standardOutput == "1\n")
    }

    @Test func versionNamesPayrunAndItsLua() async throws {
        let result = try await PayrunProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("payrun 0.1.0 (Lua 5.4."))
    }

    @Test func annotationsAreWrittenAsTheEditorLibraryHasThem() async throws {
        let printed = try await PayrunProcess.run(["annotations"])
        #expect(printed.status == 0)
        let shipped = try String(contentsOf: PayrunProcess.packageRoot.appendingPathComponent("scripts/library/payrun.lua"), encoding: .utf8)
        #expect(printed.standardOutput == shipped)
        let path = TestFiles.path("payrun-annotations") + ".lua"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let written = try await PayrunProcess.run(["annotations", "--output", path])
        #expect(written.status == 0 && written.standardOutput.isEmpty)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == shipped)
        let refused = try await PayrunProcess.run(["annotations", "--output", "/nonexistent/folder/payrun.lua"])
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("cannot write /nonexistent/folder/payrun.lua"))
    }

    @Test func aScriptReadsTheFilesItWasGivenAndNoOthers() async throws {
        let data = TestFiles.path("payrun-input") + ".csv"
        try "a,b\n1,2\n".write(toFile: data, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: data) }
        let script = try temporaryScript("""
            print(payrun.input(1))
            print(pcall(function() return payrun.input(3) end))
            print(pcall(function() return payrun.input(2) end))
            print(rawget(_G, "io"), rawget(payrun, "readfile"))
            """)
        let result = try await PayrunProcess.run(["run", "--no-strict", script, data, "/nonexistent/file.csv"])
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(result.status == 0, "\(result.standardError)")
        guard lines.count >= 6 else { return }
        #expect(lines[0] == "a,b" && lines[1] == "1,2")
        #expect(lines[3].hasPrefix("false\t") && lines[3].contains("no argument 3 was given to the script"))
        #expect(lines[4].hasPrefix("false\t") && lines[4].contains("cannot read /nonexistent/file.csv (argument 2): No such file or directory"))
        #expect(lines[5] == "nil\tnil", "no way to open a file the user did not name")
        // A pipe can be read once: the second call gets the same bytes, not "".
        let twice = try temporaryScript("local first, second = payrun.input(1), payrun.input(1)\nprint(#first, #second, first == second)")
        let piped = try await PayrunProcess.run(["run", twice, "/dev/stdin"], input: "x,y\n")
        #expect(piped.standardOutput == "4\t4\ttrue\n", "\(piped.combined)")
    }

    @Test func aScriptThatFinishesExitsZero() async throws {
        let path = try temporaryScript("print('paid', ...)")
        let result = try await PayrunProcess.run(["run", path, "3", "--dry"])
        #expect(result.status == 0)
        #expect(result.standardOutput == "paid\t3\t--dry\n")
        #expect(result.standardError.isEmpty)
    }

    @Test func aScriptThatRaisesExitsOneWithMessageAndTraceback() async throws {
        let path = try temporaryScript("local amount = nil\nprint(amount + 1)\n")
        let result = try await PayrunProcess.run(["run", path])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("payrun: \(path):2: attempt to perform arithmetic on a nil value (local 'amount')\nstack traceback:\n"))
        #expect(result.standardError.contains("\(path):2: in main chunk"))
        // Lua 5.4.4 names a generic for's iterator twice: `in for iterator 'for iterator'`.
        let looped = try temporaryScript("local function each() error('boom') end\nfor _ in each do end\n")
        let loop = try await PayrunProcess.run(["run", looped])
        #expect(loop.standardError.contains("\(looped):1: in a for loop's iterator\n"), "\(loop.standardError)")
    }

    @Test func whatTheMainChunkReturnsIsIgnoredHoweverDeep() async throws {
        let result = try await PayrunProcess.run(["run", "-e", "local t = {} for i = 1, 100000 do t = {t} end return t"])
        #expect(result.status == 0)
    }

    @Test func aSyntaxErrorExitsOne() async throws {
        let path = try temporaryScript("if then")
        let result = try await PayrunProcess.run(["run", path])
        #expect(result.status == 1)
        #expect(result.standardError == "payrun: \(path):1: unexpected symbol near 'then'\n")
    }

    @Test func usageErrorsExitTwo() async throws {
        let unknown = try await PayrunProcess.run(["run", "--no-such-option"])
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains("--no-such-option"))
        #expect(try await PayrunProcess.run(["run"]).status == 2)
        let missing = try await PayrunProcess.run(["run", "/nonexistent/batch.lua"])
        #expect(missing.status == 2)
        #expect(missing.standardError == "payrun: cannot read /nonexistent/batch.lua: No such file or directory\n")
        let frobnicate = try await PayrunProcess.run(["frobnicate"])
        #expect(frobnicate.status == 2)
        #expect(frobnicate.standardError.hasPrefix("payrun: unknown command 'frobnicate'; the commands are run, runs, listen,"), "\(frobnicate.standardError)")
        // A slip of the fingers gets the command it was meant to be; a script, the command that runs it.
        let misspelt = try await PayrunProcess.run(["runn", "batch.lua"])
        #expect(misspelt.status == 2 && misspelt.standardError == "payrun: unknown command 'runn' (did you mean 'run'?)\n", "\(misspelt.standardError)")
        // ArgumentParser reads `-1` as an option and said the value was missing.
        let negative = try await PayrunProcess.run(["run", "--timeout", "-1", "-e", "print(1)"])
        #expect(negative.status == 2 && negative.standardError == "Error: --timeout -1: the value cannot be negative\n", "\(negative.standardError)")
        // Under a millisecond is no limit at all: said as such, not as a time that is not positive.
        let tiny = try await PayrunProcess.run(["run", "--timeout", "0.0004", "-e", "print(1)"])
        #expect(tiny.status == 2 && tiny.standardError.hasPrefix("Error: --timeout must be at least 1ms"), "\(tiny.standardError)")
        let bare = try await PayrunProcess.run(["batch.lua"])
        #expect(bare.status == 2 && bare.standardError == "payrun: 'batch.lua' is not a command; to run a script: payrun run batch.lua\n", "\(bare.standardError)")
        // A mistyped module folder, said at once rather than as a module not found later.
        let lib = try await PayrunProcess.run(["run", "--lib", "/nonexistent/lib", "-e", "print(1)"])
        #expect(lib.status == 2 && lib.standardError.contains("--lib /nonexistent/lib: there is no such folder"), "\(lib.standardError)")
    }

    /// `--timeout` took seconds only while the listener's `--grace` took `30s`: both take both.
    @Test func timeLimitsAreSecondsOrHaveAUnit() async throws {
        for limit in ["0.5", "500ms", "1s"] {
            let stopped = try await PayrunProcess.run(["run", "--timeout", limit, "-e", "while true do end"])
            #expect(stopped.status == 3 && stopped.standardError.contains("it ran past its time limit"), "\(limit): \(stopped.standardError)")
        }
        // Inside a paging loop too, the stop names the script's line (it lost every frame while
        // the loop's cursor was its closing value).
        let paging = try await PayrunProcess.run(["run", "--timeout", "0.5", "-e", """
            local n = 0
            for _ in payrun.provider("particeep"):paginate("/transaction/search", nil, { page_size = 10 }) do
              n = n + 1
              if n == 3 then while true do end end
            end
            """])
        #expect(paging.status == 3 && paging.standardError.contains("(command line):4: in main chunk"), "\(paging.standardError)")
        let bad = try await PayrunProcess.run(["run", "--timeout", "5x", "-e", "print(1)"])
        #expect(bad.status == 2 && bad.standardError.contains("seconds, or 30s, 5m, 1h"), "\(bad.standardError)")
        // The listener's help says its own default, and offers no --dry-run it would refuse.
        let help = try await PayrunProcess.run(["listen", "--help"])
        #expect(help.standardOutput.contains("5m a handler for") && !help.standardOutput.contains("--dry-run"), "\(help.standardOutput)")
        #expect(try await PayrunProcess.run(["repl", "--help"]).standardOutput.contains("--dry-run"))
    }

    @Test func aStoreOffDiskAndAListenerWithNoTimeAreRefusedSayingWhy() async throws {
        // A state store on /proc is not on a full disk, and SQLite's wording is not shown as it is.
        let proc = try await PayrunProcess.run(["run", "--state", "/proc/payrun-state.db", "-e", "print(1)"])
        #expect(proc.status != 0 && proc.standardError.contains("such as /proc or /sys") && !proc.standardError.contains("disk is full")
                && !proc.standardError.contains("open to"), "\(proc.standardError)")
        // No time for a request's head would cut every sender off, /health too: refused at start.
        for option in ["--head-timeout", "--body-timeout"] {
            let none = try await PayrunProcess.run(["listen", option, "0", "handlers.lua"])
            #expect(none.status == 2 && none.standardError.contains("\(option) must be more than 0"), "\(none.standardError)")
        }
        let memory = try await PayrunProcess.run(["run", "--max-memory", "0", "-e", "print(1)"])
        #expect(memory.status == 2 && memory.standardError.contains("--max-memory must be at least 64K"), "\(memory.standardError)")
        let host = try await PayrunProcess.run(["listen", "--host", "999.1.1.1", "handlers.lua"])
        #expect(host.status == 2 && host.standardError.contains("--host takes an address of this machine") && !host.standardError.contains("SocketAddressError"),
                "\(host.standardError)")
    }

    @Test func chunksFromTheCommandLineAndStandardInput() async throws {
        let inline = try await PayrunProcess.run(["run", "-e", "print(payrun.json.encode({1, 2}))"])
        #expect(inline.standardOutput == "[1,2]\n")
        let piped = try await PayrunProcess.run(["run", "-", "x"], input: "print('from stdin', ...)")
        #expect(piped.standardOutput == "from stdin\tx\n")
        // Each piped script is a job of its own, by its text: all were one job, `-`, and one
        // resumed another's run.
        let environment = ["PAYRUN_STATE": RunsCommandTests.temporaryState()]
        for text in ["error('first')", "error('second')", "error('first')"] {
            let failed = try await PayrunProcess.runOnce(["run", "-"], environment: environment, input: text)
            #expect(failed.status == 1 && failed.standardError.contains("stdin:1: "), "\(failed.standardError)")
        }
        let listed = try await PayrunProcess.runOnce(["runs", "--json"], environment: environment).standardOutput
        let keys = (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
        #expect(keys.count == 3 && Set(keys).count == 2 && keys.first == keys.last, "\(listed)")
    }

    @Test func outputAndErrorsInterleaveInTheOrderWritten() async throws {
        let path = try temporaryScript("""
            for i = 1, 3 do
              print("out " .. i)
              payrun.stderr:write("err " .. i .. "\\n")
            end
            error("stop", 0)
            """)
        let result = try await PayrunProcess.run(["run", path])
        #expect(result.status == 1)
        #expect(result.combined.hasPrefix("out 1\nerr 1\nout 2\nerr 2\nout 3\nerr 3\npayrun: stop\nstack traceback:\n"))
    }

    @Test func theReconciliationExampleReconcilesACSVLedgerAgainstTheSimulator() async throws {
        let folder = TestFiles.path("payrun-reconcile")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try await PayrunProcess.runOnce(
            ["run", "--out", folder + "/reports", "scripts/examples/reconcile.lua", "scripts/examples/ledger-2023-11-15.csv"],
            environment: ["PAYRUN_STATE": folder + "/state.db"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("matched                    2  matched.csv\nmismatched                 1  mismatched.csv\n"))
        #expect(result.standardOutput.contains("EUR       10311.00\n"))
        func report(_ name: String) -> String { (try? String(contentsOfFile: folder + "/reports/" + name, encoding: .utf8)) ?? "" }
        #expect(report("matched.csv") == "reference,amount,currency\r\ntxn_3,3357.00,EUR\r\ntxn_5,1583.00,EUR\r\n")
        #expect(report("mismatched.csv").hasSuffix("\r\ntxn_7,4505.00,EUR,4550.00,EUR\r\n"), "the simulator says 4505.00, the ledger 4550.00")
        #expect(report("missing-in-ledger.csv").hasSuffix("\r\ntxn_8,866.00,EUR\r\n"))
        #expect(report("missing-at-provider.csv").hasSuffix("\r\ntxn_99,120.00,EUR,5\r\n"))
        let bad = try await PayrunProcess.runOnce(["run", "--out", folder + "/reports", "scripts/examples/reconcile.lua", "scripts/examples/ledger-2023-11-15.csv", "yesterday"],
                                            environment: ["PAYRUN_STATE": folder + "/state.db"])
        #expect(bad.standardError.contains("DAY must look like 2023-11-15, not yesterday"))
    }
}
