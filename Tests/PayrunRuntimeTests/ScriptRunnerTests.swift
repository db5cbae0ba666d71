// The runner: arguments, chunks, failures reported as `lua` reports them, and output order.
import LuaKit
import PayrunRuntime
import PayrunTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ScriptRunnerTests {
    let output = CapturedOutput()

    func run(_ invocation: ScriptInvocation) -> PayrunExitStatus {
        ScriptRunner(output: output).run(invocation)
    }

    /// Writes `source` to a temporary script file and returns its path.
    func script(_ source: String, name: String = "script.lua") throws -> String {
        let path = TestFiles.root + name
        let file = fopen(path, "w")!
        fputs(source, file)
        fclose(file)
        return path
    }

    @Test func argumentsArriveInArgAndInDots() throws {
        let path = try script("print(arg[0] == ..., #arg, arg[1], arg[2], select('#', ...), ...)", name: "args.lua")
        #expect(run(ScriptInvocation(scriptPath: path, arguments: ["one", "two"])) == .success)
        #expect(output.standardOutput == "false\t2\tone\ttwo\t2\tone\ttwo\n")
    }

    @Test func chunksRunBeforeTheScriptInOrder() throws {
        let path = try script("print(greeting .. ' from the script')", name: "chunks.lua")
        #expect(run(ScriptInvocation(chunks: ["greeting = 'hello'", "print(greeting)"], scriptPath: path)) == .success)
        #expect(output.standardOutput == "hello\nhello from the script\n")
    }

    @Test func aRaisedErrorPrintsTheMessageAndATracebackWithFileAndLine() throws {
        let path = try script("""
            local function settle(id)
              error("transfer " .. id .. " is stuck")
            end
            settle("tr_9")
            """, name: "stuck.lua")
        #expect(run(ScriptInvocation(scriptPath: path)) == .scriptFailed)
        let lines = output.standardError.split(separator: "\n").map(String.init)
        #expect(lines.first == "payrun: \(path):2: transfer tr_9 is stuck")
        #expect(lines.dropFirst().first == "stack traceback:")
        #expect(lines.contains { $0.contains("\(path):2: in ") && $0.contains("settle") })
        #expect(lines.contains { $0.contains("\(path):4: in main chunk") })
    }

    @Test func aSyntaxErrorNamesFileLineAndWhatWasExpected() throws {
        let path = try script("local total = 0\nfor i = 1, 3\n  total = total + i\nend\n", name: "syntax.lua")
        #expect(run(ScriptInvocation(scriptPath: path)) == .scriptFailed)
        #expect(output.standardError == "payrun: \(path):3: 'do' expected near 'total'\n")
    }

    @Test func aMissingScriptOrNothingToRunIsAUsageError() throws {
        #expect(run(ScriptInvocation(scriptPath: "/nonexistent/payouts.lua")) == .usage)
        #expect(output.standardError == "payrun: cannot read /nonexistent/payouts.lua: No such file or directory\n")
        #expect(run(ScriptInvocation()) == .usage)
    }

    @Test func aShebangLineIsSkippedAndLineNumbersKept() throws {
        let path = try script("#!/usr/bin/env payrun run\nerror('line two')\n", name: "shebang.lua")
        #expect(run(ScriptInvocation(scriptPath: path)) == .scriptFailed)
        #expect(output.standardError.hasPrefix("payrun: \(path):2: line two\n"))
    }

    @Test func printAndWritesKeepTheirOrderAcrossStreams() throws {
        #expect(run(ScriptInvocation(chunks: ["""
            print('one', 2, nil)
            payrun.stdout:write('three', 4, '\\n')
            payrun.stderr:write('five\\n'):write('six\\n')
            payrun.stdout:write('seven\\n')
            print(setmetatable({}, {__tostring = function() return 'eight' end}))
            """])) == .success)
        #expect(output.combined == "one\t2\tnil\nthree4\nfive\nsix\nseven\neight\n")
        #expect(output.writes.map(\.stream) == [.standardOutput, .standardOutput, .standardError, .standardError, .standardOutput, .standardOutput])
    }

    @Test func anErrorObjectThatIsNotAStringIsReported() throws {
        // What its fields say, not only that it is a table.
        #expect(run(ScriptInvocation(chunks: ["error({code = 'E1', amount = 12, final = true, nested = {}})"])) == .scriptFailed)
        #expect(output.standardError.hasPrefix("payrun: (error object is a table value: amount = 12, code = \"E1\", final = true)\n"),
                "\(output.standardError)")
        #expect(run(ScriptInvocation(chunks: ["error(setmetatable({}, {__tostring = function() return 'declined' end}))"])) == .scriptFailed)
        #expect(output.standardError.contains("payrun: declined\n"))
    }
}
