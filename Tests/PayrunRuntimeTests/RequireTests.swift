// require in the sandbox: modules next to the script and in --lib folders, real third-party
// pure-Lua libraries, and nothing from outside those trees.
import LuaKit
import PayrunRuntime
import PayrunTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct RequireTests {
    let root: String

    init() throws {
        root = TestFiles.path("payrun-require")
        for folder in ["", "/lib", "/lib/util", "/outside"] { mkdir(root + folder, 0o700) }
    }

    func write(_ path: String, _ text: String) {
        let file = fopen(root + "/" + path, "w")!
        fputs(text, file)
        fclose(file)
    }

    func copy(_ source: String, to path: String) throws {
        guard let input = fopen(source, "r") else {
            Issue.record("\(source) is missing: scripts/test.sh installs lua-dkjson and lua-inspect")
            return
        }
        defer { fclose(input) }
        let output = fopen(root + "/" + path, "w")!
        defer { fclose(output) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, input)
            if count == 0 { break }
            fwrite(buffer, 1, count, output)
        }
    }

    /// Runs `main.lua` in the root with `lib` as a --lib folder.
    func run(_ main: String) -> (PayrunExitStatus, CapturedOutput) {
        write("main.lua", main)
        let output = CapturedOutput()
        let runner = ScriptRunner(output: output, sandbox: SandboxOptions(libraryPaths: [root + "/lib"]))
        return (runner.run(ScriptInvocation(scriptPath: root + "/main.lua")), output)
    }

    @Test func modulesNextToTheScriptAndInLibFolders() {
        write("helpers.lua", "return { double = function(x) return x * 2 end }")
        write("lib/util/csv.lua", """
            local M = {}
            function M.split(line) local t = {} for part in line:gmatch("[^,]+") do t[#t + 1] = part end return t end
            return M
            """)
        let (status, output) = run("""
            local helpers = require("helpers")
            local csv, path = require("util.csv")
            print(helpers.double(21), csv.split("a,b,c")[3], require("helpers") == helpers, path:match("lib/util/csv.lua$") ~= nil)
            print(require("payrun.json").encode({1}), require("payrun") == payrun, require("string") == string)
            """)
        #expect(status == .success, "\(output.standardError)")
        #expect(output.standardOutput == "42\tc\ttrue\ttrue\n[1]\ttrue\ttrue\n")
    }

    @Test func thirdPartyPureLuaLibrariesWork() throws {
        try copy("/usr/share/lua/5.4/dkjson.lua", to: "dkjson.lua")
        try copy("/usr/share/lua/5.3/inspect.lua", to: "inspect.lua")
        let (status, output) = run("""
            local dkjson = require("dkjson")
            local inspect = require("inspect")
            local value = dkjson.decode('{"ids":[3,1,2],"name":"batch"}')
            print(dkjson.encode(value, { keyorder = { "ids", "name" } }))
            print(inspect({ 1, { a = "b" } }, { newline = " ", indent = "" }))
            """)
        #expect(status == .success, "\(output.standardError)")
        #expect(output.standardOutput == "{\"ids\":[3,1,2],\"name\":\"batch\"}\n{ 1, { a = \"b\" } }\n")
    }

    @Test func aMissingModuleListsWhereItWasLookedFor() {
        let (status, output) = run("require('missing.thing')")
        #expect(status == .scriptFailed)
        #expect(output.standardError.contains("module 'missing.thing' not found:"))
        #expect(output.standardError.contains("no file '\(root)/missing/thing.lua'"))
        #expect(output.standardError.contains("no file '\(root)/lib/missing/thing/init.lua'"))
    }

    @Test func namesThatClimbOutOrLinksThatLeadOutAreRefused() {
        write("outside/secret.lua", "return 'secret'")
        symlink(root + "/outside/secret.lua", root + "/inside.lua")  // stays inside the script's tree
        symlink(root + "/outside/secret.lua", root + "/lib/sideways.lua")  // leaves the lib folder
        symlink("/etc/hostname", root + "/escape.lua")
        let (status, output) = run("""
            print(select(2, pcall(require, "../outside/secret")))
            print(select(2, pcall(require, "/etc/hostname")))
            local function first_line(ok, message) return tostring(ok) .. "\\t" .. message:match("[^\\n]*") end
            print(first_line(pcall(require, "escape")))
            print(require("inside"))
            print(first_line(pcall(require, "sideways")))
            """)
        #expect(status == .success, "\(output.standardError)")
        let lines = output.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].contains("bad argument #1 to 'require' (module names are words separated by dots"))
        #expect(lines[1].contains("bad argument #1 to 'require'"))
        #expect(lines[2].hasPrefix("false\tmodule 'escape' not found"))
        #expect(lines[3] == "secret\t\(root)/inside.lua")
        #expect(lines[4].hasPrefix("false\tmodule 'sideways' not found"))
    }

    @Test func cyclesErrorsAndBytecodeInModules() {
        write("a.lua", "return require('b')")
        write("b.lua", "return require('a')")
        write("broken.lua", "local x = 1\nerror('broken at load')")
        write("compiled.lua", "\u{1B}LuaT\0fake bytecode")
        let (status, output) = run("""
            print(select(2, pcall(require, "a")))
            print(select(2, pcall(require, "broken")))
            print(select(2, pcall(require, "compiled")))
            """)
        #expect(status == .success, "\(output.standardError)")
        let lines = output.standardOutput.split(separator: "\n")
        #expect(lines[0].contains("module 'a' requires itself, directly or through other modules"))
        #expect(lines[1].hasSuffix("broken.lua:2: broken at load"))
        #expect(lines[2].contains("attempt to load a binary chunk"))
    }
}
